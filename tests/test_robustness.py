"""The input contract: every bad input meets a clear error before any fit.

Each test names the case of the contract (see the "Input contract" notes of
``DistilledClassifier``) and asserts on the error type and on the words of
the message: the column, label, member or parameter it names.
"""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lightgbm import LGBMClassifier
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_limits

from tabkd import DistilledClassifier, LightGBMStudent, Prefitted
from tabkd._augmentation import make_augmenter
from tabkd._schema import EmptyColumnWarning, HighCardinalityWarning, TableSchema
from tabkd._teachers import fit_teacher

from conftest import fast_params


@pytest.fixture(autouse=True)
def _one_thread():
    # HistGradientBoosting's OpenMP threads slow to a crawl on a loaded
    # machine; one thread keeps these small fits fast and the timing stable.
    with threadpool_limits(1):
        yield


def _params(**overrides):
    base = fast_params(student=LightGBMStudent(n_estimators=15, min_child_samples=5))
    base.update(overrides)
    return base


def _table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "cat": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "text": rng.choice(["p", "q", None], n).astype(object),
    })
    X.loc[::7, "num"] = np.nan
    y = np.where(X["num"].fillna(0) + (X["cat"] == "a") > 0.2, "yes", "no")
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _table()
    return DistilledClassifier(**_params()).fit(X, y), X, y


class _Recorder(ClassifierMixin, BaseEstimator):
    """A member that records every fit in a class-level list, or raises."""

    calls = []

    def __init__(self, fail_on_rows=None, output="numpy"):
        self.fail_on_rows = fail_on_rows
        self.output = output

    def fit(self, X, y, sample_weight=None):
        _Recorder.calls.append(
            (len(X), None if sample_weight is None else np.array(sample_weight))
        )
        if self.fail_on_rows is not None and len(X) < self.fail_on_rows:
            raise ValueError("not enough rows for me")
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.prior_ = np.bincount(codes) / len(y)
        return self

    def predict_proba(self, X):
        proba = np.tile(self.prior_, (X.shape[0], 1))
        if self.output == "frame":
            return pd.DataFrame(proba, columns=[f"c{k}" for k in self.classes_])
        return proba


@pytest.fixture
def recorder():
    _Recorder.calls.clear()
    yield _Recorder
    _Recorder.calls.clear()


# ---------------------------------------------------------------- X at fit
@pytest.mark.parametrize(
    "X, error, words",
    [
        (pd.DataFrame({"a": []}), ValueError, "0 rows"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (pd.DataFrame(index=range(4)), ValueError, "no columns"),
        (pd.DataFrame({"a": [1.0, np.inf, 2, 3], "b": [-np.inf, 1, 2, 3]}),
         ValueError, "['a', 'b']"),
        (pd.DataFrame([[1, 2, 3]] * 4, columns=["a", "b", "a"]), ValueError,
         "duplicate column names ['a']"),
        (pd.DataFrame({"a": [1, 2, 3, 4], 0: [1, 2, 3, 4]}), TypeError,
         "string names"),
        (pd.DataFrame({"when": pd.date_range("2020", periods=4)}), TypeError,
         "'when' has dtype datetime64"),
        (pd.DataFrame({"gap": pd.to_timedelta([1, 2, 3, 4], unit="D")}), TypeError,
         "'gap' has dtype timedelta64"),
        (pd.DataFrame({"mixed": ["a", 1, "b", 2]}), TypeError,
         "'mixed' mixes value types ['int', 'str']"),
        (sparse.csr_matrix(np.eye(4)), TypeError, "sparse"),
        (pd.DataFrame({"s": pd.arrays.SparseArray([0.0, 1, 0, 1])}), TypeError,
         "sparse"),
    ],
    ids=["empty-frame", "empty-array", "no-columns", "inf", "duplicates",
         "mixed-names", "datetime", "timedelta", "mixed-object", "scipy-sparse",
         "pandas-sparse"],
)
def test_bad_X_is_refused_at_fit_naming_the_problem(X, error, words, recorder):
    y = np.array([0, 1, 0, 1])[: X.shape[0]]
    model = DistilledClassifier(teacher=_Recorder(), augmentation=None, cv=2)
    with pytest.raises(error, match=re.escape(words)):
        model.fit(X, y)
    # Refused before expensive work: no member was fitted.
    assert recorder.calls == []


def test_one_row_is_refused_as_one_class(recorder):
    X = pd.DataFrame({"a": [1.0]})
    with pytest.raises(ValueError, match="one class"):
        DistilledClassifier(teacher=_Recorder()).fit(X, ["x"])
    assert recorder.calls == []


@pytest.mark.parametrize("kind", ["one-column", "constant", "all-nan", "int-names"])
def test_degenerate_but_valid_tables_fit_and_predict(kind):
    X, y = _table()
    if kind == "one-column":
        X = X[["num"]]
    elif kind == "constant":
        X = X.assign(const=1.0, const_cat="same")
    elif kind == "all-nan":
        X = X.assign(empty=np.nan, empty_text=pd.Series([None] * len(X), dtype=object))
    else:
        X = X.set_axis(range(X.shape[1]), axis=1)
    params = _params()
    if kind == "all-nan":
        # HistGradientBoosting fails on an all-NaN float column (a
        # scikit-learn limitation); LightGBM, as in the default teacher, copes.
        params["teacher"] = LGBMClassifier(n_estimators=10, verbose=-1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DistilledClassifier(**params).fit(X, y)
    empty_warnings = [w for w in caught if issubclass(w.category, EmptyColumnWarning)]
    if kind == "all-nan":
        assert "'empty'" in str(empty_warnings[0].message)
        assert "'empty_text'" in str(empty_warnings[0].message)
    else:
        assert not empty_warnings
    if kind == "int-names":
        assert not hasattr(model, "feature_names_in_")
    proba = model.predict_proba(X.iloc[[3]])
    assert proba.shape == (1, 2) and np.isclose(proba.sum(), 1.0)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


def test_id_like_column_warns_and_keeps_only_repeated_values():
    X, y = _table(n=200)
    ids = [f"id{i}" for i in range(len(X))]
    ids[1] = ids[0] = "shared"  # the one value seen twice survives
    X = X.assign(user=ids)
    with pytest.warns(HighCardinalityWarning, match="'user' looks like an identifier"):
        model = DistilledClassifier(**_params()).fit(X, y)
    assert list(model.schema_.categories_["user"]) == ["shared"]
    # Unique IDs are missing in fit and unseen (missing) at predict alike.
    row = X.iloc[[5]]
    np.testing.assert_array_equal(
        model.predict_proba(row), model.predict_proba(row.assign(user=None))
    )


def test_nullable_dtypes_match_their_plain_counterparts():
    X, y = _table()
    plain = X.assign(
        count=np.arange(len(X)) % 4, flag=np.arange(len(X)) % 3 == 0,
        text=X["text"],
    )
    nullable = plain.astype({"count": "Int64", "flag": "boolean", "text": "string"})
    nullable.loc[2, "count"] = pd.NA
    plain.loc[2, "count"] = np.nan
    a = DistilledClassifier(**_params()).fit(plain, y)
    b = DistilledClassifier(**_params()).fit(nullable, y)
    assert b.schema_.kinds_ == a.schema_.kinds_
    np.testing.assert_array_equal(a.predict_proba(plain), b.predict_proba(nullable))
    # Nullable columns at predict also work on the small-batch path.
    np.testing.assert_array_equal(
        a.predict_proba(nullable.iloc[[2]]), a.predict_proba(plain.iloc[[2]])
    )


# ---------------------------------------------------------------- y at fit
@pytest.mark.parametrize(
    "y, error, words",
    [
        (np.array([0, 1, np.nan, 1] * 10), ValueError, "10 missing labels"),
        (np.array(["a", None, "b", "a"] * 10, dtype=object), ValueError,
         "missing labels"),
        (np.array(["a"] * 40), ValueError, "one class ('a')"),
        (np.zeros((40, 2)), ValueError, "1d array"),
        (np.linspace(0, 1, 40), ValueError, "continuous"),
        (np.array([1, "a"] * 20, dtype=object), ValueError,
         "mixes label types ['int', 'str']"),
    ],
    ids=["nan", "none", "single-class", "2d", "continuous", "mixed-types"],
)
def test_bad_y_is_refused_before_any_fit(y, error, words, recorder):
    X = pd.DataFrame({"a": np.arange(40.0)})
    with pytest.raises(error, match=re.escape(words)):
        DistilledClassifier(teacher=_Recorder(), cv=2).fit(X, y)
    assert recorder.calls == []


def test_rare_class_warns_naming_it_and_oof_rows_stay_distributions():
    X, y = _table()
    y = y.astype(object)
    y[:2] = "rare"  # 2 rows < cv=3 folds
    with pytest.warns(UserWarning, match=r"\['rare'\] have fewer than cv=3"):
        model = DistilledClassifier(**_params()).fit(X, y)
    assert list(model.classes_) == ["no", "rare", "yes"]
    # The out-of-fold targets themselves, for both combiners.
    schema = TableSchema().fit(X)
    codes = np.searchsorted(model.classes_, y)
    folds = model._folds(codes, 0)
    for combiner in ("stacking", "voting"):
        _, oof, _ = fit_teacher(
            fast_params()["teacher"], combiner, schema, schema.to_frame(X), codes,
            model.classes_, folds=folds, need_oof=True, member_input="frame",
            sample_weight=None, n_jobs=None,
        )
        assert np.isfinite(oof).all() and (oof >= 0).all()
        np.testing.assert_allclose(oof.sum(axis=1), 1.0)


# ----------------------------------------------------------- predict-time X
def test_predict_reorders_columns_and_names_missing_and_extra(fitted):
    model, X, _ = fitted
    np.testing.assert_array_equal(
        model.predict_proba(X[["text", "num", "cat"]]), model.predict_proba(X)
    )
    with pytest.raises(ValueError, match=r"missing columns \['cat'\]"):
        model.predict_proba(X.drop(columns="cat"))
    with pytest.raises(ValueError, match=r"unexpected columns \['bonus'\]"):
        model.predict_proba(X.assign(bonus=1))
    with pytest.raises(ValueError, match=r"duplicate column names \['num'\]"):
        model.predict_proba(pd.concat([X, X[["num"]]], axis=1))


@pytest.mark.parametrize("rows", [[0], list(range(100))], ids=["1-row", "batch"])
def test_unseen_category_predicts_as_missing(fitted, rows):
    model, X, _ = fitted
    part = X.iloc[rows]
    unseen = part.assign(text="never-seen")
    missing = part.assign(text=None)
    np.testing.assert_array_equal(
        model.predict_proba(unseen), model.predict_proba(missing)
    )


@pytest.mark.parametrize("rows", [[0], list(range(100))], ids=["1-row", "batch"])
def test_numeric_column_as_strings_and_other_category_layout(fitted, rows):
    model, X, _ = fitted
    part = X.iloc[rows]
    expected = model.predict_proba(part)
    as_text = part.assign(num=part["num"].map(lambda v: None if v != v else repr(v)))
    np.testing.assert_array_equal(model.predict_proba(as_text), expected)
    relaid = part.assign(
        cat=pd.Categorical(part["cat"].astype(str), categories=["c", "z", "b", "a"])
    )
    np.testing.assert_array_equal(model.predict_proba(relaid), expected)
    with pytest.raises(ValueError, match="'num' was numeric in fit"):
        model.predict_proba(part.assign(num="oops"))
    with pytest.raises(TypeError, match="'num' was numeric in fit"):
        model.predict_proba(part.assign(num=pd.Timestamp("2020-01-01")))


def test_category_layout_cache_never_leaks_between_layouts(fitted):
    # The schema remembers a categorical dtype that matched the fitted
    # categories; alternating layouts must still translate every call, and
    # the remembered dtypes are not saved with the model.
    model, X, _ = fitted
    part = X.iloc[[0, 1, 2]]
    expected = model.predict_proba(part)
    cats = list(model.schema_.categories_["cat"])
    reversed_layout = part.assign(
        cat=pd.Categorical(part["cat"].astype(object), categories=cats[::-1])
    )
    for _ in range(2):
        np.testing.assert_array_equal(model.predict_proba(reversed_layout), expected)
        np.testing.assert_array_equal(model.predict_proba(part), expected)
    assert model.schema_._dtypes_matching_fit
    restored = pickle.loads(pickle.dumps(model))
    assert restored.schema_._dtypes_matching_fit == {}
    np.testing.assert_array_equal(restored.predict_proba(reversed_layout), expected)


def test_predict_refuses_empty_inf_and_sparse(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match="0 rows"):
        model.predict_proba(X.iloc[:0])
    with pytest.raises(ValueError, match=r"infinite values in columns \['num'\]"):
        model.predict_proba(X.iloc[:3].assign(num=np.inf))
    numeric = DistilledClassifier(**_params()).fit(X[["num"]].fillna(0).to_numpy(),
                                                    fitted[2])
    with pytest.raises(TypeError, match="(?i)sparse"):
        numeric.predict_proba(sparse.csr_matrix(np.ones((2, 1))))


def test_fit_does_not_modify_its_inputs():
    X, y = _table()
    X_before, y_before = X.copy(deep=True), y.copy()
    weight = np.linspace(0.5, 1.5, len(X))
    weight_before = weight.copy()
    teacher = fast_params()["teacher"]
    teacher_before = [est.get_params() for _, est in teacher]
    DistilledClassifier(**_params(teacher=teacher)).fit(X, y, sample_weight=weight)
    pd.testing.assert_frame_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weight, weight_before)
    assert [est.get_params() for _, est in teacher] == teacher_before
    assert not any(hasattr(est, "classes_") for _, est in teacher)


# ----------------------------------------------------------------- teachers
def test_member_without_predict_proba_is_named(recorder):
    X, y = _table()
    with pytest.raises(TypeError, match="member 'svm' .* no predict_proba"):
        DistilledClassifier(teacher=[("svm", SVC()), ("r", _Recorder())]).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'teacher' parameter"):
        DistilledClassifier(teacher=SVC()).fit(X, y)
    assert recorder.calls == []


def test_member_failing_on_a_fold_is_named_with_the_fold():
    X, y = _table()
    # Fold fits see 80 rows, the refit 120: only the folds fail.
    teacher = [("ok", _Recorder()), ("picky", _Recorder(fail_on_rows=100))]
    with pytest.raises(RuntimeError, match=r"member 'picky' failed to fit on fold 1 "
                                           r"of 3: ValueError: not enough rows"):
        DistilledClassifier(**_params(teacher=teacher)).fit(X, y)


def test_member_returning_pandas_and_bad_shapes():
    X, y = _table()
    model = DistilledClassifier(**_params(teacher=[("pd", _Recorder(output="frame"))]))
    proba = model.fit(X, y).teacher_.predict_proba(X)
    np.testing.assert_allclose(proba, np.tile(proba[0], (len(X), 1)))

    class Scores(_Recorder):
        def predict_proba(self, X):
            return np.ones((X.shape[0], 2)) * 3.0

    with pytest.raises(ValueError, match="member 'scores' returned rows that are not"):
        DistilledClassifier(**_params(teacher=[("scores", Scores())])).fit(X, y)


def test_prefitted_member_is_used_as_it_is(recorder):
    X, y = _table()
    other = _table(seed=1)
    fitted_lr = LogisticRegression().fit(
        other[0][["num"]].fillna(0), other[1]
    )
    coef = fitted_lr.coef_.copy()

    class NumOnly(ClassifierMixin, BaseEstimator):
        """The logistic regression on the numeric column of the frame."""

        def __init__(self, lr=None):
            self.lr = lr

        def fit(self, X, y):  # pragma: no cover - must not be called
            raise AssertionError("a pre-fitted member was refitted")

        @property
        def classes_(self):
            return self.lr.classes_

        def __sklearn_is_fitted__(self):
            return True

        def predict_proba(self, X):
            return self.lr.predict_proba(X[["num"]].fillna(0))

    member = Prefitted(NumOnly(fitted_lr))
    teacher = [("pre", member), ("rec", _Recorder())]
    with pytest.warns(UserWarning, match=r"Pre-fitted teacher members \['pre'\]"):
        model = DistilledClassifier(**_params(teacher=teacher)).fit(X, y)
    np.testing.assert_array_equal(fitted_lr.coef_, coef)
    assert model.teacher_.members[0].estimator is member
    np.testing.assert_allclose(
        model.teacher_.members[0].predict_proba(model.schema_.to_frame(X)),
        fitted_lr.predict_proba(X[["num"]].fillna(0)),
    )
    # cv_refit=True: fold clones give honest OOF, the final member is unchanged.
    refit = Prefitted(_Recorder().fit(X, y), cv_refit=True)
    recorder.calls.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = DistilledClassifier(**_params(teacher=[("r", refit)])).fit(X, y)
    assert [n for n, _ in recorder.calls] == [80, 80, 80]  # folds only
    assert model.teacher_.members[0].estimator is refit


def test_prefitted_member_problems_are_named(recorder):
    X, y = _table()
    with pytest.raises(NotFittedError, match="'lr' is wrapped in Prefitted"):
        DistilledClassifier(teacher=[("lr", Prefitted(LogisticRegression()))]).fit(X, y)
    alien = LogisticRegression().fit([[0], [1], [2]], ["no", "yes", "maybe"])
    with pytest.raises(ValueError, match=r"'lr' knows classes \['maybe'\]"):
        DistilledClassifier(teacher=[("lr", Prefitted(alien))]).fit(X, y)


# --------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    "param, value, allowed",
    [
        ("temperature", 0.0, "range (0.0, inf)"),
        ("temperature", -1, "range (0.0, inf)"),
        ("alpha", 1.5, "range [0.0, 1.0]"),
        ("cv", 1, "range [2, inf)"),
        ("n_synthetic", -3, "range [0, inf)"),
        ("teacher", "bagging", "'stacking'"),
        ("student", "xgboost", "'mlp'"),
        ("augmentation", "smote", "'conditional'"),
        ("soft_targets", "both", "'in_sample'"),
    ],
)
def test_invalid_parameters_name_parameter_and_allowed_values(
    param, value, allowed, recorder
):
    X, y = _table()
    params = {"teacher": _Recorder(), param: value}
    with pytest.raises(InvalidParameterError, match=re.escape(f"'{param}' parameter")) \
            as info:
        DistilledClassifier(**params).fit(X, y)
    assert allowed in str(info.value) and repr(value) in str(info.value)
    assert recorder.calls == []


# ------------------------------------------------------------ sample_weight
def test_sample_weight_reaches_every_member_and_refusal_names_the_member(recorder):
    X, y = _table()
    weight = np.linspace(0.1, 2.0, len(X))
    teacher = [("a", _Recorder()), ("b", _Recorder())]
    DistilledClassifier(**_params(teacher=teacher)).fit(X, y, sample_weight=weight)
    # 3 folds + 1 refit per member, each with its rows' weights.
    assert len(recorder.calls) == 8
    assert all(w is not None for _, w in recorder.calls)
    assert sum(np.isin(w, weight).all() for _, w in recorder.calls) == 8
    recorder.calls.clear()
    teacher = [("a", _Recorder()), ("knn", KNeighborsClassifier())]
    with pytest.raises(TypeError, match="'knn' .* does not accept sample_weight"):
        DistilledClassifier(**_params(teacher=teacher)).fit(X, y, sample_weight=weight)
    with pytest.raises(TypeError, match="student='mlp' does not accept"):
        DistilledClassifier(**_params(teacher=[("a", _Recorder())], student="mlp")).fit(
            X, y, sample_weight=weight
        )
    assert recorder.calls == []


# ------------------------------------------------- interrupted and repeated
def test_interrupted_fit_leaves_the_fitted_model_unchanged(fitted):
    model, X, y = fitted
    before = model.predict_proba(X)
    state = dict(model.__dict__)

    class Interrupt(_Recorder):
        def fit(self, X, y, sample_weight=None):
            raise KeyboardInterrupt

    model.set_params(teacher=Interrupt())
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X.iloc[:, :2], y)  # a different schema, had it landed
    finally:
        model.set_params(teacher=state["teacher"])
    assert model.__dict__.keys() == state.keys()
    assert all(model.__dict__[k] is v for k, v in state.items() if k != "teacher")
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_fit_twice_and_n_jobs_give_the_same_model():
    X, y = _table()
    model = DistilledClassifier(**_params())
    first = model.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(model.fit(X, y).predict_proba(X), first)
    parallel = DistilledClassifier(**_params(n_jobs=2)).fit(X, y)
    np.testing.assert_array_equal(parallel.predict_proba(X), first)


# ---------------------------------------------------------- property based
@st.composite
def _mixed_tables(draw):
    n = draw(st.integers(min_value=12, max_value=40))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["float", "int", "cat", "text", "bool"]))
        if kind == "float":
            values = rng.normal(size=n)
            values[rng.random(n) < draw(st.floats(0, 0.5))] = np.nan
        elif kind == "int":
            values = pd.array(rng.integers(-3, 3, n), dtype="Int64")
        elif kind == "cat":
            values = pd.Categorical(rng.choice(["u", "v", "w"], n))
        elif kind == "text":
            values = rng.choice(["x", "y", None], n).astype(object)
        else:
            values = rng.random(n) < 0.5
        columns[f"c{j}"] = values
    y = rng.choice(["A", "B", "C"][: draw(st.integers(2, 3))], n)
    y[:3] = ["A", "B", "C"][:3] if len(set(y)) == 3 else ["A", "B", "A"]
    return pd.DataFrame(columns), y


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(_mixed_tables(), st.sampled_from(["munge", "marginal", None]))
def test_random_mixed_tables_fit_and_predict_valid_probabilities(table, augmentation):
    X, y = table
    params = _params(augmentation=augmentation, n_synthetic=20, cv=2,
                     teacher=HistGradientBoostingClassifier(
                         max_iter=5, categorical_features="from_dtype"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = DistilledClassifier(**params).fit(X, y)
        again = DistilledClassifier(**params).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), len(model.classes_))
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    np.testing.assert_array_equal(model.predict_proba(X.iloc[[0]]), proba[[0]])
    if augmentation is not None:
        # Synthetic rows stay inside the contract: fitted categories only,
        # no infinities, the schema's columns.
        schema = model.schema_
        synthetic = make_augmenter(augmentation).fit(schema.to_frame(X)).sample(
            50, random_state=0
        )
        assert list(synthetic.columns) == schema.columns_
        encoded = schema.encode(synthetic)
        assert not np.isinf(encoded).any()
        for name in schema.categorical_columns:
            values = synthetic[name].dropna().astype(object)
            assert set(values) <= set(schema.categories_[name])


def test_built_in_members_leave_out_columns_with_no_usable_value():
    # An identifier with every value unique keeps no category, and an
    # all-missing column holds nothing: HistGradientBoosting refuses an
    # all-NaN column, so the built-in members must not be handed one.
    from tabkd._members import _member_columns, extended_members
    from tabkd._schema import EmptyColumnWarning, HighCardinalityWarning, TableSchema

    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame({
        "customer": [f"c{i:04d}" for i in range(n)],
        "blank": np.full(n, np.nan),
        "income": rng.lognormal(3, 1, n),
        "city": rng.choice(["a", "b", "c"], n),
    })
    y = (X["income"] > 20).astype(int).to_numpy()
    with pytest.warns(HighCardinalityWarning), pytest.warns(EmptyColumnWarning):
        schema = TableSchema().fit(X)
    assert schema.empty_columns_ == ["customer", "blank"]
    numeric, categorical = _member_columns(schema)
    assert numeric == ["income"] and categorical == ["city"]

    frame = schema.to_frame(X)
    hgb = dict(extended_members(schema, random_state=0))["hist_gradient_boosting"]
    proba = clone(hgb).fit(frame, y).predict_proba(frame)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y, proba[:, 1]) > 0.9


def test_a_class_in_fewer_rows_than_folds_fits_with_the_default_teacher():
    # With one row of "b" and cv=3, two folds train on "a" alone: members
    # and the stacking meta-learner must not be asked to fit one class.
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(30, 3)), columns=["p", "q", "r"])
    y = np.array(["a"] * 29 + ["b"])
    with pytest.warns(UserWarning, match="fewer than cv=3 rows"):
        model = DistilledClassifier(random_state=0, cv=3, n_synthetic=0.5).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (30, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(model.fit_report_["teacher"]["teacher_oof"]["log_loss"])
