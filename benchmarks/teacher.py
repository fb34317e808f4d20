"""Teacher strength: each teacher against its best member and two LightGBMs.

For every (dataset, seed) split and every teacher configuration, the
teacher is fitted on the training rows (``DistilledClassifier`` with no
augmentation and a one-round student, so the time is the teacher's) and
scored on the held-out rows together with its best member (lowest
out-of-fold log loss), a default ``LGBMClassifier`` and a LightGBM tuned by
a small randomized search. Differences in per-row log loss and accuracy get
paired-bootstrap intervals, per split and per dataset with the seeds'
test rows pooled. The per-dataset tables carry the issue's goals: the
teacher no worse than its best member on at least 75% of the datasets, and
significantly better than the tuned LightGBM on at least half.

The three ``extended/bagged`` teachers share their members: a bagged member
is its fold models, so the members are fitted once (under voting, the
cheapest combiner) and stacking and selection are fitted on the same
out-of-fold member probabilities by :func:`tabkd._teachers.recombine`,
which gives the teacher a direct fit with the same seed and folds would
(``tests/test_teacher_benchmark.py`` checks that). Their fit time is the
shared fit's plus the recombination's.

Tables go to ``--out`` as ``teacher.md`` and ``teacher.json``; the per-row
scores go to ``teacher_rows.json.gz``, from which ``--from-json``
re-renders the tables without refitting.

Examples
--------
Smoke run (two datasets capped at 1,000 rows, one seed, 3 folds)::

    python benchmarks/teacher.py --quick --out /tmp/teacher_quick

The measurement behind the default teacher::

    python benchmarks/teacher.py --seeds 0 1 --max-rows 3000 --n-jobs 2
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
from lightgbm import LGBMClassifier
from scipy.stats import loguniform, randint, uniform
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    train_test_split,
)

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd._schema import TableSchema
from tabkd._teachers import recombine
from tabkd.benchmarks import load_dataset, paired_bootstrap

DATASETS = (
    "breast_cancer", "digits", "penguins", "credit_card", "credit_data",
    "wa_churn", "lending_club", "diamonds", "nass_cds",
)
QUICK_DATASETS = ("breast_cancer", "credit_data")
# Teachers that name the same member fit share it when its members are bagged.
MEMBER_FITS = {
    "default": dict(teacher_members="default", teacher_bagging=False),
    "extended/bagged": dict(teacher_members="extended", teacher_bagging=True),
}
# name -> (member fit, combiner)
TEACHERS = {
    "stacking/default": ("default", "stacking"),
    "voting/extended/bagged": ("extended/bagged", "voting"),
    "stacking/extended/bagged": ("extended/bagged", "stacking"),
    "selection/extended/bagged": ("extended/bagged", "selection"),
}
# The search space of the tuned LightGBM baseline: the usual knobs, with
# rounds capped so that a ten-class table stays within a minute per split.
TUNED_SPACE = {
    "learning_rate": loguniform(0.01, 0.3),
    "num_leaves": randint(7, 128),
    "min_child_samples": randint(5, 60),
    "n_estimators": randint(100, 600),
    "subsample": uniform(0.6, 0.4),
    "colsample_bytree": uniform(0.5, 0.5),
    "reg_lambda": loguniform(1e-3, 10.0),
}
# The default before this measurement; the others are compared with it too.
REFERENCE_TEACHER = "stacking/default"
GOAL_NO_WORSE_THAN_BEST = 0.75
ROWS_FILE = "teacher_rows.json.gz"
GOAL_BETTER_THAN_TUNED = 0.5


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--teachers", nargs="+", default=None,
                        choices=sorted(TEACHERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-rows", type=int, default=4000)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--tune-iter", type=int, default=12,
                        help="candidates of the tuned LightGBM's search")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="teacher_time_limit in seconds")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--out", default="benchmarks/results/teacher")
    parser.add_argument("--note", default="",
                        help="text put under the command in teacher.md")
    parser.add_argument("--from-json", default=None,
                        help=f"re-render the tables from an earlier {ROWS_FILE}")
    parser.add_argument("--quick", action="store_true",
                        help="two datasets, 1,000 rows, 3 folds")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_rows = min(args.max_rows, 1000)
        args.cv = 3
    if args.datasets is None:
        args.datasets = list(QUICK_DATASETS if args.quick else DATASETS)
    if args.teachers is None:
        args.teachers = list(TEACHERS)
    return args


def _per_row(proba, codes):
    p = np.clip(proba[np.arange(len(codes)), codes], 1e-15, None)
    return {"log_loss": -np.log(p),
            "correct": (proba.argmax(axis=1) == codes).astype(float)}


# ------------------------------------------------------------------ fitting
def tuned_lightgbm(X, y, seed, *, n_iter=12, n_jobs=1):
    """A LightGBM picked by a small randomized search on log loss.

    Parameters
    ----------
    X : DataFrame
        Canonical frame (pandas ``category`` columns are read natively).
    y : array-like
    seed : int
        Seeds the candidates, the 3 folds and the boosters.
    n_iter : int, default=12
    n_jobs : int, default=1
        Candidates fitted side by side; each booster has one thread.

    Returns
    -------
    RandomizedSearchCV
        Refitted on all rows with the best candidate.
    """
    search = RandomizedSearchCV(
        LGBMClassifier(subsample_freq=1, random_state=seed, n_jobs=1, verbose=-1),
        TUNED_SPACE, n_iter=n_iter, scoring="neg_log_loss",
        cv=StratifiedKFold(3, shuffle=True, random_state=seed),
        random_state=seed, n_jobs=n_jobs, refit=True,
    )
    return search.fit(X, y)


def fit_teachers(X, y, combiners, *, member_fit, folds, seed, n_jobs=1,
                 time_limit=None):
    """Fit one member set under several combiners, sharing bagged members.

    Without bagging every combiner is a separate fit. With bagging the
    members are fitted once, under the first combiner in ``combiners``,
    and the others are recombined from the same fold models.

    Parameters
    ----------
    X : DataFrame
    y : array-like
    combiners : list of {"stacking", "voting", "selection"}
    member_fit : str
        A key of :data:`MEMBER_FITS`.
    folds : list of (train_idx, valid_idx)
        Passed as ``cv``, so that recombining uses the folds fitted on.
    seed : int
        ``random_state`` of the fit.
    n_jobs : int, default=1
    time_limit : float or None, default=None

    Returns
    -------
    dict
        Combiner to ``(teacher, teacher_report, fit_seconds)``.
    """
    params = MEMBER_FITS[member_fit]

    def direct(combiner):
        model = DistilledClassifier(
            teacher=combiner, **params, teacher_time_limit=time_limit,
            student=LightGBMStudent(n_estimators=1), augmentation=None,
            cv=folds, n_jobs=n_jobs, random_state=seed,
        ).fit(X, y)
        report = model.fit_report_["teacher"]
        return model, report

    if not params["teacher_bagging"]:
        fitted = {}
        for combiner in combiners:
            model, report = direct(combiner)
            fitted[combiner] = (model.teacher_, report, report["fit_seconds"])
        return fitted

    base, report = direct(combiners[0])
    fitted = {combiners[0]: (base.teacher_, report, report["fit_seconds"])}
    y_codes = np.searchsorted(base.classes_, np.asarray(y))
    for combiner in combiners[1:]:
        start = time.perf_counter()
        teacher, _, derived = recombine(base.teacher_, combiner, X, y_codes, folds)
        seconds = report["fit_seconds"] + time.perf_counter() - start
        fitted[combiner] = (teacher, derived, seconds)
    return fitted


def run_split(name, seed, args):
    """Fit every teacher and both baselines on one split; score the test rows."""
    X, y = load_dataset(name, max_rows=args.max_rows, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    classes = np.unique(y_train)
    codes = np.searchsorted(classes, y_test)
    folds = list(StratifiedKFold(args.cv, shuffle=True, random_state=seed)
                 .split(X_train, y_train))

    # The baselines read the same canonical frame as the teacher's members.
    table = TableSchema().fit(X_train)
    train_frame, test_frame = table.to_frame(X_train), table.to_frame(X_test)
    start = time.perf_counter()
    baseline = LGBMClassifier(random_state=seed, n_jobs=1, verbose=-1)
    baseline.fit(train_frame, y_train)
    baseline_seconds = time.perf_counter() - start
    start = time.perf_counter()
    tuned = tuned_lightgbm(train_frame, y_train, seed, n_iter=args.tune_iter,
                           n_jobs=args.n_jobs)
    tuned_seconds = time.perf_counter() - start
    split = {
        "dataset": name, "seed": seed,
        "n_train": int(len(y_train)), "n_test": int(len(y_test)),
        "lightgbm_seconds": baseline_seconds, "tuned_seconds": tuned_seconds,
        "tuned_params": {k: (float(v) if isinstance(v, float) else int(v))
                         for k, v in tuned.best_params_.items()},
        "rows": {
            "lightgbm": _per_row(baseline.predict_proba(test_frame), codes),
            "tuned_lightgbm": _per_row(tuned.predict_proba(test_frame), codes),
        },
        "teachers": {},
    }
    print(f"{name:<14} seed {seed} tuned LightGBM {tuned_seconds:6.1f} s  log "
          f"loss {split['rows']['tuned_lightgbm']['log_loss'].mean():.4f} "
          f"(default {split['rows']['lightgbm']['log_loss'].mean():.4f})",
          flush=True)

    # Voting first: the cheapest combiner carries a shared member fit.
    by_fit = {}
    for teacher_name in args.teachers:
        member_fit, combiner = TEACHERS[teacher_name]
        by_fit.setdefault(member_fit, []).append(combiner)
    for member_fit, combiners in by_fit.items():
        combiners.sort(key=lambda c: c != "voting")
        fitted = fit_teachers(
            X_train, y_train, combiners, member_fit=member_fit, folds=folds,
            seed=seed, n_jobs=args.n_jobs, time_limit=args.time_limit,
        )
        for combiner, (teacher, report, seconds) in fitted.items():
            teacher_name = f"{combiner}/{member_fit}"
            names = [member.name for member in teacher.members]
            best = min(names, key=lambda n: report["members"][n]["log_loss"])
            best_proba = teacher.member_probas(X_test)[names.index(best)]
            split["teachers"][teacher_name] = {
                "fit_seconds": seconds,
                "shared_fit": combiner != combiners[0],
                "best_member": best,
                "weights": report["combiner"].get("weights"),
                "budget": report.get("budget"),
                "rows": _per_row(teacher.predict_proba(X_test), codes),
                "best_member_rows": _per_row(best_proba, codes),
            }
            print(f"{name:<14} seed {seed} {teacher_name:<26} {seconds:7.1f} s  "
                  f"log loss "
                  f"{split['teachers'][teacher_name]['rows']['log_loss'].mean():.4f}",
                  flush=True)
    return split


# ---------------------------------------------------------------- summaries
def _ci(result, digits=4):
    mark = "*" if result["significant"] else ""
    return (f"{result['mean_diff']:+.{digits}f} "
            f"[{result['low']:+.{digits}f}, {result['high']:+.{digits}f}]{mark}")


def _pooled(splits, *path):
    """One split's per-row array at ``path`` (keys), concatenated over splits."""
    def walk(split):
        for key in path:
            split = split[key]
        return np.asarray(split)
    return np.concatenate([walk(split) for split in splits])


def summarize(splits, n_boot=2000):
    """Per-dataset comparisons with the seeds' test rows pooled.

    Per-row differences of every seed are concatenated and bootstrapped
    together (each seed's model scores its own test rows), so a dataset
    gets one interval from all its seeds.

    Returns
    -------
    dict
        ``"teachers"``: teacher -> dataset -> summary; ``"baselines"``:
        dataset -> summary of the two LightGBMs; ``"goals"``: teacher ->
        counts and shares of the issue's goals.
    """
    datasets = list(dict.fromkeys(split["dataset"] for split in splits))
    teachers = list(dict.fromkeys(t for split in splits for t in split["teachers"]))
    summary = {"teachers": {}, "baselines": {}, "goals": {}}
    for dataset in datasets:
        group = [split for split in splits if split["dataset"] == dataset]
        rows = {base: {metric: _pooled(group, "rows", base, metric)
                       for metric in ("log_loss", "correct")}
                for base in ("lightgbm", "tuned_lightgbm")}
        summary["baselines"][dataset] = {
            "lightgbm_log_loss": float(rows["lightgbm"]["log_loss"].mean()),
            "tuned_log_loss": float(rows["tuned_lightgbm"]["log_loss"].mean()),
            "tuned_vs_lightgbm": paired_bootstrap(
                rows["tuned_lightgbm"]["log_loss"], rows["lightgbm"]["log_loss"],
                n_boot=n_boot),
            "lightgbm_seconds": float(np.mean([s["lightgbm_seconds"] for s in group])),
            "tuned_seconds": float(np.mean([s["tuned_seconds"] for s in group])),
        }
        for teacher in teachers:
            runs = [split for split in group if teacher in split["teachers"]]
            if len(runs) != len(group):
                continue
            mine = {metric: _pooled(runs, "teachers", teacher, "rows", metric)
                    for metric in ("log_loss", "correct")}
            best = _pooled(runs, "teachers", teacher, "best_member_rows",
                           "log_loss")
            summary["teachers"].setdefault(teacher, {})[dataset] = {
                "log_loss": float(mine["log_loss"].mean()),
                "accuracy": float(mine["correct"].mean()),
                "fit_seconds": float(np.mean(
                    [s["teachers"][teacher]["fit_seconds"] for s in runs])),
                "best_members": sorted({s["teachers"][teacher]["best_member"]
                                        for s in runs}),
                "vs_best_member": paired_bootstrap(mine["log_loss"], best,
                                                   n_boot=n_boot),
                "vs_lightgbm": paired_bootstrap(
                    mine["log_loss"], rows["lightgbm"]["log_loss"], n_boot=n_boot),
                "vs_tuned": paired_bootstrap(
                    mine["log_loss"], rows["tuned_lightgbm"]["log_loss"],
                    n_boot=n_boot),
                "acc_vs_tuned": paired_bootstrap(
                    mine["correct"], rows["tuned_lightgbm"]["correct"],
                    n_boot=n_boot),
            }
    reference = summary["teachers"].get(REFERENCE_TEACHER, {})
    for dataset in reference:
        group = [split for split in splits if split["dataset"] == dataset]
        ref_rows = _pooled(group, "teachers", REFERENCE_TEACHER, "rows",
                           "log_loss")
        for teacher, per_dataset in summary["teachers"].items():
            if teacher != REFERENCE_TEACHER and dataset in per_dataset:
                mine = _pooled(group, "teachers", teacher, "rows", "log_loss")
                per_dataset[dataset]["vs_reference"] = paired_bootstrap(
                    mine, ref_rows, n_boot=n_boot)
    for teacher, per_dataset in summary["teachers"].items():
        n = len(per_dataset)
        no_worse = int(sum(d["vs_best_member"]["mean_diff"] <= 0
                           for d in per_dataset.values()))
        not_sig_worse = int(sum(not (d["vs_best_member"]["significant"]
                                     and d["vs_best_member"]["mean_diff"] > 0)
                                for d in per_dataset.values()))
        beats_tuned = int(sum(bool(d["vs_tuned"]["significant"])
                              and d["vs_tuned"]["mean_diff"] < 0
                              for d in per_dataset.values()))
        summary["goals"][teacher] = {
            "n_datasets": n,
            "no_worse_than_best": no_worse,
            "not_significantly_worse_than_best": not_sig_worse,
            "significantly_better_than_tuned": beats_tuned,
            "goal_best_met": bool(no_worse / n >= GOAL_NO_WORSE_THAN_BEST),
            "goal_tuned_met": bool(beats_tuned / n >= GOAL_BETTER_THAN_TUNED),
            "mean_fit_seconds": float(np.mean(
                [d["fit_seconds"] for d in per_dataset.values()])),
        }
    return summary


def _render_splits(splits):
    lines = [
        "## Per split",
        "",
        "| dataset | seed | teacher | fit s | log loss | best member | "
        "Δ log loss vs best | Δ log loss vs LightGBM | Δ log loss vs tuned |",
        "|---|---:|---|---:|---:|---|---|---|---|",
    ]
    for split in splits:
        base = {k: v["log_loss"] for k, v in split["rows"].items()}
        for teacher, t in split["teachers"].items():
            ll = t["rows"]["log_loss"]
            best = t["best_member_rows"]["log_loss"]
            cells = [paired_bootstrap(ll, other, n_boot=1000)
                     for other in (best, base["lightgbm"], base["tuned_lightgbm"])]
            lines.append(
                f"| {split['dataset']} | {split['seed']} | {teacher} | "
                f"{t['fit_seconds']:.1f} | {ll.mean():.4f} | "
                f"{t['best_member']} ({best.mean():.4f}) | "
                + " | ".join(_ci(c) for c in cells) + " |"
            )
    return lines


def render(splits, summary, command, note=""):
    """Markdown: baselines, goals, winners, one table per teacher, per split."""
    lines = [
        "# Teacher vs best member vs default and tuned LightGBM",
        "",
        f"Command: `{command}`",
        "",
    ]
    if note:
        lines += [note, ""]
    lines += [
        "Log-loss differences are teacher minus other (negative: teacher "
        "better); accuracy differences are teacher minus other (positive: "
        "teacher better). 95% paired-bootstrap intervals over test rows, the "
        "seeds' rows pooled per dataset; `*` marks an interval that excludes "
        "zero. Best member: the member with the lowest out-of-fold log loss "
        "in each split. Tuned LightGBM: randomized search, "
        f"{len(TUNED_SPACE)} parameters, 3-fold, scored by log loss, refitted "
        "on all training rows. Fit seconds are the teacher's alone, on the "
        "machine and `--n-jobs` of the command; shared-fit teachers (stacking "
        "and selection over extended/bagged) add their recombination to the "
        "voting fit that carried the members.",
        "",
        "## Goals",
        "",
        f"No worse than best member: pooled mean Δ ≤ 0 (goal ≥ "
        f"{GOAL_NO_WORSE_THAN_BEST:.0%} of datasets); the column after it "
        "counts the looser *not significantly worse*. Better than tuned "
        f"LightGBM: interval below zero (goal ≥ {GOAL_BETTER_THAN_TUNED:.0%}).",
        "",
        "| teacher | datasets | no worse than best | (not sig. worse) | "
        "sig. better than tuned | both goals | mean fit s |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for teacher, g in summary["goals"].items():
        n = g["n_datasets"]
        both = "yes" if g["goal_best_met"] and g["goal_tuned_met"] else "no"
        lines.append(
            f"| {teacher} | {n} | {g['no_worse_than_best']}/{n} "
            f"({g['no_worse_than_best'] / n:.0%}) | "
            f"{g['not_significantly_worse_than_best']}/{n} | "
            f"{g['significantly_better_than_tuned']}/{n} "
            f"({g['significantly_better_than_tuned'] / n:.0%}) | {both} | "
            f"{g['mean_fit_seconds']:.1f} |"
        )

    teachers = list(summary["teachers"])
    lines += [
        "",
        "## Which teacher wins",
        "",
        "Pooled test log loss per dataset; the lowest is in bold.",
        "",
        "| dataset | " + " | ".join(teachers) + " | LightGBM | tuned LightGBM |",
        "|---|" + "---:|" * (len(teachers) + 2),
    ]
    wins = dict.fromkeys(teachers, 0)
    for dataset, base in summary["baselines"].items():
        scores = {t: summary["teachers"][t][dataset]["log_loss"] for t in teachers
                  if dataset in summary["teachers"][t]}
        winner = min(scores, key=scores.get)
        wins[winner] += 1
        cells = [f"**{scores[t]:.4f}**" if t == winner else f"{scores[t]:.4f}"
                 for t in teachers]
        lines.append(f"| {dataset} | " + " | ".join(cells)
                     + f" | {base['lightgbm_log_loss']:.4f} | "
                     f"{base['tuned_log_loss']:.4f} |")
    lines.append("| wins | " + " | ".join(str(wins[t]) for t in teachers)
                 + " | | |")

    others = [t for t in teachers if t != REFERENCE_TEACHER]
    if REFERENCE_TEACHER in teachers and others:
        lines += [
            "",
            f"## Against {REFERENCE_TEACHER}",
            "",
            f"Δ log loss, teacher minus {REFERENCE_TEACHER} (negative: better "
            "than it), same pooled rows.",
            "",
            "| dataset | " + " | ".join(others) + " |",
            "|---|" + "---|" * len(others),
        ]
        for dataset in summary["teachers"][REFERENCE_TEACHER]:
            lines.append(f"| {dataset} | " + " | ".join(
                _ci(summary["teachers"][t][dataset]["vs_reference"])
                for t in others) + " |")

    lines += [
        "",
        "## Baselines",
        "",
        "| dataset | LightGBM log loss | tuned log loss | Δ tuned − default | "
        "LightGBM fit s | tuned fit s |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for dataset, base in summary["baselines"].items():
        lines.append(
            f"| {dataset} | {base['lightgbm_log_loss']:.4f} | "
            f"{base['tuned_log_loss']:.4f} | {_ci(base['tuned_vs_lightgbm'])} | "
            f"{base['lightgbm_seconds']:.2f} | {base['tuned_seconds']:.1f} |"
        )

    for teacher, per_dataset in summary["teachers"].items():
        lines += [
            "",
            f"## {teacher}",
            "",
            "| dataset | fit s | log loss | best member | Δ vs best member | "
            "Δ vs LightGBM | Δ vs tuned | Δ acc vs tuned |",
            "|---|---:|---:|---|---|---|---|---|",
        ]
        for dataset, d in per_dataset.items():
            lines.append(
                f"| {dataset} | {d['fit_seconds']:.1f} | {d['log_loss']:.4f} | "
                f"{', '.join(d['best_members'])} | {_ci(d['vs_best_member'])} | "
                f"{_ci(d['vs_lightgbm'])} | {_ci(d['vs_tuned'])} | "
                f"{_ci(d['acc_vs_tuned'], 3)} |"
            )
    lines += [""] + _render_splits(splits)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- file I/O
def _to_json(splits, with_rows=True):
    def plain(value):
        if isinstance(value, np.ndarray):
            return [round(float(v), 7) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()
                    if with_rows or not k.endswith("rows")}
        return value
    return [plain(split) for split in splits]


def _from_json(records):
    def arrays(value, key=None):
        if isinstance(value, dict):
            return {k: arrays(v, k) for k, v in value.items()}
        if key in ("log_loss", "correct") and isinstance(value, list):
            return np.asarray(value)
        return value
    return [arrays(split) for split in records]


def _write(args, splits, command, run_args=None):
    """``teacher.md``, ``teacher.json`` (no per-row scores) and the per-row file.

    ``run_args`` are the arguments of the run that measured ``splits``
    (those of this call unless re-rendering).
    """
    os.makedirs(args.out, exist_ok=True)
    summary = summarize(splits, n_boot=args.n_boot)
    saved = {"command": command, "args": run_args or vars(args),
             "summary": summary}
    with open(os.path.join(args.out, "teacher.json"), "w") as fh:
        json.dump({**saved, "splits": _to_json(splits, with_rows=False)}, fh,
                  indent=1)
    # The per-row scores are what --from-json pools; compressed, they are a
    # quarter of their plain size.
    with gzip.open(os.path.join(args.out, ROWS_FILE), "wt") as fh:
        json.dump({**saved, "splits": _to_json(splits)}, fh)
    markdown = render(splits, summary, command, note=args.note)
    with open(os.path.join(args.out, "teacher.md"), "w") as fh:
        fh.write(markdown)
    return markdown


def main(argv=None):
    args = _parse(argv)
    if args.from_json:
        opener = gzip.open if args.from_json.endswith(".gz") else open
        with opener(args.from_json, "rt") as fh:
            saved = json.load(fh)
        splits = _from_json(saved["splits"])
        print(_write(args, splits, saved["command"], run_args=saved["args"]))
        return
    command = "python benchmarks/teacher.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    splits = []
    for name in args.datasets:
        for seed in args.seeds:
            splits.append(run_split(name, seed, args))
            # Written after every split: a late failure keeps the rest.
            _write(args, splits, command)
    print(_write(args, splits, command))


if __name__ == "__main__":
    main()
