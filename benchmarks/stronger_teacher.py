"""Does the stronger teacher make a better student?

``benchmarks/teacher.py`` found selection over the extended, bagged
members the strongest teacher at up to 3,000 rows; the default stayed
stacking over the default members. This script re-measures the *student*
under both teachers. For every (dataset, seed) split, with the same rows
and 75/25 stratified split as ``benchmarks/teacher.py``, it fits on the
training rows:

- ``default``: ``DistilledClassifier(random_state=seed, n_jobs=N)``;
- ``strong``: the same with ``teacher="selection"``,
  ``teacher_members="extended"`` and ``teacher_bagging=True``;
- ``hard``: the default model's student class fitted on one-hot labels
  (:func:`tabkd.benchmarks._compare.hard_label_student`), the baseline
  that the distilled students should beat.

Each teacher, each distilled student and the hard-label student are scored
on the test rows: accuracy, log loss, agreement of each student with each
teacher, fit seconds. Per dataset, the seeds' test rows are pooled and
paired-bootstrapped: strong student against default student and against
the hard-label student, and the edge each teacher's student recovers over
the hard-label student. A last line pools the datasets.

Writes ``<out>.md`` (tables) and ``<out>.json`` (arguments, summary,
per-split metrics and the per-row scores the summary is computed from)
after every dataset, so an interrupted run keeps what finished.

Examples
--------
Smoke run (two small datasets, 600 rows, one seed, 30-round students)::

    python benchmarks/stronger_teacher.py --quick --out /tmp/stronger_quick

The measurement::

    python benchmarks/stronger_teacher.py --seeds 0 1 --max-rows 3000 \\
        --n-jobs 2 --out benchmarks/results/stronger_teacher
"""

import argparse
import json
import os
import sys
import time

import numpy as np
from sklearn.model_selection import train_test_split

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd.benchmarks import (
    bootstrap_edge_recovered,
    classification_metrics,
    load_dataset,
    paired_bootstrap,
)
from tabkd.benchmarks._compare import hard_label_student

DATASETS = (
    "breast_cancer", "digits", "penguins", "credit_card", "credit_data",
    "wa_churn", "lending_club", "diamonds", "nass_cds",
)
QUICK_DATASETS = ("breast_cancer", "penguins")
QUICK_MAX_ROWS = 600
QUICK_STUDENT_ROUNDS = 30
# The two teacher configurations; the student and augmentation stay default.
TEACHER_PARAMS = {
    "default": {},
    "strong": {"teacher": "selection", "teacher_members": "extended",
               "teacher_bagging": True},
}
MODELS = ("default_teacher", "strong_teacher", "default_student",
          "strong_student", "hard_student")
LABELS = {
    "default_teacher": "stacking/default teacher",
    "strong_teacher": "selection/extended/bagged teacher",
    "default_student": "default student",
    "strong_student": "strong student",
    "hard_student": "hard-label student",
}


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--max-rows", type=int, default=3000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--out", default="benchmarks/results/stronger_teacher",
                        help="path prefix: writes <out>.md and <out>.json")
    parser.add_argument("--note", default="",
                        help="text put under the command in the markdown")
    parser.add_argument("--from-json", default=None,
                        help="re-render <out>.md and <out>.json from an earlier "
                             "<out>.json, without refitting")
    parser.add_argument("--quick", action="store_true",
                        help=f"{len(QUICK_DATASETS)} small datasets, "
                             f"{QUICK_MAX_ROWS} rows, {QUICK_STUDENT_ROUNDS}-round "
                             "students")
    args = parser.parse_args(argv)
    args.student_rounds = None
    if args.quick:
        args.max_rows = min(args.max_rows, QUICK_MAX_ROWS)
        args.student_rounds = QUICK_STUDENT_ROUNDS
    if args.datasets is None:
        args.datasets = list(QUICK_DATASETS if args.quick else DATASETS)
    return args


def _per_row(proba, codes):
    p = np.clip(proba[np.arange(len(codes)), codes], 1e-15, None)
    return {"log_loss": -np.log(p),
            "correct": (proba.argmax(axis=1) == codes).astype(float)}


# ------------------------------------------------------------------ fitting
def run_split(name, seed, *, max_rows=3000, n_jobs=2, student_rounds=None,
              extra_params=None, verbose=True):
    """Fit both distilled models and the hard-label student on one split.

    Parameters
    ----------
    name : str
        A dataset of :func:`tabkd.benchmarks.load_dataset`.

    seed : int
        Seeds the subsample, the split and every model.

    max_rows : int, default=3000
        Rows loaded (stratified subsample) before the 75/25 split.

    n_jobs : int, default=2
        ``n_jobs`` of both ``DistilledClassifier`` fits.

    student_rounds : int or None, default=None
        If given, both students are ``LightGBMStudent(n_estimators=...)``
        (the quick mode); ``None`` keeps the default student.

    extra_params : dict or None, default=None
        More ``DistilledClassifier`` parameters for both fits, such as
        ``cv`` or ``n_synthetic``, to make a test cheap.

    verbose : bool, default=True
        Print one line per fit.

    Returns
    -------
    dict
        ``dataset``, ``seed``, ``n_train``, ``n_test``, ``fit_seconds`` and
        ``stage_seconds`` per fitted model, ``metrics`` per scored model
        (accuracy, log loss, agreement with each teacher), and ``rows``:
        per-row ``log_loss`` and ``correct`` per model and per-row
        ``agree_default`` / ``agree_strong`` per student.
    """
    X, y = load_dataset(name, max_rows=max_rows, random_state=seed)
    # The split of benchmarks/teacher.py, so that the teachers' scores match.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    classes = np.unique(y_train)
    codes = np.searchsorted(classes, y_test)

    common = dict(random_state=seed, n_jobs=n_jobs, **(extra_params or {}))
    if student_rounds is not None:
        common["student"] = LightGBMStudent(n_estimators=student_rounds)
    fitted, fit_seconds, stage_seconds = {}, {}, {}
    for kind, params in TEACHER_PARAMS.items():
        start = time.perf_counter()
        model = DistilledClassifier(**params, **common).fit(X_train, y_train)
        fit_seconds[kind] = time.perf_counter() - start
        stage_seconds[kind] = dict(model.fit_report_["seconds"])
        fitted[kind] = model
        if verbose:
            print(f"{name:<14} seed {seed} {kind:<8} distilled fit "
                  f"{fit_seconds[kind]:7.1f} s (teacher "
                  f"{stage_seconds[kind]['teacher']:.1f} s)", flush=True)

    # The hard-label twin is a clone of the default model's student, so it
    # has the same class, rounds and seed as both distilled students.
    start = time.perf_counter()
    hard = hard_label_student(fitted["default"], X_train, y_train)
    fit_seconds["hard"] = time.perf_counter() - start
    if verbose:
        print(f"{name:<14} seed {seed} hard-label student fit "
              f"{fit_seconds['hard']:7.1f} s", flush=True)

    probas = {
        "default_teacher": fitted["default"].teacher_.predict_proba(X_test),
        "strong_teacher": fitted["strong"].teacher_.predict_proba(X_test),
        "default_student": fitted["default"].predict_proba(X_test),
        "strong_student": fitted["strong"].predict_proba(X_test),
        "hard_student": hard.predict_proba(X_test),
    }
    # All three students share classes_ order with the teachers (one
    # np.unique of the same y_train), so columns line up.
    if not all(np.array_equal(fitted[k].classes_, classes) for k in fitted):
        raise RuntimeError(f"{name} seed {seed}: classes_ differ between fits.")
    split = {
        "dataset": name, "seed": seed,
        "n_train": len(y_train), "n_test": len(y_test),
        "fit_seconds": fit_seconds, "stage_seconds": stage_seconds,
        "metrics": {}, "rows": {},
    }
    teacher_labels = {k: probas[f"{k}_teacher"].argmax(axis=1)
                      for k in TEACHER_PARAMS}
    for model_name, proba in probas.items():
        scores = classification_metrics(y_test, proba, classes)
        rows = _per_row(proba, codes)
        for kind, labels in teacher_labels.items():
            agrees = (proba.argmax(axis=1) == labels).astype(float)
            scores[f"agree_{kind}"] = float(agrees.mean())
            if model_name.endswith("student"):
                rows[f"agree_{kind}"] = agrees
        split["metrics"][model_name] = {
            k: scores[k] for k in ("accuracy", "log_loss", "agree_default",
                                   "agree_strong")}
        split["rows"][model_name] = rows
    if verbose:
        scores = "  ".join(f"{m.split('_')[0]}-{m.split('_')[1][0]} "
                           f"{split['metrics'][m]['log_loss']:.4f}"
                           for m in MODELS)
        print(f"{name:<14} seed {seed} log loss  {scores}", flush=True)
    return split


# ---------------------------------------------------------------- summaries
def _pooled(splits, model, metric):
    return np.concatenate([np.asarray(s["rows"][model][metric]) for s in splits])


def _groups(splits):
    return np.concatenate([[f"{s['dataset']}/seed={s['seed']}"] * s["n_test"]
                           for s in splits])


def _stratified_mean_diff(differences, n_boot=2000, random_state=0, ci=0.95):
    """Mean over datasets of per-dataset mean differences, with an interval.

    Every dataset weighs the same, whatever its test size; a replicate
    resamples rows within each dataset, keeping the pairing.

    Parameters
    ----------
    differences : list of array-like
        Per-row differences (model a minus model b), one array per dataset.

    n_boot : int, default=2000
    random_state : int, default=0
    ci : float, default=0.95

    Returns
    -------
    dict
        ``mean_diff``, ``low``, ``high`` and ``significant`` (interval
        excludes zero), as :func:`tabkd.benchmarks.paired_bootstrap`.
    """
    rng = np.random.default_rng(random_state)
    observed = float(np.mean([np.mean(d) for d in differences]))
    replicates = np.zeros(n_boot)
    for values in differences:
        values = np.asarray(values, dtype=float)
        idx = rng.integers(0, len(values), size=(n_boot, len(values)))
        replicates += values[idx].mean(axis=1)
    replicates /= len(differences)
    tail = 100 * (1 - ci) / 2
    low, high = (float(v) for v in np.percentile(replicates, [tail, 100 - tail]))
    return {"mean_diff": observed, "low": low, "high": high,
            "significant": bool(low > 0 or high < 0)}


# Comparisons (name, a, b): Δ is a minus b on per-row log loss and correctness.
COMPARISONS = (
    ("strong_vs_default_student", "strong_student", "default_student"),
    ("strong_vs_hard_student", "strong_student", "hard_student"),
    ("default_vs_hard_student", "default_student", "hard_student"),
    ("strong_vs_default_teacher", "strong_teacher", "default_teacher"),
)


def _edges(splits, n_boot):
    """Edge recovered by each teacher's student over the hard-label student."""
    groups = _groups(splits)
    edges = {}
    for kind in TEACHER_PARAMS:
        for metric in ("log_loss", "correct"):
            edges[f"{kind}_{metric}"] = bootstrap_edge_recovered(
                _pooled(splits, f"{kind}_student", metric),
                _pooled(splits, "hard_student", metric),
                _pooled(splits, f"{kind}_teacher", metric),
                groups, n_boot=n_boot,
            )
    return edges


def summarize(splits, n_boot=2000):
    """Per-dataset comparisons with the seeds' rows pooled, and a pooled line.

    Parameters
    ----------
    splits : list of dict
        Outputs of :func:`run_split`.

    n_boot : int, default=2000
        Bootstrap replicates of every interval.

    Returns
    -------
    dict
        ``"datasets"``: dataset -> ``n_splits``, ``n_test_rows``, pooled
        ``log_loss`` / ``accuracy`` per model, ``agreement`` of each
        distilled student with its own teacher, mean ``fit_seconds`` per
        fit, and per comparison of :data:`COMPARISONS` the paired bootstrap
        of log loss (``<name>_log_loss``) and correctness
        (``<name>_accuracy``), plus ``edge`` (see :func:`_edges`).
        ``"pooled"``: the same comparisons as an equally weighted mean over
        datasets (:func:`_stratified_mean_diff`) with counts of datasets
        where a is significantly better or worse; means over datasets of
        the scores, agreements and fit seconds; the edges over every split.
    """
    datasets = list(dict.fromkeys(s["dataset"] for s in splits))
    summary = {"datasets": {}, "pooled": {}}
    per_dataset_diffs = {}
    for dataset in datasets:
        group = [s for s in splits if s["dataset"] == dataset]
        entry = {
            "n_splits": len(group),
            "n_test_rows": int(sum(s["n_test"] for s in group)),
            "log_loss": {m: float(_pooled(group, m, "log_loss").mean())
                         for m in MODELS},
            "accuracy": {m: float(_pooled(group, m, "correct").mean())
                         for m in MODELS},
            "agreement": {
                kind: float(_pooled(group, f"{kind}_student", f"agree_{kind}")
                            .mean())
                for kind in TEACHER_PARAMS},
            "fit_seconds": {kind: float(np.mean([s["fit_seconds"][kind]
                                                 for s in group]))
                            for kind in group[0]["fit_seconds"]},
            "teacher_seconds": {kind: float(np.mean(
                [s["stage_seconds"][kind]["teacher"] for s in group]))
                for kind in TEACHER_PARAMS},
        }
        for name, a, b in COMPARISONS:
            for metric, label in (("log_loss", "log_loss"), ("correct", "accuracy")):
                diff = _pooled(group, a, metric) - _pooled(group, b, metric)
                per_dataset_diffs.setdefault(f"{name}_{label}", []).append(diff)
                entry[f"{name}_{label}"] = paired_bootstrap(
                    _pooled(group, a, metric), _pooled(group, b, metric),
                    n_boot=n_boot)
        entry["edge"] = _edges(group, n_boot)
        summary["datasets"][dataset] = entry

    pooled = {"n_datasets": len(datasets)}
    for key, diffs in per_dataset_diffs.items():
        result = _stratified_mean_diff(diffs, n_boot=n_boot)
        # Log loss: a better is below zero; accuracy: a better is above.
        better_sign = -1 if key.endswith("log_loss") else 1
        results = [summary["datasets"][d][key] for d in datasets]
        result["a_sig_better"] = int(sum(
            r["significant"] and np.sign(r["mean_diff"]) == better_sign
            for r in results))
        result["a_sig_worse"] = int(sum(
            r["significant"] and np.sign(r["mean_diff"]) == -better_sign
            for r in results))
        result["a_better_mean"] = int(sum(
            np.sign(r["mean_diff"]) == better_sign for r in results))
        pooled[key] = result
    pooled["log_loss"] = {m: float(np.mean(
        [summary["datasets"][d]["log_loss"][m] for d in datasets])) for m in MODELS}
    pooled["accuracy"] = {m: float(np.mean(
        [summary["datasets"][d]["accuracy"][m] for d in datasets])) for m in MODELS}
    pooled["agreement"] = {kind: float(np.mean(
        [summary["datasets"][d]["agreement"][kind] for d in datasets]))
        for kind in TEACHER_PARAMS}
    pooled["fit_seconds"] = {kind: float(np.mean(
        [summary["datasets"][d]["fit_seconds"][kind] for d in datasets]))
        for kind in summary["datasets"][datasets[0]]["fit_seconds"]}
    pooled["edge"] = _edges(splits, n_boot)
    summary["pooled"] = pooled
    return summary


# ---------------------------------------------------------------- rendering
def _ci(result, digits=4):
    mark = "*" if result["significant"] else ""
    return (f"{result['mean_diff']:+.{digits}f} "
            f"[{result['low']:+.{digits}f}, {result['high']:+.{digits}f}]{mark}")


def _edge(result):
    if not np.isfinite(result["edge_recovered"]):
        return "n/a (no gap)"
    return (f"{result['edge_recovered']:.2f} "
            f"[{result['low']:.2f}, {result['high']:.2f}]")


def render(splits, summary, command, note=""):
    """Markdown: scores, comparisons, edges, fit times, per split."""
    datasets = summary["datasets"]
    pooled = summary["pooled"]
    lines = ["# Student under the stronger teacher", "",
             f"Command: `{command}`", ""]
    if note:
        lines += [note, ""]
    lines += [
        "Default: `DistilledClassifier()` (stacking over the default members). "
        "Strong: `teacher=\"selection\", teacher_members=\"extended\", "
        "teacher_bagging=True`. Hard-label: the default model's student (same "
        "class, rounds and seed) fitted on one-hot labels. Same rows and 75/25 "
        "stratified split as `benchmarks/teacher.py`. Δ is a minus b; log loss "
        "negative = a better, accuracy positive = a better. 95% paired "
        "bootstrap over test rows, the seeds' rows pooled per dataset; `*` "
        "marks an interval excluding zero. Pooled: equally weighted mean over "
        "datasets of the per-dataset Δ, rows resampled within each dataset. "
        "Edge recovered: (student − hard) / (teacher − hard), summed over "
        "splits before dividing (`bootstrap_edge_recovered`).",
        "",
        "## Students",
        "",
        "| dataset | default student LL | strong student LL | hard LL | "
        "Δ LL strong − default | Δ LL strong − hard | default acc | strong acc | "
        "hard acc | Δ acc strong − default | Δ acc strong − hard |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---|---|",
    ]

    def student_row(label, ll, acc, get):
        return (f"| {label} | {ll['default_student']:.4f} | "
                f"{ll['strong_student']:.4f} | {ll['hard_student']:.4f} | "
                f"{_ci(get('strong_vs_default_student_log_loss'))} | "
                f"{_ci(get('strong_vs_hard_student_log_loss'))} | "
                f"{acc['default_student']:.4f} | {acc['strong_student']:.4f} | "
                f"{acc['hard_student']:.4f} | "
                f"{_ci(get('strong_vs_default_student_accuracy'), 3)} | "
                f"{_ci(get('strong_vs_hard_student_accuracy'), 3)} |")

    for dataset, d in datasets.items():
        lines.append(student_row(dataset, d["log_loss"], d["accuracy"], d.get))
    lines.append(student_row(f"**pooled ({pooled['n_datasets']})**",
                             pooled["log_loss"], pooled["accuracy"], pooled.get))

    lines += [
        "",
        "Per comparison a − b: datasets where a is significantly better, "
        "significantly worse, and better on the mean; then the pooled Δ.",
        "",
        "| comparison | metric | sig. better | sig. worse | better on mean | "
        "pooled Δ |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, a, b in COMPARISONS:
        for label in ("log_loss", "accuracy"):
            r = pooled[f"{name}_{label}"]
            lines.append(
                f"| {LABELS[a]} − {LABELS[b]} | {label.replace('_', ' ')} | "
                f"{r['a_sig_better']}/{pooled['n_datasets']} | "
                f"{r['a_sig_worse']}/{pooled['n_datasets']} | "
                f"{r['a_better_mean']}/{pooled['n_datasets']} | "
                f"{_ci(r, 4 if label == 'log_loss' else 3)} |")

    lines += [
        "",
        "## Teachers, agreement and edge recovered",
        "",
        "| dataset | default teacher LL | strong teacher LL | Δ LL strong − default "
        "teacher | default teacher acc | strong teacher acc | agreement default | "
        "agreement strong | edge LL default | edge LL strong | edge acc default | "
        "edge acc strong |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for dataset, src in list(datasets.items()) + [("**pooled**", pooled)]:
        agreement = (f"{src['agreement']['default']:.4f} | "
                     f"{src['agreement']['strong']:.4f}")
        e = src["edge"]
        lines.append(
            f"| {dataset} | {src['log_loss']['default_teacher']:.4f} | "
            f"{src['log_loss']['strong_teacher']:.4f} | "
            f"{_ci(src['strong_vs_default_teacher_log_loss'])} | "
            f"{src['accuracy']['default_teacher']:.4f} | "
            f"{src['accuracy']['strong_teacher']:.4f} | {agreement} | "
            f"{_edge(e['default_log_loss'])} | {_edge(e['strong_log_loss'])} | "
            f"{_edge(e['default_correct'])} | {_edge(e['strong_correct'])} |")
    lines += [
        "",
        "Agreement: share of test rows where the distilled student's argmax is "
        "its own teacher's.",
        "",
        "## Fit seconds",
        "",
        "Mean per split, wall clock of the whole `fit` (teacher, augmentation, "
        "labelling, student) on the command's machine and `--n-jobs`; the "
        "teacher stage in brackets.",
        "",
        "| dataset | default | strong | strong / default | hard-label student |",
        "|---|---:|---:|---:|---:|",
    ]
    for dataset, d in datasets.items():
        f, t = d["fit_seconds"], d["teacher_seconds"]
        lines.append(f"| {dataset} | {f['default']:.1f} ({t['default']:.1f}) | "
                     f"{f['strong']:.1f} ({t['strong']:.1f}) | "
                     f"{f['strong'] / f['default']:.2f} | {f['hard']:.2f} |")
    f = pooled["fit_seconds"]
    lines.append(f"| **mean** | {f['default']:.1f} | {f['strong']:.1f} | "
                 f"{f['strong'] / f['default']:.2f} | {f['hard']:.2f} |")

    lines += [
        "",
        "## Per split",
        "",
        "| dataset | seed | n test | " + " | ".join(
            f"{LABELS[m]} LL / acc" for m in MODELS) + " | default fit s | "
        "strong fit s |",
        "|---|---:|---:|" + "---|" * len(MODELS) + "---:|---:|",
    ]
    for s in splits:
        cells = [f"{s['metrics'][m]['log_loss']:.4f} / "
                 f"{s['metrics'][m]['accuracy']:.3f}" for m in MODELS]
        lines.append(f"| {s['dataset']} | {s['seed']} | {s['n_test']} | "
                     + " | ".join(cells)
                     + f" | {s['fit_seconds']['default']:.1f} | "
                     f"{s['fit_seconds']['strong']:.1f} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- file I/O
def _plain(value):
    if isinstance(value, np.ndarray):
        if set(np.unique(value)) <= {0.0, 1.0}:
            return [int(v) for v in value]
        return [round(float(v), 6) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def write_results(splits, args, command, note=""):
    """Write ``<out>.md`` and ``<out>.json``; return the markdown."""
    directory = os.path.dirname(args.out)
    if directory:
        os.makedirs(directory, exist_ok=True)
    summary = summarize(splits, n_boot=args.n_boot)
    saved = {"command": command, "note": note, "args": vars(args),
             "summary": summary, "splits": [_plain(s) for s in splits]}
    with open(args.out + ".json", "w") as fh:
        json.dump(_plain(saved), fh, indent=None, separators=(",", ":"))
    markdown = render(splits, summary, command, note=note)
    with open(args.out + ".md", "w") as fh:
        fh.write(markdown)
    return markdown


def _from_json(records):
    """Splits as saved by :func:`write_results`, per-row scores as arrays."""
    for split in records:
        split["rows"] = {model: {k: np.asarray(v, dtype=float)
                                 for k, v in rows.items()}
                         for model, rows in split["rows"].items()}
    return records


def main(argv=None):
    args = _parse(argv)
    if args.from_json:
        with open(args.from_json) as fh:
            saved = json.load(fh)
        # The saved run's command and arguments stay, only --out and
        # --n-boot of this call apply.
        run_args = argparse.Namespace(**{**saved["args"], "out": args.out,
                                         "n_boot": args.n_boot})
        note = args.note or saved["note"]
        print(write_results(_from_json(saved["splits"]), run_args,
                            saved["command"], note=note))
        return
    command = "python benchmarks/stronger_teacher.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    splits = []
    for index, name in enumerate(args.datasets):
        for seed in args.seeds:
            splits.append(run_split(name, seed, max_rows=args.max_rows,
                                    n_jobs=args.n_jobs,
                                    student_rounds=args.student_rounds))
        # Written after every dataset: a late failure or a deadline keeps
        # what finished, and the note says how far the run got.
        done = index + 1
        note = args.note
        if done < len(args.datasets):
            note = (f"{note} " if note else "") + (
                f"Partial: {done} of {len(args.datasets)} datasets finished "
                f"({', '.join(args.datasets[:done])}).")
        markdown = write_results(splits, args, command, note=note)
    print(markdown, flush=True)


if __name__ == "__main__":
    main()
