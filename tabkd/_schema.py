"""Table schema: the one encoding shared by the estimator, students and exports.

A :class:`TableSchema` learns, at ``fit``, the name, order and kind of every
input column (numeric or categorical, with the category list) and then turns
any later input into either

* a *canonical frame* - numeric columns as ``float64``, categorical columns as
  pandas ``category`` with exactly the categories seen in ``fit`` - which the
  teacher members and the augmenters consume, or
* an *encoded matrix* - a C-contiguous ``float64`` array where a categorical
  value is replaced by its position in the fitted category list - which the
  students consume.

Categories are matched by *value*, never by pandas code, so two frames that
hold the same values with differently ordered category lists encode the same.
A value never seen in ``fit`` encodes as missing (NaN).

Categorical columns that look like identifiers (many distinct values, most
seen once) keep only the values seen at least twice in ``fit``; the rest
encode as missing, exactly as an unseen value does at predict time, so the
student never learns from a code that cannot recur.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
from pandas.api import types as pdt
from scipy import sparse
from sklearn.utils.validation import check_array

from ._columns import check_finite_columns as _check_finite
from ._columns import column_mismatch_error

NUMERIC = "numeric"
# Frames with at most this many rows are encoded through one object matrix.
_SMALL_BATCH = 64
CATEGORICAL = "categorical"
# A categorical column with at least this many distinct values, more than
# _ID_LIKE_RATIO of its non-missing rows, is treated as identifier-like.
_ID_LIKE_MIN_DISTINCT = 50
_ID_LIKE_RATIO = 0.5


class HighCardinalityWarning(UserWarning):
    """A categorical column looks like an identifier; rare values are dropped."""


class EmptyColumnWarning(UserWarning):
    """A column holds no non-missing value in ``fit``."""


def _check_not_sparse(X):
    # Members, augmenters and students all work on dense tables; densifying
    # silently could exhaust memory, so the user decides.
    if sparse.issparse(X) or (
        _is_frame(X) and any(isinstance(t, pd.SparseDtype) for t in X.dtypes)
    ):
        raise TypeError(
            "tabkd does not accept sparse input (a scipy sparse matrix or "
            "pandas SparseDtype columns); convert it to a dense array or "
            "DataFrame first, e.g. X.toarray() or X.sparse.to_dense()."
        )


def _is_frame(X):
    return isinstance(X, pd.DataFrame)


def _column_kind(name, series):
    """Return NUMERIC or CATEGORICAL for one DataFrame column, or raise."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return CATEGORICAL
    if pdt.is_bool_dtype(dtype) or pdt.is_numeric_dtype(dtype):
        if pdt.is_complex_dtype(dtype):
            raise TypeError(
                f"Column {name!r} has complex dtype {dtype}; tabkd accepts "
                "numeric, boolean and categorical/string columns."
            )
        return NUMERIC
    if pdt.is_datetime64_any_dtype(dtype) or pdt.is_timedelta64_dtype(dtype):
        raise TypeError(
            f"Column {name!r} has dtype {dtype}; datetime and timedelta columns "
            "are not supported. Convert it to numbers first (for example "
            "days since a reference date, or year/month/day columns)."
        )
    if pdt.is_object_dtype(dtype) or pdt.is_string_dtype(dtype):
        return CATEGORICAL
    raise TypeError(
        f"Column {name!r} has unsupported dtype {dtype}; tabkd accepts numeric, "
        "boolean and categorical/string columns."
    )


def _sorted_categories(name, values):
    """Sorted distinct non-missing values of an object/string column."""
    distinct = pd.unique(values[pd.notna(values)])
    try:
        return np.array(sorted(distinct), dtype=object)
    except TypeError as exc:
        kinds = sorted({type(v).__name__ for v in distinct})
        raise TypeError(
            f"Column {name!r} mixes value types {kinds}; give it one type "
            "(for example convert it with .astype(str))."
        ) from exc


def _drop_rare_if_id_like(name, series, cats):
    """Keep only values seen twice when a categorical column looks like an ID.

    A value seen once in fit cannot teach a split that generalises, and an
    ID's values are unseen at predict anyway (hence missing): dropping them
    in fit too makes training and prediction see the same thing.
    """
    counts = series.value_counts(dropna=True)
    counts = counts[counts > 0]
    n_present = int(counts.sum())
    if len(counts) < _ID_LIKE_MIN_DISTINCT or len(counts) <= _ID_LIKE_RATIO * n_present:
        return cats
    repeated = set(counts.index[counts >= 2])
    kept = np.array([c for c in cats if c in repeated], dtype=object)
    warnings.warn(
        f"Column {name!r} looks like an identifier ({len(counts)} distinct values "
        f"in {n_present} rows); only its {len(kept)} values seen at least twice "
        "are kept as categories, the others are treated as missing. Drop the "
        "column if it carries no signal.",
        HighCardinalityWarning,
        stacklevel=4,
    )
    return kept


class TableSchema:
    """Column names, order and kinds learned from a training table.

    Attributes
    ----------
    columns_ : list
        Column names in training order (``x0``, ``x1``, ... for arrays).
    kinds_ : list of str
        ``"numeric"`` or ``"categorical"`` per column.
    categories_ : dict
        Column name to the ndarray of its categories (categorical only).
    from_frame_ : bool
        Whether ``fit`` saw a DataFrame (else a numeric array).
    empty_columns_ : list
        Columns that hold no usable value in fit (all missing, or an
        identifier-like column left with no category). They are kept in
        every encoding; the built-in teacher members leave them out.
    """

    def fit(self, X):
        """Learn the schema of ``X`` (DataFrame or numeric array-like)."""
        _check_not_sparse(X)
        if _is_frame(X):
            self._fit_frame(X)
        else:
            array = check_array(X, dtype="numeric", ensure_all_finite="allow-nan")
            self.from_frame_ = False
            self.columns_ = [f"x{i}" for i in range(array.shape[1])]
            self.kinds_ = [NUMERIC] * array.shape[1]
            self.categories_ = {}
            self.empty_columns_ = [
                self.columns_[j] for j in np.flatnonzero(np.isnan(array).all(axis=0))
            ]
        self.n_features_ = len(self.columns_)
        self.categorical_indices_ = [
            i for i, kind in enumerate(self.kinds_) if kind == CATEGORICAL
        ]
        self.numeric_indices_ = [
            i for i, kind in enumerate(self.kinds_) if kind == NUMERIC
        ]
        # Value -> code lookups, built once so that encoding at predict time is
        # a dictionary pass instead of a pandas Categorical construction.
        self._code_maps = {
            name: {value: code for code, value in enumerate(cats)}
            for name, cats in self.categories_.items()
        }
        self._dtypes_matching_fit = {}
        self._numeric_positions = frozenset(self.numeric_indices_)
        return self

    def __getstate__(self):
        # The remembered dtypes are a per-process cache and the position set
        # is derived: neither is part of the saved model.
        state = self.__dict__.copy()
        state.pop("_dtypes_matching_fit", None)
        state.pop("_numeric_positions", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._dtypes_matching_fit = {}
        # Derived from numeric_indices_; models saved before it existed lack it.
        self._numeric_positions = frozenset(self.numeric_indices_)

    def _fit_frame(self, X):
        if X.shape[1] == 0:
            raise ValueError("X has no columns; at least one feature is required.")
        if X.shape[0] == 0:
            raise ValueError(
                f"X has 0 rows (shape {X.shape}); at least one sample is required."
            )
        duplicated = list(dict.fromkeys(X.columns[X.columns.duplicated()]))
        if duplicated:
            # X[name] would return a frame, and no later step could tell the
            # two columns apart, at fit or at predict.
            raise ValueError(
                f"X has duplicate column names {duplicated}; give every column "
                "a unique name."
            )
        self.from_frame_ = True
        self.columns_ = list(X.columns)
        self.kinds_ = []
        self.categories_ = {}
        empty = []
        for name in self.columns_:
            series = X[name]
            kind = _column_kind(name, series)
            self.kinds_.append(kind)
            if not series.notna().any():
                empty.append(name)
            if kind == CATEGORICAL:
                if isinstance(series.dtype, pd.CategoricalDtype):
                    cats = np.asarray(series.cat.categories, dtype=object)
                else:
                    cats = _sorted_categories(name, series.to_numpy(dtype=object))
                self.categories_[name] = _drop_rare_if_id_like(name, series, cats)
        # Columns no model can learn from: all missing, or categorical with
        # no category left (an identifier whose values were all unique).
        self.empty_columns_ = [
            name for name in self.columns_
            if name in empty or (name in self.categories_
                                 and len(self.categories_[name]) == 0)
        ]
        if empty:
            warnings.warn(
                f"Columns {empty} hold only missing values in fit; they are kept "
                "(so predict-time frames keep the same columns) but carry no "
                "information.",
                EmptyColumnWarning,
                stacklevel=3,
            )

    @property
    def categorical_columns(self):
        """Columns that are pandas ``category`` in the canonical frame.

        A categorical column left with no category (all missing in fit, or
        an identifier whose values were all unique) is not among them: its
        canonical form is an all-NaN float column, since several libraries
        refuse a categorical dtype with no category.
        """
        return [
            self.columns_[i] for i in self.categorical_indices_
            if len(self.categories_[self.columns_[i]])
        ]

    @property
    def numeric_columns(self):
        """Columns that are ``float64`` in the canonical frame, in order."""
        categorical = set(self.categorical_columns)
        return [name for name in self.columns_ if name not in categorical]

    # -- checking the columns of new input --------------------------------
    def align(self, X):
        """Return ``X`` with the training columns in training order.

        DataFrames are matched by column name (reordered when only the order
        differs); arrays by width. Raises ``ValueError`` naming missing or
        extra columns.
        """
        if _is_frame(X):
            if not self.from_frame_:
                if X.shape[1] != self.n_features_:
                    raise ValueError(
                        f"X has {X.shape[1]} features, but this model was fitted "
                        f"with {self.n_features_} features."
                    )
                return X
            columns = list(X.columns)
            if columns == self.columns_:
                return X
            if set(columns) != set(self.columns_):
                raise column_mismatch_error(self.columns_, columns)
            if len(set(columns)) != len(columns):
                duplicated = list(dict.fromkeys(
                    c for i, c in enumerate(columns) if c in columns[:i]
                ))
                raise ValueError(f"X has duplicate column names {duplicated}.")
            return X[self.columns_]
        return X

    # -- canonical frame -------------------------------------------------------
    def to_frame(self, X):
        """Return the canonical DataFrame of ``X``.

        Numeric columns become ``float64``; categorical columns become pandas
        ``category`` with the fitted categories (unseen values become NaN).
        """
        _check_not_sparse(X)
        if not _is_frame(X):
            array = self._check_array(X)
            return pd.DataFrame(array, columns=self.columns_)
        X = self.align(X)
        data = {}
        for name, kind in zip(self.columns_, self.kinds_):
            series = X[name]
            if kind == NUMERIC:
                data[name] = self._numeric_column(name, series)
            elif len(self.categories_[name]) == 0:
                data[name] = np.full(len(series), np.nan)
            else:
                # Built from codes: unseen values become code -1 (missing)
                # without pandas' deprecated "value not in categories" path.
                codes = self._category_codes(name, series)
                codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
                data[name] = pd.Categorical.from_codes(
                    codes, categories=pd.Index(self.categories_[name], dtype=object)
                )
        return pd.DataFrame(data, index=X.index, columns=self.columns_)

    # -- encoded matrix --------------------------------------------------------
    def encode(self, X):
        """Return ``X`` as a float64 matrix with categoricals as codes."""
        if not _is_frame(X):
            _check_not_sparse(X)
            return self._check_array(X)
        X = self.align(X)
        if X.shape[0] <= _SMALL_BATCH:
            return self._encode_small(X)
        return self._encode_by_column(X)

    def _encode_small(self, X):
        """Encode a few rows without building a Series per column.

        For one or a few rows the cost is pandas' per-column overhead, not the
        data. Frames of plain numeric and categorical columns are read block
        by block; anything else goes through one object matrix and a
        dictionary lookup per categorical cell.
        """
        encoded = self._encode_blocks(X)
        if encoded is not None:
            return encoded
        values = X.to_numpy(dtype=object)
        out = np.empty(values.shape, dtype=np.float64)
        numeric = self.numeric_indices_
        if numeric:
            try:
                out[:, numeric] = values[:, numeric].astype(np.float64)
            except (TypeError, ValueError):
                # pd.NA or a non-numeric string: the column-wise path names
                # the column or converts what it can.
                return self._encode_by_column(X)
        for j in self.categorical_indices_:
            get = self._code_maps[self.columns_[j]].get
            out[:, j] = [_missing_to_nan(get, value) for value in values[:, j]]
        return out

    def _encode_blocks(self, X):
        """Encode from the frame's storage blocks, or None if that cannot apply.

        Reading the blocks takes about 2 µs where ``to_numpy(dtype=object)``
        takes about 120 µs on a one-row mixed frame. Blocks are pandas
        internals, so any surprise (a missing attribute, an object or string
        block, an extension array other than Categorical) falls back to the
        public path, which gives the same numbers.
        """
        try:
            blocks = X._mgr.blocks
        except AttributeError:
            return None
        out = np.empty((X.shape[0], self.n_features_), dtype=np.float64)
        kinds = self.kinds_
        numeric = self._numeric_positions
        for block in blocks:
            try:
                positions = block.mgr_locs.as_array
                values = block.values
            except AttributeError:
                return None
            if isinstance(values, np.ndarray):
                if values.dtype.kind not in "biuf" or values.ndim != 2:
                    return None
                if not numeric.issuperset(positions.tolist()):
                    return None
                out[:, positions] = values.T
            elif isinstance(values, pd.Categorical) and len(positions) == 1:
                j = int(positions[0])
                if kinds[j] != CATEGORICAL:
                    return None
                out[:, j] = self._codes_of_categorical(self.columns_[j], values)
            else:
                return None
        return out

    def _encode_by_column(self, X):
        out = np.empty((X.shape[0], self.n_features_), dtype=np.float64)
        for j, (name, kind) in enumerate(zip(self.columns_, self.kinds_)):
            series = X[name]
            if kind == NUMERIC:
                out[:, j] = self._numeric_column(name, series)
            else:
                out[:, j] = self._category_codes(name, series)
        return out

    def _check_array(self, X):
        array = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        if array.shape[1] != self.n_features_:
            raise ValueError(
                f"X has {array.shape[1]} features, but this model was fitted "
                f"with {self.n_features_} features."
            )
        return array

    def _numeric_column(self, name, series):
        dtype = series.dtype
        if pdt.is_bool_dtype(dtype) or pdt.is_numeric_dtype(dtype):
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        if pdt.is_datetime64_any_dtype(dtype) or pdt.is_timedelta64_dtype(dtype):
            # pd.to_numeric would turn it into nanoseconds without a word.
            raise TypeError(
                f"Column {name!r} was numeric in fit but has dtype {dtype}."
            )
        # A numeric column that arrives as strings (e.g. read from a CSV with a
        # stray quote) is converted when every value parses, else named.
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        if len(bad):
            raise ValueError(
                f"Column {name!r} was numeric in fit but holds non-numeric "
                f"values such as {bad.iloc[0]!r}."
            )
        return converted.to_numpy(dtype=np.float64, na_value=np.nan)

    @staticmethod
    def _category_values(series):
        if isinstance(series.dtype, pd.CategoricalDtype):
            return series.astype(object).to_numpy()
        return series.to_numpy(dtype=object)

    def _codes_of_categorical(self, name, categorical):
        """Our codes for a pandas Categorical of column ``name``."""
        dtype = categorical.dtype
        cats = self.categories_[name]
        # A CategoricalDtype is immutable, so one that matched the fitted
        # categories once always does; rows sliced from one frame share it,
        # which makes the comparison below a one-off per column.
        same = self._dtypes_matching_fit.get(name) is dtype
        if not same:
            present = dtype.categories
            same = len(present) == len(cats) and bool(
                (np.asarray(present, dtype=object) == cats).all()
            )
            if same:
                self._dtypes_matching_fit[name] = dtype
        pandas_codes = categorical.codes
        if same:
            # Same category list as in fit: the pandas codes are already ours.
            codes = pandas_codes.astype(np.float64)
            codes[pandas_codes < 0] = np.nan
            return codes
        # Otherwise translate each pandas code through its value.
        lookup = self._code_maps[name]
        translate = np.array(
            [lookup.get(value, np.nan) for value in dtype.categories] + [np.nan],
            dtype=np.float64,
        )
        return translate[pandas_codes]

    def _category_codes(self, name, series):
        if isinstance(series.dtype, pd.CategoricalDtype):
            return self._codes_of_categorical(name, series.array)
        lookup = self._code_maps[name]
        get = lookup.get
        return np.fromiter(
            (get(value, np.nan) if not _is_missing(value) else np.nan
             for value in series.to_numpy(dtype=object)),
            dtype=np.float64,
            count=len(series),
        )


def _missing_to_nan(get, value):
    try:
        return get(value, np.nan)
    except TypeError:  # an unhashable value cannot be a known category
        return np.nan


def _is_missing(value):
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, numbers.Real) and value != value)
    )


def check_finite_columns(schema, encoded):
    """Raise ``ValueError`` naming the columns of ``encoded`` that hold ±inf."""
    _check_finite(schema.columns_, encoded)
