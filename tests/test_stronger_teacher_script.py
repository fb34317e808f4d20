"""The stronger-teacher benchmark: one cheap split, and its summary arithmetic."""

import json

import numpy as np
import pytest
from conftest import load_benchmark_script

# The extended members' MLP clips its batch to the 100 training rows of a
# fold; expected on a table this small, and not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")


@pytest.fixture(scope="module")
def bench():
    return load_benchmark_script("stronger_teacher")


@pytest.fixture(scope="module")
def split(bench):
    # Quick-mode students on 200 rows, 3 folds and few synthetic rows keep
    # both distilled fits (one of them bagged) to seconds.
    return bench.run_split(
        "breast_cancer", 0, max_rows=200, n_jobs=1,
        student_rounds=bench.QUICK_STUDENT_ROUNDS,
        extra_params={"cv": 3, "n_synthetic": 100}, verbose=False,
    )


def test_split_holds_every_model_with_valid_scores(bench, split):
    assert split["n_train"] == 150 and split["n_test"] == 50
    assert set(split["metrics"]) == set(bench.MODELS)
    assert set(split["rows"]) == set(bench.MODELS)
    assert set(split["fit_seconds"]) == {"default", "strong", "hard"}
    assert all(seconds > 0 for seconds in split["fit_seconds"].values())
    for model in bench.MODELS:
        metrics, rows = split["metrics"][model], split["rows"][model]
        assert 0.0 <= metrics["accuracy"] <= 1.0
        assert 0.0 < metrics["log_loss"] < np.log(2) * 2
        assert len(rows["log_loss"]) == len(rows["correct"]) == 50
        assert (rows["log_loss"] >= 0).all()
        assert set(np.unique(rows["correct"])) <= {0.0, 1.0}
        # The per-row scores are the ones the summary pools, so they must
        # average to the split's metrics.
        assert np.mean(rows["correct"]) == pytest.approx(metrics["accuracy"])
        assert np.mean(rows["log_loss"]) == pytest.approx(metrics["log_loss"],
                                                          rel=1e-6)
    # Each teacher agrees with itself; the students carry per-row agreement.
    assert split["metrics"]["default_teacher"]["agree_default"] == 1.0
    assert split["metrics"]["strong_teacher"]["agree_strong"] == 1.0
    for student in ("default_student", "strong_student", "hard_student"):
        agrees = split["rows"][student]["agree_strong"]
        assert np.mean(agrees) == pytest.approx(
            split["metrics"][student]["agree_strong"])


def test_split_teachers_differ_and_students_are_fitted(split):
    metrics = split["metrics"]
    # Two different teachers give different test losses; a student that did
    # not learn would sit at the prior's loss, far above these.
    assert metrics["default_teacher"]["log_loss"] != pytest.approx(
        metrics["strong_teacher"]["log_loss"])
    for model in ("default_student", "strong_student", "hard_student"):
        assert metrics[model]["accuracy"] > 0.8


def _fake_split(dataset, seed, losses, correct):
    """A split whose models score ``losses[m]`` / ``correct[m]`` per row."""
    rows = {}
    for model in losses:
        rows[model] = {"log_loss": np.asarray(losses[model], dtype=float),
                       "correct": np.asarray(correct[model], dtype=float)}
        if model.endswith("student"):
            rows[model]["agree_default"] = np.ones(len(losses[model]))
            rows[model]["agree_strong"] = np.zeros(len(losses[model]))
    return {"dataset": dataset, "seed": seed, "n_test": len(losses["hard_student"]),
            "fit_seconds": {"default": 2.0 + seed, "strong": 6.0, "hard": 0.5},
            "stage_seconds": {"default": {"teacher": 1.0},
                              "strong": {"teacher": 5.0}},
            "rows": rows}


def test_summary_arithmetic_on_hand_made_splits(bench):
    # Dataset "a": two seeds of two rows; dataset "b": one seed of four rows.
    def losses(default_teacher, strong_teacher, default_student, strong_student,
               hard):
        return {"default_teacher": default_teacher,
                "strong_teacher": strong_teacher,
                "default_student": default_student,
                "strong_student": strong_student, "hard_student": hard}

    a0 = _fake_split("a", 0,
                     losses([0.1, 0.1], [0.0, 0.0], [0.3, 0.3], [0.2, 0.2],
                            [0.5, 0.5]),
                     losses([1, 1], [1, 1], [1, 0], [1, 1], [0, 0]))
    a1 = _fake_split("a", 1,
                     losses([0.1, 0.1], [0.0, 0.0], [0.3, 0.3], [0.2, 0.2],
                            [0.5, 0.5]),
                     losses([1, 1], [1, 1], [1, 0], [1, 1], [0, 0]))
    b0 = _fake_split("b", 0,
                     losses([0.2] * 4, [0.2] * 4, [0.4] * 4, [0.6] * 4,
                            [0.6] * 4),
                     losses([1] * 4, [1] * 4, [1, 1, 1, 0], [1, 1, 0, 0],
                            [1, 0, 0, 0]))
    summary = bench.summarize([a0, a1, b0], n_boot=200)
    a, b = summary["datasets"]["a"], summary["datasets"]["b"]

    assert a["n_splits"] == 2 and a["n_test_rows"] == 4
    assert a["log_loss"]["strong_student"] == pytest.approx(0.2)
    assert a["accuracy"]["default_student"] == pytest.approx(0.5)
    assert a["fit_seconds"] == pytest.approx({"default": 2.5, "strong": 6.0,
                                              "hard": 0.5})
    assert a["agreement"] == {"default": 1.0, "strong": 0.0}
    # Constant per-row differences give a zero-width, significant interval.
    diff = a["strong_vs_default_student_log_loss"]
    assert diff["mean_diff"] == pytest.approx(-0.1)
    assert diff["low"] == pytest.approx(-0.1) and diff["high"] == pytest.approx(-0.1)
    assert diff["significant"]
    assert b["strong_vs_default_student_log_loss"]["mean_diff"] == pytest.approx(0.2)
    assert b["strong_vs_hard_student_log_loss"]["mean_diff"] == pytest.approx(0.0)
    assert not b["strong_vs_hard_student_log_loss"]["significant"]
    assert b["strong_vs_default_student_accuracy"]["mean_diff"] == pytest.approx(
        -0.25)

    # Edge recovered on log loss, a: (0.2 - 0.5) / (0.0 - 0.5) = 0.6 for the
    # strong teacher and (0.3 - 0.5) / (0.1 - 0.5) = 0.5 for the default.
    assert a["edge"]["strong_log_loss"]["edge_recovered"] == pytest.approx(0.6)
    assert a["edge"]["default_log_loss"]["edge_recovered"] == pytest.approx(0.5)

    pooled = summary["pooled"]
    assert pooled["n_datasets"] == 2
    # Equal weight per dataset: mean of -0.1 (a) and +0.2 (b).
    line = pooled["strong_vs_default_student_log_loss"]
    assert line["mean_diff"] == pytest.approx(0.05)
    assert line["a_sig_better"] == 1 and line["a_sig_worse"] == 1
    assert line["a_better_mean"] == 1
    assert pooled["log_loss"]["hard_student"] == pytest.approx((0.5 + 0.6) / 2)
    assert pooled["fit_seconds"]["default"] == pytest.approx((2.5 + 2.0) / 2)
    # Pooled edge sums gains and gaps over the three splits (strong, log
    # loss): gains -0.3, -0.3, 0.0; gaps -0.5, -0.5, -0.4.
    assert pooled["edge"]["strong_log_loss"]["edge_recovered"] == pytest.approx(
        0.6 / 1.4)
    assert pooled["edge"]["strong_log_loss"]["n_groups"] == 3


def test_stratified_mean_diff_weighs_datasets_equally(bench):
    result = bench._stratified_mean_diff([np.full(10, 1.0), np.full(2, -3.0)],
                                         n_boot=50)
    assert result["mean_diff"] == pytest.approx(-1.0)
    assert result["low"] == pytest.approx(-1.0)
    assert result["significant"]
    noisy = bench._stratified_mean_diff([np.array([-1.0, 1.0] * 20)], n_boot=500)
    assert noisy["low"] < 0 < noisy["high"] and not noisy["significant"]


def test_render_and_write_round_trip(bench, tmp_path):
    a0 = _fake_split("a", 0, {m: [0.2, 0.4] for m in bench.MODELS},
                     {m: [1, 0] for m in bench.MODELS})
    a0["metrics"] = {m: {"log_loss": 0.3, "accuracy": 0.5} for m in bench.MODELS}
    args = bench._parse(["--out", str(tmp_path / "res"), "--n-boot", "50"])
    markdown = bench.write_results([a0], args, "cmd here", note="Cut: none.")
    assert markdown.startswith("# Student under the stronger teacher")
    assert "Command: `cmd here`" in markdown and "Cut: none." in markdown
    assert (tmp_path / "res.md").read_text() == markdown
    saved = json.loads((tmp_path / "res.json").read_text())
    assert saved["command"] == "cmd here"
    assert saved["splits"][0]["rows"]["hard_student"]["correct"] == [1, 0]
    # No teacher edge over the hard student (equal scores): said, not a number.
    assert "n/a (no gap)" in markdown
