"""Teacher ensembles and their out-of-fold soft targets.

The teacher is fitted with one pass of ``cv`` folds per member. The fold
fits give every training row an out-of-fold (OOF) probability from each
member; the combiner (:mod:`tabkd._combiners`) is trained on those, and the
same OOF predictions become the student's soft targets, so the OOF targets
cost no fit beyond what the combiner already needs.

A member is then either refitted once on all rows (the default) or, when
bagged, *is* the average of its ``cv`` fold models: no refit, and its
out-of-fold predictions are exactly what the final member's parts predicted
on rows they never saw.

A time budget probes every member on the first fold, projects the rest of
the fit from that, and drops or shrinks the members that would not fit.
"""

import time
import warnings

import numpy as np
import pandas as pd
from joblib import effective_n_jobs
from tqdm import tqdm
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._combiners import combine, fit_combiner
from ._members import default_members, make_members  # noqa: F401 (re-exported)
from ._parallel import one_level, parallel_map

# Summed per kind of job in the teacher report, in total and per member.
_JOB_KEYS = ("fold_seconds", "refit_seconds", "fold_cpu_seconds",
             "refit_cpu_seconds")
# A shrunk member keeps at least this share of its trees; below it, the
# member is dropped instead, as a forest of a handful of trees is noise.
_MIN_SHRINK = 0.1


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


@one_level
def _fit_member(name, estimator, X, y_codes, classes, sample_weight,
                where="all rows", train_idx=None):
    """Fit a clone on rows whose labels are given contiguous local codes.

    XGBoost (and any estimator that sets ``classes_`` from the labels it
    sees) needs the labels of every fit to be ``0..k-1``. A fold may lack a
    class, so each fit gets its own codes and remembers which global
    classes they stand for. ``where`` ("fold 2 of 5", "all rows") goes into
    the error message of a failing member.

    ``X``, ``y_codes`` and ``sample_weight`` are always all the training
    rows; ``train_idx`` (None for all) picks the fold's rows here, inside
    the job. Every job is thus given the same objects, which joblib's Dask
    backend sends to the cluster once instead of one fold slice per job.
    """
    if isinstance(estimator, Prefitted):
        if where == "all rows" or not estimator.cv_refit:
            # Used as it is: its columns follow its own classes_, which are
            # original labels, not local codes.
            columns = np.searchsorted(classes, np.asarray(estimator.classes_))
            return _FittedMember(name, estimator, columns, len(classes), 0.0)
        estimator = estimator.estimator
    if train_idx is not None:
        X = X.iloc[train_idx] if isinstance(X, pd.DataFrame) else X[train_idx]
        y_codes = y_codes[train_idx]
        if sample_weight is not None:
            sample_weight = sample_weight[train_idx]
    present, local = np.unique(y_codes, return_inverse=True)
    if len(present) == 1:
        # A fold whose training rows hold one class (a class rarer than cv;
        # fit warns about it). Most libraries refuse such a fit or return
        # columns for classes they invent; the only honest model is that
        # class with certainty.
        return _FittedMember(name, _OneClass(), present, len(classes), 0.0)
    estimator = clone(estimator)
    fit_params = {}
    if sample_weight is not None:
        fit_params = _sample_weight_params(name, estimator, sample_weight)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        estimator.fit(X, local, **fit_params)
    except Exception as exc:
        raise RuntimeError(
            f"Teacher member {name!r} failed to fit on {where}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    seconds = time.perf_counter() - start
    # CPU time as well: on a busy machine wall seconds measure the load too.
    cpu_seconds = time.process_time() - cpu_start
    order = getattr(estimator, "classes_", None)
    columns = present if order is None else present[np.asarray(order).astype(int)]
    return _FittedMember(name, estimator, columns, len(classes), seconds,
                         fit_cpu_seconds=cpu_seconds)


@one_level
def _fit_job(name, estimator, X, y_codes, classes, sample_weight, where,
             train_idx=None, valid_idx=None, keep_model=True):
    """One job of the teacher's job list: a refit, or a fold fit and its scores.

    A refit (``train_idx`` None) returns the :class:`_FittedMember`. A fold
    fit trains on the rows ``train_idx`` of ``X``, scores the held-out rows
    ``valid_idx`` (None when no out-of-fold predictions are wanted) in the
    same job and returns a :class:`_FoldFit`, which holds the fold model
    only if ``keep_model``. Forests grow with their training rows (on
    diamonds the default random forest and extra trees take about 9 and 17
    KB per row), so shipping every fold model back and holding all of them
    until the last fit ended made the teacher's memory ``cv + 1`` times that
    of its refitted members.
    """
    member = _fit_member(name, estimator, X, y_codes, classes, sample_weight,
                         where, train_idx)
    if train_idx is None:
        return member
    oof = None
    if valid_idx is not None:
        held_out = X.iloc[valid_idx] if isinstance(X, pd.DataFrame) else X[valid_idx]
        oof = member.predict_proba(held_out)
    return _FoldFit(name, member.fit_seconds, member.fit_cpu_seconds, oof,
                    member if keep_model else None)


class _OneClass:
    """Predicts the one class a fold's training rows hold, with certainty."""

    classes_ = np.array([0])

    def predict_proba(self, X):
        return np.ones((len(X), 1))


class _FoldFit:
    """What a fold job returns: held-out probabilities, the model if kept."""

    def __init__(self, name, fit_seconds, fit_cpu_seconds, oof, member):
        self.name = name
        self.fit_seconds = fit_seconds
        self.fit_cpu_seconds = fit_cpu_seconds
        self.oof = oof
        self.member = member


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

    def __init__(self, name, estimator, columns, n_classes, fit_seconds,
                 fit_cpu_seconds=0.0):
        self.name = name
        self.estimator = estimator
        self.columns = columns
        self.n_classes = n_classes
        self.fit_seconds = fit_seconds
        # CPU seconds of the process that fitted it, all its threads.
        self.fit_cpu_seconds = fit_cpu_seconds

    # Member predictions run in the caller's process too (out-of-fold rows,
    # one labelling batch, a user's teacher_.predict_proba), where a Dask
    # backend context would otherwise receive a column transformer's columns
    # as tasks.
    @one_level
    def predict_proba(self, X):
        """Probabilities over all global classes (absent ones get zero).

        The member's output may be any array-like (a DataFrame too); it must
        hold one distribution per row over the classes it was fitted on.
        Its own joblib calls run sequentially.
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


class _BaggedMember:
    """A member that is the average of its fold models.

    Attributes
    ----------
    name : str
    folds : list of _FittedMember
        One model per fold, fitted on that fold's training rows.
    estimator : list of estimators
        The fold models' estimators (for size and latency measurements).
    fit_seconds : float
        Summed fit time of the fold models.
    """

    def __init__(self, name, folds):
        self.name = name
        self.folds = folds
        self.estimator = [member.estimator for member in folds]
        self.n_classes = folds[0].n_classes
        self.fit_seconds = float(sum(member.fit_seconds for member in folds))

    def predict_proba(self, X):
        """Mean of the fold models' probabilities over all global classes."""
        return np.mean([member.predict_proba(X) for member in self.folds], axis=0)


class Teacher:
    """A fitted teacher: members on the canonical frame plus a combiner.

    Use :meth:`predict_proba` on raw input, as with any classifier; the
    schema turns it into the members' canonical frame first.

    Attributes
    ----------
    combiner : {"stacking", "voting", "selection", "single"}
    members : list of _FittedMember or _BaggedMember
    meta_learner : LogisticRegression or None
        The stacking combiner, fitted on out-of-fold member probabilities.
    weights : ndarray or None
        Ensemble-selection weights, one per member, summing to one.
    classes_ : ndarray
        Original class labels, in the order of the probability columns.
    """

    def __init__(self, schema, members, combiner, meta_learner, classes,
                 member_input, weights=None):
        self.schema = schema
        self.members = members
        self.combiner = combiner
        self.meta_learner = meta_learner
        self.weights = weights
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
        return combine(self.combiner, member_probas,
                       meta_learner=self.meta_learner,
                       weights=getattr(self, "weights", None))


def _size_param(estimator):
    """The parameter that sets a member's number of trees or boosting rounds.

    Returns the ``set_params`` key (``n_estimators`` anywhere in a pipeline
    or wrapper, or a HistGradientBoosting ``max_iter``) and its value, or
    ``(None, None)`` for members whose cost has no such knob.
    """
    if isinstance(estimator, Prefitted):
        return None, None
    params = estimator.get_params(deep=True)
    for key, value in params.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        owner_key, _, leaf = key.rpartition("__")
        owner = params[owner_key] if owner_key else estimator
        if leaf == "n_estimators" or (
            leaf == "max_iter"
            and type(owner).__name__.startswith("HistGradientBoosting")
        ):
            return key, value
    return None, None


def _plan_budget(members, probe_seconds, later_fits, budget, n_workers):
    """Decide which members to keep, shrink or drop to fit the budget.

    The projected cost of a member is its first-fold fit time times the fits
    still to come, spread over ``n_workers``; shrinking assumes cost
    proportional to the number of trees. Members are admitted cheapest
    first, so the budget buys as many members as it can; a shrunk member
    also pays for refitting its first fold. The cheapest member is always
    kept, even over budget, since a teacher needs one.

    Returns
    -------
    plan : dict
        Member name to ``("keep", None)``, ``("shrink", (key, new_value))``
        or ``("drop", None)``.
    projected : float
        Projected seconds of the remaining fits under the plan.
    """
    order = sorted(range(len(members)), key=lambda i: probe_seconds[i])
    plan, used = {}, 0.0
    for rank, i in enumerate(order):
        name, estimator = members[i]
        cost = probe_seconds[i] * later_fits / n_workers
        if rank == 0 or used + cost <= budget:
            plan[name] = ("keep", None)
            used += cost
            continue
        key, size = _size_param(estimator)
        left = budget - used
        # The shrunk member refits its probe fold as well.
        share = left * n_workers / max(probe_seconds[i] * (later_fits + 1), 1e-9)
        if key is not None and share >= _MIN_SHRINK and int(size * share) >= 1:
            plan[name] = ("shrink", (key, int(size * share)))
            used += probe_seconds[i] * share * (later_fits + 1) / n_workers
        else:
            plan[name] = ("drop", None)
    return plan, used


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
    bagging=False,
    time_limit=None,
):
    """Fit the teacher and, when asked, its out-of-fold probabilities.

    Parameters
    ----------
    members : list of (str, estimator)
        Unfitted members; cloned for every fit.
    combiner : {"stacking", "voting", "selection", "single"}
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
        Whether the caller wants out-of-fold teacher probabilities. Stacking,
        selection and bagging always run the folds.
    member_input : {"frame", "array"}
        What the members are given: the canonical frame or its float matrix.
    sample_weight : ndarray or None
    n_jobs : int or None
    verbose : int
    bagging : bool, default=False
        Make every member the average of its fold models instead of
        refitting it on all rows. Pre-fitted members are used as they are.
    time_limit : float or None, default=None
        Seconds for the whole teacher fit. Every member is first fitted on
        the first fold; from those times the remaining fits are projected
        and the members that would overrun are shrunk (fewer trees) or
        dropped. The cheapest member is always kept.

    Returns
    -------
    teacher : Teacher
    oof_proba : ndarray of shape (n_samples, n_classes) or None
    report : dict
        Fit seconds; per-member out-of-fold log loss and accuracy; the
        combiner's weights under ``"combiner"``; under ``"jobs"`` the wall
        and CPU seconds the fold jobs and the refit jobs spent fitting,
        summed in total and per member (budget probes count as fold jobs); under ``"timeline"``
        the Unix start and end of the fits, the out-of-fold scoring and the
        combiner; under ``"budget"`` (with a time limit) the probe times and
        what was dropped or shrunk.
    """
    n_classes = len(classes)
    names = [name for name, _ in members]
    X_members = X_frame if member_input == "frame" else X_frame.to_numpy(np.float64)
    run_folds = need_oof or bagging or combiner in ("stacking", "selection")
    budget_folds = folds
    if not run_folds:
        folds = []

    def rows(data, idx):
        return data.iloc[idx] if isinstance(data, pd.DataFrame) else data[idx]

    # A job is its key, then _fit_job's arguments. Every job shares the
    # same X, y and weight objects and each fold's index arrays, so a cluster
    # backend ships each of them once (see _fit_member).
    def fold_job(fold, name, estimator):
        train_idx, valid_idx = budget_folds[fold]
        # The job scores the held-out rows itself, so only a bagged member
        # needs its fold model sent back.
        return ((fold, name), name, estimator, X_members, y_codes, classes,
                sample_weight, f"fold {fold + 1} of {len(budget_folds)}",
                train_idx, valid_idx if run_folds else None, bagging)

    def refit_job(name, estimator):
        return (("all", name), name, estimator, X_members, y_codes, classes,
                sample_weight, "all rows", None, None, True)

    def needs_refit(estimator):
        # A bagged member is its fold models; a pre-fitted one is still used
        # as it is, which costs nothing.
        return not bagging or isinstance(estimator, Prefitted)

    def run(jobs, desc):
        # Results come back in submission order, so the progress bar does not
        # change which fit lands where.
        results = parallel_map(_fit_job, (job[1:] for job in jobs), n_jobs)
        fitted = list(tqdm(results, total=len(jobs), desc=desc,
                           disable=not verbose, leave=False))
        for job, member in zip(jobs, fitted):
            _count_job_seconds(report["jobs"], job[0], member)
        return {job[0]: member for job, member in zip(jobs, fitted)}

    start = time.perf_counter()
    by_key = {}
    # Fold and refit jobs share one job list, so their wall times cannot be
    # told apart; what each job spent fitting can, summed per kind.
    report = {"fit_seconds": 0.0, "members": {},
              "jobs": {**dict.fromkeys(_JOB_KEYS, 0.0), "by_member": {}},
              "timeline": {}}
    fits_started_at = time.time()
    if time_limit is not None:
        members, by_key, report["budget"] = _apply_budget(
            members, time_limit, start, run, fold_job, refit_job, needs_refit,
            folds=len(folds), bagging=bagging, n_jobs=n_jobs, verbose=verbose,
        )
        names = [name for name, _ in members]

    # One flat list of independent fits: every (fold, member) pair plus the
    # refit of every member on all rows; joblib spreads them over n_jobs.
    jobs = []
    for fold in range(len(folds)):
        for name, estimator in members:
            if (fold, name) not in by_key:
                jobs.append(fold_job(fold, name, estimator))
    for name, estimator in members:
        if needs_refit(estimator):
            jobs.append(refit_job(name, estimator))
    by_key.update(run(jobs, "[tabkd] teacher fits"))
    by_key = {key: member for key, member in by_key.items() if key[1] in names}
    report["timeline"]["fits"] = (fits_started_at, time.time())

    oof_members = None
    if run_folds:
        oof_members = []
        for name in names:
            oof = np.zeros((len(y_codes), n_classes))
            for fold, (_, valid_idx) in enumerate(folds):
                oof[valid_idx] = by_key[(fold, name)].oof
            oof_members.append(oof)
            report["members"][name] = _score(oof, y_codes)
        if verbose >= 2:
            for name, scores in report["members"].items():
                print(f"[tabkd] teacher member {name:<22} out-of-fold "
                      f"log loss {scores['log_loss']:.4f}  "
                      f"accuracy {scores['accuracy']:.4f}")

    report["timeline"]["out_of_fold"] = (
        report["timeline"]["fits"][1], time.time()
    )
    meta_learner, weights, oof_proba, report["combiner"] = fit_combiner(
        combiner, oof_members, y_codes, folds, names, sample_weight=sample_weight
    )
    report["timeline"]["combiner"] = (
        report["timeline"]["out_of_fold"][1], time.time()
    )

    if bagging:
        full_members = [
            by_key[("all", name)] if ("all", name) in by_key
            else _BaggedMember(name, [by_key[(f, name)].member
                                      for f in range(len(folds))])
            for name in names
        ]
    else:
        full_members = [by_key[("all", name)] for name in names]
    teacher = Teacher(schema, full_members, combiner, meta_learner, classes,
                      member_input, weights=weights)
    if oof_proba is not None:
        report["teacher_oof"] = _score(oof_proba, y_codes)
    report["fit_seconds"] = time.perf_counter() - start
    return teacher, (oof_proba if need_oof else None), report


def recombine(teacher, combiner, X, y_codes, folds, *, sample_weight=None):
    """The same bagged members under another combiner, with no member refit.

    A bagged member is its fold models, so its out-of-fold probabilities can
    be read back from it: fold model ``f`` predicts the rows held out of
    fold ``f``. Those are the probabilities :func:`fit_teacher` fitted its
    combiner on; fitting another combiner on them gives the teacher that
    :func:`fit_teacher` would have returned for that combiner with the same
    members, folds and seeds, at the cost of the fold predictions only.
    Benchmarks use it to compare combiners without fitting members three
    times.

    Parameters
    ----------
    teacher : Teacher
        A fitted teacher whose members are all bagged.
    combiner : {"stacking", "voting", "selection"}
    X : DataFrame or array-like
        The training rows the teacher was fitted on, raw (as given to
        ``DistilledClassifier.fit``).
    y_codes : ndarray of int
        Their labels encoded as ``0..n_classes-1``.
    folds : list of (train_idx, valid_idx)
        The folds the teacher was fitted on, in order.
    sample_weight : ndarray or None
        The weights the teacher was fitted with.

    Returns
    -------
    teacher : Teacher
        Shares the member objects with the given teacher.
    oof_proba : ndarray of shape (n_samples, n_classes)
        The new combiner's out-of-fold probabilities.
    report : dict
        ``"members"`` (out-of-fold scores), ``"combiner"`` and
        ``"teacher_oof"``, as in :func:`fit_teacher`'s report.
    """
    unbagged = [member.name for member in teacher.members
                if not isinstance(member, _BaggedMember)
                or len(member.folds) != len(folds)]
    if unbagged:
        raise ValueError(
            f"recombine needs every member bagged over the {len(folds)} folds "
            f"given; {unbagged} are not. Fit the teacher with bagging=True."
        )
    view = teacher._member_view(X)

    def rows(idx):
        return view.iloc[idx] if isinstance(view, pd.DataFrame) else view[idx]

    names = [member.name for member in teacher.members]
    n_classes = len(teacher.classes_)
    oof_members, member_scores = [], {}
    for member in teacher.members:
        oof = np.zeros((len(y_codes), n_classes))
        for fold_model, (_, valid_idx) in zip(member.folds, folds):
            oof[valid_idx] = fold_model.predict_proba(rows(valid_idx))
        oof_members.append(oof)
        member_scores[member.name] = _score(oof, y_codes)
    meta_learner, weights, oof_proba, combiner_report = fit_combiner(
        combiner, oof_members, y_codes, folds, names, sample_weight=sample_weight
    )
    recombined = Teacher(teacher.schema, teacher.members, combiner, meta_learner,
                         teacher.classes_, teacher._member_input, weights=weights)
    report = {"members": member_scores, "combiner": combiner_report,
              "teacher_oof": _score(oof_proba, y_codes)}
    return recombined, oof_proba, report


def _apply_budget(members, time_limit, start, run, fold_job, refit_job,
                  needs_refit, *, folds, bagging, n_jobs, verbose):
    """Probe every member on the first fold, then drop or shrink to the budget.

    Returns the members to fit (shrunk ones with their new size), the probe
    fits worth keeping (keyed as in :func:`fit_teacher`) and the budget
    report.
    """
    probes = run([fold_job(0, name, est) for name, est in members],
                 "[tabkd] teacher probe")
    probe_seconds = [probes[(0, name)].fit_seconds for name, _ in members]
    # Fits still to come per member: the other folds, plus the refit on all
    # rows (on k/(k-1) times the rows) unless the member is bagged. Without
    # folds the probe only measures, and the refit is all that remains.
    refit_cost = folds / max(folds - 1, 1) if folds else 1.0
    later_fits = max(folds - 1, 0) + (0.0 if bagging else refit_cost)
    n_workers = max(1, min(effective_n_jobs(n_jobs), len(members)))
    budget = time_limit - (time.perf_counter() - start)
    plan, projected = _plan_budget(members, probe_seconds, later_fits, budget,
                                   n_workers)

    kept, dropped, shrunk = [], [], {}
    for name, estimator in members:
        action, detail = plan[name]
        if action == "drop":
            dropped.append(name)
            continue
        if action == "shrink":
            key, size = detail
            shrunk[name] = {"param": key, "from": _size_param(estimator)[1],
                            "to": size}
            estimator = clone(estimator).set_params(**{key: size})
        kept.append((name, estimator))
    # A shrunk member's probe no longer matches it, and without folds the
    # probe was only a measurement.
    keep_probe = set()
    if folds:
        keep_probe = {(0, name) for name, _ in kept if name not in shrunk}
    by_key = {key: fit for key, fit in probes.items() if key in keep_probe}
    if verbose and (dropped or shrunk):
        print(f"[tabkd] teacher budget {time_limit:.1f} s: dropped {dropped}, "
              f"shrunk {sorted(shrunk)}", flush=True)
    budget_report = {
        "time_limit": float(time_limit),
        "probe_seconds": {name: float(s) for (name, _), s in
                          zip(members, probe_seconds)},
        "projected_seconds": float(time.perf_counter() - start + projected),
        "dropped": dropped,
        "shrunk": shrunk,
    }
    return kept, by_key, budget_report


def _count_job_seconds(jobs_report, key, member):
    """Add one job's fit seconds, wall and CPU, to its kind and member."""
    kind = "refit" if key[0] == "all" else "fold"
    per_member = jobs_report["by_member"].setdefault(
        member.name, dict.fromkeys(_JOB_KEYS, 0.0)
    )
    for report in (jobs_report, per_member):
        report[f"{kind}_seconds"] += member.fit_seconds
        report[f"{kind}_cpu_seconds"] += member.fit_cpu_seconds


def _score(proba, y_codes):
    clipped = np.clip(proba[np.arange(len(y_codes)), y_codes], 1e-15, None)
    return {
        "log_loss": float(-np.mean(np.log(clipped))),
        "accuracy": float(np.mean(np.argmax(proba, axis=1) == y_codes)),
    }
