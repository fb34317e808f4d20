"""DistilledClassifier: fit an ensemble teacher, ship one small student."""

import numbers
import time

import numpy as np
import pandas as pd
import warnings

from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._parallel import local_threads, one_level, parallel_map
from ._persistence import VersionedStateMixin
from ._schema import TableSchema, check_finite_columns
from ._combiners import COMBINERS
from ._members import MEMBER_SETS, make_members
from ._teachers import check_members, fit_teacher
from .students import BaseStudent, LightGBMStudent, MLPStudent
from .students._base import validate_predict_input

_TEACHERS = COMBINERS
_STUDENTS = {"lightgbm": LightGBMStudent, "mlp": MLPStudent}
# Synthetic rows are labelled by the teacher in batches of this many rows, so
# that labelling memory does not grow with n_synthetic. The batches are the
# jobs of the labelling stage; their bounds never depend on n_jobs.
_LABEL_BATCH = 20_000
_MAX_AUTO_SYNTHETIC = 100_000


def _augmentation_module():
    # Imported lazily: the augmentation module is heavier than the estimator
    # needs when augmentation=None.
    from . import _augmentation

    return _augmentation


def soften(proba, temperature):
    """Return ``softmax(log(proba) / temperature)`` row-wise."""
    if temperature == 1.0:
        return proba
    logits = np.log(np.clip(proba, 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    soft = np.exp(logits)
    return soft / soft.sum(axis=1, keepdims=True)


def _row_slice(data, start, length):
    if isinstance(data, pd.DataFrame):
        return data.iloc[start:start + length]
    return data[start:start + length]


@one_level
def _label_batches(teacher, rows, batch_size):
    """One labelling job: the teacher's probabilities, ``batch_size`` rows at a time."""
    return np.vstack([
        teacher.predict_proba(_row_slice(rows, start, batch_size))
        for start in range(0, rows.shape[0], batch_size)
    ])


def _label(teacher, X, n_jobs):
    """Teacher probabilities for ``X``, in batches of ``_LABEL_BATCH`` rows.

    The batches are grouped into contiguous runs, one joblib job per worker,
    and the results stacked in order. Batch bounds are multiples of
    ``_LABEL_BATCH`` whatever the grouping, so the result is the same for
    any ``n_jobs``.

    One job per worker rather than per batch because every job carries the
    fitted teacher: Dask sizes it (a plain Python object) at a few bytes, so
    joblib's Dask backend does not scatter it as it does arrays, and the
    loky backend pickles it per job too. Each job's rows are sliced here and
    sent only to that job.
    """
    n_batches = -(-X.shape[0] // _LABEL_BATCH)
    n_groups = min(n_batches, effective_n_jobs(n_jobs))
    if n_groups <= 1:
        return _label_batches(teacher, X, _LABEL_BATCH)
    bounds = np.linspace(0, n_batches, n_groups + 1).round().astype(int)
    jobs = (
        (teacher, _row_slice(X, lo * _LABEL_BATCH, (hi - lo) * _LABEL_BATCH),
         _LABEL_BATCH)
        for lo, hi in zip(bounds[:-1], bounds[1:])
    )
    return np.vstack(list(parallel_map(_label_batches, jobs, n_jobs)))


class _Stage:
    """Times one stage of fit and prints it when verbose.

    Besides the duration, the stage's start and end go into
    ``report["timeline"]`` as Unix times, so that a memory trace taken
    outside the estimator (see ``benchmarks/scaling.py``) can be cut into
    stages.
    """

    def __init__(self, report, name, verbose):
        self.report, self.name, self.verbose = report, name, verbose

    def __enter__(self):
        self.start = time.perf_counter()
        self.started_at = time.time()
        return self

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.start
        self.report["seconds"][self.name] = seconds
        self.report["timeline"][self.name] = (self.started_at, time.time())
        if self.verbose and exc[0] is None:
            print(f"[tabkd] {self.name:<20} {seconds:8.2f} s", flush=True)
        return False


class DistilledClassifier(ClassifierMixin, VersionedStateMixin, BaseEstimator):
    """Distil a heterogeneous ensemble into one small, fast classifier.

    ``fit`` builds a teacher ensemble, computes its out-of-fold probabilities
    on the training rows, generates synthetic rows that the teacher labels,
    and trains a single student on real plus synthetic rows and their soft
    targets. ``predict`` and ``predict_proba`` use the student alone.

    Parameters
    ----------
    teacher : {"stacking", "voting", "selection"}, classifier or list of \
            (str, classifier), default="stacking"
        A name picks how the built-in members (``teacher_members``) are
        combined, always from their out-of-fold probabilities:
        ``"stacking"``, a logistic-regression meta-learner over their
        log-probabilities; ``"voting"``, their mean; ``"selection"``, greedy
        forward ensemble selection with replacement minimising log loss
        (Caruana et al., 2004), whose weights are selection counts and which
        gives weight zero to members that do not help. A scikit-learn
        classifier with ``predict_proba`` is used alone; a list of ``(name,
        classifier)`` pairs is stacked. User classifiers are cloned, never
        mutated, and receive the canonical frame (numeric columns as float64,
        categorical columns as pandas ``category``) when ``X`` is a
        DataFrame, else a float array.

        The default, stacking over the ``"default"`` members without
        bagging, was kept by measurement (``benchmarks/results/teacher.md``:
        9 tables, 2 seeds, at most 3,000 rows). Selection over the
        ``"extended"`` bagged members scored a little better on the goals
        there (test log loss no worse than its best member on 6 of 9 tables
        against 5; significantly better than a tuned LightGBM on 5 against
        4), but it was significantly worse on diamonds (+0.051) and is too
        slow for the full diamonds table: 869 s for its teacher fit, then
        over 21 minutes labelling the synthetic rows with its 40 fold models,
        against 370 s for the whole default fit. On smaller tables pass
        ``teacher="selection", teacher_members="extended",
        teacher_bagging=True``.

    teacher_members : {"default", "extended"}, default="default"
        The built-in members, used when ``teacher`` is a name.
        ``"default"``: LightGBM, XGBoost, random forest, extra trees and
        logistic regression, each behind the preprocessing it needs.
        ``"extended"``: eight members with ensembling defaults — LightGBM
        and XGBoost at a lower learning rate stopping early on an inner
        validation slice of each fold's training rows, scikit-learn's
        HistGradientBoosting on native categoricals (also early-stopped),
        the two forests, logistic regression on one-hot and spline
        features, k-nearest neighbours on scaled features and a small MLP.
        Ignored when ``teacher`` is a classifier or a list. With every
        default, the full diamonds table (53,940 rows, 5 classes) fits in
        370 s on 2 cores with ``n_jobs=2`` (teacher 324 s, labelling the
        100,000 synthetic rows 29 s, student 15 s), measured with other
        work on the machine.

    teacher_bagging : bool, default=False
        ``True`` makes every member the average of its ``cv`` fold models
        instead of refitting it on all rows: ``cv`` fits per member instead
        of ``cv + 1``, and the out-of-fold probabilities are exactly those of
        the final member's parts on rows they did not see. Pre-fitted
        members are used as they are.

    teacher_time_limit : float or None, default=None
        Seconds for the teacher's fit. Every member is first fitted on the
        first fold; members whose projected remaining fits would overrun
        are shrunk (fewer trees or rounds) or, when they have no such knob
        or would need fewer than a tenth of them, dropped. The cheapest
        member is always kept. What was dropped or shrunk is in
        ``fit_report_["teacher"]["budget"]``. A projection, not a hard
        limit: the first fold is always fitted in full.

    student : {"lightgbm", "mlp"} or BaseStudent, default="lightgbm"
        The model that is shipped. Pass an instance, e.g.
        ``LightGBMStudent(num_leaves=15)``, to set its hyperparameters; a grid
        search then reaches them as ``student__num_leaves``.

    augmentation : {"munge", "marginal", "interpolation", "conditional"}, \
            augmenter or None, default="munge"
        Generator of synthetic rows (see :mod:`tabkd.augmentation`). ``None``
        trains the student on the real rows only.

    n_synthetic : int, float or "auto", default="auto"
        Number of synthetic rows. An int is a count; a float is a multiple of
        the training rows; ``"auto"`` is 5× the training rows, capped at
        100,000.

    soft_targets : {"oof", "in_sample"}, default="oof"
        Teacher probabilities for the real rows. ``"oof"`` uses out-of-fold
        predictions from stratified ``cv``-fold fits: in-sample probabilities
        of forests and boosters are near one-hot on their own training rows
        and teach the student little beyond the labels. For the stacking
        teacher the folds are the ones its combiner already needs, so OOF
        costs nothing extra; for voting or a single classifier it costs
        ``cv`` extra fits of every member. ``"in_sample"`` scores the training
        rows with the refitted teacher.

    alpha : float in [0, 1], default=0.5
        Weight of the one-hot label in the targets of the *real* rows:
        ``alpha * onehot + (1 - alpha) * teacher``. Synthetic rows have no
        label and keep pure teacher targets. 0.5 is the default because
        out-of-fold targets alone were measured slightly worse than hard
        labels on several real tables, and the 50:50 mix was the safest.

    temperature : float > 0, default=1.0
        Softens the teacher's probabilities to ``softmax(log p / T)`` before
        the student learns them; the student's logits are multiplied by ``T``
        at prediction, so probabilities stay on the teacher's scale.

    cv : int, cross-validation splitter or iterable of splits, default=5
        Folds for the out-of-fold predictions. An int ``k`` means shuffled
        stratified ``k``-fold seeded by ``random_state``.

    keep_teacher : bool, default=True
        Keep the fitted teacher as ``teacher_``. ``False`` drops it after fit
        (smaller pickles).

    n_jobs : int or None, default=None
        Parallel jobs through joblib: the teacher's member × fold fits and
        its labelling batches. ``None`` defers to an active
        ``joblib.parallel_config`` (1 without one), so under
        ``joblib.parallel_backend("dask")`` the jobs run on a Dask cluster
        (see ``docs/distributed.md``). The student's LightGBM uses as many
        threads, at most this machine's cores. Members run one thread each
        and a job's nested joblib calls run sequentially, so cores are never
        oversubscribed; results do not depend on ``n_jobs``.

    random_state : int, RandomState instance or None, default=None
        Seeds folds, members, augmentation and student.

    verbose : int, default=0
        0 prints nothing; 1 prints one timed line per stage; 2 adds the
        members' out-of-fold scores.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    schema_ : TableSchema
        Column kinds and categories learned from ``X``.
    teacher_ : Teacher or None
        The fitted teacher (``None`` when ``keep_teacher=False``).
    student_ : BaseStudent
        The fitted student; ``predict_proba`` is its output.
    fit_report_ : dict
        Seconds per stage; each stage's start and end as Unix times
        (``["timeline"]``, with ``"fit"`` for the whole call); rows used;
        teacher out-of-fold scores per member and combined; the teacher's
        wall and CPU fit seconds summed over its fold jobs and its refit jobs
        (``["teacher"]["jobs"]``; the two kinds run interleaved, so with
        ``n_jobs > 1`` they add up to more than the teacher's wall time);
        the combiner's weights per member (``["teacher"]["combiner"]``:
        stacking's absolute meta-learner coefficients as shares, voting's
        equal weights, selection's counts and weights), what a time limit
        dropped or shrunk (``["teacher"]["budget"]``), and the student's
        agreement with and log loss against the teacher on rows held out
        from the student.

    Notes
    -----
    Fitting costs ``(cv + 1) × n_members`` member fits for the teacher
    (``cv × n_members`` with ``teacher_bagging``), the
    teacher's predictions on the synthetic rows, and one student fit.

    **Input contract.** Everything below is checked in ``fit`` before any
    model is fitted; errors name the column, label, member or parameter.

    - ``X`` is a DataFrame or a numeric array with at least one row and one
      column. Numeric, boolean and nullable (``Int64``, ``Float64``,
      ``boolean``) columns are numeric, ``pd.NA`` is missing; ``category``,
      object and ``string`` columns are categorical. One-column and
      constant-column tables are accepted as they are.
    - Rejected with an error naming the columns: ``±inf``, duplicate names,
      datetime/timedelta and complex dtypes (convert them to numbers),
      object columns mixing strings and numbers (convert with
      ``.astype(str)``), and a mix of string and non-string column names
      (scikit-learn's rule). All non-string names (e.g. ints) are kept as
      they are, with no ``feature_names_in_``. Sparse input is rejected:
      the members and students work on dense tables, convert it first.
    - A column with no value in ``fit`` is kept, with an
      ``EmptyColumnWarning``. A categorical column that looks like an
      identifier (at least 50 distinct values, more than half of its
      non-missing rows) gives a ``HighCardinalityWarning`` and keeps as
      categories only the values seen at least twice; the rest are treated
      as missing in ``fit`` as well as at predict.
    - ``y`` is 1-D (an ``(n, 1)`` column is ravelled with a warning) of
      discrete labels of one type with at least two classes; missing labels,
      continuous targets, 2-D ``y`` and mixed label types raise. A class with
      fewer rows than ``cv`` folds gives a warning naming it; its
      out-of-fold rows are still distributions.
    - At predict, DataFrame columns are matched by name (reordered if
      needed; missing or extra ones raise), categories by value, never by
      pandas code. A category never seen in ``fit`` is treated as missing. A
      numeric column arriving as strings is parsed if every value parses,
      else the column is named.
    - Teacher members must have ``predict_proba`` and return one
      distribution per row (pandas output is fine); a member that fails is
      named, with the fold. Wrap a fitted member in :class:`tabkd.Prefitted`
      to use it without refitting. With ``sample_weight`` every member (and
      the student) must accept it, or ``fit`` names the one that does not.
    - ``fit`` never modifies ``X``, ``y``, ``sample_weight`` or the teacher
      given. A ``fit`` that fails or is interrupted leaves the estimator as
      it was before the call.

    A pickled (``joblib``) model records the versions of tabkd,
    scikit-learn, LightGBM, XGBoost and NumPy, and warns once on loading
    under other versions. Pickles run code on load: load only trusted ones,
    or use :func:`tabkd.save`/:func:`tabkd.load` (skops format).
    """

    _parameter_constraints = {
        "teacher": [
            StrOptions(set(_TEACHERS)), HasMethods(["fit", "predict_proba"]), list,
        ],
        "teacher_members": [StrOptions(set(MEMBER_SETS))],
        "teacher_bagging": ["boolean"],
        "teacher_time_limit": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "student": [StrOptions(set(_STUDENTS)), BaseStudent],
        "augmentation": [
            StrOptions({"munge", "marginal", "interpolation", "conditional"}),
            HasMethods(["fit", "sample"]),
            None,
        ],
        "n_synthetic": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 0, None, closed="left"),
            Interval(numbers.Real, 0, None, closed="left"),
        ],
        "soft_targets": [StrOptions({"oof", "in_sample"})],
        "alpha": [Interval(numbers.Real, 0, 1, closed="both")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "cv": ["cv_object"],
        "keep_teacher": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        teacher="stacking",
        teacher_members="default",
        teacher_bagging=False,
        teacher_time_limit=None,
        student="lightgbm",
        augmentation="munge",
        n_synthetic="auto",
        soft_targets="oof",
        alpha=0.5,
        temperature=1.0,
        cv=5,
        keep_teacher=True,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.teacher_members = teacher_members
        self.teacher_bagging = teacher_bagging
        self.teacher_time_limit = teacher_time_limit
        self.student = student
        self.augmentation = augmentation
        self.n_synthetic = n_synthetic
        self.soft_targets = soft_targets
        self.alpha = alpha
        self.temperature = temperature
        self.cv = cv
        self.keep_teacher = keep_teacher
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the teacher, generate and label synthetic rows, fit the student.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Numeric, boolean and categorical/string columns; NaN allowed.
        y : array-like of shape (n_samples,)
            Class labels of any sortable type.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every teacher member and to the student.

        Returns
        -------
        self
        """
        # A failed or interrupted fit (KeyboardInterrupt included) puts every
        # attribute back: a fitted model stays usable, never half-updated.
        state = self.__dict__.copy()
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit(self, X, y, sample_weight):
        """The body of :meth:`fit`, which undoes it when it does not finish."""
        fit_started_at = time.time()
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=4)
        teacher_seed, augment_seed, student_seed, _ = (int(s) for s in seeds)

        # Everything that can be wrong with the input is found here, before
        # any model is fitted.
        schema = TableSchema().fit(X)
        validate_data(self, X, reset=True, skip_check_array=True)
        encoded = schema.encode(X)
        check_finite_columns(schema, encoded)
        y = self._encode_labels(y, encoded.shape[0])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, encoded, dtype=np.float64, ensure_non_negative=True
            )
            if not sample_weight.sum() > 0:
                raise ValueError(
                    "Sample weights must contain at least one non-zero number."
                )
        members, combiner = self._resolve_teacher(
            schema, teacher_seed, encoded.shape[0]
        )
        check_members(
            members, self.classes_, sample_weight=sample_weight,
            runs_folds=(self.soft_targets == "oof" or self.teacher_bagging
                        or combiner in ("stacking", "selection")),
        )
        student = self._resolve_student(student_seed)
        if sample_weight is not None and isinstance(student, MLPStudent):
            raise TypeError(
                "student='mlp' does not accept sample_weight (scikit-learn's "
                "MLPRegressor has none); use student='lightgbm' or no weights."
            )
        augmenter = self._resolve_augmenter()
        n_synthetic = self._resolve_n_synthetic(encoded.shape[0], augmenter)
        folds = self._folds(y, teacher_seed)

        self.schema_ = schema
        report = {"seconds": {}, "timeline": {}, "n_real": int(encoded.shape[0])}
        frame = schema.to_frame(X)
        member_input = "frame" if schema.from_frame_ or self._default_teacher() else "array"

        with _Stage(report, "teacher", self.verbose):
            teacher, oof, teacher_report = fit_teacher(
                members, combiner, schema, frame, y, self.classes_,
                folds=folds,
                need_oof=self.soft_targets == "oof",
                member_input=member_input,
                sample_weight=sample_weight,
                n_jobs=self.n_jobs,
                verbose=self.verbose,
                bagging=self.teacher_bagging,
                time_limit=self.teacher_time_limit,
            )
        report["teacher"] = teacher_report
        if oof is None:
            with _Stage(report, "teacher in-sample", self.verbose):
                real_proba = _label(teacher, frame, self.n_jobs)
        else:
            real_proba = oof

        onehot = np.eye(len(self.classes_))[y]
        real_targets = (
            self.alpha * onehot
            + (1.0 - self.alpha) * soften(real_proba, self.temperature)
        )

        parts_X, parts_target, parts_teacher = [encoded], [real_targets], [real_proba]
        if augmenter is not None and n_synthetic > 0:
            with _Stage(report, "augmentation", self.verbose):
                augmenter.fit(frame if schema.from_frame_ else encoded)
                synthetic = augmenter.sample(n_synthetic, random_state=augment_seed)
            with _Stage(report, "teacher labelling", self.verbose):
                syn_encoded = schema.encode(synthetic)
                syn_proba = _label(teacher, synthetic, self.n_jobs)
            parts_X.append(syn_encoded)
            parts_target.append(soften(syn_proba, self.temperature))
            parts_teacher.append(syn_proba)
        report["n_synthetic"] = int(sum(len(p) for p in parts_X[1:]))

        student_weight = None
        if sample_weight is not None:
            student_weight = np.concatenate(
                [sample_weight] + [np.ones(len(p)) for p in parts_X[1:]]
            )
        all_encoded = np.vstack(parts_X)
        with _Stage(report, "student", self.verbose):
            student._fit_with_schema(
                schema, all_encoded, np.vstack(parts_target), student_weight,
                self.temperature,
            )
        self.student_ = student
        report["student"] = self._held_out_fidelity(
            student, all_encoded, np.vstack(parts_teacher)
        )
        report["seconds"]["total"] = sum(report["seconds"].values())
        # The whole call, validation and encoding included: what lies between
        # the stages is the schema, the checks and the stacking of the parts.
        report["timeline"]["fit"] = (fit_started_at, time.time())
        self.teacher_ = teacher if self.keep_teacher else None
        self.fit_report_ = report
        return self

    def _encode_labels(self, y, n_samples):
        y = column_or_1d(y, warn=True)
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} labels but X has {n_samples} rows.")
        if pd.isna(y).any():
            raise ValueError(
                f"y contains {int(pd.isna(y).sum())} missing labels; drop those "
                "rows or give them a label."
            )
        if y.dtype == object:
            # Strings mixed with numbers cannot be sorted into classes_;
            # say which types met instead of a comparison traceback.
            kinds = sorted({type(v).__name__ for v in y})
            numeric = {type(v) for v in y if isinstance(v, numbers.Number)}
            if numeric and len(numeric) < len({type(v) for v in y}):
                raise ValueError(
                    f"y mixes label types {kinds}; give every label one type "
                    "(for example y.astype(str))."
                )
        check_classification_targets(y)
        encoder = LabelEncoder()
        codes = encoder.fit_transform(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"y has one class ({encoder.classes_.tolist()[0]!r}); a "
                "classifier needs at least two."
            )
        self.classes_ = encoder.classes_
        return codes

    def _folds(self, y, seed):
        """The (train, validation) index pairs shared by every member."""
        if isinstance(self.cv, numbers.Integral):
            n_splits = int(self.cv)
            if n_splits < 2:
                raise ValueError(f"cv must be at least 2; got {self.cv!r}.")
            if n_splits > len(y):
                raise ValueError(
                    f"cv={n_splits} folds need at least {n_splits} rows; X has "
                    f"{len(y)}."
                )
            self._warn_small_classes(y, n_splits)
            splitter = StratifiedKFold(
                n_splits=n_splits, shuffle=True, random_state=seed
            )
        else:
            splitter = check_cv(self.cv, y, classifier=True)
        return list(splitter.split(np.zeros((len(y), 1)), y))

    def _warn_small_classes(self, y, n_splits):
        counts = np.bincount(y, minlength=len(self.classes_))
        if counts.min() < n_splits:
            small = [self.classes_[i] for i in np.flatnonzero(counts < n_splits)]
            warnings.warn(
                f"Classes {small} have fewer than cv={n_splits} rows, so some "
                "folds train without them; their out-of-fold probabilities "
                "come from members that never saw them. Lower cv or merge "
                "rare classes for better soft targets.",
                UserWarning,
                stacklevel=3,
            )

    def _default_teacher(self):
        return isinstance(self.teacher, str)

    def _resolve_teacher(self, schema, seed, n_rows):
        if isinstance(self.teacher, str):
            members = make_members(self.teacher_members, schema, seed, n_rows=n_rows)
            return members, self.teacher
        if isinstance(self.teacher, list):
            if not self.teacher:
                raise ValueError(
                    "teacher is an empty list; give (name, classifier) pairs."
                )
            names = []
            for item in self.teacher:
                if not (isinstance(item, tuple) and len(item) == 2
                        and isinstance(item[0], str)):
                    raise TypeError(
                        "teacher as a list must hold (name, classifier) pairs; got "
                        f"{item!r}."
                    )
                name, estimator = item
                if not hasattr(estimator, "predict_proba"):
                    raise TypeError(
                        f"Teacher member {name!r} ({type(estimator).__name__}) has "
                        "no predict_proba."
                    )
                names.append(name)
            if len(set(names)) != len(names):
                raise ValueError(f"Teacher member names must be unique; got {names}.")
            return [(name, clone(est)) for name, est in self.teacher], "stacking"
        return [(type(self.teacher).__name__, clone(self.teacher))], "single"

    def _resolve_student(self, seed):
        if isinstance(self.student, str):
            student = _STUDENTS[self.student](random_state=seed)
        else:
            student = clone(self.student)
            if student.get_params().get("random_state", 0) is None:
                student.set_params(random_state=seed)
        if "n_jobs" in student.get_params() and student.get_params()["n_jobs"] is None:
            # The student trains in this process, even when the teacher's
            # jobs ran on a cluster.
            student.set_params(n_jobs=local_threads(self.n_jobs))
        return student

    def _resolve_augmenter(self):
        if self.augmentation is None:
            return None
        return _augmentation_module().make_augmenter(self.augmentation)

    def _resolve_n_synthetic(self, n_real, augmenter):
        if augmenter is None:
            return 0
        if self.n_synthetic == "auto":
            return min(5 * n_real, _MAX_AUTO_SYNTHETIC)
        if isinstance(self.n_synthetic, numbers.Integral):
            return int(self.n_synthetic)
        return int(round(self.n_synthetic * n_real))

    def _held_out_fidelity(self, student, encoded, teacher_proba):
        """Student vs teacher on the rows the student held out for early stopping."""
        idx = getattr(student, "validation_index_", None)
        if idx is None or len(idx) == 0:
            return {"held_out_rows": 0}
        proba = student._proba_from_encoded(encoded[idx])
        target = teacher_proba[idx]
        return {
            "held_out_rows": int(len(idx)),
            "agreement": float(np.mean(proba.argmax(1) == target.argmax(1))),
            "cross_entropy": float(
                -np.mean(np.sum(target * np.log(np.clip(proba, 1e-15, None)), axis=1))
            ),
        }

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities from the student, columns in ``classes_`` order.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "student_")
        encoded = validate_predict_input(self, self.schema_, X)
        return self.student_._proba_from_encoded(encoded)

    def predict(self, X):
        """Predicted class labels."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    def export(self, path, format="lightgbm"):
        """Write the student alone to the directory ``path``.

        See :func:`tabkd.export` for the formats; load the result with
        :meth:`tabkd.StudentPredictor.load`. The teacher is not written.

        Parameters
        ----------
        path : str or path-like
            Directory to create or fill.

        format : {"lightgbm", "onnx", "compiled"}, default="lightgbm"
            Model file format.

        Returns
        -------
        pathlib.Path
        """
        from ._export import export

        check_is_fitted(self, "student_")
        return export(self, path, format=format)
