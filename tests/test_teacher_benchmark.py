"""The teacher benchmark: shared member fits and the per-dataset goals."""

import numpy as np
import pytest
from conftest import load_benchmark_script
from lightgbm import LGBMClassifier
from sklearn.model_selection import StratifiedKFold

from tabkd import DistilledClassifier, LightGBMStudent, _members
from tabkd._teachers import recombine


@pytest.fixture(scope="module")
def bench():
    return load_benchmark_script("teacher")


@pytest.fixture(scope="module")
def small_table(mixed_frame):
    X, y = mixed_frame
    X, y = X.iloc[:200], y[:200]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    return X, y, folds


def _direct(combiner, X, y, folds, seed):
    return DistilledClassifier(
        teacher=combiner, teacher_members="extended", teacher_bagging=True,
        student=LightGBMStudent(n_estimators=1), augmentation=None, cv=folds,
        random_state=seed,
    ).fit(X, y)


def test_recombined_teachers_equal_direct_fits(bench, small_table, monkeypatch):
    X, y, folds = small_table
    # 300-tree forests are most of the fit time here and play no part in
    # what is checked, so both the shared and the direct fits get small ones.
    full_forests = _members._forest_members

    def small_forests(schema, random_state):
        forests = full_forests(schema, random_state)
        for _, pipeline in forests:
            pipeline.steps[-1][1].set_params(n_estimators=20)
        return forests

    monkeypatch.setattr(_members, "_forest_members", small_forests)
    shared = bench.fit_teachers(X, y, ["voting", "stacking", "selection"],
                                member_fit="extended/bagged", folds=folds, seed=4)
    rows = X.iloc[::3]
    for combiner in ("stacking", "selection"):
        teacher, report, seconds = shared[combiner]
        direct = _direct(combiner, X, y, folds, seed=4)
        direct_report = direct.fit_report_["teacher"]
        np.testing.assert_allclose(teacher.predict_proba(rows),
                                   direct.teacher_.predict_proba(rows),
                                   rtol=0, atol=1e-10)
        assert report["combiner"]["weights"] == pytest.approx(
            direct_report["combiner"]["weights"], abs=1e-10)
        assert report["teacher_oof"]["log_loss"] == pytest.approx(
            direct_report["teacher_oof"]["log_loss"], abs=1e-10)
        assert set(report["members"]) == set(direct_report["members"])
        for member, scores in report["members"].items():
            assert scores == pytest.approx(direct_report["members"][member],
                                           abs=1e-10), member
        # The recombined teacher reuses the fitted members, it does not copy them.
        assert teacher.members is shared["voting"][0].members
        assert seconds >= shared["voting"][2]
    # Selection is a different combiner, not the voting teacher relabelled.
    assert not np.allclose(shared["selection"][0].predict_proba(rows),
                           shared["voting"][0].predict_proba(rows))


def test_recombine_needs_bagged_members(small_table):
    X, y, folds = small_table
    model = DistilledClassifier(
        teacher=[("lgbm", LGBMClassifier(n_estimators=5, n_jobs=1, verbose=-1))],
        student=LightGBMStudent(n_estimators=1), augmentation=None, cv=folds,
        random_state=0,
    ).fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    with pytest.raises(ValueError, match="bagging=True"):
        recombine(model.teacher_, "voting", X, codes, folds)


def _split(dataset, seed, teacher_rows, best_rows, tuned_rows):
    def rows(log_loss):
        log_loss = np.asarray(log_loss, dtype=float)
        return {"log_loss": log_loss, "correct": (log_loss < 0.5).astype(float)}

    return {
        "dataset": dataset, "seed": seed, "lightgbm_seconds": 0.1,
        "tuned_seconds": 1.0,
        "rows": {"lightgbm": rows(tuned_rows), "tuned_lightgbm": rows(tuned_rows)},
        "teachers": {"t": {"fit_seconds": 2.0, "best_member": "m",
                           "rows": rows(teacher_rows),
                           "best_member_rows": rows(best_rows)}},
    }


def test_summary_pools_seeds_and_counts_the_goals(bench):
    n = 200
    low, high = np.full(n, 0.1), np.full(n, 0.6)
    splits = [
        # "a": the teacher beats both references on every row of both seeds.
        _split("a", 0, low, high, high), _split("a", 1, low, high, high),
        # "b": worse than its best member on every row, equal to tuned.
        _split("b", 0, high, low, high), _split("b", 1, high, low, high),
    ]
    summary = bench.summarize(splits, n_boot=200)
    a, b = summary["teachers"]["t"]["a"], summary["teachers"]["t"]["b"]
    assert a["vs_best_member"]["mean_diff"] == pytest.approx(-0.5)
    assert a["vs_tuned"]["significant"] and not b["vs_tuned"]["significant"]
    assert b["vs_best_member"]["mean_diff"] == pytest.approx(0.5)
    goals = summary["goals"]["t"]
    assert (goals["n_datasets"], goals["no_worse_than_best"],
            goals["not_significantly_worse_than_best"],
            goals["significantly_better_than_tuned"]) == (2, 1, 1, 1)
    # 1 of 2 is short of 75% but meets "at least half".
    assert (goals["goal_best_met"], goals["goal_tuned_met"]) == (False, True)
    markdown = bench.render(splits, summary, "python benchmarks/teacher.py")
    assert "| t | 2 | 1/2 (50%) | 1/2 | 1/2 (50%) | no | 2.0 |" in markdown
