"""The contract every student follows: fit on soft targets, own its link."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._persistence import VersionedStateMixin
from .._schema import TableSchema, check_finite_columns


def row_softmax(logits):
    """Softmax over each row, in place on a float array of logits.

    Plain numpy rather than ``scipy.special.softmax``: on a single row the
    scipy call's argument handling costs several times the arithmetic.
    """
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def check_soft_targets(targets, n_samples):
    """Validate a matrix of target distributions and return it as float64.

    Parameters
    ----------
    targets : array-like of shape (n_samples, n_classes)
        One probability distribution per row.
    n_samples : int
        Expected number of rows.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim != 2 or targets.shape[1] < 2:
        raise ValueError(
            "Soft targets must be a 2-D array of shape (n_samples, n_classes) "
            f"with at least two classes; got shape {targets.shape}. For hard "
            "labels pass a one-hot matrix."
        )
    if targets.shape[0] != n_samples:
        raise ValueError(
            f"Soft targets have {targets.shape[0]} rows but X has {n_samples}."
        )
    if not np.isfinite(targets).all() or (targets < 0).any():
        raise ValueError("Soft targets must be finite and non-negative.")
    row_sums = targets.sum(axis=1)
    if not np.allclose(row_sums, 1.0, atol=1e-6):
        worst = int(np.argmax(np.abs(row_sums - 1.0)))
        raise ValueError(
            "Each row of the soft targets must sum to one; row "
            f"{worst} sums to {row_sums[worst]!r}."
        )
    return targets


def validate_predict_input(estimator, schema, X):
    """Check ``X`` against a fitted schema and return its encoded matrix.

    DataFrame columns are put back in training order first, so that a frame
    whose columns are only reordered predicts the same numbers.
    """
    if isinstance(X, pd.DataFrame):
        if X.shape[0] == 0:
            # The same refusal as scikit-learn's for an empty array.
            raise ValueError(
                f"X has 0 rows (shape {X.shape}); at least one sample is required."
            )
        if schema.from_frame_ and list(X.columns) == schema.columns_:
            # The common case, checked cheaply: the same columns in the same
            # order as in fit, which is all validate_data would confirm.
            encoded = schema.encode(X)
            check_finite_columns(schema, encoded)
            return encoded
        X = schema.align(X)
    else:
        # Arrays are converted first so that 1-D or complex input gets
        # scikit-learn's own messages ("Reshape your data ...").
        X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    validate_data(estimator, X, reset=False, skip_check_array=True)
    encoded = schema.encode(X)
    check_finite_columns(schema, encoded)
    return encoded


class BaseStudent(VersionedStateMixin, BaseEstimator):
    """Base class of the soft-target students.

    A student is fitted with ``fit(X, targets)`` where ``targets`` holds one
    probability distribution per row (the teacher's soft labels, possibly
    mixed with one-hot labels). It owns its link function:
    :meth:`predict_raw` returns logits and :meth:`predict_proba` their
    softmax, so the student can be used and exported without the teacher.

    Subclasses implement ``_fit_encoded(encoded, targets, sample_weight)`` and
    ``_raw_from_encoded(encoded)`` on the float matrix produced by the
    :class:`~tabkd._schema.TableSchema`.
    """

    def fit(self, X, y, sample_weight=None, temperature=1.0):
        """Fit the student to target distributions.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training inputs; DataFrames may hold categorical/string columns.
        y : array-like of shape (n_samples, n_classes)
            Target distributions, rows summing to one.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.
        temperature : float, default=1.0
            Temperature at which ``y`` was softened. The student's logits are
            multiplied by it at prediction time, so that probabilities come
            back on the unsoftened scale.

        Returns
        -------
        self
        """
        self._validate_params()
        schema = TableSchema().fit(X)
        validate_data(self, X, reset=True, skip_check_array=True)
        encoded = schema.encode(X)
        check_finite_columns(schema, encoded)
        return self._fit_with_schema(schema, encoded, y, sample_weight, temperature)

    def _fit_with_schema(self, schema, encoded, targets, sample_weight, temperature):
        """Fit on an already encoded matrix (used by DistilledClassifier)."""
        self._validate_params()
        targets = check_soft_targets(targets, encoded.shape[0])
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"temperature must be positive; got {temperature!r}.")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (encoded.shape[0],):
                raise ValueError(
                    f"sample_weight has shape {sample_weight.shape}; expected "
                    f"({encoded.shape[0]},)."
                )
        self.schema_ = schema
        self.n_classes_ = targets.shape[1]
        self.temperature_ = float(temperature)
        self._fit_encoded(encoded, targets, sample_weight)
        return self

    def predict_raw(self, X):
        """Logits of shape (n_samples, n_classes) on the unsoftened scale.

        For two classes the first column is zero and the second is the log
        odds of the second class.
        """
        check_is_fitted(self, "schema_")
        encoded = validate_predict_input(self, self.schema_, X)
        return self._scaled_raw(encoded)

    def predict_proba(self, X):
        """Class probabilities: the softmax of :meth:`predict_raw`."""
        return row_softmax(self.predict_raw(X))

    def _scaled_raw(self, encoded):
        return self._raw_from_encoded(encoded) * self.temperature_

    def _proba_from_encoded(self, encoded):
        return row_softmax(self._scaled_raw(encoded))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.non_deterministic = False
        return tags
