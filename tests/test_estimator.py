"""DistilledClassifier end to end: labels, targets, fidelity, sklearn use."""

import io

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from tabkd import DistilledClassifier, LightGBMStudent, TableSchema, _estimator
from tabkd._teachers import fit_teacher

from conftest import fast_params


@pytest.fixture(scope="module")
def default_breast_cancer(breast_cancer_split):
    """The default configuration (stacking teacher, MUNGE, LightGBM student)."""
    X_train, X_test, y_train, y_test = breast_cancer_split
    model = DistilledClassifier(random_state=0, n_jobs=2).fit(X_train, y_train)
    return model, X_test, y_test


def test_default_student_agrees_with_teacher_on_breast_cancer(default_breast_cancer):
    model, X_test, y_test = default_breast_cancer
    student = model.predict(X_test)
    teacher = model.teacher_.predict(X_test)
    assert np.mean(student == teacher) >= 0.95
    assert np.mean(student == y_test) >= 0.93
    proba = model.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    report = model.fit_report_
    assert report["n_real"] == 426
    assert report["n_synthetic"] == 5 * 426
    assert set(report["seconds"]) >= {"teacher", "augmentation",
                                      "teacher labelling", "student", "total"}
    # Stages lie one after another inside the whole fit, and each one's
    # timeline spans its measured seconds.
    timeline = report["timeline"]
    stages = ["teacher", "augmentation", "teacher labelling", "student"]
    bounds = [t for name in stages for t in timeline[name]]
    assert bounds == sorted(bounds)
    assert timeline["fit"][0] <= bounds[0] and bounds[-1] <= timeline["fit"][1]
    for name in stages:
        start, end = timeline[name]
        assert end - start == pytest.approx(report["seconds"][name], abs=0.05)
    assert set(report["teacher"]["members"]) == {
        "lightgbm", "xgboost", "random_forest", "extra_trees", "logistic"
    }
    assert 0.9 <= report["student"]["agreement"] <= 1.0


def test_multiclass_student_on_digits_keeps_rounds_and_agrees():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    teacher = [
        ("logistic", LogisticRegression(max_iter=2000)),
        ("forest", RandomForestClassifier(n_estimators=100, random_state=0)),
    ]
    model = DistilledClassifier(
        teacher=teacher, cv=3, n_synthetic=2.0, random_state=0, n_jobs=2
    ).fit(X_train, y_train)
    assert model.student_.n_rounds_ > 20
    proba = model.predict_proba(X_test)
    # Never near-uniform: confident, and the right shape.
    assert proba.shape == (len(X_test), 10)
    assert proba.max(axis=1).mean() > 0.6
    agreement = np.mean(model.predict(X_test) == model.teacher_.predict(X_test))
    assert agreement >= 0.90


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array([-5, 40]),
        np.array(["setosa", "versicolor", "virginica"]),
        np.array([3, 10, 99]),
    ],
    ids=["str-binary", "int-binary", "str-3", "int-3"],
)
def test_any_labels_and_classes_order(labels, iris_split):
    X_train, X_test, y_train, _ = iris_split
    if len(labels) == 2:
        mask = y_train < 2
        X_train, y_train = X_train[mask], y_train[mask]
    y = labels[y_train]
    model = DistilledClassifier(**fast_params()).fit(X_train, y)
    np.testing.assert_array_equal(model.classes_, np.sort(labels))
    proba = model.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X_test)) <= set(labels)
    # Column k of predict_proba is the probability of classes_[k].
    np.testing.assert_array_equal(
        model.predict(X_test), model.classes_[proba.argmax(axis=1)]
    )
    teacher_proba = model.teacher_.predict_proba(X_test)
    assert np.mean(teacher_proba.argmax(1) == proba.argmax(1)) > 0.9


@pytest.mark.parametrize("student", ["lightgbm", "mlp"])
def test_mixed_frame_both_students(student, mixed_frame):
    X, y = mixed_frame
    model = DistilledClassifier(
        **fast_params(student=student, augmentation="munge", n_synthetic=1.0)
    ).fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, np.asarray(X.columns))
    proba = model.predict_proba(X.iloc[:100])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.mean(model.predict(X) == model.teacher_.predict(X)) > 0.85


def test_oof_targets_differ_from_in_sample(breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    members = [("forest", RandomForestClassifier(n_estimators=50, random_state=0))]
    schema = TableSchema().fit(X_train)
    frame = schema.to_frame(X_train)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X_train, y_train))
    teacher, oof, _ = fit_teacher(
        members, "single", schema, frame, y_train, np.array([0, 1]),
        folds=splits, need_oof=True, member_input="frame",
        sample_weight=None, n_jobs=1,
    )
    in_sample = teacher.predict_proba(frame)
    true_in = in_sample[np.arange(len(y_train)), y_train]
    true_oof = oof[np.arange(len(y_train)), y_train]
    # A forest is near-certain of its own training rows, not of held-out ones.
    assert true_in.mean() > true_oof.mean() + 0.02
    assert np.mean(true_in > 0.99) > np.mean(true_oof > 0.99)
    np.testing.assert_allclose(oof.sum(axis=1), 1.0)


def test_fold_missing_a_class_still_gives_distributions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array([0] * 29 + [1] * 29 + [2] * 2)
    with pytest.warns(UserWarning, match=r"Classes \[np.int64\(2\)\]|Classes \[2\]"):
        model = DistilledClassifier(**fast_params(cv=3)).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba.shape[1] == 3


def test_alpha_one_is_hard_label_student(breast_cancer_split):
    X_train, X_test, y_train, _ = breast_cancer_split
    hard = DistilledClassifier(**fast_params(alpha=1.0)).fit(X_train, y_train)
    direct = clone(hard.student).set_params(random_state=None)
    # With alpha=1 the targets are one-hot labels, whatever the teacher says.
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=4)
    direct.set_params(random_state=int(seeds[2]))
    direct.fit(X_train, np.eye(2)[y_train])
    np.testing.assert_allclose(hard.predict_proba(X_test), direct.predict_proba(X_test))


def test_temperature_keeps_teacher_scale(breast_cancer_split):
    X_train, X_test, y_train, _ = breast_cancer_split
    params = fast_params(alpha=0.0)
    cold = DistilledClassifier(**params).fit(X_train, y_train)
    warm = DistilledClassifier(**fast_params(alpha=0.0, temperature=4.0)).fit(
        X_train, y_train
    )
    assert warm.student_.temperature_ == 4.0
    # Undoing the temperature puts probabilities back on the teacher's scale:
    # a warm student is about as confident as a cold one, not near 0.5.
    conf_cold = np.abs(cold.predict_proba(X_test)[:, 1] - 0.5).mean()
    conf_warm = np.abs(warm.predict_proba(X_test)[:, 1] - 0.5).mean()
    assert conf_warm > 0.8 * conf_cold


def test_same_seed_same_model_and_n_jobs_invariance(mixed_frame, monkeypatch):
    # The built-in members (LightGBM, XGBoost, forests) are used here on
    # purpose: their thread counts are what could make n_jobs matter.
    X, y = mixed_frame[0].iloc[:500], mixed_frame[1][:500]
    # 500 synthetic rows in four labelling batches, which n_jobs=2 splits
    # between two jobs: the labelling stage must not depend on n_jobs either.
    monkeypatch.setattr(_estimator, "_LABEL_BATCH", 128)
    params = fast_params(augmentation="munge", n_synthetic=1.0,
                         teacher="voting", random_state=7)
    a = DistilledClassifier(**params).fit(X, y).predict_proba(X)
    b = DistilledClassifier(**params).fit(X, y).predict_proba(X)
    c = DistilledClassifier(**{**params, "n_jobs": 2}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    d = DistilledClassifier(**{**params, "random_state": 8}).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, d)


def test_user_teacher_is_cloned_not_mutated(breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    teacher = LogisticRegression(max_iter=500)
    model = DistilledClassifier(**fast_params(teacher=teacher)).fit(X_train, y_train)
    assert not hasattr(teacher, "coef_")
    assert model.teacher_.combiner == "single"


def test_keep_teacher_false_drops_it(breast_cancer_split):
    X_train, X_test, y_train, _ = breast_cancer_split
    model = DistilledClassifier(**fast_params(keep_teacher=False)).fit(X_train, y_train)
    assert model.teacher_ is None
    assert model.predict(X_test).shape == (len(X_test),)


def test_joblib_round_trip_is_exact(mixed_frame):
    X, y = mixed_frame
    for student in ["lightgbm", "mlp"]:
        model = DistilledClassifier(**fast_params(student=student)).fit(X, y)
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_pipeline_after_column_transformer(mixed_frame):
    X, y = mixed_frame
    categorical = [c for c in X.columns if X[c].dtype == object or str(X[c].dtype) in ("str", "string")]
    numeric = [c for c in X.columns if c not in categorical]
    pre = ColumnTransformer([
        ("num", StandardScaler(), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
    ])
    pipe = Pipeline([("pre", pre), ("model", DistilledClassifier(**fast_params()))])
    pipe.fit(X, y)
    proba = pipe.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert pipe.score(X, y) > 0.7


def test_grid_search_reaches_student_and_teacher_params(breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    search = GridSearchCV(
        DistilledClassifier(**fast_params()),
        {
            "student__num_leaves": [4, 15],
            "teacher": [LogisticRegression(max_iter=500),
                        HistGradientBoostingClassifier(max_iter=20)],
        },
        cv=2,
        n_jobs=2,
    )
    search.fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.student_.num_leaves in (4, 15)
    assert search.best_score_ > 0.9


def test_cross_val_score(breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    scores = cross_val_score(DistilledClassifier(**fast_params()), X_train, y_train, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_nested_params_and_clone():
    model = DistilledClassifier(student=LightGBMStudent(num_leaves=7))
    params = model.get_params(deep=True)
    assert params["student__num_leaves"] == 7
    model.set_params(student__num_leaves=9)
    assert model.student.num_leaves == 9
    copy = clone(model)
    assert copy.student is not model.student
    assert copy.get_params()["student__num_leaves"] == 9


def test_verbose_zero_prints_nothing(capsys, breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    DistilledClassifier(**fast_params(verbose=0)).fit(X_train, y_train)
    assert capsys.readouterr().out == ""
    DistilledClassifier(**fast_params(verbose=1)).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "[tabkd] teacher" in out and "[tabkd] student" in out


def test_sample_weight_reaches_teacher_and_student(breast_cancer_split):
    X_train, X_test, y_train, _ = breast_cancer_split
    weights = np.where(y_train == 1, 5.0, 1.0)
    plain = DistilledClassifier(**fast_params()).fit(X_train, y_train)
    weighted = DistilledClassifier(**fast_params()).fit(X_train, y_train,
                                                        sample_weight=weights)
    # Up-weighting class 1 moves probability towards it.
    assert weighted.predict_proba(X_test)[:, 1].mean() > plain.predict_proba(X_test)[:, 1].mean()


def test_member_without_sample_weight_is_named(breast_cancer_split):
    from sklearn.neighbors import KNeighborsClassifier

    X_train, _, y_train, _ = breast_cancer_split
    model = DistilledClassifier(**fast_params(
        teacher=[("knn", KNeighborsClassifier()), ("lr", LogisticRegression())]
    ))
    with pytest.raises(TypeError, match="'knn'"):
        model.fit(X_train, y_train, sample_weight=np.ones(len(y_train)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"teacher": "bagging"}, "teacher"),
        ({"student": "svm"}, "student"),
        ({"augmentation": "smote"}, "augmentation"),
        ({"alpha": 1.5}, "alpha"),
        ({"temperature": 0.0}, "temperature"),
        ({"cv": 1}, "cv"),
        ({"n_synthetic": -3}, "n_synthetic"),
        ({"soft_targets": "half"}, "soft_targets"),
    ],
)
def test_invalid_parameters_are_named(params, match, breast_cancer_split):
    X_train, _, y_train, _ = breast_cancer_split
    with pytest.raises((ValueError, TypeError), match=match):
        DistilledClassifier(**params).fit(X_train, y_train)


def test_predict_checks_columns(mixed_frame):
    X, y = mixed_frame
    model = DistilledClassifier(**fast_params()).fit(X, y)
    with pytest.raises(ValueError, match="missing columns \\['Income'\\]"):
        model.predict(X.drop(columns=["Income"]))
    with pytest.raises(ValueError, match="unexpected columns \\['extra'\\]"):
        model.predict(X.assign(extra=1.0))
    reordered = X[list(X.columns[::-1])]
    np.testing.assert_array_equal(model.predict_proba(reordered), model.predict_proba(X))


def test_inf_is_rejected_naming_the_column(mixed_frame):
    X, y = mixed_frame
    bad = X.copy()
    bad.loc[3, "Income"] = np.inf
    with pytest.raises(ValueError, match="Income"):
        DistilledClassifier(**fast_params()).fit(bad, y)


def test_in_sample_targets_option(breast_cancer_split):
    X_train, X_test, y_train, _ = breast_cancer_split
    model = DistilledClassifier(**fast_params(soft_targets="in_sample",
                                              teacher="voting")).fit(X_train, y_train)
    assert "teacher in-sample" in model.fit_report_["seconds"]
    assert model.predict(X_test).shape == (len(X_test),)


def test_identifier_and_empty_columns_with_the_built_in_members():
    # XGBoost refuses a categorical dtype with no category; an ID column whose
    # values are all unique ends with none, as does an all-missing column.
    rng = np.random.default_rng(0)
    n = 240
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.choice(["x", "y"], n),
        "id": [f"C{i}" for i in range(n)],
        "empty": [None] * n,
    })
    y = (X["a"] > 0).astype(int).to_numpy()
    with pytest.warns(UserWarning, match="'id' looks like an identifier"):
        model = DistilledClassifier(teacher="voting", n_synthetic=0.5, cv=2,
                                    random_state=0).fit(X, y)
    assert np.mean(model.predict(X) == y) > 0.9
    unseen = X.iloc[:3].assign(b=["new", "x", "y"], id=["Z1", "Z2", "Z3"])
    np.testing.assert_allclose(model.teacher_.predict_proba(unseen).sum(axis=1), 1.0)
