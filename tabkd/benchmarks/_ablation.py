"""Augmentation ablation: which generator, size and target mix to ship.

One (dataset, seed) split fits the teacher once; every variant then reuses
its out-of-fold targets and labels its own synthetic rows with it, so the
variants differ only in what the student is shown. The same student class
trained on hard labels of the real rows is the baseline, and a teacher of
the student's own class (self-distillation) is the control that separates
the smoothing effect of soft synthetic targets from the ensemble's
knowledge.
"""

import dataclasses
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import LabelEncoder

from .._augmentation import make_augmenter
from .._schema import TableSchema
from .._teachers import default_members, fit_teacher
from ..students import LightGBMStudent
from ._metrics import bootstrap_edge_recovered, paired_bootstrap

__all__ = [
    "AblationVariant",
    "compare_variants",
    "default_variants",
    "run_ablation_split",
    "summarize_ablation",
]

# Teacher labelling and generation run in batches of this many rows, so that
# memory does not grow with the largest size factor.
_BATCH = 20_000
_EPS = 1e-15


@dataclasses.dataclass(frozen=True)
class AblationVariant:
    """One student configuration of the ablation.

    Parameters
    ----------
    name : str
        Unique label used in the result tables.

    teacher : {"ensemble", "self"}
        ``"ensemble"`` is the stacking teacher; ``"self"`` is the hard-label
        student itself (the student's model class), used as a teacher.

    generator : str or None
        Augmenter name (see :mod:`tabkd.augmentation`) or ``None``.

    size : float
        Synthetic rows as a multiple of the training rows.

    alpha : float
        Weight of the one-hot label in the real rows' targets; 1 is the
        hard-label student when ``generator`` is ``None``.
    """

    name: str
    teacher: str = "ensemble"
    generator: str = None
    size: float = 0.0
    alpha: float = 0.5


def default_variants(
    generators=("munge", "marginal", "interpolation", "conditional"),
    sizes=(1, 5, 10, 20),
    reduced_sizes=None,
    reference=("munge", 5),
    self_sizes=(5, 20),
):
    """The one-factor-at-a-time grid around a reference, plus generator × size.

    Parameters
    ----------
    generators : sequence of str, default=all four
        Generators crossed with the sizes.

    sizes : sequence of float, default=(1, 5, 10, 20)
        Size factors for the reference generator (and for every generator
        when ``reduced_sizes`` is None).

    reduced_sizes : sequence of float or None, default=None
        Size factors for the non-reference generators, to save compute.

    reference : (str, float), default=("munge", 5)
        The generator and size around which ``alpha`` is varied.

    self_sizes : sequence of float, default=(5, 20)
        Sizes of the self-distillation control, with the reference generator.

    Returns
    -------
    list of AblationVariant
        The first is always the hard-label baseline ``"hard"``.
    """
    ref_gen, ref_size = reference
    variants = [
        AblationVariant("hard", generator=None, alpha=1.0),
        AblationVariant("none/a=0.5", generator=None, alpha=0.5),
        AblationVariant("none/a=0", generator=None, alpha=0.0),
    ]
    for gen in generators:
        reduced = reduced_sizes is not None and gen != ref_gen
        gen_sizes = reduced_sizes if reduced else sizes
        for size in gen_sizes:
            variants.append(
                AblationVariant(f"{gen}x{size:g}/a=0.5", generator=gen, size=size)
            )
    for alpha in (0.0, 1.0):
        variants.append(
            AblationVariant(
                f"{ref_gen}x{ref_size:g}/a={alpha:g}", generator=ref_gen,
                size=ref_size, alpha=alpha,
            )
        )
    for size in self_sizes:
        variants.append(
            AblationVariant(
                f"self:{ref_gen}x{size:g}/a=0.5", teacher="self", generator=ref_gen,
                size=size,
            )
        )
    return variants


def _per_row(proba, codes):
    """Correctness (0/1) and log loss of each test row."""
    correct = (proba.argmax(axis=1) == codes).astype(np.float64)
    loss = -np.log(np.clip(proba[np.arange(len(codes)), codes], _EPS, None))
    return correct, loss


def _labelled(predict, rows):
    """Probabilities of ``predict`` on ``rows``, in batches."""
    take = (lambda s: rows.iloc[s:s + _BATCH]) if isinstance(rows, pd.DataFrame) \
        else (lambda s: rows[s:s + _BATCH])
    return np.vstack([predict(take(s)) for s in range(0, len(rows), _BATCH)])


def run_ablation_split(
    X,
    y,
    variants,
    *,
    seed,
    test_size=0.25,
    members=None,
    student_params=None,
    cv=5,
    n_jobs=1,
):
    """Fit one teacher on one split and every variant's student around it.

    Parameters
    ----------
    X : DataFrame
        The whole table; split here, stratified, seeded by ``seed``.

    y : array-like of shape (n_rows,)
        Labels.

    variants : list of AblationVariant
        Must contain the hard-label baseline named ``"hard"``.

    seed : int
        Seeds the split, the folds, the teacher, the generators and students.

    test_size : float, default=0.25
        Share of rows held out for testing.

    members : list of (str, estimator) or None, default=None
        Teacher members to stack; ``None`` means the built-in five.

    student_params : dict or None, default=None
        Overrides of :class:`~tabkd.LightGBMStudent` parameters.

    cv : int, default=5
        Folds for the out-of-fold targets (ensemble and self teacher).

    n_jobs : int, default=1
        Parallel member and fold fits of the ensemble teacher.

    Returns
    -------
    result : dict
        ``y_test`` codes, ``teacher`` per-row ``correct``/``loss`` on the test
        rows, and per variant ``correct``, ``loss``, ``accuracy``,
        ``log_loss``, ``agreement`` (argmax match with the ensemble teacher)
        and ``fit_seconds``; plus ``timing`` of the shared stages and row
        counts.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, np.asarray(y), test_size=test_size, stratify=np.asarray(y),
        random_state=seed,
    )
    encoder = LabelEncoder().fit(y_train)
    classes = encoder.classes_
    codes = encoder.transform(y_train)
    test_codes = encoder.transform(y_test)
    n_classes = len(classes)
    onehot = np.eye(n_classes)[codes]
    n_train = len(codes)

    schema = TableSchema().fit(X_train)
    encoded = schema.encode(X_train)
    test_encoded = schema.encode(schema.align(X_test))
    frame = schema.to_frame(X_train)
    folds = list(
        StratifiedKFold(cv, shuffle=True, random_state=seed).split(encoded, codes)
    )
    params = dict(student_params or {})
    timing = {}

    # The ensemble teacher is fitted once; its out-of-fold probabilities are
    # the real-row targets of every ensemble variant.
    start = time.perf_counter()
    if members is None:
        members = default_members(schema, seed)
    teacher, oof, _ = fit_teacher(
        members, "stacking", schema, frame, codes, classes, folds=folds,
        need_oof=True, member_input="frame", sample_weight=None, n_jobs=n_jobs,
    )
    timing["teacher"] = time.perf_counter() - start
    teacher_test = teacher.predict_proba(X_test)

    def student_fit(targets_X, targets):
        student = LightGBMStudent(random_state=seed, **params)
        start = time.perf_counter()
        student._fit_with_schema(schema, targets_X, targets, None, 1.0)
        return student, time.perf_counter() - start

    # The hard-label student is both the baseline and the self-distillation
    # teacher; its own out-of-fold probabilities (same folds) are the
    # control's real-row targets, mirroring the ensemble's.
    baseline, baseline_seconds = student_fit(encoded, onehot)
    self_teachers = {"ensemble": (oof, teacher.predict_proba)}
    if any(v.teacher == "self" for v in variants):
        start = time.perf_counter()
        self_oof = np.zeros_like(oof)
        for train_idx, valid_idx in folds:
            fold_student, _ = student_fit(encoded[train_idx], onehot[train_idx])
            self_oof[valid_idx] = fold_student._proba_from_encoded(encoded[valid_idx])
        timing["self_teacher"] = time.perf_counter() - start + baseline_seconds

        def self_predict(rows):
            return baseline._proba_from_encoded(schema.encode(rows))

        self_teachers["self"] = (self_oof, self_predict)

    # Each generator samples the largest size once; smaller sizes use a
    # prefix. Rows are drawn independently, so a prefix is itself a sample of
    # that size, and labelling cost is paid once per generator and teacher.
    needed = {}
    for v in variants:
        if v.generator is not None and v.size > 0:
            needed[v.generator] = max(needed.get(v.generator, 0), v.size)
    synthetic, labels, syn_seconds = {}, {}, {}
    for gen, size in needed.items():
        n_rows = int(round(size * n_train))
        start = time.perf_counter()
        augmenter = make_augmenter(gen).fit(frame)
        rows = augmenter.sample(n_rows, random_state=seed)
        gen_seconds = time.perf_counter() - start
        synthetic[gen] = schema.encode(rows)
        for which in {v.teacher for v in variants if v.generator == gen}:
            start = time.perf_counter()
            labels[gen, which] = _labelled(self_teachers[which][1], rows)
            # Cost per synthetic row, so a prefix is charged its share.
            syn_seconds[gen, which] = (
                gen_seconds + time.perf_counter() - start
            ) / n_rows
        timing[f"generate:{gen}"] = gen_seconds

    result = {
        "n_train": n_train,
        "n_test": len(test_codes),
        "n_classes": n_classes,
        "y_test": test_codes,
        "timing": timing,
        "variants": {},
    }
    correct, loss = _per_row(teacher_test, test_codes)
    result["teacher"] = {"correct": correct, "loss": loss}

    for v in variants:
        real_oof, _ = self_teachers[v.teacher]
        parts_X = [encoded]
        parts_y = [v.alpha * onehot + (1.0 - v.alpha) * real_oof]
        extra = 0.0
        if v.generator is not None and v.size > 0:
            n_rows = int(round(v.size * n_train))
            parts_X.append(synthetic[v.generator][:n_rows])
            parts_y.append(labels[v.generator, v.teacher][:n_rows])
            extra = syn_seconds[v.generator, v.teacher] * n_rows
        if v.name == "hard":
            student, seconds = baseline, baseline_seconds
        else:
            student, seconds = student_fit(np.vstack(parts_X), np.vstack(parts_y))
        proba = student._proba_from_encoded(test_encoded)
        correct, loss = _per_row(proba, test_codes)
        result["variants"][v.name] = {
            "correct": correct,
            "loss": loss,
            "accuracy": float(correct.mean()),
            "log_loss": float(loss.mean()),
            "agreement": float(np.mean(proba.argmax(1) == teacher_test.argmax(1))),
            "student_seconds": seconds,
            "fit_seconds": seconds + extra,
            "n_rounds": int(student.n_rounds_),
        }
    return result


def _stratified_mean_ci(diffs, n_boot, seed, ci=0.95):
    """Mean over groups of per-group mean differences, with a bootstrap CI.

    Every group (dataset) weighs the same, whatever its test size, and rows
    are resampled within their group.
    """
    rng = np.random.default_rng(seed)
    reps = np.zeros(n_boot)
    for d in diffs:
        # Replicates in blocks keep the index matrix small on large test sets.
        for start in range(0, n_boot, 100):
            stop = min(start + 100, n_boot)
            idx = rng.integers(len(d), size=(stop - start, len(d)))
            reps[start:stop] += d[idx].mean(axis=1)
    reps /= len(diffs)
    point = float(np.mean([d.mean() for d in diffs]))
    low, high = np.quantile(reps, [(1 - ci) / 2, (1 + ci) / 2])
    return point, float(low), float(high)


def summarize_ablation(results, n_boot=2000, random_state=0):
    """Turn split results into per-dataset and pooled tables.

    Parameters
    ----------
    results : dict of (str, int) to dict
        ``run_ablation_split`` output keyed by (dataset, seed).

    n_boot : int, default=2000
        Bootstrap replicates for every interval.

    random_state : int, default=0
        Seed of the resampling.

    Returns
    -------
    per_dataset : DataFrame
        One row per (dataset, variant): mean accuracy, log loss, agreement
        and fit seconds over seeds, and the paired-bootstrap difference to
        the hard-label student (test rows of all seeds pooled) with its
        interval and significance, for accuracy and log loss.

    teacher_edge : DataFrame
        One row per dataset: teacher minus hard-label student in accuracy
        and log loss, interval, and whether the edge is significant (the
        interval excludes zero on the teacher's side).

    pooled : DataFrame
        One row per variant: the dataset-weighted mean difference to the
        hard-label student with its interval, the count of datasets where
        the variant is significantly worse or better, and the pooled edge
        recovered (with interval) over the datasets whose teacher edge is
        significant in that metric.

    per_row : dict
        Per dataset: ``groups`` (dataset/seed of each pooled test row) and,
        per model (``"teacher"`` and every variant), ``correct`` and
        ``loss`` arrays, for further paired comparisons.
    """
    datasets = sorted({d for d, _ in results})
    variant_names = list(next(iter(results.values()))["variants"])
    rows, edges = [], []
    per_row = {}
    for d in datasets:
        seeds = sorted(s for dd, s in results if dd == d)
        runs = [results[d, s] for s in seeds]

        def stack(model, key):
            if model == "teacher":
                return np.concatenate([r["teacher"][key] for r in runs])
            return np.concatenate([r["variants"][model][key] for r in runs])

        groups = np.concatenate(
            [np.full(r["n_test"], f"{d}/seed={s}") for r, s in zip(runs, seeds)]
        )
        per_row[d] = {"groups": groups}
        for model in ["teacher"] + variant_names:
            per_row[d][model] = {k: stack(model, k) for k in ("correct", "loss")}
        base = per_row[d]["hard"]
        t_acc = paired_bootstrap(per_row[d]["teacher"]["correct"], base["correct"],
                                 n_boot, random_state)
        t_ll = paired_bootstrap(per_row[d]["teacher"]["loss"], base["loss"],
                                n_boot, random_state)
        edges.append({
            "dataset": d,
            "n_train": runs[0]["n_train"],
            "n_classes": runs[0]["n_classes"],
            "teacher_accuracy": float(per_row[d]["teacher"]["correct"].mean()),
            "teacher_log_loss": float(per_row[d]["teacher"]["loss"].mean()),
            "hard_accuracy": float(base["correct"].mean()),
            "hard_log_loss": float(base["loss"].mean()),
            "edge_acc": t_acc["mean_diff"], "edge_acc_low": t_acc["low"],
            "edge_acc_high": t_acc["high"],
            "edge_acc_significant": bool(t_acc["low"] > 0),
            "edge_ll": -t_ll["mean_diff"], "edge_ll_low": -t_ll["high"],
            "edge_ll_high": -t_ll["low"],
            "edge_ll_significant": bool(t_ll["high"] < 0),
            "teacher_seconds": float(np.mean([r["timing"]["teacher"] for r in runs])),
        })
        for name in variant_names:
            v = per_row[d][name]
            acc = paired_bootstrap(v["correct"], base["correct"], n_boot, random_state)
            ll = paired_bootstrap(v["loss"], base["loss"], n_boot, random_state)
            rows.append({
                "dataset": d,
                "variant": name,
                "accuracy": float(v["correct"].mean()),
                "log_loss": float(v["loss"].mean()),
                "agreement": float(np.mean(
                    [r["variants"][name]["agreement"] for r in runs])),
                "fit_seconds": float(np.mean(
                    [r["variants"][name]["fit_seconds"] for r in runs])),
                "d_acc": acc["mean_diff"], "d_acc_low": acc["low"],
                "d_acc_high": acc["high"],
                "d_ll": ll["mean_diff"], "d_ll_low": ll["low"],
                "d_ll_high": ll["high"],
                "acc_worse": bool(acc["high"] < 0), "acc_better": bool(acc["low"] > 0),
                "ll_worse": bool(ll["low"] > 0), "ll_better": bool(ll["high"] < 0),
            })
    per_dataset = pd.DataFrame(rows)
    teacher_edge = pd.DataFrame(edges)

    edge_sets = {
        "acc": [e["dataset"] for e in edges if e["edge_acc_significant"]],
        "ll": [e["dataset"] for e in edges if e["edge_ll_significant"]],
    }
    pooled = []
    for name in variant_names:
        sub = per_dataset[per_dataset["variant"] == name]
        entry = {"variant": name}
        for metric, key in (("acc", "correct"), ("ll", "loss")):
            diffs = [per_row[d][name][key] - per_row[d]["hard"][key] for d in datasets]
            point, low, high = _stratified_mean_ci(diffs, n_boot, random_state)
            entry.update({f"d_{metric}": point, f"d_{metric}_low": low,
                          f"d_{metric}_high": high})
            entry[f"n_{metric}_worse"] = int(sub[f"{metric}_worse"].sum())
            entry[f"n_{metric}_better"] = int(sub[f"{metric}_better"].sum())
            chosen = edge_sets[metric]
            if chosen:
                rec = bootstrap_edge_recovered(
                    np.concatenate([per_row[d][name][key] for d in chosen]),
                    np.concatenate([per_row[d]["hard"][key] for d in chosen]),
                    np.concatenate([per_row[d]["teacher"][key] for d in chosen]),
                    np.concatenate([per_row[d]["groups"] for d in chosen]),
                    n_boot, random_state,
                )
                entry.update({f"er_{metric}": rec["edge_recovered"],
                              f"er_{metric}_low": rec["low"],
                              f"er_{metric}_high": rec["high"]})
            else:
                entry.update({f"er_{metric}": np.nan, f"er_{metric}_low": np.nan,
                              f"er_{metric}_high": np.nan})
        entry["agreement"] = float(sub["agreement"].mean())
        entry["fit_seconds"] = float(sub["fit_seconds"].mean())
        pooled.append(entry)
    return per_dataset, teacher_edge, pd.DataFrame(pooled), per_row


def compare_variants(per_row, a, b, datasets, n_boot=2000, random_state=0):
    """Dataset-weighted mean difference ``a - b`` on the given datasets.

    Returns
    -------
    dict
        ``d_acc`` and ``d_ll`` with ``*_low``/``*_high`` interval bounds.
    """
    out = {}
    for metric, key in (("acc", "correct"), ("ll", "loss")):
        diffs = [per_row[d][a][key] - per_row[d][b][key] for d in datasets]
        point, low, high = _stratified_mean_ci(diffs, n_boot, random_state)
        out.update({f"d_{metric}": point, f"d_{metric}_low": low,
                    f"d_{metric}_high": high})
    return out
