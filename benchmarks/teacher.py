"""Teacher strength: each teacher against its best member and a default LightGBM.

For every (dataset, seed) split and every teacher configuration, the
teacher is fitted on the training rows (``DistilledClassifier`` with no
augmentation and a one-round student, so the time is the teacher's), and
scored on the held-out rows together with its best member (lowest
out-of-fold log loss) and a default ``LGBMClassifier``. Differences in
per-row log loss and accuracy get paired-bootstrap intervals. Tables go to
``--out`` as ``teacher.md`` and ``teacher.json``.

Examples
--------
Smoke run (two datasets capped at 1,000 rows, one seed, two teachers)::

    python benchmarks/teacher.py --quick --out /tmp/teacher_quick

A fuller run::

    python benchmarks/teacher.py --seeds 0 1 2 --max-rows 4000
"""

import argparse
import json
import os
import sys
import time

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.model_selection import train_test_split

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd._schema import TableSchema
from tabkd.benchmarks import classification_metrics, load_dataset, paired_bootstrap

DATASETS = (
    "breast_cancer", "digits", "penguins", "credit_card", "credit_data",
    "wa_churn", "lending_club", "diamonds", "nass_cds",
)
QUICK_DATASETS = ("breast_cancer", "credit_data")
# name -> DistilledClassifier teacher parameters
TEACHERS = {
    "stacking/default": dict(teacher="stacking"),
    "voting/extended/bagged": dict(teacher="voting", teacher_members="extended",
                                   teacher_bagging=True),
    "stacking/extended/bagged": dict(teacher="stacking", teacher_members="extended",
                                     teacher_bagging=True),
    "selection/extended/bagged": dict(teacher="selection",
                                      teacher_members="extended",
                                      teacher_bagging=True),
}
QUICK_TEACHERS = ("stacking/default", "selection/extended/bagged")


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--teachers", nargs="+", default=None,
                        choices=sorted(TEACHERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-rows", type=int, default=4000)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="teacher_time_limit in seconds")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--out", default="benchmarks/results/teacher")
    parser.add_argument("--quick", action="store_true",
                        help="two datasets, 1,000 rows, 3 folds, two teachers")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_rows = min(args.max_rows, 1000)
        args.cv = 3
    if args.datasets is None:
        args.datasets = list(QUICK_DATASETS if args.quick else DATASETS)
    if args.teachers is None:
        args.teachers = list(QUICK_TEACHERS if args.quick else TEACHERS)
    return args


def _per_row(proba, codes):
    p = np.clip(proba[np.arange(len(codes)), codes], 1e-15, None)
    return -np.log(p), (proba.argmax(axis=1) == codes).astype(float)


def _compare(a, b, n_boot, seed):
    # Log loss: negative means the teacher is better. Accuracy: positive.
    return {
        "log_loss": paired_bootstrap(a[0], b[0], n_boot=n_boot, random_state=seed),
        "accuracy": paired_bootstrap(a[1], b[1], n_boot=n_boot, random_state=seed),
    }


def run_split(name, seed, args):
    """Fit every teacher and the baseline on one split; score the test rows."""
    X, y = load_dataset(name, max_rows=args.max_rows, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    classes = np.unique(y_train)
    codes = np.searchsorted(classes, y_test)

    # The baseline reads the same canonical frame as the teacher's members.
    start = time.perf_counter()
    table = TableSchema().fit(X_train)
    baseline = LGBMClassifier(random_state=seed, n_jobs=1, verbose=-1)
    baseline.fit(table.to_frame(X_train), y_train)
    baseline_proba = baseline.predict_proba(table.to_frame(X_test))
    baseline_seconds = time.perf_counter() - start
    baseline_rows = _per_row(baseline_proba, codes)

    records = []
    for teacher_name in args.teachers:
        model = DistilledClassifier(
            **TEACHERS[teacher_name], teacher_time_limit=args.time_limit,
            student=LightGBMStudent(n_estimators=1), augmentation=None,
            cv=args.cv, n_jobs=args.n_jobs, random_state=seed,
        ).fit(X_train, y_train)
        report = model.fit_report_["teacher"]
        teacher = model.teacher_
        proba = teacher.predict_proba(X_test)
        names = [member.name for member in teacher.members]
        best = min(names, key=lambda n: report["members"][n]["log_loss"])
        best_proba = teacher.member_probas(X_test)[names.index(best)]
        rows, best_rows = _per_row(proba, codes), _per_row(best_proba, codes)
        records.append({
            "dataset": name, "seed": seed, "teacher": teacher_name,
            "n_train": int(len(y_train)), "n_test": int(len(y_test)),
            "fit_seconds": report["fit_seconds"],
            "baseline_seconds": baseline_seconds,
            "best_member": best,
            "teacher_metrics": classification_metrics(y_test, proba, classes),
            "best_member_metrics": classification_metrics(y_test, best_proba, classes),
            "lightgbm_metrics": classification_metrics(y_test, baseline_proba, classes),
            "vs_best_member": _compare(rows, best_rows, args.n_boot, seed),
            "vs_lightgbm": _compare(rows, baseline_rows, args.n_boot, seed),
            "weights": report["combiner"].get("weights"),
            "budget": report.get("budget"),
        })
        print(f"{name:<14} seed {seed} {teacher_name:<26} "
              f"{report['fit_seconds']:7.1f} s  log loss "
              f"{records[-1]['teacher_metrics']['log_loss']:.4f}", flush=True)
    return records


def _ci(result, digits=4):
    mark = "*" if result["significant"] else ""
    return (f"{result['mean_diff']:+.{digits}f} "
            f"[{result['low']:+.{digits}f}, {result['high']:+.{digits}f}]{mark}")


def render(records, args):
    """Markdown: one row per (dataset, seed, teacher)."""
    lines = [
        "# Teacher vs best member vs default LightGBM",
        "",
        f"Command: `python benchmarks/teacher.py {' '.join(sys.argv[1:])}`",
        "",
        "Log-loss differences are teacher minus other (negative: teacher "
        "better); accuracy differences likewise (positive: teacher better). "
        "95% paired-bootstrap intervals over test rows; `*` excludes zero.",
        "",
        "| dataset | seed | teacher | fit s | log loss | best member | "
        "Δ log loss vs best | Δ log loss vs LightGBM | Δ acc vs LightGBM |",
        "|---|---:|---|---:|---:|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['teacher']} | "
            f"{r['fit_seconds']:.1f} | {r['teacher_metrics']['log_loss']:.4f} | "
            f"{r['best_member']} ({r['best_member_metrics']['log_loss']:.4f}) | "
            f"{_ci(r['vs_best_member']['log_loss'])} | "
            f"{_ci(r['vs_lightgbm']['log_loss'])} | "
            f"{_ci(r['vs_lightgbm']['accuracy'], 3)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = _parse(argv)
    records = []
    for name in args.datasets:
        for seed in args.seeds:
            records.extend(run_split(name, seed, args))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "teacher.json"), "w") as fh:
        json.dump({"args": vars(args), "records": records}, fh, indent=1)
    markdown = render(records, args)
    with open(os.path.join(args.out, "teacher.md"), "w") as fh:
        fh.write(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
