"""Metrics and measurement helpers for benchmark runs.

Pure functions over arrays and callables: nothing here imports an estimator,
so the same helpers score tabkd students, teachers and foreign baselines.

Three groups live here:

- scoring: :func:`classification_metrics` from predicted probabilities;
- uncertainty: :func:`paired_bootstrap` for two models on the same rows, and
  the *edge recovered* family, the share of the teacher's advantage over a
  baseline that the student keeps;
- cost: interleaved latency and throughput timing, serialized size, peak
  memory.
"""

import gc
import io
import os
import sys
import threading
import time
import tracemalloc

import numpy as np
import pandas as pd

__all__ = [
    "bootstrap_edge_recovered",
    "classification_metrics",
    "edge_recovered",
    "latency_ratios",
    "measure_latency",
    "measure_throughput",
    "paired_bootstrap",
    "peak_memory",
    "peak_rss",
    "pooled_edge_recovered",
    "serialized_size",
]

# Bootstrap replicates are drawn in blocks of about this many indices, so a
# 50,000-row test set never materialises a 2,000 x 50,000 index matrix.
_BOOTSTRAP_BLOCK = 2**22


# ---------------------------------------------------------------------------
# Scoring


def _encode_labels(y_true, classes):
    classes = pd.Index(np.asarray(classes))
    if not classes.is_unique:
        raise ValueError(f"classes must be unique, got {list(classes)!r}.")
    codes = classes.get_indexer(np.asarray(y_true))
    if (codes < 0).any():
        unknown = pd.unique(np.asarray(y_true)[codes < 0])[:5]
        raise ValueError(
            f"y_true contains labels {list(unknown)!r} that are not in classes "
            f"{list(classes)!r}; pass classes in the column order of proba."
        )
    return codes


def _check_proba(proba, n_rows, n_classes, name):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape != (n_rows, n_classes):
        raise ValueError(
            f"{name} must have shape (n_rows, n_classes) = "
            f"({n_rows}, {n_classes}), got {proba.shape}."
        )
    if not np.isfinite(proba).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return proba


def _binary_auc(is_positive, score):
    from sklearn.metrics import roc_auc_score

    # AUC is undefined without both outcomes; a subsampled test set can lack
    # a rare class, and one missing number should not abort a whole run.
    if is_positive.all() or not is_positive.any():
        return float("nan")
    return float(roc_auc_score(is_positive, score))


def classification_metrics(y_true, proba, classes, teacher_proba=None):
    """Score predicted class probabilities against true labels.

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        True labels, each one of ``classes``.

    proba : array-like of shape (n_rows, n_classes)
        Predicted probabilities, columns in the order of ``classes``.

    classes : array-like of shape (n_classes,)
        Class labels in column order (an estimator's ``classes_``).

    teacher_proba : array-like of shape (n_rows, n_classes), default=None
        The teacher's probabilities on the same rows, to measure agreement.

    Returns
    -------
    scores : dict of str to float
        ``accuracy``, ``balanced_accuracy``, ``log_loss``, ``roc_auc`` and
        ``brier``; ``agreement`` too when ``teacher_proba`` is given.

    Notes
    -----
    - Predictions are the argmax of ``proba``; ties go to the first column.
    - ``balanced_accuracy`` is the mean recall over the classes present in
      ``y_true``, as in scikit-learn.
    - ``log_loss`` uses scikit-learn's :func:`~sklearn.metrics.log_loss` with
      all of ``classes`` as labels, so a class absent from ``y_true`` is fine.
      Rows of ``proba`` that do not sum to one make scikit-learn warn; that
      warning is left to surface, since it points at a broken link function.
    - ``roc_auc`` is the AUC of the second column (the positive class,
      ``classes[1]``) for two classes, and the unweighted mean of
      one-vs-rest AUCs for more. It is ``NaN``, without error or warning,
      when any class of ``classes`` is absent from ``y_true``.
    - ``brier`` for two classes is the usual mean squared error of the
      positive-class probability. For more classes it is the squared error
      against the one-hot label, summed over classes and averaged over rows
      (range 0 to 2). On two classes that sum would be twice the binary
      value, so compare Brier scores within a task, not across tasks.
    - ``agreement`` is the share of rows where the argmax of ``proba``
      equals the argmax of ``teacher_proba``: fidelity, not accuracy.

    Examples
    --------
    >>> from tabkd.benchmarks import classification_metrics
    >>> scores = classification_metrics(
    ...     ["a", "b", "b"], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], ["a", "b"]
    ... )
    >>> round(scores["accuracy"], 3)
    0.667
    """
    from sklearn.metrics import log_loss

    codes = _encode_labels(y_true, classes)
    n_rows, n_classes = len(codes), len(np.asarray(classes))
    if n_rows == 0:
        raise ValueError("y_true is empty; metrics need at least one row.")
    if n_classes < 2:
        raise ValueError(f"classes must hold at least two labels, got {n_classes}.")
    proba = _check_proba(proba, n_rows, n_classes, "proba")
    predicted = proba.argmax(axis=1)
    correct = predicted == codes

    present = np.unique(codes)
    recalls = [correct[codes == k].mean() for k in present]
    onehot = np.eye(n_classes)[codes]

    if n_classes == 2:
        roc_auc = _binary_auc(codes == 1, proba[:, 1])
        brier = float(np.mean((proba[:, 1] - onehot[:, 1]) ** 2))
    else:
        if len(present) < n_classes:
            roc_auc = float("nan")
        else:
            roc_auc = float(
                np.mean([_binary_auc(codes == k, proba[:, k]) for k in present])
            )
        brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))

    scores = {
        "accuracy": float(correct.mean()),
        "balanced_accuracy": float(np.mean(recalls)),
        "log_loss": float(log_loss(codes, proba, labels=np.arange(n_classes))),
        "roc_auc": roc_auc,
        "brier": brier,
    }
    if teacher_proba is not None:
        teacher = _check_proba(teacher_proba, n_rows, n_classes, "teacher_proba")
        scores["agreement"] = float(np.mean(predicted == teacher.argmax(axis=1)))
    return scores


# ---------------------------------------------------------------------------
# Uncertainty


def _check_ci(ci):
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci!r}.")


def _check_n_boot(n_boot):
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)):
        raise TypeError(f"n_boot must be an int, got {n_boot!r}.")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot!r}.")


def _as_rows(values, name):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of per-row scores, got "
            f"shape {values.shape}."
        )
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return values


def _bootstrap_means(values, n_boot, rng):
    """Means of ``n_boot`` row resamples of ``values`` (n_rows, n_columns)."""
    n_rows = values.shape[0]
    block = max(1, _BOOTSTRAP_BLOCK // (n_rows * values.shape[1]))
    means = np.empty((n_boot, values.shape[1]))
    for start in range(0, n_boot, block):
        stop = min(start + block, n_boot)
        idx = rng.integers(0, n_rows, size=(stop - start, n_rows))
        means[start:stop] = values[idx].mean(axis=1)
    return means


def _percentile_interval(replicates, ci):
    finite = replicates[np.isfinite(replicates)]
    if len(finite) == 0:
        return float("nan"), float("nan")
    tail = 100 * (1 - ci) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def paired_bootstrap(per_row_a, per_row_b, n_boot=2000, random_state=0, ci=0.95):
    """Percentile bootstrap of the mean difference between two paired models.

    Rows are resampled with replacement and the same rows are used for both
    models, so the interval reflects the variation of the *difference*,
    which is much narrower than comparing two separate intervals.

    Parameters
    ----------
    per_row_a, per_row_b : array-like of shape (n_rows,)
        Per-row scores of two models on the same test rows, in the same row
        order: correctness as 0/1, per-row log loss, squared error, ...

    n_boot : int, default=2000
        Number of bootstrap replicates.

    random_state : int, default=0
        Seed of the resampling.

    ci : float, default=0.95
        Coverage of the two-sided percentile interval.

    Returns
    -------
    result : dict
        ``mean_diff`` (mean of ``a - b`` on the original rows), ``low`` and
        ``high`` (interval bounds of that mean), and ``significant``, true
        when the interval excludes zero.

    Notes
    -----
    The sign follows the input: for a score where lower is better, such as
    log loss, a negative ``mean_diff`` means ``a`` is better. Rows are
    treated as independent; grouped rows (several per customer) call for a
    group bootstrap instead.
    """
    a = _as_rows(per_row_a, "per_row_a")
    b = _as_rows(per_row_b, "per_row_b")
    if a.shape != b.shape:
        raise ValueError(
            f"per_row_a and per_row_b must score the same rows, got "
            f"{a.shape[0]} and {b.shape[0]} rows."
        )
    _check_n_boot(n_boot)
    _check_ci(ci)

    diff = (a - b)[:, None]
    rng = np.random.default_rng(random_state)
    replicates = _bootstrap_means(diff, n_boot, rng)[:, 0]
    low, high = _percentile_interval(replicates, ci)
    return {
        "mean_diff": float(diff.mean()),
        "low": low,
        "high": high,
        "significant": bool(low > 0 or high < 0),
    }


def _safe_ratio(numerator, denominator, atol):
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    undefined = np.abs(denominator) <= atol
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / np.where(undefined, 1.0, denominator)
    return np.where(undefined, np.nan, ratio)


def edge_recovered(student, baseline, teacher, *, atol=1e-12):
    """Share of the teacher's edge over a baseline that the student keeps.

    ``(student - baseline) / (teacher - baseline)``: 1 when the student
    matches the teacher, 0 when it is no better than the baseline (usually
    the same student model trained on hard labels), above 1 when it beats
    the teacher.

    Parameters
    ----------
    student, baseline, teacher : float
        One metric for each model on the same test rows.

    atol : float, default=1e-12
        A gap ``|teacher - baseline|`` at or below this is treated as zero.

    Returns
    -------
    ratio : float
        The edge recovered, or ``NaN`` when the teacher has no edge to
        recover (gap within ``atol`` of zero).

    Notes
    -----
    Sign convention: the ratio is unchanged when all three values are
    negated, so it reads the same for a score (accuracy, higher is better)
    as for a loss (log loss, lower is better); pass log losses as they are
    or negated, the result is identical. What matters is the sign of the
    gap: the ratio is meaningful only when the teacher beats the baseline.
    When it does not, the value is still returned but says little.

    Examples
    --------
    >>> from tabkd.benchmarks import edge_recovered
    >>> round(edge_recovered(student=0.85, baseline=0.80, teacher=0.90), 6)
    0.5
    """
    gain = float(student) - float(baseline)
    gap = float(teacher) - float(baseline)
    return float(_safe_ratio(gain, gap, atol))


def pooled_edge_recovered(gains, gaps, *, atol=1e-12):
    """Edge recovered pooled over several datasets or seeds.

    ``sum(gains) / sum(gaps)``: each run weighs by the size of its gap, so a
    dataset where the teacher barely beats the baseline cannot produce a
    wild ratio that dominates an average of per-dataset ratios.

    Parameters
    ----------
    gains : array-like of shape (n_runs,)
        ``student - baseline`` for each run, in one metric.

    gaps : array-like of shape (n_runs,)
        ``teacher - baseline`` for the same runs, in the same metric.

    atol : float, default=1e-12
        A total gap at or below this in absolute value is treated as zero.

    Returns
    -------
    ratio : float
        The pooled edge recovered, or ``NaN`` when the total gap is zero
        within ``atol``.

    Notes
    -----
    As for :func:`edge_recovered`, a loss and its negation give the same
    ratio, provided gains and gaps are differences of the same metric in
    the same direction for every run. Do not mix metrics across runs.
    """
    gains = np.asarray(gains, dtype=np.float64).ravel()
    gaps = np.asarray(gaps, dtype=np.float64).ravel()
    if gains.shape != gaps.shape or len(gains) == 0:
        raise ValueError(
            f"gains and gaps must be non-empty and of equal length, got "
            f"{len(gains)} and {len(gaps)}."
        )
    return float(_safe_ratio(gains.sum(), gaps.sum(), atol))


def bootstrap_edge_recovered(
    per_row_student,
    per_row_baseline,
    per_row_teacher,
    groups,
    n_boot=2000,
    random_state=0,
    ci=0.95,
    *,
    atol=1e-12,
):
    """Pooled edge recovered with a bootstrap interval over test rows.

    Each group is one test set (a dataset and seed). Its gain and gap are
    the mean per-row differences ``student - baseline`` and ``teacher -
    baseline`` on its rows; the ratio is ``sum(gains) / sum(gaps)`` as in
    :func:`pooled_edge_recovered`. Replicates resample rows with replacement
    *within* each group, keeping the three models paired on every row and
    every group at its own size.

    Parameters
    ----------
    per_row_student, per_row_baseline, per_row_teacher : array-like of shape (n_rows,)
        Per-row scores of the three models on the concatenated test rows:
        correctness as 0/1, per-row log loss, ...

    groups : array-like of shape (n_rows,)
        Group label of each row, for example ``"diamonds/seed=0"``.

    n_boot : int, default=2000
        Number of bootstrap replicates.

    random_state : int, default=0
        Seed of the resampling.

    ci : float, default=0.95
        Coverage of the two-sided percentile interval.

    atol : float, default=1e-12
        A total gap at or below this in absolute value is treated as zero.

    Returns
    -------
    result : dict
        ``edge_recovered`` (on the original rows), ``low`` and ``high``
        (percentile interval), ``gain`` and ``gap`` (pooled sums),
        ``n_groups``, and ``n_undefined``, the number of replicates whose
        total gap was zero and which the interval therefore ignores.

    Notes
    -----
    The ratio is ``NaN`` when the pooled gap is zero within ``atol``; the
    bounds are ``NaN`` when every replicate is undefined. A ratio's
    percentile interval is trustworthy only when the gap is clearly away
    from zero in every replicate; a large ``n_undefined`` or a very wide
    interval says the teacher's edge itself is not established. The sign
    convention of :func:`edge_recovered` applies: per-row losses may be
    passed as they are.
    """
    student = _as_rows(per_row_student, "per_row_student")
    baseline = _as_rows(per_row_baseline, "per_row_baseline")
    teacher = _as_rows(per_row_teacher, "per_row_teacher")
    groups = np.asarray(groups)
    if not (student.shape == baseline.shape == teacher.shape == groups.shape):
        raise ValueError(
            "per_row_student, per_row_baseline, per_row_teacher and groups "
            "must have one entry per row, got lengths "
            f"{len(student)}, {len(baseline)}, {len(teacher)} and {len(groups)}."
        )
    _check_n_boot(n_boot)
    _check_ci(ci)

    # Columns: gain and gap per row. Means of resampled rows per group,
    # summed over groups, give one pooled gain and gap per replicate.
    differences = np.column_stack([student - baseline, teacher - baseline])
    codes, uniques = pd.factorize(groups)
    rng = np.random.default_rng(random_state)
    totals = np.zeros((n_boot, 2))
    observed = np.zeros(2)
    for k in range(len(uniques)):
        rows = differences[codes == k]
        observed += rows.mean(axis=0)
        totals += _bootstrap_means(rows, n_boot, rng)

    replicates = _safe_ratio(totals[:, 0], totals[:, 1], atol)
    low, high = _percentile_interval(replicates, ci)
    return {
        "edge_recovered": float(_safe_ratio(observed[0], observed[1], atol)),
        "low": low,
        "high": high,
        "gain": float(observed[0]),
        "gap": float(observed[1]),
        "n_groups": len(uniques),
        "n_undefined": int(np.isnan(replicates).sum()),
    }


# ---------------------------------------------------------------------------
# Cost


def _check_contenders(predict_fns):
    if not isinstance(predict_fns, dict) or not predict_fns:
        raise ValueError(
            "predict_fns must be a non-empty dict mapping contender names to "
            f"callables, got {predict_fns!r}."
        )
    for name, fn in predict_fns.items():
        if not callable(fn):
            raise TypeError(f"predict_fns[{name!r}] is not callable: {fn!r}.")
    return list(predict_fns)


def _one_row_inputs(rows):
    # A frame or array is split into one-row slices of the same type, since
    # a predictor may take a different path for a Series or a 1-D vector.
    if isinstance(rows, pd.DataFrame):
        rows = [rows.iloc[[i]] for i in range(len(rows))]
    elif isinstance(rows, np.ndarray):
        rows = [rows[i : i + 1] for i in range(len(rows))]
    else:
        rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one one-row input.")
    return rows


class _GcPaused:
    """Pause the garbage collector, as :mod:`timeit` does, and restore it."""

    def __enter__(self):
        self._was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()

    def __exit__(self, *exc_info):
        if self._was_enabled:
            gc.enable()


class _NoPause:
    """Stand-in for :class:`_GcPaused` that leaves the collector alone."""

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return None


def _interleaved(names, n_rounds):
    """Contender order per round, rotated so no one always runs first."""
    k = len(names)
    for round_ in range(n_rounds):
        yield round_, [names[(j + round_) % k] for j in range(k)]


def measure_latency(predict_fns, rows, n_calls=1000, warmup=50, pause_gc=True,
                    burst=1):
    """Time single-row predictions of several contenders, interleaved.

    Each round hands the next one-row input (or the next ``burst`` inputs)
    to every contender in turn, so a burst of machine noise hits all
    contenders alike and their *ratios* stay stable even when absolute
    times drift. The starting contender rotates every round.

    Parameters
    ----------
    predict_fns : dict of str to callable
        Contender name to a function taking one one-row input, for example
        ``{"student": student.predict_proba, "teacher": teacher.predict_proba}``.

    rows : list, pandas.DataFrame or ndarray
        One-row inputs, cycled in order (round ``i`` uses ``rows[i %
        len(rows)]``). A frame or 2-D array is split into one-row slices
        beforehand, outside the timed region. Give at least ``n_calls``
        rows so no contender sees a row twice; a predictor that caches its
        last input would otherwise look faster than it is.

    n_calls : int, default=1000
        Timed calls per contender.

    warmup : int, default=50
        Untimed rounds first, to fill caches and trigger lazy set-up.

    pause_gc : bool, default=True
        Disable the garbage collector during timing, as :mod:`timeit` does,
        so that a collection does not land on one contender at random.

    burst : int, default=1
        Consecutive calls a contender makes per turn, each timed on its own.
        With 1, every call follows the other contenders' calls, so a small
        model is timed with caches that a large one (the teacher) has just
        flushed: the latency of a process that does other work between
        requests. A burst of tens times a contender in steady state, as a
        service answering a stream of requests runs.

    Returns
    -------
    results : dict of str to dict
        Per contender, in the order of ``predict_fns``: ``p50_us``,
        ``p99_us`` and ``mean_us`` in microseconds, and ``n_calls``.

    Notes
    -----
    Times are wall-clock from :func:`time.perf_counter_ns` around the call
    alone. On a 2-core machine, set the contenders' thread counts alike
    (for example one thread each); otherwise the comparison measures thread
    scheduling as much as prediction.
    """
    names = _check_contenders(predict_fns)
    rows = _one_row_inputs(rows)
    if n_calls < 1 or warmup < 0 or burst < 1:
        raise ValueError(
            "n_calls and burst must be >= 1 and warmup >= 0, got "
            f"{n_calls!r}, {burst!r}, {warmup!r}."
        )

    n_rounds = -(-n_calls // burst)
    n_warmup_rounds = -(-warmup // burst)
    timings = {name: np.empty(n_rounds * burst, dtype=np.int64) for name in names}
    clock = time.perf_counter_ns
    pause = _GcPaused() if pause_gc else _NoPause()
    with pause:
        for round_, order in _interleaved(names, n_warmup_rounds + n_rounds):
            first_call = round_ * burst
            for name in order:
                fn = predict_fns[name]
                for call in range(first_call, first_call + burst):
                    row = rows[call % len(rows)]
                    start = clock()
                    fn(row)
                    elapsed = clock() - start
                    if round_ >= n_warmup_rounds:
                        timings[name][call - n_warmup_rounds * burst] = elapsed
    timings = {name: times[:n_calls] for name, times in timings.items()}

    results = {}
    for name in names:
        micros = timings[name] / 1e3
        results[name] = {
            "p50_us": float(np.percentile(micros, 50)),
            "p99_us": float(np.percentile(micros, 99)),
            "mean_us": float(micros.mean()),
            "n_calls": int(n_calls),
        }
    return results


def measure_throughput(predict_fns, X_batch, repeats=7, warmup=1, pause_gc=True):
    """Time whole-batch predictions of several contenders, interleaved.

    Parameters
    ----------
    predict_fns : dict of str to callable
        Contender name to a function taking the whole batch.

    X_batch : pandas.DataFrame or array-like
        The batch, passed unchanged to every contender.

    repeats : int, default=7
        Timed calls per contender; the median is reported.

    warmup : int, default=1
        Untimed rounds first.

    pause_gc : bool, default=True
        Disable the garbage collector during timing.

    Returns
    -------
    results : dict of str to dict
        Per contender, in the order of ``predict_fns``:
        ``seconds_per_call`` (median), ``rows_per_s`` (batch rows divided
        by that median), ``n_rows`` and ``repeats``.
    """
    names = _check_contenders(predict_fns)
    if repeats < 1 or warmup < 0:
        raise ValueError(
            f"repeats must be >= 1 and warmup >= 0, got {repeats!r}, {warmup!r}."
        )
    n_rows = len(X_batch)
    if n_rows == 0:
        raise ValueError("X_batch is empty.")

    timings = {name: [] for name in names}
    clock = time.perf_counter_ns
    pause = _GcPaused() if pause_gc else _NoPause()
    with pause:
        for round_, order in _interleaved(names, warmup + repeats):
            for name in order:
                start = clock()
                predict_fns[name](X_batch)
                elapsed = clock() - start
                if round_ >= warmup:
                    timings[name].append(elapsed)

    results = {}
    for name in names:
        # Guard the ratio: a trivial contender can finish below the clock's
        # resolution on a tiny batch.
        seconds = max(float(np.median(timings[name])) / 1e9, 1e-9)
        results[name] = {
            "seconds_per_call": seconds,
            "rows_per_s": n_rows / seconds,
            "n_rows": int(n_rows),
            "repeats": int(repeats),
        }
    return results


def latency_ratios(results, reference, key=None):
    """Divide every contender's time by a reference contender's.

    Parameters
    ----------
    results : dict of str to dict
        Output of :func:`measure_latency` or :func:`measure_throughput`.

    reference : str
        Contender whose time is the unit (its ratio is 1).

    key : str, default=None
        Statistic to compare. ``None`` picks ``"p50_us"`` for latency
        results and ``"seconds_per_call"`` for throughput results.

    Returns
    -------
    ratios : dict of str to float
        Per contender, its time over the reference's: above 1 is slower.
    """
    if reference not in results:
        raise ValueError(
            f"reference {reference!r} is not a contender; contenders are "
            f"{list(results)!r}."
        )
    if key is None:
        key = "p50_us" if "p50_us" in results[reference] else "seconds_per_call"
    unit = results[reference][key]
    if not unit > 0:
        raise ValueError(
            f"reference {reference!r} has {key}={unit!r}; a ratio needs a "
            "positive reference time."
        )
    return {name: stats[key] / unit for name, stats in results.items()}


def serialized_size(obj, compress=0):
    """Size in bytes of ``obj`` pickled with :func:`joblib.dump`.

    Parameters
    ----------
    obj : object
        Anything joblib can pickle: a fitted model, a predictor, a dict.

    compress : int or bool, default=0
        joblib's compression level. Uncompressed by default, because that is
        what a model costs in memory once loaded and what most deployments
        write; pass ``3`` to see the size on disk when compressed.

    Returns
    -------
    n_bytes : int
        Length of the serialized bytes, written to an in-memory buffer.
    """
    import joblib

    buffer = io.BytesIO()
    joblib.dump(obj, buffer, compress=compress)
    return buffer.getbuffer().nbytes


def peak_memory(fn, *args, **kwargs):
    """Run ``fn`` and report the peak of Python allocations during the call.

    Parameters
    ----------
    fn : callable
        Function to run, for example a fit or a batch prediction.

    *args, **kwargs
        Passed to ``fn``.

    Returns
    -------
    result : object
        What ``fn`` returned.

    peak_bytes : int
        Peak traced memory during the call above what was traced when it
        started.

    Notes
    -----
    :mod:`tracemalloc` sees allocations made through Python's allocator,
    which includes NumPy arrays' data buffers. It does **not** see memory
    that native libraries allocate themselves, such as LightGBM's or
    XGBoost's own datasets and trees, so for those models the number is a
    lower bound. :func:`peak_rss` measures the process as a whole instead.
    Tracing slows the call down: never time a function under this one.
    If tracing is already on, the peak is reset and tracing is left on.
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, max(int(peak - start), 0)


def _rss_reader():
    """Return a function giving current RSS in bytes, or None if unavailable."""
    try:
        import psutil  # optional, never a dependency
    except ImportError:
        psutil = None
    if psutil is not None:
        process = psutil.Process()
        return lambda: process.memory_info().rss
    if os.path.exists("/proc/self/statm"):
        page = os.sysconf("SC_PAGE_SIZE")

        def read():
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * page

        return read
    return None


def _max_rss_bytes():
    import resource

    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def peak_rss(fn, *args, **kwargs):
    """Run ``fn`` and report the rise of the process's resident memory.

    Parameters
    ----------
    fn : callable
        Function to run.

    *args, **kwargs
        Passed to ``fn``.

    Returns
    -------
    result : object
        What ``fn`` returned.

    delta_bytes : int
        Peak resident set size during the call minus the size at its start.

    Notes
    -----
    Unlike :func:`peak_memory` this sees native allocations (LightGBM,
    XGBoost, BLAS), but also everything else in the process, including
    memory freed by Python and not yet returned to the system. RSS is
    sampled every millisecond by a background thread, through ``psutil``
    when it is installed and ``/proc/self/statm`` otherwise, so a spike
    shorter than that can be missed. Where neither exists, the delta of
    ``resource.getrusage`` ``ru_maxrss`` is used: a process-wide high-water
    mark that only grows, so a call staying below an earlier peak reports 0.
    """
    read = _rss_reader()
    if read is None:
        before = _max_rss_bytes()
        result = fn(*args, **kwargs)
        return result, max(_max_rss_bytes() - before, 0)

    baseline = read()
    peak = [baseline]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.001):
            peak[0] = max(peak[0], read())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = fn(*args, **kwargs)
    finally:
        stop.set()
        sampler.join()
    peak[0] = max(peak[0], read())
    return result, max(int(peak[0] - baseline), 0)
