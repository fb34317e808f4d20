"""benchmarks/scaling.py: exponents, memory attribution, caching, outputs."""

import copy
import json

import numpy as np
import pandas as pd
import pytest
from conftest import load_benchmark_script


@pytest.fixture(scope="module")
def scaling():
    return load_benchmark_script("scaling")


def test_growth_exponent_recovers_power_laws(scaling):
    n = np.array([10_000, 30_000, 100_000, 300_000])
    assert scaling.growth_exponent(n, 3e-4 * n) == pytest.approx(1.0)
    assert scaling.growth_exponent(n, 2e-9 * n**2) == pytest.approx(2.0)
    assert scaling.growth_exponent(n, np.full(4, 7.0)) == pytest.approx(0.0)
    # The n log n bar over the default sizes is the figure the docs quote.
    bar = scaling.nlogn_exponent(n)
    assert 1.09 < bar < 1.10
    assert scaling.growth_exponent(n, n * np.log(n)) == pytest.approx(bar)
    # Noisy n²: least squares, not the end points.
    noisy = n**2 * np.array([1.1, 0.9, 1.1, 0.9])
    assert scaling.growth_exponent(n, noisy) == pytest.approx(
        np.polyfit(np.log(n), np.log(noisy), 1)[0]
    )
    assert np.isnan(scaling.growth_exponent([1000], [1.0]))
    assert np.isnan(scaling.growth_exponent([1000, 2000], [1.0, 0.0]))


def test_verdict_compares_with_n_and_n_log_n(scaling):
    sizes = [10_000, 300_000]
    bar = scaling.nlogn_exponent(sizes)
    assert scaling.verdict(0.8, sizes) == "≤ n"
    assert scaling.verdict(1.0, sizes) == "≤ n"
    assert scaling.verdict(bar - 1e-6, sizes) == "≤ n log n"
    assert scaling.verdict(bar + 1e-6, sizes) == "> n log n"
    assert scaling.verdict(float("nan"), sizes) == "n/a"


def test_stage_peaks_take_the_highest_sample_inside_each_window(scaling):
    # Own RSS peaks at t=1.5; children join at t=2, when own plus children
    # is highest.
    times = np.arange(0.0, 6.0, 0.5)
    own = np.array([100, 100, 150, 300, 280, 200, 200, 180, 170, 160, 150, 150.0])
    children = np.where(times >= 2.0, 50.0, 0.0)
    samples = np.column_stack([times, own, children])
    windows = {"early": (0.0, 1.0), "middle": (1.2, 3.1), "late": (4.0, 5.5),
               "instant": (2.6, 2.7)}
    peaks = scaling.stage_peaks(samples, windows, baseline=100.0)
    assert peaks["early"]["peak_bytes"] == 50.0
    # Samples at 1.5, 2, 2.5 and 3; the top total is 280 own + 50 children.
    assert peaks["middle"] == {"peak_bytes": 230.0, "own_bytes": 280.0,
                               "children_bytes": 50.0, "samples": 4}
    assert peaks["late"]["peak_bytes"] == 120.0
    assert peaks["late"]["children_bytes"] == 50.0
    # No sample inside: the first one after the start (t=3) stands for it.
    assert peaks["instant"]["peak_bytes"] == 150.0
    assert peaks["instant"]["samples"] == 1


def test_memory_sampler_sees_an_allocation_while_it_lives(scaling):
    import time

    with scaling.MemorySampler(interval=0.005) as sampler:
        time.sleep(0.05)
        start = time.time()
        block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
        time.sleep(0.1)
        middle = time.time()
        del block
        # Then 0.2 s of CPU (counted in CPU time, so that a loaded machine
        # stretches the wall time, not the amount) and 0.2 s of sleep.
        busy_start, cpu_start = time.time(), time.process_time()
        while time.process_time() - cpu_start < 0.2:
            pass
        busy_end = time.time()
        time.sleep(0.2)
        idle_end = time.time()
    samples = sampler.samples
    assert samples.shape[1] == 4 and len(samples) >= 10
    before = samples[samples[:, 0] < start, 1]
    during = samples[(samples[:, 0] > start + 0.05) & (samples[:, 0] < middle), 1]
    assert during.max() - before.min() > 50 * 2**20
    cpu = scaling.stage_cpu_seconds(samples, {"busy": (busy_start, busy_end),
                                              "idle": (busy_end, idle_end)})
    # The live samples are only checked to carry the CPU time this process
    # spent: how much of it lands in each window depends on how often a
    # loaded machine lets the sampler run, and other processes (idle loky
    # workers left by other tests) add to it. The attribution itself is
    # checked on exact samples in the next test.
    assert samples[-1, 3] - samples[0, 3] >= 0.15
    assert cpu["busy"] > 0.05 and cpu["idle"] >= 0


def test_stage_cpu_seconds_interpolates_and_ignores_dips(scaling):
    times = np.arange(6.0)
    # Cumulative CPU; at t=3 a worker has exited but is not yet reaped.
    cpu = np.array([0.0, 1.0, 3.0, 2.0, 5.0, 6.0])
    samples = np.column_stack([times, np.zeros(6), np.zeros(6), cpu])
    result = scaling.stage_cpu_seconds(
        samples, {"first": (0.0, 1.5), "dip": (2.0, 3.0), "after": (3.0, 5.0)}
    )
    assert result["first"] == pytest.approx(2.0)
    assert result["dip"] == pytest.approx(0.0)
    assert result["after"] == pytest.approx(3.0)


def test_memory_multiple_separates_fixed_and_marginal_cost(scaling):
    inputs = np.array([1e6, 3e6, 1e7])
    results = [
        {"n_rows": int(i), "input_bytes": i,
         "memory": {"total": {"peak_bytes": 400e6 + 7 * i}}}
        for i in inputs
    ]
    multiple = scaling.memory_multiple(results)
    assert multiple["marginal"] == pytest.approx(7.0)
    assert multiple["fixed_bytes"] == pytest.approx(400e6)
    np.testing.assert_allclose(multiple["per_size"], 400e6 / inputs + 7)


def test_script_measures_a_tiny_fit_caches_it_and_aggregates(scaling, tmp_path,
                                                              monkeypatch):
    out = tmp_path / "scaling"
    # One real size, measured in its own process as the script always does.
    scaling.main(["--sizes", "300", "--n-jobs", "1", "--out", str(out)])
    runs = tmp_path / "scaling_runs"
    (path,) = runs.glob("n300_*.json")
    result = json.loads(path.read_text())
    for stage, _, _ in scaling.STAGES:
        if stage != "other":
            assert result["seconds"][stage] > 0, stage
    # The teacher's fits and the student burn CPU; the jobs' CPU is counted.
    for stage in ("teacher_fits", "teacher_fold_jobs", "student", "total"):
        assert result["cpu_seconds"][stage] > 0.1, stage
    assert result["cpu_seconds"]["total"] >= result["cpu_seconds"]["teacher_fits"]
    assert result["seconds"]["teacher"] >= result["seconds"]["teacher_fits"]
    assert result["seconds"]["total"] >= result["seconds"]["teacher"]
    assert result["n_real"] == 300 and result["n_synthetic"] == 1500
    assert result["memory"]["total"]["peak_bytes"] > 0
    # Seven float64 columns and two categorical ones of 1-byte codes.
    assert result["input_bytes"] >= 300 * (7 * 8 + 2)

    # A second, made-up size: every stage exactly twice as slow on twice the
    # rows, memory likewise. Cached under the same fingerprint, it is
    # aggregated without any new fit.
    double = copy.deepcopy(result)
    double["n_rows"], double["n_real"] = 600, 600
    double["n_synthetic"] = 3000
    double["seconds"] = {k: 2 * v for k, v in result["seconds"].items()}
    double["cpu_seconds"] = {k: 2 * v for k, v in result["cpu_seconds"].items()}
    for entry in double["memory"].values():
        entry["peak_bytes"] *= 2
    double["input_bytes"] *= 2
    for kinds in double["member_job_seconds"].values():
        for kind in kinds:
            kinds[kind] *= 2
    (runs / path.name.replace("n300_", "n600_")).write_text(json.dumps(double))

    def no_fit(*args, **kwargs):
        raise AssertionError("a cached size was fitted again")

    monkeypatch.setattr(scaling, "_run_in_subprocess", no_fit)
    summary = scaling.main(["--sizes", "300", "600", "--n-jobs", "1",
                            "--out", str(out)])
    assert summary["sizes"] == [300, 600]
    for stage, _, _ in scaling.STAGES:
        if stage != "other" or result["seconds"]["other"] > 0:
            assert summary["stages"][stage]["time_exponent"] == pytest.approx(1.0)
        if stage != "other" or result["cpu_seconds"]["other"] > 0:
            assert summary["stages"][stage]["cpu_exponent"] == pytest.approx(1.0)
        if stage not in scaling.JOB_STAGES and stage != "other":
            assert summary["stages"][stage]["memory_exponent"] == pytest.approx(1.0)
    assert summary["stages"]["student"]["time_exponent_per_processed_row"] == (
        pytest.approx(1.0)
    )
    for suffix in (".md", ".json", ".csv", ".png"):
        assert out.with_suffix(suffix).stat().st_size > 0
    markdown = out.with_suffix(".md").read_text()
    assert markdown.splitlines()[2] == (
        "Command: `PYTHONPATH=. python benchmarks/scaling.py --sizes 300 600 "
        f"--seed 0 --n-jobs 1 --out {out}`"
    )
    for _, label, _ in scaling.STAGES:
        assert label in markdown
    table = pd.read_csv(out.with_suffix(".csv"))
    assert len(table) == 2 * len(scaling.STAGES)
    assert set(table["stage"]) == {stage for stage, _, _ in scaling.STAGES}

    # A changed configuration makes the cache stale: the size is fitted again.
    monkeypatch.setattr(scaling, "fingerprint", lambda config: "changed")
    with pytest.raises(AssertionError, match="fitted again"):
        scaling.main(["--sizes", "300", "--n-jobs", "1", "--out", str(out)])
