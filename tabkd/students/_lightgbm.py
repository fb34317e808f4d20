"""LightGBM student trained on soft targets."""

import numbers

import lightgbm as lgb
import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from .._lightgbm_row import predict_single_row
from ._base import BaseStudent

# Batches with at least this many rows are scored on n_jobs threads.
_THREADED_PREDICT_ROWS = 2_000

def soft_cross_entropy(raw, targets, sample_weight=None):
    """Mean cross-entropy of ``softmax(raw)`` against target distributions."""
    per_row = -(targets * log_softmax(raw, axis=1)).sum(axis=1)
    return float(np.average(per_row, weights=sample_weight))


def softmax_cross_entropy_grad_hess(raw, targets, sample_weight=None):
    """Gradient and diagonal Hessian of the soft multiclass cross-entropy.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_classes)
        Raw scores (logits), in LightGBM's 2-D layout for multiclass custom
        objectives (one row per sample, one column per class).
    targets : ndarray of shape (n_samples, n_classes)
        Target distributions.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    grad, hess : ndarrays of shape (n_samples, n_classes)
        ``grad = softmax(raw) - targets``. The exact Hessian is not diagonal;
        like LightGBM's own multiclass objective we use its diagonal
        ``p (1 - p)`` scaled by ``K / (K - 1)``, floored so it stays positive.
    """
    n_classes = raw.shape[1]
    proba = softmax(raw, axis=1)
    grad = proba - targets
    hess = np.maximum(proba * (1.0 - proba) * n_classes / (n_classes - 1), 1e-6)
    if sample_weight is not None:
        grad = grad * sample_weight[:, None]
        hess = hess * sample_weight[:, None]
    return grad, hess


class LightGBMStudent(BaseStudent):
    """A gradient-boosted tree student fitted to soft targets.

    Two classes use LightGBM's built-in ``cross_entropy`` objective on the
    probability of the second class. More classes use a soft-target softmax
    cross-entropy through a custom objective, started from the log class
    priors of the targets.

    Parameters
    ----------
    n_estimators : int, default=500
        Maximum boosting rounds; early stopping may end sooner. On teacher
        targets of synthetic rows the held-out loss often keeps falling, so
        this bound (and ``max_total_trees``) sets the student's size.

    learning_rate : float, default=0.1
        Shrinkage per round.

    num_leaves : int, default=31
        Maximum leaves per tree.

    min_child_samples : int, default=20
        Minimum rows in a leaf.

    subsample : float, default=0.8
        Row fraction used per round (bagging).

    colsample_bytree : float, default=0.8
        Column fraction used per tree.

    reg_lambda : float, default=0.0
        L2 regularisation on leaf values.

    max_total_trees : int, default=1000
        Bound on rounds × classes. A multiclass booster grows one tree per
        class per round, so without the bound a 10-class student would be
        ten times slower in batch than a binary one of the same rounds.

    early_stopping_rounds : int or None, default=50
        Stop when the held-out soft cross-entropy has not improved for this
        many rounds. ``None`` trains all rounds on all rows.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping. Ignored (all rows
        used for training) when fewer than 200 rows would remain in total.

    random_state : int, RandomState instance or None, default=None
        Seeds bagging, column sampling and the validation split.

    n_jobs : int or None, default=None
        LightGBM threads; ``None`` means one. Results do not depend on it
        (``deterministic`` and column-wise histograms are used).

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The fitted booster. Its raw scores exclude ``init_score_``.
    init_score_ : ndarray of shape (n_classes,) or (1,)
        Starting score added to the booster's raw output (multiclass: log
        class priors; binary: zero, LightGBM boosts from the average itself).
    n_rounds_ : int
        Boosting rounds kept after early stopping.
    validation_index_ : ndarray of int
        Rows of the training input held out for early stopping (may be empty).
    validation_loss_ : float or None
        Soft cross-entropy on those rows at the kept round.

    Notes
    -----
    With a custom objective, LightGBM's own ``predict`` returns raw scores
    and ignores the training ``init_score``; this class adds the offset and
    applies the softmax itself, so always predict through it (or through an
    export of it).
    """

    _parameter_constraints = {
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "num_leaves": [Interval(numbers.Integral, 2, None, closed="left")],
        "min_child_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "subsample": [Interval(numbers.Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(numbers.Real, 0, 1, closed="right")],
        "reg_lambda": [Interval(numbers.Real, 0, None, closed="left")],
        "max_total_trees": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping_rounds": [
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        n_estimators=500,
        learning_rate=0.1,
        num_leaves=31,
        min_child_samples=20,
        subsample=0.8,
        colsample_bytree=0.8,
        reg_lambda=0.0,
        max_total_trees=1000,
        early_stopping_rounds=50,
        validation_fraction=0.1,
        random_state=None,
        n_jobs=None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_total_trees = max_total_trees
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _booster_params(self, seed, n_classes):
        threads = 1 if self.n_jobs is None else max(1, int(self.n_jobs))
        params = {
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "seed": seed,
            "num_threads": threads,
            "deterministic": True,
            "force_col_wise": True,
            # Without this, LightGBM drops every feature that cannot be split
            # under min_child_samples and then fails on a small table; with it
            # such a student is simply the prior.
            "feature_pre_filter": False,
            "verbose": -1,
        }
        if n_classes == 2:
            params.update(objective="cross_entropy", metric="cross_entropy")
        else:
            params.update(num_class=n_classes, metric="None")
        return params

    def _split(self, n_samples, rng):
        """Indices for training and for early stopping."""
        all_rows = np.arange(n_samples)
        n_valid = int(round(self.validation_fraction * n_samples))
        if self.early_stopping_rounds is None or n_samples < 200 or n_valid < 1:
            return all_rows, all_rows[:0]
        order = rng.permutation(n_samples)
        return np.sort(order[n_valid:]), np.sort(order[:n_valid])

    def _fit_encoded(self, encoded, targets, sample_weight):
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        n_classes = targets.shape[1]
        train_idx, valid_idx = self._split(encoded.shape[0], rng)
        rounds = self.n_estimators
        if n_classes > 2:
            rounds = min(rounds, max(1, self.max_total_trees // n_classes))
        else:
            rounds = min(rounds, self.max_total_trees)

        weight = None if sample_weight is None else sample_weight
        categorical = list(self.schema_.categorical_indices_)
        params = self._booster_params(seed, n_classes)

        def dataset(idx, reference=None):
            w = None if weight is None else weight[idx]
            if n_classes == 2:
                return lgb.Dataset(
                    encoded[idx], label=targets[idx, 1], weight=w,
                    categorical_feature=categorical, reference=reference,
                    free_raw_data=False,
                )
            prior = np.log(np.clip(targets[train_idx].mean(axis=0), 1e-12, None))
            return lgb.Dataset(
                encoded[idx], label=np.zeros(len(idx)), weight=w,
                init_score=np.tile(prior, (len(idx), 1)),
                categorical_feature=categorical, reference=reference,
                free_raw_data=False,
            )

        train_set = dataset(train_idx)
        valid_sets, callbacks, feval = [], [], None
        if len(valid_idx):
            valid_set = dataset(valid_idx, reference=train_set)
            valid_sets = [valid_set]
            callbacks = [
                lgb.early_stopping(self.early_stopping_rounds, verbose=False)
            ]
        if n_classes > 2:
            # The custom objective sees only raw scores, so the soft targets of
            # each dataset are looked up by identity.
            targets_of = {id(train_set): targets[train_idx]}
            weights_of = {id(train_set): None if weight is None else weight[train_idx]}
            if valid_sets:
                targets_of[id(valid_sets[0])] = targets[valid_idx]
                weights_of[id(valid_sets[0])] = (
                    None if weight is None else weight[valid_idx]
                )

            def objective(raw, data):
                return softmax_cross_entropy_grad_hess(
                    raw, targets_of[id(data)], weights_of[id(data)]
                )

            def feval(raw, data):
                loss = soft_cross_entropy(raw, targets_of[id(data)], weights_of[id(data)])
                return "soft_cross_entropy", loss, False

            params["objective"] = objective

        booster = lgb.train(
            params,
            train_set,
            num_boost_round=rounds,
            valid_sets=valid_sets,
            valid_names=["validation"] * len(valid_sets),
            feval=feval,
            callbacks=callbacks,
        )
        best = booster.best_iteration if valid_sets and booster.best_iteration else rounds
        self.n_rounds_ = int(best)
        # Keep only the rounds that early stopping chose, so prediction never
        # needs a num_iteration argument and exports see the same model.
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
        self.init_score_ = (
            np.zeros(1)
            if n_classes == 2
            else np.log(np.clip(targets[train_idx].mean(axis=0), 1e-12, None))
        )
        self.validation_index_ = valid_idx
        self.validation_loss_ = None
        if len(valid_idx):
            raw = self._raw_from_encoded(encoded[valid_idx])
            self.validation_loss_ = soft_cross_entropy(raw, targets[valid_idx])
        return self

    def _raw_from_encoded(self, encoded):
        if encoded.shape[0] == 1:
            raw = self._single_row_raw(encoded[0])
            if raw is not None:
                return self._with_link_offsets(raw.reshape(1, -1))
        # Small batches run on one thread: starting OpenMP workers costs far
        # more than scoring a few rows (measured ~6x slower for one row on 2
        # busy cores), and the scores do not depend on the thread count.
        threads = 1
        if encoded.shape[0] >= _THREADED_PREDICT_ROWS and self.n_jobs:
            threads = max(1, int(self.n_jobs))
        raw = self.booster_.predict(encoded, raw_score=True, num_threads=threads)
        return self._with_link_offsets(np.asarray(raw, dtype=np.float64))

    def _with_link_offsets(self, raw):
        """Raw booster scores as (n_samples, n_classes) logits."""
        if self.n_classes_ == 2:
            logits = np.zeros((raw.size, 2))
            logits[:, 1] = raw.reshape(-1)
            return logits
        return raw.reshape(-1, self.n_classes_) + self.init_score_

    def _single_row_raw(self, row):
        """Raw scores of one encoded row through the C API, or None."""
        n_outputs = 1 if self.n_classes_ == 2 else self.n_classes_
        return predict_single_row(self.booster_, row, n_outputs)
