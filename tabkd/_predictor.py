"""Serve an exported student: encode rows from ``schema.json``, run, link.

This module imports numpy, json and the runtime of the export's format
(lightgbm, onnxruntime, or ctypes for a compiled library) and nothing else:
no scikit-learn, no pandas (a DataFrame is read through its own methods), no
teacher library. Importing ``tabkd`` itself is lazy, so
``from tabkd import StudentPredictor`` does not load the estimator either.
"""

import json
import math
import os
from pathlib import Path

import numpy as np

from ._columns import check_finite_columns as _check_finite
from ._columns import column_mismatch_error, infinite_values_error
from ._lightgbm_row import predict_single_row

_NAN = float("nan")
_SCHEMA_FILE = "schema.json"


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _number(name, value):
    """``value`` of numeric column ``name`` as a float; the column named if not."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"Column {name!r} was numeric in fit but holds non-numeric values "
            f"such as {value!r}."
        ) from None
    if math.isinf(number):
        raise infinite_values_error([name])
    return number


def _is_missing(value):
    # float NaN, numpy NaN, None and pandas.NA all count as missing; the
    # self-inequality test is the one NaN check that needs no import.
    return value is None or value != value or type(value).__name__ == "NAType"


class StudentPredictor:
    """A loaded export: probabilities for one row or a batch.

    Build it with :meth:`load`; do not call the constructor directly.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, the column order of :meth:`predict_proba`.
    columns_ : list
        Input columns in training order.
    format_ : str
        ``"lightgbm"``, ``"onnx"`` or ``"compiled"``.
    meta_ : dict
        The parsed ``schema.json``.

    Notes
    -----
    Inputs are read as follows:

    * a ``dict`` is one row and a list of dicts a batch, keyed by column
      name (every training column must be present; extra keys are an error);
    * a DataFrame is matched by column name, so column order does not
      matter;
    * a list (one row) or list of lists / object array (a batch) holds raw
      values in training column order, categories by value;
    * a numeric ndarray holds *encoded* values (category codes), the matrix
      that ``TableSchema.encode`` produces, as ``DistilledClassifier``
      reads numeric arrays.

    A category not seen in fit, and any missing value, encodes as NaN.
    """

    def __init__(self, meta, runner, path):
        self.meta_ = meta
        self.path_ = Path(path)
        self.format_ = meta["format"]
        self.classes_ = np.asarray(meta["classes"])
        self.columns_ = [c["name"] for c in meta["columns"]]
        self.n_features_ = len(self.columns_)
        self._runner = runner
        self._kinds = [c["kind"] for c in meta["columns"]]
        self._codes = [
            {v: i for i, v in enumerate(c["categories"])}
            if c["kind"] == "categorical" else None
            for c in meta["columns"]
        ]
        # (name, index, code map or None) per column: the single-row loop
        # reads this one list rather than three.
        self._plan = list(zip(self.columns_, range(self.n_features_), self._codes))
        self._names = set(self.columns_)
        self._sigmoid = meta["link"] == "sigmoid"
        self._temperature = float(meta["temperature"])
        self._init = np.asarray(meta["init_score"], dtype=np.float64)

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, path, n_threads=1):
        """Load the export written to ``path`` by :func:`tabkd.export`.

        Parameters
        ----------
        path : str or path-like
            The export directory (holding ``schema.json``).

        n_threads : int, default=1
            Threads of the LightGBM or ONNX Runtime engine. One is fastest
            for single rows and fair on a shared machine.

        Returns
        -------
        StudentPredictor
        """
        path = Path(path)
        schema_file = path / _SCHEMA_FILE
        if not schema_file.is_file():
            raise FileNotFoundError(
                f"{os.fspath(path)!r} holds no {_SCHEMA_FILE}; pass the directory "
                "written by tabkd.export / DistilledClassifier.export."
            )
        meta = json.loads(schema_file.read_text())
        model_file = path / meta["model_file"]
        fmt = meta.get("format")
        if fmt == "lightgbm":
            runner = _LightGBMRunner(model_file, meta, n_threads)
        elif fmt == "onnx":
            runner = _OnnxRunner(model_file, meta, n_threads)
        elif fmt == "compiled":
            runner = _CompiledRunner(model_file, meta)
        else:
            raise ValueError(f"{schema_file} names an unknown format {fmt!r}.")
        return cls(meta, runner, path)

    # ----------------------------------------------------------- encoding
    def encode(self, X):
        """The encoded float64 matrix of ``X`` (see Notes of the class).

        Raises ``ValueError`` naming the column for a non-numeric or
        infinite value in a numeric column, as ``DistilledClassifier`` does.
        """
        if isinstance(X, dict):
            out = np.empty((1, self.n_features_), dtype=np.float64)
            self._encode_dict(X, out[0])
            return out
        if hasattr(X, "columns") and hasattr(X, "iloc"):
            encoded = self._encode_frame(X)
            _check_finite(self.columns_, encoded)
            return encoded
        if isinstance(X, np.ndarray) and X.dtype.kind in "biuf":
            encoded = self._check_width(np.atleast_2d(X).astype(np.float64, copy=False))
            _check_finite(self.columns_, encoded)
            return encoded
        if isinstance(X, (list, tuple)) and X and isinstance(X[0], dict):
            out = np.empty((len(X), self.n_features_), dtype=np.float64)
            for i, row in enumerate(X):
                self._encode_dict(row, out[i])
            return out
        rows = np.asarray(X, dtype=object)
        if rows.ndim == 1:
            rows = rows[None, :]
        if rows.ndim != 2:
            raise ValueError(
                f"Expected one row or a 2-D batch; got shape {rows.shape}."
            )
        self._check_width(rows)
        out = np.empty(rows.shape, dtype=np.float64)
        for j, codes in enumerate(self._codes):
            out[:, j] = self._encode_values(self.columns_[j], codes, rows[:, j])
        _check_finite(self.columns_, out)
        return out

    def _check_width(self, rows):
        if rows.ndim != 2 or rows.shape[1] != self.n_features_:
            raise ValueError(
                f"X has {rows.shape[-1]} features per row, but the model takes "
                f"{self.n_features_}: {self.columns_}."
            )
        return rows

    def _encode_dict(self, row, out):
        if len(row) != self.n_features_ or not self._names.issuperset(row):
            self._raise_columns(list(row))
        for name, j, codes in self._plan:
            value = row[name]
            if codes is None:
                out[j] = _NAN if value is None else _number(name, value)
            else:
                out[j] = codes.get(value, _NAN)

    def _raise_columns(self, names):
        raise column_mismatch_error(self.columns_, list(names))

    def _encode_frame(self, frame):
        names = list(frame.columns)
        if set(names) != self._names or len(names) != self.n_features_:
            self._raise_columns(names)
        out = np.empty((len(frame), self.n_features_), dtype=np.float64)
        for j, (name, codes) in enumerate(zip(self.columns_, self._codes)):
            series = frame[name]
            if codes is None:
                try:
                    out[:, j] = series.to_numpy(dtype=np.float64, na_value=np.nan)
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"Column {name!r} was numeric in fit but holds "
                        "non-numeric values."
                    ) from exc
            elif hasattr(series, "cat"):
                # Translate each pandas code once through its value; -1
                # (missing) picks the trailing NaN.
                lookup = [codes.get(v, _NAN) for v in series.cat.categories]
                table = np.array(lookup + [_NAN], dtype=np.float64)
                out[:, j] = table[series.cat.codes.to_numpy()]
            else:
                values = series.to_numpy(dtype=object)
                out[:, j] = self._encode_values(name, codes, values)
        return out

    @staticmethod
    def _encode_values(name, codes, values):
        if codes is not None:
            get = codes.get
            return np.fromiter((get(v, _NAN) for v in values), np.float64, len(values))
        try:
            return np.fromiter(
                (_NAN if _is_missing(v) else float(v) for v in values),
                np.float64, len(values),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Column {name!r} was numeric in fit but holds non-numeric values."
            ) from exc

    # --------------------------------------------------------- predicting
    def predict_raw(self, X):
        """Logits of shape (n_samples, n_classes), as ``predict_raw`` of the
        student: ``temperature * (raw + init_score)``; binary ``[0, logit]``.
        """
        return self._logits(self._runner.raw(self.encode(X)))

    def _logits(self, raw):
        z = (raw + self._init) * self._temperature
        if self._sigmoid:
            z = np.column_stack([np.zeros(len(z)), z[:, 0]])
        return z

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes).

        Parameters
        ----------
        X : dict, list of dicts, list, ndarray or DataFrame
            One row or a batch (see Notes of the class).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in :attr:`classes_` order.
        """
        runner = self._runner
        if isinstance(X, dict) and runner.row is not None:
            # The hot path: one dict, written straight into the runner's
            # preallocated input row.
            self._encode_dict(X, runner.row)
            if runner.proba_in_graph:
                return runner.proba(runner.row[None, :])
            raw = runner.raw_row()
            if self._sigmoid:
                p = 1.0 / (1.0 + math.exp(-self._temperature * raw[0]))
                return np.array([[1.0 - p, p]])
            return _softmax(((raw + self._init) * self._temperature)[None, :])
        encoded = self.encode(X)
        if runner.proba_in_graph:
            return runner.proba(encoded)
        return _softmax(self._logits(runner.raw(encoded)))

    def predict(self, X):
        """Class labels: the most probable class of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __repr__(self):
        return (
            f"StudentPredictor(format={self.format_!r}, "
            f"student={self.meta_['student']!r}, n_features={self.n_features_}, "
            f"classes={self.classes_.tolist()!r})"
        )


# ---------------------------------------------------------------- runners
class _LightGBMRunner:
    proba_in_graph = False

    def __init__(self, model_file, meta, n_threads):
        import lightgbm as lgb

        self._booster = lgb.Booster(model_file=os.fspath(model_file))
        self._n_raw = meta["n_raw"]
        self._params = {"raw_score": True, "num_threads": int(n_threads)}
        self._row_2d = np.empty((1, len(meta["columns"])), dtype=np.float64)
        self.row = self._row_2d[0]

    def raw_row(self):
        raw = predict_single_row(self._booster, self.row, self._n_raw)
        return self.raw(self._row_2d)[0] if raw is None else raw

    def raw(self, encoded):
        out = self._booster.predict(encoded, **self._params)
        return np.asarray(out, dtype=np.float64).reshape(-1, self._n_raw)


class _OnnxRunner:
    """onnxruntime session; the graph ends in tabkd's link."""

    proba_in_graph = True

    def __init__(self, model_file, meta, n_threads):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ImportError(
                "Loading an ONNX export needs onnxruntime; install it with "
                'pip install "tabkd[export]" (from a source checkout: pip install -e '
                '".[export]"; or just pip install onnxruntime).'
            ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            os.fspath(model_file), options, providers=["CPUExecutionProvider"]
        )
        self._input = meta["onnx"]["input"]
        self._outputs_proba = ["proba"]
        self._outputs_logits = ["logits"]
        self._n_features = len(meta["columns"])
        # The graph's input type (float32 for trees, float64 for the MLP),
        # so that a single row needs no cast.
        self._dtype = np.dtype(meta["onnx"]["dtype"])
        self.row = np.empty(self._n_features, dtype=self._dtype)
        self._init = np.asarray(meta["init_score"], dtype=np.float64)
        self._temperature = float(meta["temperature"])
        self._sigmoid = meta["link"] == "sigmoid"

    def _run(self, names, encoded):
        feed = {self._input: np.ascontiguousarray(encoded, dtype=self._dtype)}
        return self.session.run(names, feed)[0].astype(np.float64)

    def proba(self, encoded):
        return self._run(self._outputs_proba, encoded)

    def raw(self, encoded):
        # Back from the graph's logits to "raw" so that predict_raw's
        # shared link code applies; only predict_raw takes this path.
        logits = self._run(self._outputs_logits, encoded)
        raw = logits / self._temperature - self._init
        return raw[:, 1:] if self._sigmoid else raw

    def raw_row(self):
        return self.raw(self.row[None, :])[0]


class _CompiledRunner:
    proba_in_graph = False

    def __init__(self, model_file, meta):
        from ._fast import CompiledTrees

        self._trees = CompiledTrees(model_file, len(meta["columns"]), meta["n_raw"])
        self.row = self._trees.row
        self.raw_row = self._trees.raw_row

    def raw(self, encoded):
        return self._trees.raw(encoded)
