"""Teacher ensembles and their out-of-fold soft targets.

The teacher is fitted with one pass of ``cv`` folds per member plus one refit
per member on all rows. The fold fits give every training row an
out-of-fold (OOF) probability from each member; the stacking combiner is
trained on those, and the same OOF predictions become the student's soft
targets, so the OOF targets cost no fit beyond what stacking already needs.
"""

import time
import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted, has_fit_parameter
from xgboost import XGBClassifier

# Member probabilities are floored before the log in the stacking features.
_LOG_FLOOR = 1e-6


def default_members(schema, random_state):
    """The built-in heterogeneous members, each behind its preprocessing.

    Every member consumes the schema's canonical frame: ``float64`` numeric
    columns and pandas ``category`` columns. Members run single-threaded;
    parallelism comes from fitting members and folds side by side, which
    keeps results independent of ``n_jobs``.

    Parameters
    ----------
    schema : TableSchema
        Fitted schema of the training table.
    random_state : int
        Seed shared by the members.

    Returns
    -------
    list of (str, estimator)
    """
    numeric = schema.numeric_columns
    categorical = schema.categorical_columns

    def columns(numeric_step, categorical_step):
        parts = []
        if numeric:
            parts.append(("numeric", numeric_step, numeric))
        if categorical:
            parts.append(("categorical", categorical_step, categorical))
        return ColumnTransformer(parts)

    # Trees split on ordinal codes; missing values get their own code or an
    # indicator column so that "missing" stays learnable.
    tree_columns = columns(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
        ),
    )
    linear_columns = columns(
        make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True,
                          keep_empty_features=True),
            StandardScaler(),
        ),
        OneHotEncoder(handle_unknown="ignore", min_frequency=5),
    )
    return [
        (
            "lightgbm",
            LGBMClassifier(
                n_estimators=300, learning_rate=0.05, num_leaves=31,
                min_child_samples=10, subsample=0.8, subsample_freq=1,
                colsample_bytree=0.8, random_state=random_state, n_jobs=1,
                verbose=-1,
            ),
        ),
        (
            "xgboost",
            XGBClassifier(
                n_estimators=300, learning_rate=0.05, max_depth=6,
                subsample=0.8, colsample_bytree=0.8, tree_method="hist",
                enable_categorical=True, random_state=random_state, n_jobs=1,
                verbosity=0,
            ),
        ),
        (
            "random_forest",
            make_pipeline(
                clone(tree_columns),
                RandomForestClassifier(
                    n_estimators=300, min_samples_leaf=2, max_features="sqrt",
                    random_state=random_state, n_jobs=1,
                ),
            ),
        ),
        (
            "extra_trees",
            make_pipeline(
                clone(tree_columns),
                ExtraTreesClassifier(
                    n_estimators=300, min_samples_leaf=2, max_features="sqrt",
                    random_state=random_state, n_jobs=1,
                ),
            ),
        ),
        (
            "logistic",
            make_pipeline(
                linear_columns,
                LogisticRegression(C=1.0, max_iter=2000),
            ),
        ),
    ]


class Prefitted(BaseEstimator):
    """An already fitted classifier used as a teacher member as it is.

    tabkd clones and refits every member it is given. Wrap a member in
    ``Prefitted`` to use the fitted model itself instead: it is never
    refitted, cloned or mutated, and the fitted teacher holds a reference to
    it.

    Parameters
    ----------
    estimator : fitted classifier
        Must have ``predict_proba`` and ``classes_``, with every class among
        the labels ``y`` given to ``DistilledClassifier.fit``. It receives the
        same input as any member: the canonical frame (numeric columns as
        float64, categorical ones as pandas ``category``) or a float array.

    cv_refit : bool, default=False
        How the out-of-fold predictions (the real rows' soft targets and the
        stacking combiner's features) are made. ``False``: by the fitted
        model itself, which is honest only if it never saw the rows passed to
        ``fit``; a warning says so. ``True``: by clones of ``estimator``
        fitted on each fold's training rows (``cv`` extra fits); the final
        teacher still uses the fitted model unchanged.

    Notes
    -----
    ``sample_weight`` is not applied to the fitted model (it is not fitted
    again); with ``cv_refit=True`` the fold clones receive it.
    """

    def __init__(self, estimator, cv_refit=False):
        self.estimator = estimator
        self.cv_refit = cv_refit

    def __sklearn_clone__(self):
        # Cloning would drop the fitted state that is the point of the wrapper.
        return self

    def fit(self, X, y=None, **fit_params):
        """Do nothing: a pre-fitted member is never refitted."""
        return self

    def predict_proba(self, X):
        """The wrapped estimator's probabilities."""
        return self.estimator.predict_proba(X)

    @property
    def classes_(self):
        """The wrapped estimator's classes."""
        return self.estimator.classes_


def check_members(members, classes, *, sample_weight, runs_folds):
    """Find every problem with the members before any of them is fitted.

    Parameters
    ----------
    members : list of (str, estimator)
    classes : ndarray
        The labels of ``y``, sorted.
    sample_weight : ndarray or None
    runs_folds : bool
        Whether out-of-fold predictions will be made.

    Returns
    -------
    list of str
        Names of pre-fitted members whose out-of-fold predictions are made
        by the fitted model itself (possibly in-sample).
    """
    in_sample = []
    for name, estimator in members:
        if isinstance(estimator, Prefitted):
            _check_prefitted(name, estimator, classes)
            if not estimator.cv_refit:
                in_sample.append(name)
                continue
            estimator = estimator.estimator
        if sample_weight is not None:
            _sample_weight_params(name, estimator, sample_weight)
    if in_sample and runs_folds:
        warnings.warn(
            f"Pre-fitted teacher members {in_sample} make their own out-of-fold "
            "predictions; these are honest soft targets only if the members "
            "never saw the rows passed to fit. Use Prefitted(est, "
            "cv_refit=True) for fold-wise refits.",
            UserWarning,
            stacklevel=3,
        )
    return in_sample


def _check_prefitted(name, prefitted, classes):
    estimator = prefitted.estimator
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"Teacher member {name!r} ({type(estimator).__name__}) has no "
            "predict_proba."
        )
    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise NotFittedError(
            f"Teacher member {name!r} is wrapped in Prefitted but is not fitted."
        ) from exc
    member_classes = getattr(estimator, "classes_", None)
    if member_classes is None:
        raise TypeError(
            f"Pre-fitted teacher member {name!r} has no classes_, so its "
            "probability columns cannot be matched to the labels."
        )
    known = set(classes.tolist())
    unknown = [c for c in np.asarray(member_classes).tolist() if c not in known]
    if unknown:
        raise ValueError(
            f"Pre-fitted teacher member {name!r} knows classes {unknown} that "
            f"are not among the labels of y {classes.tolist()}."
        )


def _fit_member(name, estimator, X, y_codes, classes, sample_weight,
                where="all rows"):
    """Fit a clone on rows whose labels are given contiguous local codes.

    XGBoost (and any estimator that sets ``classes_`` from the labels it
    sees) needs the labels of every fit to be ``0..k-1``. A fold may lack a
    class, so each fit gets its own codes and remembers which global
    classes they stand for. ``where`` ("fold 2 of 5", "all rows") goes into
    the error message of a failing member.
    """
    if isinstance(estimator, Prefitted):
        if where == "all rows" or not estimator.cv_refit:
            # Used as it is: its columns follow its own classes_, which are
            # original labels, not local codes.
            columns = np.searchsorted(classes, np.asarray(estimator.classes_))
            return _FittedMember(name, estimator, columns, len(classes), 0.0)
        estimator = estimator.estimator
    present, local = np.unique(y_codes, return_inverse=True)
    estimator = clone(estimator)
    fit_params = {}
    if sample_weight is not None:
        fit_params = _sample_weight_params(name, estimator, sample_weight)
    start = time.perf_counter()
    try:
        estimator.fit(X, local, **fit_params)
    except Exception as exc:
        raise RuntimeError(
            f"Teacher member {name!r} failed to fit on {where}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    seconds = time.perf_counter() - start
    order = getattr(estimator, "classes_", None)
    columns = present if order is None else present[np.asarray(order).astype(int)]
    return _FittedMember(name, estimator, columns, len(classes), seconds)


def _sample_weight_params(name, estimator, sample_weight):
    """Route ``sample_weight`` to the final step of a pipeline or the estimator."""
    if isinstance(estimator, Pipeline):
        step_name, final = estimator.steps[-1]
        if has_fit_parameter(final, "sample_weight"):
            return {f"{step_name}__sample_weight": sample_weight}
    elif has_fit_parameter(estimator, "sample_weight"):
        return {"sample_weight": sample_weight}
    raise TypeError(
        f"Teacher member {name!r} ({type(estimator).__name__}) does not accept "
        "sample_weight in fit; drop it from the teacher or fit without weights."
    )


class _FittedMember:
    """A fitted member plus the global class each output column stands for."""

    def __init__(self, name, estimator, columns, n_classes, fit_seconds):
        self.name = name
        self.estimator = estimator
        self.columns = columns
        self.n_classes = n_classes
        self.fit_seconds = fit_seconds

    def predict_proba(self, X):
        """Probabilities over all global classes (absent ones get zero).

        The member's output may be any array-like (a DataFrame too); it must
        hold one distribution per row over the classes it was fitted on.
        """
        try:
            local = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        except Exception as exc:
            raise RuntimeError(
                f"Teacher member {self.name!r} failed in predict_proba: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        n_rows = X.shape[0]
        if local.shape != (n_rows, len(self.columns)):
            raise ValueError(
                f"Teacher member {self.name!r} returned probabilities of shape "
                f"{local.shape}; expected ({n_rows}, {len(self.columns)}), one "
                "column per class it was fitted on."
            )
        sums = local.sum(axis=1)
        valid = np.isfinite(local).all() and not (local < 0).any()
        if not (valid and np.allclose(sums, 1.0, atol=1e-3)):
            raise ValueError(
                f"Teacher member {self.name!r} returned rows that are not "
                "probability distributions (non-finite, negative or not "
                "summing to one)."
            )
        proba = np.zeros((n_rows, self.n_classes))
        # Renormalised so that float32 members give rows summing to one.
        proba[:, self.columns] = local / sums[:, None]
        return proba


def _stack_features(member_probas):
    """Stacking meta-features: floored log-probabilities of every member."""
    return np.hstack([np.log(np.clip(p, _LOG_FLOOR, None)) for p in member_probas])


class Teacher:
    """A fitted teacher: members on the canonical frame plus a combiner.

    Use :meth:`predict_proba` on raw input, as with any classifier; the
    schema turns it into the members' canonical frame first.

    Attributes
    ----------
    combiner : {"stacking", "voting", "single"}
    members : list of _FittedMember
    meta_learner : LogisticRegression or None
        The stacking combiner, fitted on out-of-fold member probabilities.
    classes_ : ndarray
        Original class labels, in the order of the probability columns.
    """

    def __init__(self, schema, members, combiner, meta_learner, classes,
                 member_input):
        self.schema = schema
        self.members = members
        self.combiner = combiner
        self.meta_learner = meta_learner
        self.classes_ = classes
        self._member_input = member_input

    def _member_view(self, X):
        frame = self.schema.to_frame(X)
        return frame if self._member_input == "frame" else frame.to_numpy(np.float64)

    def member_probas(self, X):
        """List of each member's probabilities on ``X``."""
        view = self._member_view(X)
        return [member.predict_proba(view) for member in self.members]

    def predict_proba(self, X):
        """Teacher probabilities of shape (n_samples, n_classes)."""
        return self._combine(self.member_probas(X))

    def predict(self, X):
        """Most probable class labels."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _combine(self, member_probas):
        if self.combiner == "stacking":
            meta = self.meta_learner.predict_proba(_stack_features(member_probas))
            proba = np.zeros((meta.shape[0], len(self.classes_)))
            proba[:, self.meta_learner.classes_.astype(int)] = meta
            return proba
        return np.mean(member_probas, axis=0)


def fit_teacher(
    members,
    combiner,
    schema,
    X_frame,
    y_codes,
    classes,
    *,
    folds,
    need_oof,
    member_input,
    sample_weight,
    n_jobs,
    verbose=0,
):
    """Fit the teacher and, when asked, its out-of-fold probabilities.

    Parameters
    ----------
    members : list of (str, estimator)
        Unfitted members; cloned for every fit.
    combiner : {"stacking", "voting", "single"}
    schema : TableSchema
    X_frame : DataFrame
        Canonical frame of the training rows.
    y_codes : ndarray of int
        Labels encoded as ``0..n_classes-1``.
    classes : ndarray
        Original labels.
    folds : list of (train_idx, valid_idx)
        The folds every member is fitted on.
    need_oof : bool
        Whether the caller wants out-of-fold teacher probabilities. Stacking
        always runs the folds (its combiner needs them).
    member_input : {"frame", "array"}
        What the members are given: the canonical frame or its float matrix.
    sample_weight : ndarray or None
    n_jobs : int or None
    verbose : int

    Returns
    -------
    teacher : Teacher
    oof_proba : ndarray of shape (n_samples, n_classes) or None
    report : dict
        Fit seconds, and per-member out-of-fold log loss and accuracy.
    """
    n_classes = len(classes)
    X_members = X_frame if member_input == "frame" else X_frame.to_numpy(np.float64)
    run_folds = need_oof or combiner == "stacking"
    if not run_folds:
        folds = []

    def rows(data, idx):
        return data.iloc[idx] if isinstance(data, pd.DataFrame) else data[idx]

    # One flat list of independent fits: every (fold, member) pair plus the
    # refit of every member on all rows; joblib spreads them over n_jobs.
    jobs = []
    for fold, (train_idx, _) in enumerate(folds):
        for name, estimator in members:
            weight = None if sample_weight is None else sample_weight[train_idx]
            jobs.append(((fold, name), name, estimator, rows(X_members, train_idx),
                         y_codes[train_idx], weight,
                         f"fold {fold + 1} of {len(folds)}"))
    for name, estimator in members:
        jobs.append((("all", name), name, estimator, X_members, y_codes,
                     sample_weight, "all rows"))

    start = time.perf_counter()
    # Results come back in submission order, so the progress bar does not
    # change which fit lands where.
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_member)(name, est, X, y, classes, w, where)
        for _, name, est, X, y, w, where in jobs
    )
    fitted = list(tqdm(results, total=len(jobs), desc="[tabkd] teacher fits",
                       disable=not verbose, leave=False))
    by_key = {job[0]: member for job, member in zip(jobs, fitted)}
    fit_seconds = time.perf_counter() - start

    report = {"fit_seconds": fit_seconds, "members": {}}
    oof_members = None
    if run_folds:
        oof_members = []
        for name, _ in members:
            oof = np.zeros((len(y_codes), n_classes))
            for fold, (_, valid_idx) in enumerate(folds):
                oof[valid_idx] = by_key[(fold, name)].predict_proba(
                    rows(X_members, valid_idx)
                )
            oof_members.append(oof)
            report["members"][name] = _score(oof, y_codes)
        if verbose >= 2:
            for name, scores in report["members"].items():
                print(f"[tabkd] teacher member {name:<14} out-of-fold "
                      f"log loss {scores['log_loss']:.4f}  "
                      f"accuracy {scores['accuracy']:.4f}")

    meta_learner = None
    oof_proba = None
    if combiner == "stacking":
        features = _stack_features(oof_members)
        meta_learner = LogisticRegression(C=1.0, max_iter=2000)
        # The combiner's own out-of-fold predictions, over the same folds,
        # keep the students' targets honest: no row is scored by a combiner
        # that saw that row's label.
        oof_proba = np.zeros((len(y_codes), n_classes))
        for train_idx, valid_idx in folds:
            fold_meta = clone(meta_learner).fit(features[train_idx], y_codes[train_idx])
            oof_proba[np.ix_(valid_idx, fold_meta.classes_.astype(int))] = (
                fold_meta.predict_proba(features[valid_idx])
            )
        meta_learner.fit(features, y_codes)
    elif run_folds:
        oof_proba = np.mean(oof_members, axis=0)

    full_members = [by_key[("all", name)] for name, _ in members]
    teacher = Teacher(schema, full_members, combiner, meta_learner, classes,
                      member_input)
    if oof_proba is not None:
        report["teacher_oof"] = _score(oof_proba, y_codes)
    report["fit_seconds"] = time.perf_counter() - start
    return teacher, (oof_proba if need_oof else None), report


def _score(proba, y_codes):
    clipped = np.clip(proba[np.arange(len(y_codes)), y_codes], 1e-15, None)
    return {
        "log_loss": float(-np.mean(np.log(clipped))),
        "accuracy": float(np.mean(np.argmax(proba, axis=1) == y_codes)),
    }
