"""Saved models predict exactly what they predicted, and say when they may not."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import InconsistentVersionWarning
from threadpoolctl import threadpool_limits

import tabkd
from tabkd import DistilledClassifier, LightGBMStudent, MLPStudent
from tabkd import _persistence
from tabkd._persistence import VersionMismatchWarning

from conftest import fast_params


@pytest.fixture(autouse=True)
def _one_thread():
    # See tests/test_robustness.py: OpenMP threads crawl on a loaded machine.
    with threadpool_limits(1):
        yield


def _table(n_classes, n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "cat": pd.Categorical(rng.choice(["a", "b", "c", "d"], n)),
        "text": rng.choice(["p", "q", None], n).astype(object),
    })
    X.loc[::5, "num"] = np.nan
    score = X["num"].fillna(0) + (X["cat"] == "a") + (X["text"] == "p")
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, np.array(["low", "mid", "high"])[y] if n_classes == 3 else y


_STUDENTS = {
    "lightgbm": lambda: LightGBMStudent(n_estimators=30, min_child_samples=5),
    "mlp": lambda: MLPStudent(hidden_layer_sizes=(16,), max_iter=60),
}


@pytest.fixture(scope="module", params=[
    (student, n_classes) for student in _STUDENTS for n_classes in (2, 3)
], ids=lambda p: f"{p[0]}-{p[1]}classes")
def fitted(request):
    student, n_classes = request.param
    X, y = _table(n_classes)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the MLP's convergence warning
        model = DistilledClassifier(**fast_params(student=_STUDENTS[student]()))
        model.fit(X, y)
    return model, X


def _roundtrip(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def test_joblib_roundtrip_is_bit_identical(fitted):
    model, X = fitted
    expected = model.predict_proba(X)
    assert np.isnan(X["num"]).any()
    loaded = _roundtrip(model)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    # One row against one row: the MLP's matrix products may round a batch
    # differently in the last bit.
    np.testing.assert_array_equal(
        loaded.predict_proba(X.iloc[[0]]), model.predict_proba(X.iloc[[0]])
    )
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # The teacher and the bare student survive too.
    np.testing.assert_array_equal(
        loaded.teacher_.predict_proba(X), model.teacher_.predict_proba(X)
    )
    student = _roundtrip(model.student_)
    np.testing.assert_array_equal(
        student.predict_proba(X), model.student_.predict_proba(X)
    )


def test_saving_does_not_change_the_model(fitted):
    model, X = fitted
    before = model.predict_proba(X)
    state = dict(model.__dict__)
    pickle.dumps(model)
    assert "_tabkd_versions" not in model.__dict__
    assert model.__dict__.keys() == state.keys()
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_pickle_records_versions_and_warns_once_on_mismatch(fitted, monkeypatch):
    model, X = fitted
    state = model.__getstate__()
    assert state["_tabkd_versions"] == _persistence.library_versions()
    assert set(state["_tabkd_versions"]) == {
        "tabkd", "sklearn", "lightgbm", "xgboost", "numpy"
    }
    assert state["_tabkd_versions"]["tabkd"] == tabkd.__version__
    payload = pickle.dumps(model)

    # Same versions: silent.
    with warnings.catch_warnings():
        warnings.simplefilter("error", VersionMismatchWarning)
        pickle.loads(payload)

    # Other versions: one tabkd warning naming every difference, instead of
    # one per object and scikit-learn's own.
    current = _persistence.library_versions()
    monkeypatch.setattr(_persistence, "_reported", set())
    monkeypatch.setattr(
        _persistence, "library_versions",
        lambda: dict(current, sklearn="0.0.1", lightgbm="0.0.2"),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(payload)
    ours = [w for w in caught if issubclass(w.category, VersionMismatchWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    assert f"sklearn {current['sklearn']} -> 0.0.1" in message
    assert f"lightgbm {current['lightgbm']} -> 0.0.2" in message
    assert "numpy" not in message
    assert not [
        w for w in caught
        if issubclass(w.category, InconsistentVersionWarning)
        and "DistilledClassifier" in str(w.message)
    ]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_skops_roundtrip_without_teacher_is_bit_identical(fitted, tmp_path):
    pytest.importorskip("skops")
    model, X = fitted
    slim = _roundtrip(model)
    slim.teacher_ = None  # as keep_teacher=False leaves it
    path = tmp_path / "model.skops"
    tabkd.save(slim, path)
    loaded = tabkd.load(path)
    assert type(loaded) is DistilledClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    tabkd.save(model.student_, tmp_path / "student.skops")
    student = tabkd.load(tmp_path / "student.skops")
    np.testing.assert_array_equal(
        student.predict_proba(X), model.student_.predict_proba(X)
    )


def test_skops_refuses_types_it_was_not_told_to_trust(fitted, tmp_path):
    skops_io = pytest.importorskip("skops.io")
    model, _ = fitted
    path = tmp_path / "with_teacher.skops"
    tabkd.save(model, path)  # the teacher's types are not trusted by default
    with pytest.raises(Exception, match="tabkd._teachers.Teacher"):
        tabkd.load(path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert "tabkd._teachers.Teacher" in untrusted
