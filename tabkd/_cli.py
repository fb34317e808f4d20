"""The ``tabkd`` command line."""

import argparse
import json
import sys
import time

DEFAULT_DATASET = "credit_data"


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="tabkd",
        description="Distil a tabular ensemble into one small, fast model.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    distill = commands.add_parser(
        "distill",
        help="fit teacher and student, print the side-by-side table",
        description=(
            "Fit a DistilledClassifier on a bundled real dataset (default: "
            f"{DEFAULT_DATASET}) or on your CSV, then print teacher, distilled "
            "student and hard-label student side by side on a held-out split."
        ),
    )
    source = distill.add_argument_group("data")
    source.add_argument("--data", metavar="CSV", help="path to a CSV file")
    source.add_argument("--target", metavar="COLUMN",
                        help="target column of --data (required with --data)")
    source.add_argument("--dataset", default=None, metavar="NAME",
                        help="a bundled dataset (see tabkd datasets); default "
                             f"{DEFAULT_DATASET}")
    distill.add_argument("--out", metavar="PATH",
                         help="save the fitted estimator here with joblib")
    distill.add_argument("--student", choices=["lightgbm", "mlp"], default="lightgbm")
    distill.add_argument("--teacher", choices=["stacking", "voting"], default="stacking")
    distill.add_argument("--augmentation", default="munge",
                         help="munge, marginal, interpolation, conditional or none")
    distill.add_argument("--n-synthetic", default="auto",
                         help="synthetic rows: a count, a multiple like 5.0, or auto")
    distill.add_argument("--test-size", type=float, default=0.25,
                         help="held-out share of the rows (default 0.25)")
    distill.add_argument("--seed", type=int, default=0, help="random seed")
    distill.add_argument("--n-jobs", type=int, default=-1,
                         help="parallel jobs (default -1: all cores)")
    distill.add_argument("--json", action="store_true",
                         help="print machine-readable results instead of the table")
    distill.add_argument("--debug", action="store_true",
                         help="show full tracebacks on errors")
    commands.add_parser("datasets", help="list the bundled datasets")
    return parser


def _n_synthetic(text):
    if text == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        return float(text)


def _load(args):
    from .benchmarks import load_csv, load_dataset

    if args.data:
        if not args.target:
            raise SystemExit("tabkd: error: --data needs --target COLUMN")
        return load_csv(args.data, args.target), args.data
    name = args.dataset or DEFAULT_DATASET
    return load_dataset(name), name


def _distill(args):
    import joblib
    from sklearn.model_selection import train_test_split

    from . import DistilledClassifier
    from .benchmarks import compare_with_teacher, format_table

    (X, y), source = _load(args)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.seed, stratify=y
    )
    augmentation = None if args.augmentation.lower() == "none" else args.augmentation
    model = DistilledClassifier(
        teacher=args.teacher,
        student=args.student,
        augmentation=augmentation,
        n_synthetic=_n_synthetic(args.n_synthetic),
        n_jobs=args.n_jobs,
        random_state=args.seed,
        verbose=0 if args.json else 1,
    )
    if not args.json:
        print(f"tabkd distill: {source}: {len(X_train):,} training rows, "
              f"{len(X_test):,} held out, {X.shape[1]} columns, "
              f"{len(model.classes_) if hasattr(model, 'classes_') else len(set(y))} "
              "classes", flush=True)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    rows, summary = compare_with_teacher(model, X_train, y_train, X_test, y_test)
    if args.out:
        joblib.dump(model, args.out)
    if args.json:
        print(json.dumps({
            "source": source, "n_train": len(X_train), "n_test": len(X_test),
            "fit_seconds": fit_seconds, "fit_report": model.fit_report_,
            "rows": rows, "summary": summary, "saved_to": args.out,
        }, indent=2, default=float))
        return
    print()
    print(format_table(rows))
    print()
    edge = summary["edge_recovered_accuracy"]
    edge_text = "n/a (the teacher has no accuracy edge here)" if edge != edge else f"{edge:.0%}"
    print(f"fit {fit_seconds:.1f} s  |  accuracy edge recovered: {edge_text}  |  "
          f"student is {summary['latency_ratio_1row']:.0f}x faster per row and "
          f"{summary['size_ratio']:.0f}x smaller than the teacher")
    if args.out:
        print(f"saved the fitted estimator to {args.out}")


def _datasets():
    from .benchmarks import get_dataset_spec, list_datasets

    for name in list_datasets():
        spec = get_dataset_spec(name)
        print(f"{name:<15} {spec.task:<10} {spec.n_rows:>7,} rows  {spec.source}")


def main(argv=None):
    """Entry point of the ``tabkd`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "distill":
            _distill(args)
        elif args.command == "datasets":
            _datasets()
    except (ValueError, TypeError, FileNotFoundError, KeyError, ImportError) as exc:
        if getattr(args, "debug", False):
            raise
        print(f"tabkd: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
