"""Tests for the offline dataset registry of ``tabkd.benchmarks``."""

import numpy as np
import pandas as pd
import pytest

import tabkd.benchmarks as benchmarks
from tabkd.benchmarks import (
    DEFAULT_SUITE,
    DatasetSpec,
    get_dataset_spec,
    list_datasets,
    load_csv,
    load_dataset,
    make_seed_protocol,
)


def test_public_names_sorted_and_resolve():
    assert benchmarks.__all__ == sorted(benchmarks.__all__)
    for name in benchmarks.__all__:
        assert getattr(benchmarks, name) is not None


def test_default_suite_covers_the_brief():
    specs = [get_dataset_spec(name) for name in DEFAULT_SUITE]
    assert len(specs) >= 8
    assert set(DEFAULT_SUITE) <= set(list_datasets())
    assert {spec.task for spec in specs} == {"binary", "multiclass"}
    sizes = [spec.n_rows for spec in specs]
    assert min(sizes) < 1000
    assert max(sizes) >= 50_000
    assert sum(bool(spec.categorical) for spec in specs) >= 3
    assert get_dataset_spec("diamonds").n_rows == 53_940


@pytest.mark.parametrize("name", DEFAULT_SUITE)
def test_default_suite_dataset_loads(name):
    # Every table is small enough to load whole in well under a second, so
    # the full size is checked for all of them, not only the small ones.
    spec = get_dataset_spec(name)
    X, y = load_dataset(name)

    assert len(X) == len(y) == spec.n_rows
    assert X.index.equals(y.index)
    assert y.name == spec.target
    assert not y.isna().any()
    n_classes = y.nunique()
    assert n_classes >= 2
    assert spec.task == ("binary" if n_classes == 2 else "multiclass")

    assert set(X.columns) == set(spec.columns)
    assert len(X.columns) == len(spec.columns)
    assert spec.target not in X.columns
    assert not set(spec.dropped_columns) & set(X.columns)
    for column in spec.categorical:
        assert isinstance(X[column].dtype, pd.CategoricalDtype), column
    for column in spec.numeric:
        assert X[column].dtype in (np.int64, np.float64), column
    for column, reason in spec.drop:
        assert isinstance(column, str) and len(reason) > 10


def test_some_dataset_has_nan_and_categoricals():
    found = []
    for name in DEFAULT_SUITE:
        spec = get_dataset_spec(name)
        if not spec.categorical:
            continue
        X, _ = load_dataset(name, max_rows=2000)
        if X.isna().any().any():
            found.append(name)
    assert "credit_data" in found
    X, _ = load_dataset("credit_data")
    # Missing values survive in both kinds of column, not only in numbers.
    assert X["Home"].isna().sum() == 6
    assert X["Income"].isna().sum() == 381


def test_known_leaks_are_dropped():
    card = get_dataset_spec("credit_card")
    assert {"expenditure", "share", "rownames"} <= set(card.dropped_columns)
    nass = get_dataset_spec("nass_cds")
    assert {"injSeverity", "weight", "caseid"} <= set(nass.dropped_columns)
    X, _ = load_dataset("credit_card")
    assert "share" not in X and "expenditure" not in X


def test_max_rows_is_stratified_and_seeded():
    _, y_full = load_dataset("diamonds")
    X, y = load_dataset("diamonds", max_rows=1000, random_state=3)
    assert len(X) == len(y) == 1000
    assert X.index.equals(y.index)
    expected = y_full.value_counts(normalize=True) * 1000
    observed = y.value_counts().reindex(expected.index)
    assert np.all(np.abs(observed - expected) <= 1)

    X_again, _ = load_dataset("diamonds", max_rows=1000, random_state=3)
    X_other, _ = load_dataset("diamonds", max_rows=1000, random_state=4)
    assert X_again.index.equals(X.index)
    assert not X_other.index.equals(X.index)


def test_max_rows_keeps_rare_classes_and_full_size():
    _, y = load_dataset("caravan", max_rows=10)
    assert len(y) == 10 and y.nunique() == 2
    X, _ = load_dataset("wine", max_rows=10_000)
    assert len(X) == get_dataset_spec("wine").n_rows


@pytest.mark.parametrize(
    "max_rows, error, match",
    [
        (1, ValueError, "at least 2"),
        ("100", TypeError, "max_rows must be an int"),
        (5, ValueError, "number of classes"),
    ],
)
def test_max_rows_invalid(max_rows, error, match):
    with pytest.raises(error, match=match):
        load_dataset("digits", max_rows=max_rows)


def test_unknown_dataset_lists_available_names():
    with pytest.raises(ValueError, match="Unknown dataset 'adult'") as info:
        load_dataset("adult")
    for name in list_datasets():
        assert name in str(info.value)


def test_spec_rejects_bad_task():
    with pytest.raises(ValueError, match="task must be one of"):
        DatasetSpec(
            name="x", source="sklearn:x", target="t", task="regression", n_rows=1
        )


@pytest.fixture
def csv_path(tmp_path):
    frame = pd.DataFrame(
        {
            "colour": ["red", "blue", None, "red", "blue", "green"],
            "size": [1.5, np.nan, 3.0, 4.0, 2.5, 1.0],
            "count": [1, 2, 3, 4, 5, 6],
            "label": ["yes", "no", "yes", "no", "yes", "no"],
        }
    )
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return path


def test_load_csv_round_trip(csv_path):
    X, y = load_csv(csv_path, target="label")
    assert list(X.columns) == ["colour", "size", "count"]
    assert isinstance(X["colour"].dtype, pd.CategoricalDtype)
    assert set(X["colour"].cat.categories) == {"red", "blue", "green"}
    assert X["colour"].isna().sum() == 1
    assert X["size"].dtype == np.float64 and X["size"].isna().sum() == 1
    assert X["count"].dtype == np.int64
    assert y.name == "label" and y.tolist()[:2] == ["yes", "no"]


def test_load_csv_missing_target_names_columns(csv_path):
    with pytest.raises(ValueError, match="'target'.*colour.*label"):
        load_csv(csv_path, target="target")


def test_load_csv_empty_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_csv(empty, target="y")
    header = tmp_path / "header.csv"
    header.write_text("a,y\n")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(header, target="y")


def test_load_csv_one_class_and_missing_target(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,y\n1,z\n2,z\n3,\n")
    with pytest.warns(UserWarning, match="Dropped 1 of 3 rows"):
        with pytest.raises(ValueError, match="has 1 class"):
            load_csv(path, target="y")


def test_seed_protocol_shapes_and_determinism():
    X_train, X_test, y_train, y_test = make_seed_protocol(random_state=7)
    assert X_train.shape == (4000, 20) and X_test.shape == (1000, 20)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    # Stratified: the test share of positives equals the training share.
    assert abs(y_train.mean() - y_test.mean()) < 0.002
    again = make_seed_protocol(random_state=7)
    np.testing.assert_array_equal(again[1], X_test)
    other = make_seed_protocol(random_state=8)
    assert not np.array_equal(other[1], X_test)


def test_load_csv_reads_a_numeric_column_with_stray_tokens_as_numbers(tmp_path):
    rows = ["size,label"] + [f"{i}.5,{i % 2}" for i in range(40)] + ["?,1", "twelve,0"]
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.warns(UserWarning, match=r"'size' .* numeric but for 2 values"):
        X, _ = load_csv(path, "label")
    assert X["size"].dtype == np.float64
    assert X["size"].isna().sum() == 2


def test_load_csv_refuses_repeated_column_names(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a,label\n1,2,3,0\n4,5,6,1\n")
    with pytest.raises(ValueError, match=r"repeats column names \['a'\]"):
        load_csv(path, "label")


def test_load_csv_names_file_problems(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        load_csv(tmp_path, "label")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_csv(tmp_path / "nope.csv", "label")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,label\ncaf\xe9,1\nthé,0\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8.*encoding="):
        load_csv(latin, "label")
    tabbed = tmp_path / "tabbed.csv"
    tabbed.write_text("a\tlabel\n1\t0\n2\t1\n")
    with pytest.raises(ValueError, match="tab-separated"):
        load_csv(tabbed, "label")
