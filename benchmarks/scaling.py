"""Wall time and peak memory of each stage of ``fit`` as the table grows.

The default ``DistilledClassifier`` is fitted on the diamonds table (the
registry's largest, 53,940 rows) at growing sizes: rows are drawn without
replacement up to the table's size and with replacement above it, seeded.
Every size runs in a fresh Python process, so neither memory peaks nor warm
worker pools carry over from one size to the next.

Per stage the script records wall seconds (from ``fit_report_["timeline"]``)
and peak resident memory: a background thread reads the RSS of the fitting
process and of its child processes (the loky workers that fit the teacher's
members) every 10 ms, and each stage gets the highest sample between its
start and end, minus the RSS just before ``fit``. Fold fits and refits run
as one interleaved job list, so they share one wall time and one memory
peak; their summed job seconds are reported apart.

A growth exponent per stage is the least-squares slope of log(value) on
log(rows). A stage is within n log n when its exponent is at most that of
n·ln(n) over the same sizes (1.09 for 10k, 30k, 100k and 300k rows).

Each size's result is cached as JSON next to the outputs, keyed by size,
seed, ``n_jobs`` and a fingerprint of the configuration (estimator, teacher
members, augmenter and student parameters). A later run with more
``--sizes`` only fits the new sizes; a changed configuration refits; and
``--force`` refits regardless. The tables, JSON, CSV and plot cover every
cached size with the current fingerprint.

Usage::

    PYTHONPATH=. python benchmarks/scaling.py --sizes 10000 30000
    PYTHONPATH=. python benchmarks/scaling.py --sizes 100000 300000  # adds two
    PYTHONPATH=. python benchmarks/scaling.py --quick --out /tmp/scaling
    PYTHONPATH=. python benchmarks/scaling.py --scheduler tcp://host:8786
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATASET = "diamonds"
TABLE_ROWS = 53_940
DEFAULT_SIZES = (10_000, 30_000, 100_000, 300_000)
QUICK_SIZES = (2_000, 5_000)
SAMPLE_INTERVAL = 0.01
# The children list is re-read every this many samples: listing processes
# costs about a millisecond, reading one process's RSS a hundredth of that.
CHILDREN_REFRESH = 10
# Part of the fingerprint: a cached result written by an older version of
# this script lacks fields, so a new version measures again.
RESULT_VERSION = 2
# Stages shorter than this at the largest size are reported, but their
# exponents are mostly timer and scheduling noise.
MIN_JUDGED_SECONDS = 1.0

# (key, label, nested under the teacher). The order is the order of fit.
STAGES = (
    ("schema", "schema, encoding and checks", False),
    ("teacher", "teacher, whole stage", False),
    ("teacher_fits", "teacher fits: folds + refit, interleaved", True),
    ("teacher_fold_jobs", "teacher fold fits, sum over jobs", True),
    ("teacher_refit_jobs", "teacher refit fits, sum over jobs", True),
    ("teacher_oof", "teacher out-of-fold scoring + combiner", True),
    ("augmentation", "augmentation", False),
    ("labelling", "teacher labelling", False),
    ("student", "student", False),
    ("other", "between stages", False),
    ("total", "total fit", False),
)
# Stages measured as summed job seconds have no window, hence no memory peak.
JOB_STAGES = ("teacher_fold_jobs", "teacher_refit_jobs")


# ------------------------------------------------------------------ data
def make_table(n_rows, seed):
    """Rows of the diamonds table, resampled to ``n_rows``.

    Parameters
    ----------
    n_rows : int
        Rows wanted; above the table's 53,940 rows they are drawn with
        replacement, so rows repeat.
    seed : int
        Seed of the draw.

    Returns
    -------
    X : DataFrame
    y : Series
    """
    from tabkd.benchmarks import load_dataset

    X, y = load_dataset(DATASET)
    rows = np.random.default_rng(seed).choice(
        len(X), size=n_rows, replace=n_rows > len(X)
    )
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)


def frame_bytes(data):
    """Memory of a frame or series as pandas holds it, strings included."""
    usage = data.memory_usage(deep=True)
    return int(usage.sum() if isinstance(data, pd.DataFrame) else usage)


# ------------------------------------------------------------ fingerprint
def _plain_params(estimator):
    """The scalar parameters of an estimator, nested ones included.

    Estimator-valued parameters are named by their class only: their own
    scalars appear under their ``deep`` keys.
    """
    out = {}
    for key, value in sorted(estimator.get_params(deep=True).items()):
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        elif hasattr(value, "get_params"):
            out[key] = type(value).__name__
    return out


def configuration(seed, n_jobs):
    """What decides the measured fit, as plain values, the same at every size.

    Members are built on the full table's schema and without a row count:
    a member sized from the rows (the extended set's k-nearest neighbours)
    is recorded by its rule, not by the value each size gives it.

    Parameters
    ----------
    seed, n_jobs : int

    Returns
    -------
    dict
    """
    from tabkd import DistilledClassifier, TableSchema, _estimator
    from tabkd._augmentation import make_augmenter
    from tabkd._members import make_members
    from tabkd.benchmarks import load_dataset

    model = DistilledClassifier(random_state=seed, n_jobs=n_jobs)
    schema = TableSchema().fit(load_dataset(DATASET)[0])
    members = make_members(model.teacher_members, schema, 0, n_rows=None)
    student = _estimator._STUDENTS[model.student](random_state=0)
    return {
        "estimator": _plain_params(model),
        "members": {name: _plain_params(est) for name, est in members},
        "augmenter": _plain_params(make_augmenter(model.augmentation)),
        "student": _plain_params(student),
        "max_auto_synthetic": _estimator._MAX_AUTO_SYNTHETIC,
        "label_batch": _estimator._LABEL_BATCH,
        "result_version": RESULT_VERSION,
    }


def fingerprint(config):
    """A short hash of :func:`configuration`'s output."""
    text = json.dumps(config, sort_keys=True, default=repr)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _git_state():
    import tabkd

    root = Path(tabkd.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short",
                               "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--", "tabkd"], capture_output=True, text=True,
                               check=True)
    except (OSError, subprocess.CalledProcessError):
        return {"root": str(root), "commit": None, "dirty": None}
    return {"root": str(root), "commit": head.stdout.strip(),
            "dirty": bool(dirty.stdout.strip())}


# ----------------------------------------------------------------- memory
class MemorySampler:
    """Samples RSS and CPU time of this process and its children in a thread.

    Use as a context manager; ``samples`` is then an array of rows
    ``(unix_time, own_rss, children_rss, cpu_seconds)``: resident bytes of
    this process and of its live children, and the CPU seconds used so far
    by this process, its live children and the children it has reaped
    (workers that loky replaced). CPU seconds are what a stage costs on a
    machine others are also using; wall seconds include waiting for them.

    Parameters
    ----------
    interval : float, default=0.01
        Seconds between samples. A spike shorter than that can be missed.
    """

    def __init__(self, interval=SAMPLE_INTERVAL):
        self.interval = interval
        self._rows = []
        self._stop = threading.Event()

    def _run(self):
        import psutil

        me = psutil.Process()
        children = []
        for tick in range(sys.maxsize):
            if tick % CHILDREN_REFRESH == 0:
                children = me.children(recursive=True)
            own = me.memory_info().rss
            times = me.cpu_times()
            cpu = times.user + times.system + times.children_user + times.children_system
            theirs = 0
            for child in children:
                # A worker may exit between listing and reading.
                try:
                    theirs += child.memory_info().rss
                    child_times = child.cpu_times()
                    cpu += child_times.user + child_times.system
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self._rows.append((time.time(), own, theirs, cpu))
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    @property
    def samples(self):
        """Array of shape (n_samples, 4): time, own RSS, children's RSS, CPU s."""
        return np.array(self._rows, dtype=np.float64).reshape(-1, 4)


def stage_windows(report):
    """Start and end (Unix seconds) of each timed stage of one fit.

    Parameters
    ----------
    report : dict
        A ``DistilledClassifier.fit_report_``.

    Returns
    -------
    dict
        Stage key (see ``STAGES``) to ``(start, end)``; the summed-job
        stages and ``"other"`` have no window.
    """
    timeline = report["timeline"]
    teacher = report["teacher"]["timeline"]
    return {
        "schema": (timeline["fit"][0], timeline["teacher"][0]),
        "teacher": timeline["teacher"],
        "teacher_fits": teacher["fits"],
        "teacher_oof": (teacher["out_of_fold"][0], timeline["teacher"][1]),
        "augmentation": timeline["augmentation"],
        "labelling": timeline["teacher labelling"],
        "student": timeline["student"],
        "total": timeline["fit"],
    }


def stage_cpu_seconds(samples, windows):
    """CPU seconds used inside each window, all processes of the fit.

    Parameters
    ----------
    samples : ndarray of shape (n, 4)
        As from :class:`MemorySampler`; the last column is cumulative CPU.
    windows : dict
        Stage to ``(start, end)``.

    Returns
    -------
    dict
        Stage to CPU seconds, interpolated between samples at the window's
        ends.
    """
    times = samples[:, 0]
    # A worker that exited drops out of the live children before it is
    # reaped and counted again: never let the running total go back.
    cpu = np.maximum.accumulate(samples[:, 3])
    return {
        stage: float(np.interp(end, times, cpu) - np.interp(start, times, cpu))
        for stage, (start, end) in windows.items()
    }


def stage_peaks(samples, windows, baseline):
    """Peak memory above ``baseline`` inside each window.

    Parameters
    ----------
    samples : ndarray of shape (n, 3) or (n, 4)
        Rows of (time, own RSS, children's RSS, ...), as from
        :class:`MemorySampler`.
    windows : dict
        Stage to ``(start, end)``.
    baseline : float
        RSS (own plus children) subtracted from every peak.

    Returns
    -------
    dict
        Stage to ``{"peak_bytes", "own_bytes", "children_bytes", "samples"}``:
        the highest total above ``baseline``, and the own and children parts
        of that same sample (absolute). A window shorter than the sampling
        interval takes the nearest sample after its start.
    """
    times, total = samples[:, 0], samples[:, 1] + samples[:, 2]
    peaks = {}
    for stage, (start, end) in windows.items():
        inside = np.flatnonzero((times >= start) & (times <= end))
        if inside.size == 0:
            inside = np.flatnonzero(times >= start)[:1]
        if inside.size == 0:
            inside = np.array([len(times) - 1])
        top = inside[np.argmax(total[inside])]
        peaks[stage] = {
            "peak_bytes": float(total[top] - baseline),
            "own_bytes": float(samples[top, 1]),
            "children_bytes": float(samples[top, 2]),
            "samples": int(inside.size),
        }
    return peaks


# ------------------------------------------------------------- one size
@contextlib.contextmanager
def _fit_backend(scheduler):
    """joblib's dask backend on the cluster at ``scheduler``, or nothing."""
    if scheduler is None:
        yield
        return
    # Imported only when asked for: dask is not a dependency of the script.
    from dask.distributed import Client
    from joblib import parallel_backend

    with Client(scheduler), parallel_backend("dask"):
        yield


def _import_member_libraries(pause):
    """Run in a worker: import what the members need, then hold the worker."""
    import tabkd._members  # noqa: F401 (imports LightGBM, XGBoost, sklearn)

    time.sleep(pause)
    return os.getpid()


def warm_workers(n_jobs):
    """Start joblib's worker processes and import the members' libraries.

    Starting workers and importing LightGBM, XGBoost and scikit-learn in them
    takes seconds and a few hundred MiB per worker whatever the table size.
    Done before the fit, that fixed cost is measured apart instead of
    flattening the teacher's exponent, and the RSS baseline includes it.

    Returns
    -------
    dict
        ``seconds`` taken and the number of ``workers`` started.
    """
    from joblib import Parallel, delayed

    start = time.perf_counter()
    # Twice as many tasks as workers, each holding its worker briefly, so that
    # every worker gets one.
    pids = Parallel(n_jobs=n_jobs)(
        delayed(_import_member_libraries)(0.2) for _ in range(2 * n_jobs)
    )
    # With n_jobs=1 joblib runs the tasks in this process: no workers.
    workers = set(pids) - {os.getpid()}
    return {"seconds": time.perf_counter() - start, "workers": len(workers)}


def measure_size(n_rows, seed, n_jobs, scheduler=None):
    """Fit the default estimator on ``n_rows`` rows and measure every stage.

    Meant to run in a fresh process (see :func:`main`): RSS peaks and the
    worker pool are per process.

    Parameters
    ----------
    n_rows, seed, n_jobs : int
    scheduler : str or None
        A ``dask.distributed`` scheduler address; the fit then runs under
        joblib's dask backend, and the cluster's workers, not being children
        of this process, are outside the memory figures.

    Returns
    -------
    dict
        JSON-ready result of this size.
    """
    import psutil

    from tabkd import DistilledClassifier

    X, y = make_table(n_rows, seed)
    config = configuration(seed, n_jobs)
    model = DistilledClassifier(random_state=seed, n_jobs=n_jobs)
    me = psutil.Process()
    load_before = os.getloadavg()
    with _fit_backend(scheduler):
        # Remote dask workers are not this process's to warm or to measure.
        warm = None if scheduler else warm_workers(n_jobs)
        own_before = me.memory_info().rss
        workers_before = sum(c.memory_info().rss for c in me.children(recursive=True))
        baseline = own_before + workers_before
        with MemorySampler() as sampler:
            model.fit(X, y)
    samples = sampler.samples
    report = model.fit_report_
    windows = stage_windows(report)
    peaks = stage_peaks(samples, windows, baseline)

    jobs = report["teacher"]["jobs"]
    seconds = {stage: end - start for stage, (start, end) in windows.items()}
    seconds["teacher_fold_jobs"] = jobs["fold_seconds"]
    seconds["teacher_refit_jobs"] = jobs["refit_seconds"]
    cpu_seconds = stage_cpu_seconds(samples, windows)
    # NaN when measuring a tabkd from before the jobs' CPU was reported.
    cpu_seconds["teacher_fold_jobs"] = jobs.get("fold_cpu_seconds", np.nan)
    cpu_seconds["teacher_refit_jobs"] = jobs.get("refit_cpu_seconds", np.nan)
    top_level = ("schema", "teacher", "augmentation", "labelling", "student")
    for per_stage in (seconds, cpu_seconds):
        per_stage["other"] = per_stage["total"] - sum(per_stage[s] for s in top_level)
    return {
        "n_rows": int(n_rows),
        "seed": int(seed),
        "n_jobs": int(n_jobs),
        "scheduler": scheduler,
        "fingerprint": fingerprint(config),
        "configuration": config,
        "git": _git_state(),
        # The memory multiple is taken against the feature frame alone: the
        # labels (strings here) would flatter it.
        "input_bytes": frame_bytes(X),
        "label_bytes": frame_bytes(y),
        # Above the table's size rows repeat; models whose size follows the
        # distinct rows (forests, nearest neighbours) then grow less.
        "distinct_rows": int((~X.duplicated()).sum()),
        "baseline_bytes": float(baseline),
        "baseline_own_bytes": float(own_before),
        "baseline_workers_bytes": float(workers_before),
        "worker_warm_up": warm,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "memory": peaks,
        "windows": windows,
        "member_job_seconds": jobs["by_member"],
        "n_real": report["n_real"],
        "n_synthetic": report["n_synthetic"],
        "student_rounds": int(getattr(model.student_, "n_rounds_", -1)),
        "meta_learner_iterations": _meta_iterations(model),
        "teacher_oof": report["teacher"].get("teacher_oof"),
        "student_fidelity": report["student"],
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "machine": {"python": platform.python_version(),
                    "platform": platform.platform()},
        "sample_interval": SAMPLE_INTERVAL,
        "n_samples": int(len(samples)),
        # Half-second maxima of the trace: enough to see where memory goes
        # without storing every sample.
        "trace": _coarse_trace(samples, 0.5),
    }


def _meta_iterations(model):
    meta = getattr(model.teacher_, "meta_learner", None)
    return None if meta is None else int(np.max(meta.n_iter_))


def _coarse_trace(samples, step):
    if len(samples) == 0:
        return []
    t0 = samples[0, 0]
    bucket = ((samples[:, 0] - t0) // step).astype(int)
    trace = []
    for b in np.unique(bucket):
        rows = samples[bucket == b]
        top = np.argmax(rows[:, 1] + rows[:, 2])
        trace.append([round(float(b) * step, 2), int(rows[top, 1]), int(rows[top, 2])])
    return trace


# ------------------------------------------------------------- exponents
def growth_exponent(sizes, values):
    """Least-squares slope of log(values) on log(sizes).

    Parameters
    ----------
    sizes, values : array-like of positive numbers, same length >= 2

    Returns
    -------
    float
        The exponent ``b`` of the best fit ``values ~ a * sizes**b``; NaN
        with fewer than two sizes or any non-positive value.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if len(sizes) < 2 or np.any(values <= 0) or np.any(sizes <= 0):
        return float("nan")
    slope, _ = np.polyfit(np.log(sizes), np.log(values), 1)
    return float(slope)


def nlogn_exponent(sizes):
    """The growth exponent of ``n * ln(n)`` over ``sizes``: the n log n bar."""
    sizes = np.asarray(sizes, dtype=np.float64)
    return growth_exponent(sizes, sizes * np.log(sizes))


def verdict(exponent, sizes):
    """Word for how an exponent compares with n and n log n over ``sizes``."""
    if not np.isfinite(exponent):
        return "n/a"
    if exponent <= 1.0:
        return "≤ n"
    if exponent <= nlogn_exponent(sizes):
        return "≤ n log n"
    return "> n log n"


def summarize(results):
    """Exponents per stage over the measured sizes.

    Parameters
    ----------
    results : list of dict
        Results of :func:`measure_size`, any order.

    Returns
    -------
    dict
        ``sizes``, ``nlogn_exponent``, and per stage the exponents of wall
        seconds, CPU seconds and peak memory, the slope of the last segment,
        the verdicts and whether the stage is long enough to judge.
    """
    results = sorted(results, key=lambda r: r["n_rows"])
    sizes = [r["n_rows"] for r in results]
    stages = {}
    for stage, label, _ in STAGES:
        seconds = [r["seconds"][stage] for r in results]
        exponent = growth_exponent(sizes, seconds)
        entry = {
            "label": label,
            "seconds": seconds,
            "time_exponent": exponent,
            "time_last_segment": growth_exponent(sizes[-2:], seconds[-2:]),
            "verdict": verdict(exponent, sizes),
            "judged": seconds[-1] >= MIN_JUDGED_SECONDS,
        }
        cpu = [r["cpu_seconds"][stage] for r in results]
        entry.update({
            "cpu_seconds": cpu,
            "cpu_exponent": growth_exponent(sizes, cpu),
            "cpu_last_segment": growth_exponent(sizes[-2:], cpu[-2:]),
            "cpu_verdict": verdict(growth_exponent(sizes, cpu), sizes),
            "cpu_judged": cpu[-1] >= MIN_JUDGED_SECONDS,
        })
        if stage in results[0]["memory"]:
            peak = [r["memory"][stage]["peak_bytes"] for r in results]
            entry["peak_bytes"] = peak
            entry["memory_exponent"] = growth_exponent(sizes, peak)
        stages[stage] = entry
    # Labelling and the student see the synthetic rows too; their cost per
    # row processed is the exponent against those rows, not against n.
    processed = {
        "labelling": [r["n_synthetic"] for r in results],
        "student": [r["n_real"] + r["n_synthetic"] for r in results],
    }
    for stage, rows in processed.items():
        stages[stage]["rows_processed"] = rows
        stages[stage]["time_exponent_per_processed_row"] = growth_exponent(
            rows, stages[stage]["seconds"]
        )
    return {
        "sizes": sizes,
        "nlogn_exponent": nlogn_exponent(sizes),
        "stages": stages,
        "memory_multiple": memory_multiple(results),
        "members": _member_exponents(results),
    }


def memory_multiple(results):
    """Peak fit memory against the input frame's size.

    Returns
    -------
    dict
        ``per_size``: peak above baseline over input bytes at each size;
        ``marginal``: the least-squares slope of peak bytes on input bytes
        (extra memory per extra input byte, the fixed cost of worker
        processes and libraries being the intercept, ``fixed_bytes``).
    """
    results = sorted(results, key=lambda r: r["n_rows"])
    inputs = np.array([r["input_bytes"] for r in results], dtype=np.float64)
    peaks = np.array([r["memory"]["total"]["peak_bytes"] for r in results])
    marginal, fixed = (np.polyfit(inputs, peaks, 1) if len(results) > 1
                       else (float("nan"), float("nan")))
    return {
        "input_bytes": inputs.tolist(),
        "peak_bytes": peaks.tolist(),
        "per_size": (peaks / inputs).tolist(),
        "marginal": float(marginal),
        "fixed_bytes": float(fixed),
    }


def _member_exponents(results):
    sizes = [r["n_rows"] for r in results]
    out = {}
    for name in results[0]["member_job_seconds"]:
        for kind in results[0]["member_job_seconds"][name]:
            values = [r["member_job_seconds"][name][kind] for r in results]
            out.setdefault(name, {})[kind] = {
                "seconds": values, "exponent": growth_exponent(sizes, values),
            }
    return out


# ---------------------------------------------------------------- output
def _mb(value):
    return f"{value / 2**20:,.0f}"


def _seconds_table(summary, head, values, exponent, last, verdict_key, judged):
    """Markdown rows of one seconds table (wall or CPU) with its exponents."""
    n_sizes = len(summary["sizes"])
    rows = [f"| stage | {head} | exponent | last | verdict |",
            "|---|" + "---:|" * n_sizes + "---:|---:|---|"]
    for stage, label, nested in STAGES:
        entry = summary["stages"][stage]
        name = ("↳ " if nested else "") + label
        cells = " | ".join(f"{s:.2f}" for s in entry[values])
        short = "" if entry[judged] else " *(short)*"
        rows.append(f"| {name} | {cells} | {entry[exponent]:.2f} | "
                    f"{entry[last]:.2f} | {entry[verdict_key]}{short} |")
    return rows


def _warm_up_sentence(results):
    warm = [r for r in results if r.get("worker_warm_up")]
    if not warm:
        return ("Under a dask scheduler the workers are remote: their start-up "
                "and memory are not measured here.")
    if all(r["worker_warm_up"]["workers"] == 0 for r in warm):
        return "With n_jobs=1 the members were fitted in the fitting process."
    seconds = ", ".join(f"{r['worker_warm_up']['seconds']:.1f}" for r in warm)
    rss = ", ".join(f"{r['baseline_workers_bytes'] / 2**20:.0f}" for r in warm)
    return ("Before each fit the worker processes were started and made to "
            "import the members' libraries, a fixed cost kept out of the "
            f"teacher's time: {seconds} s per size, leaving {rss} MiB of "
            "worker RSS in the baseline.")


def render_markdown(results, summary, command):
    """The results page: command, machine, tables of seconds and memory."""
    results = sorted(results, key=lambda r: r["n_rows"])
    sizes = summary["sizes"]
    head = " | ".join(f"{n:,}" for n in sizes)
    bar = summary["nlogn_exponent"]
    first = results[0]
    lines = [
        "# Scaling of `DistilledClassifier.fit` with the number of rows",
        "",
        f"Command: `{command}`",
        "",
        f"Default `DistilledClassifier(random_state={first['seed']}, "
        f"n_jobs={first['n_jobs']})` on `{DATASET}` (53,940 rows, 9 columns, 5 "
        "classes; sizes above 53,940 drawn with replacement, so rows repeat). "
        f"Configuration fingerprint `{first['fingerprint']}`, tabkd at "
        f"`{first['git']['commit']}`{' (dirty)' if first['git']['dirty'] else ''}; "
        f"{first['cpu_count']} cores; "
        f"scheduler: {first['scheduler'] or 'local (loky)'}.",
        "",
        "Machine load (1-minute load average before → after each size): "
        + ", ".join(f"{r['n_rows']:,}: {r['load_average_before'][0]:.2f} → "
                    f"{r['load_average_after'][0]:.2f}" for r in results) + ".",
        "",
        "Exponent: least-squares slope of log(value) on log(rows) over all "
        "sizes; *last* is the slope between the two largest sizes. Verdict: "
        f"≤ n if the exponent is ≤ 1, ≤ n log n if ≤ {bar:.3f} (the exponent "
        "of n·ln n over these sizes), else > n log n. Stages under "
        f"{MIN_JUDGED_SECONDS:.0f} s at the largest size are marked *(short)*: "
        "their exponents are mostly noise.",
        "",
        "## Wall seconds per stage",
        "",
        *_seconds_table(summary, head, "seconds", "time_exponent",
                        "time_last_segment", "verdict", "judged"),
        "",
        "## CPU seconds per stage",
        "",
        "CPU time of the fitting process and its workers inside each stage's "
        "window (for the summed fold and refit jobs: CPU time of each fit). "
        "Less sensitive than wall time to other work on the machine, and "
        "above wall time where the stage runs on several cores.",
        "",
        *_seconds_table(summary, head, "cpu_seconds", "cpu_exponent",
                        "cpu_last_segment", "cpu_verdict", "cpu_judged"),
        "",
        "Teacher fold and refit fits share one joblib job list, so they have "
        "one wall time; their summed job seconds are what each fit took, "
        f"spread over {first['n_jobs']} workers. "
        + _warm_up_sentence(results),
        "",
        "Rows processed by the stages that also see synthetic rows:",
        "",
        f"| stage | {head} | exponent of seconds per processed rows |",
        "|---|" + "---:|" * len(sizes) + "---:|",
    ]
    for stage in ("labelling", "student"):
        entry = summary["stages"][stage]
        cells = " | ".join(f"{n:,}" for n in entry["rows_processed"])
        lines.append(f"| {entry['label']} | {cells} | "
                     f"{entry['time_exponent_per_processed_row']:.2f} |")
    lines += [
        "",
        "`n_synthetic=\"auto\"` is 5 × rows capped at 100,000, so above 20,000 "
        "rows labelling labels a constant 100,000 rows and the student trains "
        "on rows + 100,000: their exponents against n are low because of the "
        "cap, not because the work per row shrinks.",
    ]
    if sizes[-1] > TABLE_ROWS:
        lines += [
            "",
            f"Above {TABLE_ROWS:,} rows the table repeats rows (see *distinct "
            "rows* below). The forests' trees and MUNGE's nearest neighbours "
            "follow the distinct rows, so their time and memory grow less there "
            "than they would on as many distinct rows.",
        ]
    lines += [
        "",
        "## Peak memory per stage (MiB above the RSS before fit)",
        "",
        "RSS of the fitting process plus its child processes (loky workers), "
        f"sampled every {first['sample_interval'] * 1000:.0f} ms. RSS counts "
        "pages shared between processes (libraries, memory-mapped arrays) once "
        "per process, so the sum is an upper bound. The baseline includes the "
        "warmed-up workers with their libraries imported; what they allocate "
        "while fitting stays in their RSS until they exit, so later stages "
        "carry it.",
        "",
        f"| stage | {head} | exponent |",
        "|---|" + "---:|" * len(sizes) + "---:|",
    ]
    for stage, label, nested in STAGES:
        entry = summary["stages"][stage]
        if "peak_bytes" not in entry:
            continue
        name = ("↳ " if nested else "") + label
        cells = " | ".join(_mb(b) for b in entry["peak_bytes"])
        lines.append(f"| {name} | {cells} | {entry['memory_exponent']:.2f} |")
    multiple = summary["memory_multiple"]
    lines += [
        "",
        "## Peak memory as a multiple of the input",
        "",
        "Input: the training feature frame as pandas holds it "
        "(`memory_usage(deep=True)`; the string labels, not counted, are "
        f"{results[-1]['label_bytes'] / 2**20:.1f} MiB more at "
        f"{results[-1]['n_rows']:,} rows).",
        "",
        "| rows | input MiB | peak MiB above baseline | multiple | "
        "main process MiB | workers MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r, ratio in zip(results, multiple["per_size"]):
        top = r["memory"]["total"]
        lines.append(
            f"| {r['n_rows']:,} | {r['input_bytes'] / 2**20:.1f} | "
            f"{_mb(top['peak_bytes'])} | {ratio:,.0f}× | {_mb(top['own_bytes'])} | "
            f"{_mb(top['children_bytes'])} |"
        )
    lines += [
        "",
        f"Linear fit over the sizes: peak ≈ {_mb(multiple['fixed_bytes'])} MiB "
        f"+ {multiple['marginal']:,.0f} × input (the fixed part is mostly the "
        "worker processes' libraries).",
        "",
        "## Teacher members: summed job seconds",
        "",
        f"| member | kind | {head} | exponent |",
        "|---|---|" + "---:|" * len(sizes) + "---:|",
    ]
    for name, kinds in summary["members"].items():
        for kind, entry in kinds.items():
            cells = " | ".join(f"{s:.2f}" for s in entry["seconds"])
            kind_label = kind.replace("_seconds", "").replace("_", " ")
            lines.append(f"| {name} | {kind_label} | {cells} | "
                         f"{entry['exponent']:.2f} |")
    lines += [
        "",
        "## Fit details",
        "",
        "| rows | distinct rows | n_synthetic | student rounds | stacking "
        "meta-learner iterations | teacher OOF log loss | student–teacher "
        "agreement |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        oof = (r["teacher_oof"] or {}).get("log_loss", float("nan"))
        agree = r["student_fidelity"].get("agreement", float("nan"))
        lines.append(f"| {r['n_rows']:,} | {r.get('distinct_rows', 0):,} | "
                     f"{r['n_synthetic']:,} | "
                     f"{r['student_rounds']} | {r['meta_learner_iterations']} | "
                     f"{oof:.4f} | {agree:.4f} |")
    return "\n".join(lines) + "\n"


def long_table(results):
    """One CSV row per size and stage."""
    records = []
    for r in sorted(results, key=lambda r: r["n_rows"]):
        for stage, label, _ in STAGES:
            memory = r["memory"].get(stage, {})
            records.append({
                "n_rows": r["n_rows"], "stage": stage, "label": label,
                "seconds": r["seconds"][stage],
                "cpu_seconds": r["cpu_seconds"][stage],
                "peak_mib": memory.get("peak_bytes", np.nan) / 2**20,
                "input_mib": r["input_bytes"] / 2**20,
                "n_synthetic": r["n_synthetic"], "n_jobs": r["n_jobs"],
                "load_before": r["load_average_before"][0],
            })
    return pd.DataFrame.from_records(records)


def plot(summary, path):
    """Log–log wall seconds, CPU seconds and peak memory per stage.

    Each time panel has an n and an n log n guide through the total's first
    point, so that slopes can be compared by eye.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = np.asarray(summary["sizes"], dtype=np.float64)
    ref = sizes / sizes[0]
    shown = ("schema", "teacher_fits", "teacher_oof", "augmentation",
             "labelling", "student", "total")
    fig, (wall_ax, cpu_ax, mem_ax) = plt.subplots(1, 3, figsize=(17, 5))
    for ax, values, exponent in ((wall_ax, "seconds", "time_exponent"),
                                 (cpu_ax, "cpu_seconds", "cpu_exponent")):
        for stage in shown:
            entry = summary["stages"][stage]
            ax.plot(sizes, entry[values], marker="o",
                    label=f"{entry['label']} ({entry[exponent]:.2f})")
        anchor = summary["stages"]["total"][values][0]
        ax.plot(sizes, anchor * ref, "k--", lw=1, label="∝ n")
        ax.plot(sizes, anchor * ref * np.log(sizes) / np.log(sizes[0]), "k:",
                lw=1, label="∝ n log n")
    for stage in shown:
        entry = summary["stages"][stage]
        peak = np.maximum(np.asarray(entry["peak_bytes"]) / 2**20, 1e-1)
        mem_ax.plot(sizes, peak, marker="o",
                    label=f"{entry['label']} ({entry['memory_exponent']:.2f})")
    multiple = summary["memory_multiple"]
    mem_ax.plot(sizes, multiple["peak_bytes"][0] / 2**20 * ref, "k--", lw=1,
                label="∝ n")
    mem_ax.plot(sizes, np.asarray(multiple["input_bytes"]) / 2**20, "k-.", lw=1,
                label="input frame")
    for ax, ylabel, title in (
        (wall_ax, "wall seconds", "Wall time per stage (exponent)"),
        (cpu_ax, "CPU seconds, all processes", "CPU time per stage (exponent)"),
        (mem_ax, "peak MiB above baseline", "Peak memory per stage (exponent)"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training rows")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------- main
def _cache_path(runs_dir, n_rows, seed, n_jobs, scheduler):
    where = "dask" if scheduler else "local"
    return runs_dir / f"n{n_rows}_seed{seed}_jobs{n_jobs}_{where}.json"


def _run_in_subprocess(n_rows, args, path):
    command = [sys.executable, os.path.abspath(__file__), "--measure", str(n_rows),
               "--seed", str(args.seed), "--n-jobs", str(args.n_jobs),
               "--result", str(path)]
    if args.scheduler:
        command += ["--scheduler", args.scheduler]
    subprocess.run(command, check=True)


def cached_results(runs_dir, args, current):
    """Cached results for this seed, ``n_jobs``, scheduler and configuration.

    Parameters
    ----------
    runs_dir : Path
    args : argparse.Namespace
    current : str
        Fingerprint of the configuration as it is now; results made with
        another one are left out (and refitted when their size is asked for).

    Returns
    -------
    list of dict
    """
    where = "dask" if args.scheduler else "local"
    pattern = f"n*_seed{args.seed}_jobs{args.n_jobs}_{where}.json"
    results = [json.loads(path.read_text()) for path in runs_dir.glob(pattern)]
    return [r for r in results if r["fingerprint"] == current]


def reproducing_command(args, sizes):
    """The command that measures every size in the tables from scratch."""
    parts = ["PYTHONPATH=. python benchmarks/scaling.py", "--sizes",
             *[str(n) for n in sorted(sizes)], "--seed", str(args.seed),
             "--n-jobs", str(args.n_jobs)]
    if args.scheduler:
        parts += ["--scheduler", args.scheduler]
    if args.out != "benchmarks/results/scaling":
        parts += ["--out", args.out]
    return " ".join(parts)


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="training rows to fit (default 10k 30k 100k 300k)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 and 5,000 rows, for a smoke test")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--scheduler", default=None,
                        help="dask.distributed scheduler address; fit under "
                             "joblib.parallel_backend('dask')")
    parser.add_argument("--out", default=None,
                        help="output prefix (default benchmarks/results/scaling, "
                             "benchmarks/results/scaling_quick with --quick)")
    parser.add_argument("--force", action="store_true",
                        help="refit the sizes asked for even when cached")
    # Internal: measure one size in this process and write its JSON.
    parser.add_argument("--measure", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.out is None:
        args.out = ("benchmarks/results/scaling_quick" if args.quick
                    else "benchmarks/results/scaling")
    return args


def main(argv=None):
    args = _parse(argv)
    if args.measure is not None:
        result = measure_size(args.measure, args.seed, args.n_jobs, args.scheduler)
        Path(args.result).write_text(json.dumps(result, indent=1))
        return result

    out = Path(args.out)
    runs_dir = out.parent / f"{out.name}_runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    current = fingerprint(configuration(args.seed, args.n_jobs))
    done = {r["n_rows"] for r in cached_results(runs_dir, args, current)}
    for n_rows in args.sizes:
        path = _cache_path(runs_dir, n_rows, args.seed, args.n_jobs, args.scheduler)
        if n_rows in done and not args.force:
            print(f"[scaling] {n_rows:,} rows: cached ({path})", flush=True)
            continue
        print(f"[scaling] {n_rows:,} rows: fitting (load average "
              f"{os.getloadavg()[0]:.2f})", flush=True)
        _run_in_subprocess(n_rows, args, path)

    # Every cached size made with this configuration, asked for this time or
    # not: a run with more --sizes extends the table.
    results = cached_results(runs_dir, args, current)
    if len(results) < 2:
        print("[scaling] fewer than two sizes: no exponents", flush=True)
    summary = summarize(results)
    command = reproducing_command(args, [r["n_rows"] for r in results])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(render_markdown(results, summary, command))
    # The memory traces and configurations stay in the per-size files.
    slim = [{k: v for k, v in r.items() if k not in ("trace", "configuration")}
            for r in sorted(results, key=lambda r: r["n_rows"])]
    out.with_suffix(".json").write_text(json.dumps(
        {"command": command, "summary": summary, "results": slim},
        indent=1, default=float,
    ))
    long_table(results).to_csv(out.with_suffix(".csv"), index=False)
    plot(summary, out.with_suffix(".png"))
    print(out.with_suffix(".md").read_text())
    return summary


if __name__ == "__main__":
    main()
