"""Small multilayer-perceptron student regressing the teacher's logits."""

import numbers

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import Interval

from ._base import BaseStudent

# Probabilities are floored here before taking logs: tree ensembles emit
# exact zeros, and log(0) targets would dominate a squared-error fit.
_PROBA_FLOOR = 1e-4


def centred_logits(targets):
    """Row-centred log-probabilities, the regression targets of the MLP."""
    logits = np.log(np.clip(targets, _PROBA_FLOOR, None))
    return logits - logits.mean(axis=1, keepdims=True)


class MLPStudent(BaseStudent):
    """A small MLP fitted to the teacher's centred log-probabilities.

    Following Ba & Caruana (2014), the network regresses logits with a
    squared error rather than matching probabilities, which keeps gradients
    informative where the teacher is confident. Numeric columns are imputed
    (median, with missing-value indicators) and standardised; categorical
    columns are one-hot encoded (unseen categories map to all zeros).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        One or two hidden layers keep the student small and fast.

    alpha : float, default=1e-4
        L2 penalty.

    learning_rate_init : float, default=1e-3
        Adam step size.

    batch_size : int, default=256
        Minibatch size.

    max_iter : int, default=200
        Maximum epochs.

    early_stopping : bool, default=True
        Hold out 10% of the rows and stop when their score stalls.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batching and the validation split.

    Attributes
    ----------
    model_ : sklearn.pipeline.Pipeline
        Preprocessing followed by the fitted ``MLPRegressor``.

    Notes
    -----
    ``MLPRegressor`` does not take sample weights, so ``sample_weight`` is
    rejected by this student.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": [tuple, list],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        alpha=1e-4,
        learning_rate_init=1e-3,
        batch_size=256,
        max_iter=200,
        early_stopping=True,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.random_state = random_state

    def _preprocessor(self):
        numeric = list(self.schema_.numeric_indices_)
        categorical = list(self.schema_.categorical_indices_)
        parts = []
        if numeric:
            parts.append(
                (
                    "numeric",
                    make_pipeline(
                        SimpleImputer(strategy="median", add_indicator=True,
                                      keep_empty_features=True),
                        StandardScaler(),
                    ),
                    numeric,
                )
            )
        if categorical:
            parts.append(
                (
                    "categorical",
                    make_pipeline(
                        SimpleImputer(strategy="constant", fill_value=-1.0),
                        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    ),
                    categorical,
                )
            )
        return ColumnTransformer(parts)

    def _fit_encoded(self, encoded, targets, sample_weight):
        if sample_weight is not None:
            raise ValueError(
                "MLPStudent does not support sample_weight (scikit-learn's "
                "MLPRegressor takes none); use LightGBMStudent instead."
            )
        early = self.early_stopping and encoded.shape[0] >= 50
        regressor = MLPRegressor(
            hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            alpha=self.alpha,
            learning_rate_init=self.learning_rate_init,
            batch_size=min(self.batch_size, encoded.shape[0]),
            max_iter=self.max_iter,
            early_stopping=early,
            random_state=self.random_state,
        )
        self.model_ = make_pipeline(self._preprocessor(), regressor)
        self.model_.fit(encoded, centred_logits(targets))
        return self

    def _raw_from_encoded(self, encoded):
        raw = self.model_.predict(encoded)
        return np.asarray(raw, dtype=np.float64).reshape(-1, self.n_classes_)
