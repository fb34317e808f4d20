"""Export a fitted student alone, in a form that runs without the teacher.

An export is a directory holding ``schema.json`` and one model file:

========== ==================== =============================================
format     model file           runs with
========== ==================== =============================================
lightgbm   ``model.txt``        lightgbm + numpy (no tabkd needed)
onnx       ``model.onnx``       onnxruntime; link inside the graph
compiled   ``model.so``         ctypes + numpy; trees compiled to C
========== ==================== =============================================

``schema.json`` is the input contract: the columns in training order with
their kind (``numeric`` or ``categorical``) and, for categorical columns, the
category list. A categorical value is encoded as its position in that list;
a value not in the list, and any missing value, is NaN. The model files all
read that encoded float matrix; no format holds the value-to-code mapping
itself (ONNX could, but only for string columns and with one graph input per
column, which would make the single-row path slower than the dictionary
lookup). ``classes``, ``link``, ``temperature`` and ``init_score`` say how
raw scores become probabilities::

    logits = temperature * (raw + init_score)
    binary ("sigmoid"):    P = softmax([0, logits])  (sigmoid of the logit)
    multiclass ("softmax"): P = softmax(logits)

A consumer of the ``lightgbm`` format that needs only lightgbm, numpy and
json (this exact text is run by the test suite with tabkd blocked)::

    import json, numpy as np, lightgbm as lgb
    meta = json.load(open(f"{path}/schema.json"))
    booster = lgb.Booster(model_file=f"{path}/{meta['model_file']}")
    codes = {c["name"]: {v: i for i, v in enumerate(c["categories"])}
             for c in meta["columns"] if c["kind"] == "categorical"}
    def encode(row):
        return [codes[c["name"]].get(row[c["name"]], np.nan)
                if c["kind"] == "categorical"
                else np.nan if row[c["name"]] is None else float(row[c["name"]])
                for c in meta["columns"]]
    raw = booster.predict(np.array([encode(row)]), raw_score=True)
    z = meta["temperature"] * (raw.reshape(1, -1) + meta["init_score"])
    if meta["link"] == "sigmoid":
        z = np.hstack([np.zeros_like(z), z])
    proba = np.exp(z - z.max(1, keepdims=True))
    proba /= proba.sum(1, keepdims=True)   # columns in meta["classes"] order
"""

import importlib
import json
import numbers
import os
from pathlib import Path

import numpy as np

SCHEMA_FILE = "schema.json"
FORMATS = ("lightgbm", "onnx", "compiled")
EXPORT_VERSION = 1
_INSTALL_HINT = 'pip install "tabkd[export]" (from a source checkout: pip install -e ".[export]")'

# ONNX evaluates trees and matrix products in float32 (the converters emit
# float32 thresholds and weights), so its probabilities differ from the
# float64 estimator by rounding: about 1e-6 on the logits of a few hundred
# trees. This bound leaves an order of magnitude of room; it would only be
# exceeded if a feature value fell between a threshold and its float32
# rounding, which LightGBM's mid-point thresholds make rare.
ONNX_TOLERANCE = 1e-5

# The snippet of the module docstring, as text that can be run: the tests
# execute it in a process where importing tabkd fails.
LIGHTGBM_CONSUMER = __doc__.split("json (this exact text is run by the test "
                                  "suite with tabkd blocked)::\n\n", 1)[1]
LIGHTGBM_CONSUMER = "\n".join(
    line[4:] for line in LIGHTGBM_CONSUMER.splitlines()
).strip() + "\n"


def _import_optional(name, purpose):
    """Import an optional dependency or raise naming the extra to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"{purpose} needs the optional package {name!r}, which is not "
            f"installed. Install the export extra: {_INSTALL_HINT}"
        ) from exc


def _json_value(column, value):
    """A category or class as a JSON scalar, or raise naming the column."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(
        f"{column} holds the value {value!r} of type {type(value).__name__}, "
        "which schema.json cannot store; use strings or numbers."
    )


def _resolve(model):
    """Return ``(student, classes)`` of a DistilledClassifier or a student."""
    student = getattr(model, "student_", None)
    if student is not None:
        return student, list(model.classes_)
    if hasattr(model, "schema_") and hasattr(model, "n_classes_"):
        return model, list(range(model.n_classes_))
    raise ValueError(
        f"export needs a fitted DistilledClassifier or student; got "
        f"{type(model).__name__!r}, which is not fitted. Call fit first."
    )


def _student_kind(student):
    if hasattr(student, "booster_"):
        return "lightgbm"
    if hasattr(student, "model_"):
        return "mlp"
    raise TypeError(
        f"Cannot export a {type(student).__name__}; tabkd exports "
        "LightGBMStudent and MLPStudent."
    )


def schema_dict(model):
    """The ``schema.json`` content for a fitted estimator or student.

    Parameters
    ----------
    model : DistilledClassifier or fitted student

    Returns
    -------
    dict
        JSON-serialisable description of the inputs, classes and link.
    """
    student, classes = _resolve(model)
    schema = student.schema_
    kind = _student_kind(student)
    columns = []
    for name, col_kind in zip(schema.columns_, schema.kinds_):
        entry = {"name": _json_value("A column name", name), "kind": col_kind}
        if col_kind == "categorical":
            entry["categories"] = [
                _json_value(f"Column {name!r}", v) for v in schema.categories_[name]
            ]
        columns.append(entry)
    n_classes = int(student.n_classes_)
    binary_trees = kind == "lightgbm" and n_classes == 2
    if kind == "lightgbm":
        init_score = np.asarray(student.init_score_, dtype=np.float64).tolist()
    else:
        init_score = [0.0] * n_classes
    return {
        "tabkd_export": EXPORT_VERSION,
        "student": kind,
        "columns": columns,
        "from_frame": bool(schema.from_frame_),
        "classes": [_json_value("A class label", c) for c in classes],
        "n_classes": n_classes,
        # The LightGBM binary student emits one logit (the second class's);
        # every other student emits one raw score per class.
        "link": "sigmoid" if binary_trees else "softmax",
        "n_raw": 1 if binary_trees else n_classes,
        "temperature": float(student.temperature_),
        "init_score": init_score,
    }


def export(model, path, format="lightgbm"):
    """Write the student of ``model`` to the directory ``path``.

    Parameters
    ----------
    model : DistilledClassifier or fitted LightGBMStudent / MLPStudent
        The teacher is never written.

    path : str or path-like
        Directory to create (or fill); ``schema.json`` and the model file
        are written into it, replacing earlier ones.

    format : {"lightgbm", "onnx", "compiled"}, default="lightgbm"
        ``"lightgbm"``: LightGBM's model text (LightGBM student only).
        ``"onnx"``: an ONNX graph taking the encoded float32 matrix ``X`` and
        returning ``proba`` (and ``logits``), link included; needs
        onnxmltools (LightGBM) or skl2onnx (MLP) to export, onnxruntime to
        run. ``"compiled"``: the trees as a C shared library built with
        treelite, tl2cgen and a C compiler (LightGBM student only).

    Returns
    -------
    pathlib.Path
        The export directory; load it with
        :meth:`tabkd.StudentPredictor.load`.

    Notes
    -----
    ONNX tree graphs are float32 (onnxmltools emits float32 thresholds and
    leaf values): they match the estimator within ``ONNX_TOLERANCE`` (1e-5;
    measured ~1.4e-7) rather than 1e-6. The MLP graph and the other formats
    compute in float64 and match within 1e-6 (measured ~1e-16).
    """
    if format not in FORMATS:
        raise ValueError(
            f"format must be one of {list(FORMATS)}; got {format!r}."
        )
    student, _ = _resolve(model)
    meta = schema_dict(model)
    kind = meta["student"]
    if kind == "mlp" and format != "onnx":
        raise ValueError(
            f"format={format!r} exports tree students only; an MLPStudent "
            "exports with format='onnx'."
        )
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    meta["format"] = format
    if format == "lightgbm":
        meta["model_file"] = "model.txt"
        student.booster_.save_model(os.fspath(path / meta["model_file"]))
    elif format == "onnx":
        meta["model_file"] = "model.onnx"
        graph = _lightgbm_onnx(student, meta) if kind == "lightgbm" else (
            _mlp_onnx(student, meta)
        )
        (path / meta["model_file"]).write_bytes(graph.SerializeToString())
        # Trees go through onnxmltools in float32; the MLP graph is
        # written in float64 (see _mlp_onnx).
        dtype = "float32" if kind == "lightgbm" else "float64"
        meta["onnx"] = {"input": "X", "dtype": dtype, "output": "proba",
                        "tolerance": ONNX_TOLERANCE if kind == "lightgbm" else 1e-6}
    else:
        _import_optional("treelite", "format='compiled'")
        _import_optional("tl2cgen", "format='compiled'")
        from ._fast import compile_booster, describe_toolchain

        meta["model_file"] = "model.so"
        compile_booster(student.booster_.model_to_string(), meta["n_classes"],
                        path / meta["model_file"])
        meta["compiled"] = describe_toolchain()
    # schema.json last: a directory holding it holds a complete export.
    (path / SCHEMA_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return path


# ------------------------------------------------------------------- ONNX
def _lightgbm_onnx(student, meta):
    """Trees through onnxmltools, raw scores out, then tabkd's link."""
    onnxmltools = _import_optional("onnxmltools", "format='onnx'")
    _import_optional("onnx", "format='onnx'")
    import lightgbm as lgb
    from onnxmltools.convert.common.data_types import FloatTensorType
    from onnxmltools.convert.lightgbm._parse import WrappedBooster

    # onnxmltools knows the standard objectives only. A binary student uses
    # cross_entropy, whose raw score is the same sum of leaves as a
    # regression's, so it is declared a regression (no link applied). A
    # multiclass student has a custom objective; the converter then emits a
    # classifier with post_transform NONE, i.e. the raw per-class sums.
    text = student.booster_.model_to_string()
    wrapped = WrappedBooster.__new__(WrappedBooster)
    if meta["n_raw"] == 1:
        text = text.replace("\nobjective=cross_entropy\n", "\nobjective=regression\n")
        wrapped.objective_, wrapped.operator_name = "regression", "LgbmRegressor"
    else:
        wrapped.objective_, wrapped.operator_name = "multiclass", "LgbmClassifier"
        wrapped.classes_ = np.arange(meta["n_classes"])
    booster = lgb.Booster(model_str=text)
    wrapped.booster_ = booster
    wrapped.n_features_ = booster.feature_name()
    wrapped.boosting_type = "gbdt"
    n_features = len(meta["columns"])
    graph = onnxmltools.convert_lightgbm(
        wrapped, initial_types=[("X", FloatTensorType([None, n_features]))],
        target_opset=15, zipmap=False,
    )
    return _append_link(graph, graph.graph.output[-1].name, meta)


def _mlp_onnx(student, meta):
    """The MLP pipeline as a float64 ONNX graph, built node by node.

    skl2onnx cannot convert ``SimpleImputer(add_indicator=True)`` (the
    missing-value indicator columns are dropped), so the graph is written
    here from the fitted parameters: median imputation and indicators,
    standard scaling, one-hot encoding of the category codes, the dense
    layers, then tabkd's link. Every step is float64, so the export matches
    the estimator to float64 rounding.
    """
    onnx = _import_optional("onnx", "format='onnx'")
    from onnx import TensorProto, helper, numpy_helper

    preprocess, regressor = student.model_.steps[0][1], student.model_.steps[-1][1]
    inits, nodes, parts = [], [], []

    def const(name, value, dtype=np.float64):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    for name, pipe, columns in preprocess.transformers_:
        if name == "remainder" or len(columns) == 0:
            continue
        cols = node("Gather", ["X", const(f"{name}_idx", columns, np.int64)],
                    f"{name}_x", axis=1)
        missing = node("IsNaN", [cols], f"{name}_nan")
        imputer = pipe.steps[0][1]
        if name == "numeric":
            scaler = pipe.steps[1][1]
            filled = node("Where", [missing, const("num_fill", imputer.statistics_),
                                    cols], "num_filled")
            pieces = [filled]
            indicator = getattr(imputer, "indicator_", None)
            if indicator is not None and len(indicator.features_):
                flags = node("Gather", [missing, const(
                    "num_ind_idx", indicator.features_, np.int64)], "num_flags", axis=1)
                pieces.append(node("Cast", [flags], "num_ind", to=TensorProto.DOUBLE))
            stacked = node("Concat", pieces, "num_stacked", axis=1)
            mean = scaler.mean_ if scaler.with_mean else np.zeros(scaler.n_features_in_)
            scale = scaler.scale_ if scaler.scale_ is not None else np.ones_like(mean)
            centred = node("Sub", [stacked, const("num_mean", mean)], "num_centred")
            parts.append(node("Div", [centred, const("num_scale", scale)], "num_out"))
        else:
            encoder = pipe.steps[1][1]
            filled = node("Where", [missing, const("cat_fill", imputer.fill_value),
                                    cols], "cat_filled")
            for j, cats in enumerate(encoder.categories_):
                col = node("Gather", [filled, const(f"cat_{j}_idx", [j], np.int64)],
                           f"cat_{j}", axis=1)
                hit = node("Equal", [col, const(f"cat_{j}_values", [cats])],
                           f"cat_{j}_hit")
                parts.append(node("Cast", [hit], f"cat_{j}_out", to=TensorProto.DOUBLE))
    hidden = node("Concat", parts, "features", axis=1) if len(parts) > 1 else parts[0]

    activations = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid"}
    n_layers = len(regressor.coefs_)
    for i, (W, b) in enumerate(zip(regressor.coefs_, regressor.intercepts_)):
        product = node("MatMul", [hidden, const(f"W{i}", W)], f"layer{i}_mm")
        hidden = node("Add", [product, const(f"b{i}", b)], f"layer{i}")
        act = regressor.activation if i < n_layers - 1 else regressor.out_activation_
        if act != "identity":
            hidden = node(activations[act], [hidden], f"layer{i}_{act}")

    n_features = len(meta["columns"])
    graph = helper.make_graph(
        nodes, "tabkd_mlp_student",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, n_features])],
        [helper.make_tensor_value_info(hidden, TensorProto.DOUBLE,
                                       [None, meta["n_classes"]])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = min(model.ir_version, 8)
    model = _append_link(model, hidden, meta, np.float64)
    onnx.checker.check_model(model)
    return model


def _append_link(model, raw_name, meta, dtype=np.float32):
    """Add ``logits`` and ``proba`` outputs computing tabkd's link.

    The graph's own outputs are dropped, so onnxruntime does not compute the
    converters' label or class-map branches.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    n_classes = meta["n_classes"]
    temperature = np.array(meta["temperature"], dtype=dtype)
    elem = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
    graph.initializer.append(numpy_helper.from_array(temperature, "tabkd_temperature"))
    nodes = []
    if meta["n_raw"] == 1:
        # Binary trees: one logit z; [0, z] then softmax is the sigmoid,
        # written the way the estimator computes it.
        nodes += [
            helper.make_node("Mul", [raw_name, "tabkd_temperature"], ["tabkd_z"]),
            helper.make_node("Sub", ["tabkd_z", "tabkd_z"], ["tabkd_zero"]),
            helper.make_node("Concat", ["tabkd_zero", "tabkd_z"], ["logits"], axis=1),
        ]
    else:
        init = np.asarray(meta["init_score"], dtype=dtype).reshape(1, n_classes)
        graph.initializer.append(numpy_helper.from_array(init, "tabkd_init_score"))
        nodes += [
            helper.make_node("Add", [raw_name, "tabkd_init_score"], ["tabkd_shifted"]),
            helper.make_node("Mul", ["tabkd_shifted", "tabkd_temperature"], ["logits"]),
        ]
    nodes.append(helper.make_node("Softmax", ["logits"], ["proba"], axis=1))
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend([
        helper.make_tensor_value_info("proba", elem, [None, n_classes]),
        helper.make_tensor_value_info("logits", elem, [None, n_classes]),
    ])
    # Softmax over one axis (rather than over a flattened tail) is opset 13.
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < 13:
            opset.version = 13
    return model
