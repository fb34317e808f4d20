"""The column-mismatch error shared by the schema and the standalone predictor.

Kept free of imports so that :mod:`tabkd._predictor` can use it without
loading pandas or scikit-learn.
"""


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
