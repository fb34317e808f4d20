"""Tests for the metrics and measurement helpers of ``tabkd.benchmarks``."""

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from tabkd.benchmarks import (
    bootstrap_edge_recovered,
    classification_metrics,
    edge_recovered,
    latency_ratios,
    measure_latency,
    measure_throughput,
    paired_bootstrap,
    peak_memory,
    peak_rss,
    pooled_edge_recovered,
    serialized_size,
)


def _multiclass_example():
    classes = np.array(["cat", "dog", "eel"])
    y = np.array(["cat", "dog", "eel", "dog", "cat", "eel", "eel"])
    proba = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.2, 0.5, 0.3],
            [0.1, 0.3, 0.6],
            [0.6, 0.3, 0.1],
            [0.4, 0.4, 0.2],
            [0.3, 0.3, 0.4],
            [0.2, 0.6, 0.2],
        ]
    )
    return y, proba, classes


def test_binary_metrics_match_sklearn():
    classes = np.array(["no", "yes"])
    y = np.array(["yes", "no", "yes", "yes", "no", "no"])
    p_yes = np.array([0.9, 0.2, 0.4, 0.7, 0.6, 0.1])
    proba = np.column_stack([1 - p_yes, p_yes])
    scores = classification_metrics(y, proba, classes)

    y01 = (y == "yes").astype(int)
    pred = (p_yes > 0.5).astype(int)
    assert scores["accuracy"] == pytest.approx(skm.accuracy_score(y01, pred))
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score(y01, pred)
    )
    assert scores["log_loss"] == pytest.approx(skm.log_loss(y01, p_yes))
    assert scores["roc_auc"] == pytest.approx(skm.roc_auc_score(y01, p_yes))
    assert scores["brier"] == pytest.approx(skm.brier_score_loss(y01, p_yes))
    assert "agreement" not in scores


def test_multiclass_metrics_match_sklearn():
    y, proba, classes = _multiclass_example()
    scores = classification_metrics(y, proba, classes)
    codes = np.searchsorted(classes, y)

    # Row 5 ties on its first two columns; argmax takes the first, "cat".
    assert scores["accuracy"] == pytest.approx(5 / 7)
    assert scores["accuracy"] == pytest.approx(
        skm.accuracy_score(codes, proba.argmax(axis=1))
    )
    assert scores["log_loss"] == pytest.approx(
        skm.log_loss(codes, proba, labels=[0, 1, 2])
    )
    assert scores["roc_auc"] == pytest.approx(
        skm.roc_auc_score(codes, proba, multi_class="ovr", average="macro")
    )
    onehot = np.eye(3)[codes]
    assert scores["brier"] == pytest.approx(((proba - onehot) ** 2).sum(1).mean())


def test_absent_class_gives_nan_auc_without_warning():
    y, proba, classes = _multiclass_example()
    keep = y != "eel"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = classification_metrics(y[keep], proba[keep], classes)
        binary = classification_metrics(
            ["a", "a"], [[0.6, 0.4], [0.9, 0.1]], ["a", "b"]
        )
    assert math.isnan(scores["roc_auc"])
    assert math.isnan(binary["roc_auc"])
    # Log loss still works with a class absent from y_true.
    assert np.isfinite(scores["log_loss"])


def test_agreement_with_teacher():
    y, proba, classes = _multiclass_example()
    teacher = proba.copy()
    # Reversing rows 0 and 3 moves their argmax from the first column to the
    # last; the other five rows agree.
    teacher[[0, 3]] = teacher[[0, 3], ::-1]
    scores = classification_metrics(y, proba, classes, teacher_proba=teacher)
    assert scores["agreement"] == pytest.approx(5 / 7)


def test_metrics_input_errors():
    y, proba, classes = _multiclass_example()
    with pytest.raises(ValueError, match="not in classes"):
        classification_metrics(["bird"] + list(y[1:]), proba, classes)
    with pytest.raises(ValueError, match="shape"):
        classification_metrics(y, proba[:, :2], classes)


def test_paired_bootstrap_detects_a_clearly_better_model():
    rng = np.random.default_rng(0)
    better = (rng.random(2000) < 0.90).astype(float)
    worse = (rng.random(2000) < 0.75).astype(float)
    result = paired_bootstrap(better, worse, n_boot=500, random_state=1)
    assert result["low"] <= result["mean_diff"] <= result["high"]
    assert result["mean_diff"] == pytest.approx(better.mean() - worse.mean())
    assert result["significant"] and result["low"] > 0


def test_paired_bootstrap_identical_models_not_significant():
    rng = np.random.default_rng(0)
    scores = (rng.random(500) < 0.8).astype(float)
    result = paired_bootstrap(scores, scores.copy(), n_boot=200)
    assert result == {"mean_diff": 0.0, "low": 0.0, "high": 0.0, "significant": False}


def test_paired_bootstrap_noise_not_significant_and_seeded():
    rng = np.random.default_rng(5)
    a = rng.normal(size=300)
    b = a + rng.normal(scale=0.5, size=300) - 0.001
    first = paired_bootstrap(a, b, n_boot=300, random_state=2)
    assert first["low"] < 0 < first["high"] and not first["significant"]
    assert paired_bootstrap(a, b, n_boot=300, random_state=2) == first
    with pytest.raises(ValueError, match="same rows"):
        paired_bootstrap(a, b[:-1])


def test_edge_recovered_half_and_sign_invariance():
    assert edge_recovered(0.85, 0.80, 0.90) == pytest.approx(0.5)
    # Log loss as is or negated gives the same ratio.
    assert edge_recovered(0.45, 0.50, 0.40) == pytest.approx(0.5)
    assert edge_recovered(-0.45, -0.50, -0.40) == pytest.approx(0.5)
    assert math.isnan(edge_recovered(0.9, 0.8, 0.8))


def test_pooled_edge_recovered():
    gains = [0.01, 0.03]
    gaps = [0.04, 0.04]
    assert pooled_edge_recovered(gains, gaps) == pytest.approx(0.5)
    assert math.isnan(pooled_edge_recovered([0.1, -0.1], [0.02, -0.02]))
    with pytest.raises(ValueError, match="equal length"):
        pooled_edge_recovered([0.1], [0.1, 0.2])


def _correctness(n, rate):
    # Exactly round(n * rate) correct rows, so group means are exact.
    values = np.zeros(n)
    values[: round(n * rate)] = 1.0
    return values


def test_bootstrap_edge_recovered_constructed_half():
    n = 400
    groups = np.repeat(["wine/seed=0", "credit/seed=0"], n)
    baseline = np.concatenate([_correctness(n, 0.80), _correctness(n, 0.60)])
    student = np.concatenate([_correctness(n, 0.85), _correctness(n, 0.65)])
    teacher = np.concatenate([_correctness(n, 0.90), _correctness(n, 0.70)])
    result = bootstrap_edge_recovered(
        student, baseline, teacher, groups, n_boot=400, random_state=0
    )
    assert result["edge_recovered"] == pytest.approx(0.5)
    assert result["gain"] == pytest.approx(0.10)
    assert result["gap"] == pytest.approx(0.20)
    assert result["n_groups"] == 2 and result["n_undefined"] == 0
    assert result["low"] <= 0.5 <= result["high"]


def test_bootstrap_edge_recovered_zero_gap_is_nan():
    scores = _correctness(100, 0.7)
    result = bootstrap_edge_recovered(scores, scores, scores, np.zeros(100), n_boot=50)
    assert math.isnan(result["edge_recovered"])
    assert math.isnan(result["low"]) and math.isnan(result["high"])
    assert result["n_undefined"] == 50


def test_measure_latency_interleaves_and_reports():
    calls = []

    def make(name, work):
        def predict(row):
            calls.append(name)
            return np.tanh(row * work).sum()

        return predict

    rows = [np.full((1, 8), float(i)) for i in range(30)]
    fns = {"slow": make("slow", 3.0), "fast": make("fast", 1.0)}
    results = measure_latency(fns, rows, n_calls=20, warmup=2)

    assert list(results) == ["slow", "fast"]
    for stats in results.values():
        for key in ("p50_us", "p99_us", "mean_us"):
            assert np.isfinite(stats[key]) and stats[key] > 0
        assert stats["p50_us"] <= stats["p99_us"]
        assert stats["n_calls"] == 20
    # Round robin: each consecutive pair of calls holds both contenders.
    assert len(calls) == 2 * 22
    for i in range(0, len(calls), 2):
        assert set(calls[i : i + 2]) == {"slow", "fast"}
    assert calls[0] != calls[2]

    ratios = latency_ratios(results, reference="fast")
    assert ratios["fast"] == 1.0 and ratios["slow"] > 0


def test_measure_latency_bursts_give_each_contender_consecutive_calls():
    calls = []

    def make(name):
        def predict(row):
            calls.append((name, int(row[0, 0])))

        return predict

    rows = [np.full((1, 2), float(i)) for i in range(100)]
    results = measure_latency(
        {"a": make("a"), "b": make("b")}, rows, n_calls=10, warmup=4, burst=4
    )
    # 1 warm-up round and 3 timed rounds of 4 calls per contender.
    assert len(calls) == 2 * 4 * 4
    for start in range(0, len(calls), 4):
        names = {name for name, _ in calls[start : start + 4]}
        assert len(names) == 1
    # Both contenders see the same rows in the same order, none twice.
    for name in "ab":
        seen = [row for who, row in calls if who == name]
        assert seen == list(range(16))
    assert all(stats["n_calls"] == 10 for stats in results.values())
    with pytest.raises(ValueError, match="burst"):
        measure_latency({"a": make("a")}, rows, n_calls=5, burst=0)


def test_measure_latency_accepts_a_frame():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)})
    seen = []
    results = measure_latency(
        {"only": lambda row: seen.append(row.shape)}, frame, n_calls=10, warmup=0
    )
    assert set(seen) == {(1, 2)}
    assert results["only"]["mean_us"] > 0


def test_measure_throughput_and_ratios():
    X = np.random.default_rng(0).normal(size=(2000, 10))
    fns = {"sum": lambda A: A.sum(axis=1), "sort": lambda A: np.sort(A, axis=1)}
    results = measure_throughput(fns, X, repeats=3)
    assert list(results) == ["sum", "sort"]
    for stats in results.values():
        assert stats["seconds_per_call"] > 0 and np.isfinite(stats["rows_per_s"])
        assert stats["rows_per_s"] == pytest.approx(2000 / stats["seconds_per_call"])
    ratios = latency_ratios(results, "sum")
    assert ratios["sum"] == 1.0 and ratios["sort"] > 0
    with pytest.raises(ValueError, match="not a contender"):
        latency_ratios(results, "missing")


def test_measure_latency_rejects_bad_contenders():
    with pytest.raises(ValueError, match="non-empty dict"):
        measure_latency({}, [np.zeros((1, 2))])
    with pytest.raises(TypeError, match="not callable"):
        measure_latency({"x": 3}, [np.zeros((1, 2))])


def test_serialized_size():
    obj = {"weights": np.zeros(10_000)}
    raw = serialized_size(obj)
    assert raw > 80_000
    assert 0 < serialized_size(obj, compress=3) < raw


def test_peak_memory_sees_numpy_allocations():
    result, peak = peak_memory(lambda n: np.ones(n).sum(), 1_000_000)
    assert result == 1_000_000
    assert peak >= 8_000_000


def test_peak_rss_returns_result_and_delta():
    result, delta = peak_rss(lambda: np.ones(2_000_000).sum())
    assert result == 2_000_000
    assert isinstance(delta, int) and delta >= 0
