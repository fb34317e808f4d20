"""Score one dense row with LightGBM's single-row C API.

``Booster.predict`` spends about as long preparing a one-row call (copying
its parameters, building an inner predictor) as LightGBM spends walking 500
trees. ``LGBM_BoosterPredictForMatSingleRow`` is LightGBM's public C entry
point for exactly this case; it takes the booster's own lock, so calls from
several threads are safe. We reach it through the library handle that the
lightgbm package has already loaded. If a future lightgbm moves that handle,
:func:`predict_single_row` returns None and callers use ``Booster.predict``,
which gives the same numbers.

This module imports only ctypes and numpy (lightgbm lazily), so the
standalone predictor can use it.
"""

import ctypes

import numpy as np

# c_api.h constants.
_C_API_DTYPE_FLOAT64 = 1
_C_API_PREDICT_RAW_SCORE = 1
_ROW_MAJOR = 1

# The call's fixed arguments, built once: making a ctypes scalar costs about
# a microsecond, a noticeable part of a 40 µs call.
_DTYPE_ARG = ctypes.c_int(_C_API_DTYPE_FLOAT64)
_MODE_ARGS = (
    ctypes.c_int(_ROW_MAJOR),
    ctypes.c_int(_C_API_PREDICT_RAW_SCORE),
    ctypes.c_int(0),  # first iteration
    ctypes.c_int(-1),  # through the last one
    ctypes.c_char_p(b"num_threads=1"),
)

_UNRESOLVED = object()
_entry_point = _UNRESOLVED


def _single_row_entry_point():
    global _entry_point
    if _entry_point is _UNRESOLVED:
        try:
            from lightgbm.basic import _LIB

            _entry_point = _LIB.LGBM_BoosterPredictForMatSingleRow
        except (ImportError, AttributeError):
            _entry_point = None
    return _entry_point


def predict_single_row(booster, row, n_outputs):
    """Raw scores of one row on one thread, or None if the C API is unavailable.

    Parameters
    ----------
    booster : lightgbm.Booster
    row : ndarray of shape (n_features,)
        The encoded row (float64; other dtypes are converted).
    n_outputs : int
        Raw scores per row: 1 for a binary model, else the number of classes.

    Returns
    -------
    ndarray of shape (n_outputs,) or None
        None when the entry point or the booster's handle cannot be found, or
        the call fails; ``Booster.predict`` then gives the same numbers (or
        LightGBM's own error message).
    """
    entry_point = _single_row_entry_point()
    handle = getattr(booster, "_handle", None)
    if entry_point is None or handle is None:
        return None
    row = np.ascontiguousarray(row, dtype=np.float64)
    out = np.empty(n_outputs, dtype=np.float64)
    out_len = ctypes.c_int64(0)
    status = entry_point(
        handle,
        ctypes.c_void_p(row.ctypes.data),
        _DTYPE_ARG,
        ctypes.c_int32(row.shape[0]),
        *_MODE_ARGS,
        ctypes.byref(out_len),
        ctypes.c_void_p(out.ctypes.data),
    )
    if status != 0 or out_len.value != n_outputs:
        return None
    return out
