"""Input errors shared by the schema and the standalone predictor.

Kept free of imports beyond numpy so that :mod:`tabkd._predictor` can use
them without loading pandas or scikit-learn.
"""

import numpy as np


def column_mismatch_error(expected, received):
    """A ``ValueError`` naming the missing and unexpected columns.

    Parameters
    ----------
    expected : list
        Column names seen in fit, in order.
    received : list
        Column names of the new input.
    """
    received_set, expected_set = set(received), set(expected)
    missing = [c for c in expected if c not in received_set]
    extra = [c for c in received if c not in expected_set]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    return ValueError(
        "X does not have the columns seen in fit: " + " and ".join(parts) + "."
    )


def infinite_values_error(names):
    """A ``ValueError`` naming the columns that hold ±inf."""
    return ValueError(
        f"X contains infinite values in columns {list(names)}; replace them "
        "with finite values or NaN."
    )


def check_finite_columns(columns, encoded):
    """Raise :func:`infinite_values_error` if the encoded matrix holds ±inf.

    Parameters
    ----------
    columns : list
        Column names, in the order of ``encoded``'s columns.
    encoded : ndarray of shape (n_samples, n_features)
    """
    if not np.isinf(encoded).any():
        return
    bad = np.isinf(encoded).any(axis=0)
    raise infinite_values_error([columns[j] for j in np.flatnonzero(bad)])
