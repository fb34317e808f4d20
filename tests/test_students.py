"""Students: soft-target objectives, links and their own hyperparameters."""

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import (
    check_dont_overwrite_parameters,
    check_estimators_unfitted,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from tabkd import LightGBMStudent, MLPStudent
from tabkd.students._lightgbm import (
    soft_cross_entropy,
    softmax_cross_entropy_grad_hess,
)

STUDENTS = [
    LightGBMStudent(n_estimators=80, min_child_samples=5, random_state=0),
    MLPStudent(hidden_layer_sizes=(32,), max_iter=300, random_state=0),
]


def _soft_targets(n, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    logits = np.column_stack([X[:, 0] * (j - k / 2) + X[:, 1] * j for j in range(k)])
    return X, softmax(logits, axis=1)


def test_multiclass_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(6, 4))
    targets = softmax(rng.normal(size=(6, 4)), axis=1)
    grad, hess = softmax_cross_entropy_grad_hess(raw, targets)
    eps = 1e-6
    numeric = np.zeros_like(raw)
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            up, down = raw.copy(), raw.copy()
            up[i, j] += eps
            down[i, j] -= eps
            # soft_cross_entropy is a mean over rows; the objective's gradient
            # is per row, hence the factor n.
            numeric[i, j] = (
                soft_cross_entropy(up[i:i + 1], targets[i:i + 1])
                - soft_cross_entropy(down[i:i + 1], targets[i:i + 1])
            ) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)
    assert (hess > 0).all()
    # The Hessian's diagonal, p(1-p) scaled by K/(K-1), as LightGBM's own.
    p = softmax(raw, axis=1)
    np.testing.assert_allclose(hess, p * (1 - p) * 4 / 3)


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_student_fits_soft_targets(student, n_classes):
    X, targets = _soft_targets(1500, n_classes)
    fitted = clone(student).fit(X[:1200], targets[:1200])
    proba = fitted.predict_proba(X[1200:])
    assert proba.shape == (300, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # The student should track the target distribution closely on new rows.
    mean_abs = np.abs(proba - targets[1200:]).mean()
    assert mean_abs < 0.08, mean_abs
    assert (proba.argmax(1) == targets[1200:].argmax(1)).mean() > 0.9


def test_lightgbm_multiclass_student_keeps_many_rounds_on_digits():
    X, y = load_digits(return_X_y=True)
    targets = 0.8 * np.eye(10)[y] + 0.02
    student = LightGBMStudent(random_state=0).fit(X, targets)
    assert student.n_rounds_ > 20
    # Rounds × classes stays within the bound.
    assert student.booster_.num_trees() <= student.max_total_trees
    proba = student.predict_proba(X)
    # Far from uniform: the student learned the classes.
    assert proba.max(axis=1).mean() > 0.5
    assert (proba.argmax(1) == y).mean() > 0.95


def test_lightgbm_init_score_is_added_back():
    X, targets = _soft_targets(400, 3)
    student = LightGBMStudent(n_estimators=1, learning_rate=1e-6,
                              early_stopping_rounds=None).fit(X, targets)
    # After one vanishing step the prediction equals the class priors.
    np.testing.assert_allclose(
        student.predict_proba(X[:5]), np.tile(targets.mean(0), (5, 1)), atol=1e-4
    )


def test_validation_loss_falls_with_rounds():
    X, targets = _soft_targets(2000, 4)
    short = LightGBMStudent(n_estimators=2, early_stopping_rounds=5,
                            random_state=0).fit(X, targets)
    long = LightGBMStudent(n_estimators=300, early_stopping_rounds=20,
                           random_state=0).fit(X, targets)
    assert long.n_rounds_ > 10
    assert long.validation_loss_ < short.validation_loss_


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: type(s).__name__)
def test_temperature_is_undone_at_prediction(student):
    X, targets = _soft_targets(1200, 3)
    temperature = 3.0
    softened = softmax(np.log(targets) / temperature, axis=1)
    fitted = clone(student).fit(X, softened, temperature=temperature)
    raw_model = fitted._raw_from_encoded(X[:50])
    np.testing.assert_allclose(fitted.predict_raw(X[:50]), raw_model * temperature)
    # Back on the sharp scale: closer to the original targets than the softened.
    proba = fitted.predict_proba(X)
    assert np.abs(proba - targets).mean() < np.abs(proba - softened).mean()


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: type(s).__name__)
def test_student_on_mixed_frame_round_trip(student, mixed_frame, tmp_path):
    X, y = mixed_frame
    labels = np.unique(y)
    targets = 0.9 * (y[:, None] == labels[None, :]) + 0.05
    fitted = clone(student).fit(X, targets)
    path = tmp_path / "student.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    # Column order does not matter for a DataFrame.
    shuffled = X[list(X.columns[::-1])]
    np.testing.assert_array_equal(fitted.predict_proba(shuffled), fitted.predict_proba(X))


@pytest.mark.parametrize("n_classes", [2, 4])
def test_lightgbm_single_row_c_api_path_equals_batch_predict(n_classes):
    X, targets = _soft_targets(300, n_classes, seed=3)
    student = LightGBMStudent(n_estimators=40, random_state=0).fit(X, targets)
    row_raw = student._single_row_raw(X[0])
    assert row_raw is not None, "the C API single-row path was not taken"
    batch = student.predict_proba(X[:20])
    one_at_a_time = np.vstack([student.predict_proba(X[[i]]) for i in range(20)])
    np.testing.assert_allclose(one_at_a_time, batch, rtol=0, atol=1e-12)
    booster_raw = student.booster_.predict(X[:1], raw_score=True).reshape(-1)
    np.testing.assert_allclose(row_raw, booster_raw, rtol=0, atol=1e-12)


def test_bad_soft_targets_are_named():
    X, targets = _soft_targets(100, 3)
    with pytest.raises(ValueError, match="sum to one"):
        LightGBMStudent().fit(X, targets * 2)
    with pytest.raises(ValueError, match="2-D array"):
        LightGBMStudent().fit(X, targets[:, 0])
    with pytest.raises(ValueError, match="rows"):
        LightGBMStudent().fit(X, targets[:50])


def test_mlp_rejects_sample_weight():
    X, targets = _soft_targets(100, 2)
    with pytest.raises(ValueError, match="sample_weight"):
        MLPStudent().fit(X, targets, sample_weight=np.ones(100))


def test_lightgbm_sample_weight_changes_the_fit():
    X, targets = _soft_targets(600, 2)
    weights = np.where(X[:, 0] > 0, 10.0, 0.1)
    plain = LightGBMStudent(n_estimators=30, random_state=0).fit(X, targets)
    weighted = LightGBMStudent(n_estimators=30, random_state=0).fit(
        X, targets, sample_weight=weights
    )
    assert not np.allclose(plain.predict_proba(X), weighted.predict_proba(X))


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize(
    "check",
    [
        check_parameters_default_constructible,
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_set_params,
        check_estimators_unfitted,
    ],
    ids=lambda c: c.__name__,
)
def test_sklearn_checks_that_apply_to_students(student, check):
    # Students are fitted to a matrix of distributions, so scikit-learn's
    # classifier and regressor checks (1-D y) do not apply; these do.
    check(type(student).__name__, clone(student))


def test_student_same_seed_same_model():
    X, targets = _soft_targets(800, 3)
    a = LightGBMStudent(random_state=3).fit(X, targets).predict_proba(X)
    b = LightGBMStudent(random_state=3).fit(X, targets).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_student_categorical_unseen_value_is_missing():
    X = pd.DataFrame({"colour": ["red", "blue", "green"] * 100,
                      "size": np.arange(300.0)})
    targets = np.column_stack([(X["colour"] == "red") * 0.8 + 0.1,
                               1 - ((X["colour"] == "red") * 0.8 + 0.1)])
    student = LightGBMStudent(n_estimators=20, min_child_samples=5).fit(X, targets)
    unseen = pd.DataFrame({"colour": ["purple"], "size": [1.0]})
    missing = pd.DataFrame({"colour": [None], "size": [1.0]})
    np.testing.assert_array_equal(student.predict_proba(unseen),
                                  student.predict_proba(missing))


def test_lightgbm_student_on_table_too_small_to_split_predicts_the_prior():
    X, targets = _soft_targets(60, 3)
    student = LightGBMStudent(min_child_samples=100).fit(X, targets)
    np.testing.assert_allclose(
        student.predict_proba(X[:3]), np.tile(targets.mean(0), (3, 1)), atol=1e-6
    )
