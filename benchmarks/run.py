"""Run the tabkd benchmark suite and write its report.

Usage::

    python benchmarks/run.py                      # default suite, 3 seeds
    python benchmarks/run.py --quick              # smoke run, under a minute
    python benchmarks/run.py --max-rows 3000 --seeds 0 1 2
    python benchmarks/run.py --data my.csv --target label --out my_results

Results (``report.md``, ``results.json``, ``measurements.csv`` and two PNG
plots) go to ``benchmarks/results/`` unless ``--out`` says otherwise.
"""

import argparse
import os
import shlex
import sys

from tabkd.benchmarks._report import write_results
from tabkd.benchmarks._runner import run_benchmark

_HERE = os.path.dirname(os.path.abspath(__file__))


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one small dataset, one seed, small students")
    parser.add_argument("--datasets", nargs="+", default=None,
                        help="registered dataset names (default: the suite)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help="split seeds (default: 0 1 2)")
    parser.add_argument("--max-rows", type=int, default=None,
                        help="stratified cap on rows per dataset")
    parser.add_argument("--data", default=None, help="a user CSV file")
    parser.add_argument("--target", default=None, help="label column of --data")
    parser.add_argument("--students", nargs="+", default=["lightgbm", "mlp"],
                        choices=["lightgbm", "mlp"])
    parser.add_argument("--protocol-seeds", type=int, default=None,
                        help="seeds of the tutorial seed protocol (0 skips it)")
    parser.add_argument("--latency-calls", type=int, default=None,
                        help="timed single-row calls per contender")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="parallel teacher fits (default 1)")
    parser.add_argument("--out", default=os.path.join(_HERE, "results"),
                        help="output directory")
    parser.add_argument("--no-progress", action="store_true")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    results = run_benchmark(
        args.datasets, seeds=args.seeds, max_rows=args.max_rows,
        quick=args.quick, data=args.data, target=args.target,
        n_jobs=args.n_jobs, n_latency_calls=args.latency_calls,
        protocol_seeds=args.protocol_seeds, students=tuple(args.students),
        progress=not args.no_progress,
    )
    results["command"] = "python benchmarks/run.py " + shlex.join(argv)
    paths = write_results(results, args.out)
    print(f"report: {paths['markdown']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
