"""The built-in teacher members, each behind the preprocessing it needs.

Two member sets are offered. ``"default"`` is the original five (LightGBM,
XGBoost, random forest, extra trees, logistic regression) with fixed round
counts. ``"extended"`` is built for ensembling: boosters with a lower
learning rate that stop early on an inner validation slice of whatever rows
they are fitted on (so inside each fold, never on the fold's held-out rows),
scikit-learn's histogram gradient boosting on native categoricals, the two
forests, a logistic regression on one-hot and spline features, k-nearest
neighbours on scaled features and a small MLP. Diverse errors are what an
ensemble combines, which is why the set mixes trees, a smooth linear model
and two local/non-linear learners.

Every member consumes the schema's canonical frame: ``float64`` numeric
columns and pandas ``category`` columns. Members run single-threaded;
parallelism comes from fitting members and folds side by side, which keeps
results independent of ``n_jobs``.
"""

import inspect

import numpy as np
from lightgbm import LGBMClassifier, early_stopping
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import (
    OneHotEncoder,
    OrdinalEncoder,
    SplineTransformer,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier

MEMBER_SETS = ("default", "extended")
# HistGradientBoosting treats a categorical feature natively only up to its
# bin count; wider ones are given to it as plain ordinal codes.
_HGB_MAX_CATEGORIES = 255
# LightGBM 4.7 renamed eval_set to eval_X/eval_y and warns on the old name.
_LGBM_EVAL_XY = "eval_X" in inspect.signature(LGBMClassifier.fit).parameters


def make_members(member_set, schema, random_state, n_rows=None):
    """The members of a built-in set.

    Parameters
    ----------
    member_set : {"default", "extended"}
    schema : TableSchema
        Fitted schema of the training table.
    random_state : int
        Seed shared by the members.
    n_rows : int or None
        Training rows; sizes the neighbourhood of k-nearest neighbours.

    Returns
    -------
    list of (str, estimator)
    """
    if member_set == "default":
        return default_members(schema, random_state)
    return extended_members(schema, random_state, n_rows=n_rows)


def _member_columns(schema):
    """Numeric and categorical columns the built-in members read.

    Columns with no usable value in fit are left out: they carry nothing to
    learn, and some libraries refuse them (HistGradientBoosting fails on an
    all-NaN column). A table made only of such columns keeps them all.
    """
    empty = set(getattr(schema, "empty_columns_", ()))
    numeric = [c for c in schema.numeric_columns if c not in empty]
    categorical = [c for c in schema.categorical_columns if c not in empty]
    if not numeric and not categorical:
        return schema.numeric_columns, schema.categorical_columns
    return numeric, categorical


def _columns(schema, numeric_step, categorical_step):
    numeric, categorical = _member_columns(schema)
    parts = []
    if numeric:
        parts.append(("numeric", numeric_step, numeric))
    if categorical:
        parts.append(("categorical", categorical_step, categorical))
    return ColumnTransformer(parts)


def _tree_columns(schema):
    # Trees split on ordinal codes; missing values get their own code or an
    # indicator column so that "missing" stays learnable.
    return _columns(
        schema,
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
        ),
    )


def _scaled_columns(schema):
    return _columns(
        schema,
        make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True,
                          keep_empty_features=True),
            StandardScaler(),
        ),
        OneHotEncoder(handle_unknown="ignore", min_frequency=5),
    )


def _forest_members(schema, random_state):
    """Random forest and extra trees on ordinal codes; both member sets use them."""
    return [
        (
            name,
            make_pipeline(
                _tree_columns(schema),
                forest(
                    n_estimators=300, min_samples_leaf=2, max_features="sqrt",
                    random_state=random_state, n_jobs=1,
                ),
            ),
        )
        for name, forest in (("random_forest", RandomForestClassifier),
                             ("extra_trees", ExtraTreesClassifier))
    ]


def default_members(schema, random_state):
    """The original five members, behind their preprocessing.

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
        *_forest_members(schema, random_state),
        (
            "logistic",
            make_pipeline(
                _scaled_columns(schema),
                LogisticRegression(C=1.0, max_iter=2000),
            ),
        ),
    ]


def extended_members(schema, random_state, n_rows=None):
    """Eight diverse members with ensembling defaults.

    Parameters
    ----------
    schema : TableSchema
        Fitted schema of the training table.
    random_state : int
        Seed shared by the members.
    n_rows : int or None
        Training rows. k-nearest neighbours uses about ``sqrt(n_rows)``
        neighbours (between 5 and 50); ``None`` means 15.

    Returns
    -------
    list of (str, estimator)
    """
    numeric, categorical = _member_columns(schema)
    # HistGradientBoosting reads categoricals as ordinal codes flagged as
    # categorical; codes come after the numeric columns in the transformer.
    narrow = [
        len(numeric) + i for i, name in enumerate(categorical)
        if len(schema.categories_.get(name, ())) <= _HGB_MAX_CATEGORIES
    ]
    hgb_columns = _columns(
        schema,
        "passthrough",
        OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
        ),
    )
    # Splines let the linear model bend along each numeric column; missing
    # values are imputed for the basis and flagged in their own columns.
    spline_numeric = make_union(
        make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            SplineTransformer(n_knots=5, degree=3, extrapolation="constant"),
        ),
        MissingIndicator(features="all"),
    )
    spline_columns = _columns(
        schema, spline_numeric,
        OneHotEncoder(handle_unknown="ignore", min_frequency=5),
    )
    k = 15 if n_rows is None else int(np.clip(np.sqrt(n_rows), 5, 50))
    return [
        (
            "lightgbm",
            _EarlyStoppingBooster(
                LGBMClassifier(
                    n_estimators=2000, learning_rate=0.02, num_leaves=31,
                    min_child_samples=10, subsample=0.8, subsample_freq=1,
                    colsample_bytree=0.8, random_state=random_state, n_jobs=1,
                    verbose=-1,
                ),
                random_state=random_state,
            ),
        ),
        (
            "xgboost",
            _EarlyStoppingBooster(
                XGBClassifier(
                    n_estimators=2000, learning_rate=0.02, max_depth=6,
                    subsample=0.8, colsample_bytree=0.8, tree_method="hist",
                    enable_categorical=True, random_state=random_state,
                    n_jobs=1, verbosity=0,
                ),
                random_state=random_state,
            ),
        ),
        (
            "hist_gradient_boosting",
            _SingleThreaded(make_pipeline(
                hgb_columns,
                HistGradientBoostingClassifier(
                    learning_rate=0.05, max_iter=1000, max_leaf_nodes=31,
                    l2_regularization=1.0, categorical_features=narrow or None,
                    early_stopping=True, validation_fraction=0.15,
                    n_iter_no_change=30, random_state=random_state,
                ),
            )),
        ),
        *_forest_members(schema, random_state),
        (
            "spline_logistic",
            _SingleThreaded(make_pipeline(
                spline_columns, StandardScaler(with_mean=False),
                LogisticRegression(C=0.5, max_iter=3000),
            )),
        ),
        (
            "knn",
            _SingleThreaded(make_pipeline(
                _scaled_columns(schema),
                KNeighborsClassifier(n_neighbors=k, weights="distance"),
            )),
        ),
        (
            "mlp",
            _SingleThreaded(make_pipeline(
                _scaled_columns(schema),
                MLPClassifier(
                    hidden_layer_sizes=(64, 32), alpha=1e-3, batch_size=128,
                    learning_rate_init=1e-3, max_iter=200, early_stopping=True,
                    validation_fraction=0.15, n_iter_no_change=10,
                    random_state=random_state,
                ),
            )),
        ),
    ]


class _SingleThreaded(ClassifierMixin, BaseEstimator):
    """Fit and predict a classifier with one BLAS/OpenMP thread.

    HistGradientBoosting, k-NN, the MLP and the linear solvers have no
    ``n_jobs`` of their own and take every core through OpenMP or BLAS. The
    teacher already runs members side by side, so their own threads only
    oversubscribe the machine: on a busy 2-core machine HistGradientBoosting
    was measured over 20x slower that way.

    Parameters
    ----------
    estimator : classifier
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None):
        """Fit a clone of ``estimator`` single-threaded."""
        fit_params = {}
        if sample_weight is not None:
            step = self.estimator.steps[-1][0]
            fit_params[f"{step}__sample_weight"] = sample_weight
        with threadpool_limits(1):
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        """The wrapped classifier's probabilities, single-threaded."""
        check_is_fitted(self, "estimator_")
        with threadpool_limits(1):
            return self.estimator_.predict_proba(X)

    def predict(self, X):
        """Most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class _EarlyStoppingBooster(ClassifierMixin, BaseEstimator):
    """A LightGBM or XGBoost classifier that stops on an inner validation slice.

    ``fit`` holds out a stratified ``validation_fraction`` of the rows it is
    given, boosts on the rest until the validation log loss has not improved
    for ``patience`` rounds, and keeps the best round. Inside a teacher fold
    the slice comes from the fold's training rows, so the fold's held-out
    rows, whose predictions become out-of-fold targets, are never used for
    stopping.

    Parameters
    ----------
    estimator : LGBMClassifier or XGBClassifier
        Unfitted booster; ``n_estimators`` is the cap on rounds.
    validation_fraction : float, default=0.15
    patience : int, default=50
    random_state : int or None, default=None
        Seeds the validation split.

    Notes
    -----
    When a class has fewer than two rows the split cannot be stratified, and
    the booster is fitted on all rows with ``n_estimators`` rounds.
    """

    def __init__(self, estimator, validation_fraction=0.15, patience=50,
                 random_state=None):
        self.estimator = estimator
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit on all but the validation slice, stopping at the best round."""
        y = np.asarray(y)
        self.classes_, counts = np.unique(y, return_counts=True)
        booster = clone(self.estimator)
        idx = np.arange(len(y))
        n_valid = int(round(self.validation_fraction * len(y)))
        if counts.min() < 2 or n_valid < len(self.classes_):
            self.estimator_ = booster.fit(X, y, sample_weight=sample_weight)
            return self
        train, valid = train_test_split(
            idx, test_size=n_valid, stratify=y, random_state=self.random_state
        )
        if len(np.unique(y[train])) < len(self.classes_):
            self.estimator_ = booster.fit(X, y, sample_weight=sample_weight)
            return self

        def rows(part):
            return X.iloc[part] if hasattr(X, "iloc") else X[part]

        fit_params = {}
        if sample_weight is not None:
            fit_params["sample_weight"] = np.asarray(sample_weight)[train]
        eval_set = [(rows(valid), y[valid])]
        if isinstance(booster, LGBMClassifier):
            if _LGBM_EVAL_XY:
                fit_params.update(eval_X=(rows(valid),), eval_y=(y[valid],))
            else:
                fit_params["eval_set"] = eval_set
            booster.fit(
                rows(train), y[train],
                callbacks=[early_stopping(self.patience, verbose=False)],
                **fit_params,
            )
        else:
            booster.set_params(early_stopping_rounds=self.patience)
            booster.fit(rows(train), y[train], eval_set=eval_set, verbose=False,
                        **fit_params)
        self.estimator_ = booster
        return self

    def predict_proba(self, X):
        """Probabilities of the best round, columns in ``classes_`` order."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        """Most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
