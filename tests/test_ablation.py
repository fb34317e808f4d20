"""Smoke test of the augmentation ablation: one small split, real checks."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest
from lightgbm import LGBMClassifier

from tabkd.benchmarks import (
    AblationVariant,
    default_variants,
    load_dataset,
    run_ablation_split,
    summarize_ablation,
)

SCRIPT = pathlib.Path(__file__).parents[1] / "benchmarks" / "ablation.py"


def _members():
    # One thread: OpenMP members slow to a crawl on a loaded shared machine.
    return [
        ("lgbm", LGBMClassifier(n_estimators=20, n_jobs=1, verbose=-1,
                                random_state=0)),
    ]


VARIANTS = [
    AblationVariant("hard", generator=None, alpha=1.0),
    AblationVariant("none/a=0", generator=None, alpha=0.0),
    AblationVariant("mungex1/a=0.5", generator="munge", size=1),
    AblationVariant("mungex2/a=0.5", generator="munge", size=2),
    AblationVariant("self:mungex2/a=0.5", teacher="self", generator="munge", size=2),
]


@pytest.fixture(scope="module")
def penguin_results():
    # penguins has categorical columns, NaN and three classes.
    X, y = load_dataset("penguins")
    return {
        ("penguins", seed): run_ablation_split(
            X, y, VARIANTS, seed=seed, members=_members(),
            student_params={"n_estimators": 30}, cv=3,
        )
        for seed in (0, 1)
    }


def test_default_variants_grid():
    variants = default_variants(reduced_sizes=(1, 20))
    names = [v.name for v in variants]
    assert names[0] == "hard" and len(set(names)) == len(names)
    assert {"mungex10/a=0.5", "conditionalx20/a=0.5", "mungex5/a=0"} <= set(names)
    # The reduced grid drops size 10 for the non-reference generators only.
    assert "marginalx10/a=0.5" not in names
    assert sum(v.teacher == "self" for v in variants) == 2


def test_split_result_structure(penguin_results):
    result = penguin_results["penguins", 0]
    n_test = result["n_test"]
    assert result["n_classes"] == 3
    assert result["n_train"] + n_test == 344
    assert set(result["variants"]) == {v.name for v in VARIANTS}
    for scores in result["variants"].values():
        assert scores["correct"].shape == scores["loss"].shape == (n_test,)
        assert set(np.unique(scores["correct"])) <= {0.0, 1.0}
        assert np.all(np.isfinite(scores["loss"])) and np.all(scores["loss"] >= 0)
        assert 0.5 < scores["accuracy"] <= 1.0
        assert 0.0 <= scores["agreement"] <= 1.0
        assert scores["fit_seconds"] >= scores["student_seconds"] > 0
    # Synthetic rows cost generation and labelling on top of the student fit.
    munge = result["variants"]["mungex2/a=0.5"]
    assert munge["fit_seconds"] > munge["student_seconds"]


def test_summary_tables(penguin_results):
    per_dataset, edges, pooled, per_row = summarize_ablation(
        penguin_results, n_boot=200
    )
    assert len(per_dataset) == len(VARIANTS)
    assert list(pooled["variant"]) == [v.name for v in VARIANTS]
    hard = pooled[pooled["variant"] == "hard"].iloc[0]
    # The baseline compared with itself has an exactly zero difference.
    assert hard["d_acc"] == hard["d_acc_low"] == hard["d_acc_high"] == 0.0
    for col in ("accuracy", "log_loss", "agreement", "fit_seconds", "d_acc",
                "d_ll", "d_acc_low", "d_acc_high", "d_ll_low", "d_ll_high"):
        assert np.all(np.isfinite(per_dataset[col])), col
    assert np.all(per_dataset["d_acc_low"] <= per_dataset["d_acc"])
    assert np.all(per_dataset["d_acc"] <= per_dataset["d_acc_high"])
    assert len(edges) == 1 and edges["n_classes"].iloc[0] == 3
    # Both seeds' test rows are pooled per dataset.
    assert len(per_row["penguins"]["groups"]) == 2 * penguin_results[
        "penguins", 0]["n_test"]


def test_quick_script_writes_tables(tmp_path):
    spec = importlib.util.spec_from_file_location("ablation_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "ablation"
    module.main([
        "--quick", "--datasets", "penguins", "--out", str(out),
        "--cache-dir", str(tmp_path / "cache"), "--n-boot", "100",
    ])
    text = (out.with_suffix(".md")).read_text()
    assert "Reproduce with:" in text and "| penguins | hard |" in text
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["command"].startswith("python benchmarks/ablation.py --quick")
    assert {row["variant"] for row in data["pooled"]} >= {"hard", "mungex2/a=0.5"}
    assert out.with_suffix(".csv").stat().st_size > 0
