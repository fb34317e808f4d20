"""tabkd.plotting: every function draws, returns its Axes and saves a PNG."""

import builtins
import importlib
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt

from tabkd import plotting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _saved_png(ax, tmp_path):
    path = tmp_path / "figure.png"
    ax.figure.savefig(path)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 1024
    return data


def _proba(rng, n, k):
    raw = rng.normal(size=(n, k))
    return np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)


ROWS = [
    {"model": "teacher (ensemble)", "accuracy": 0.80, "latency_1row_us": 150_000.0},
    {"model": "distilled student", "accuracy": 0.79, "latency_1row_us": 700.0},
    {"model": "hard-label student", "accuracy": 0.77, "latency_1row_us": 500.0},
]


def test_accuracy_latency_one_point_per_contender_log_x(tmp_path):
    ax = plotting.plot_accuracy_latency(ROWS)
    assert ax.get_xscale() == "log"
    assert len(ax.collections) == len(ROWS)
    assert [t.get_text() for t in ax.texts] == [row["model"] for row in ROWS]
    _saved_png(ax, tmp_path)


def test_accuracy_latency_accepts_a_dataframe_and_other_keys():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS).assign(roc_auc=[0.9, 0.88, 0.85])
    ax = plotting.plot_accuracy_latency(frame, accuracy="roc_auc")
    assert ax.get_ylabel() == "roc auc"


def test_functions_draw_on_the_given_axes():
    rng = np.random.default_rng(0)
    _, axes = plt.subplots(2, 3)
    p = _proba(rng, 50, 2)
    y = np.array(["a", "b"])[rng.integers(0, 2, 50)]
    drawn = [
        plotting.plot_accuracy_latency(ROWS, ax=axes[0, 0]),
        plotting.plot_probability_scatter(p, p, ax=axes[0, 1]),
        plotting.plot_reliability(y, {"student": p}, ["a", "b"], ax=axes[0, 2]),
        plotting.plot_fidelity_vs_synthetic([0, 10, 100], [0.9, 0.95, 0.97],
                                            ax=axes[1, 0]),
        plotting.plot_student_size([4, 8], [0.9, 0.95], [10, 20], ax=axes[1, 1])[0],
        plotting.plot_latency_bars({"a": 10.0, "b": 1000.0}, ax=axes[1, 2]),
    ]
    assert drawn == list(axes.ravel())
    assert len(plt.get_fignums()) == 1


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probability_scatter(n_classes, tmp_path):
    rng = np.random.default_rng(0)
    teacher = _proba(rng, 200, n_classes)
    ax = plotting.plot_probability_scatter(teacher, teacher,
                                           classes=list("abc")[:n_classes])
    # Binary: one cloud (the positive class); multiclass: one per class.
    assert len(ax.collections) == (1 if n_classes == 2 else n_classes)
    assert "agreement 100.0%" in ax.get_title()
    _saved_png(ax, tmp_path)


def test_probability_scatter_subsamples_and_takes_1d():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=10_000)
    ax = plotting.plot_probability_scatter(p, p, max_points=300)
    assert len(ax.collections[0].get_offsets()) == 300


def test_probability_scatter_shape_mismatch():
    with pytest.raises(ValueError, match="same rows"):
        plotting.plot_probability_scatter(np.full((3, 2), 0.5), np.full((4, 2), 0.5))


def test_reliability_binary_is_calibrated_for_true_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=20_000)
    y = np.where(rng.uniform(size=p1.size) < p1, "yes", "no")
    proba = np.column_stack([1 - p1, p1])
    ax = plotting.plot_reliability(y, {"teacher": proba, "student": proba},
                                   ["no", "yes"])
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "perfectly calibrated"
    ece = float(labels[1].split("ECE ")[1].rstrip(")"))
    assert ece < 0.02
    x, freq = ax.get_lines()[1].get_data()
    np.testing.assert_allclose(x, freq, atol=0.05)
    _saved_png(ax, tmp_path)


def test_reliability_multiclass_top_label(tmp_path):
    rng = np.random.default_rng(0)
    proba = _proba(rng, 500, 3)
    y = rng.integers(0, 3, 500)
    ax = plotting.plot_reliability(y, {"student": proba}, [0, 1, 2], n_bins=5)
    assert "confidence" in ax.get_xlabel()
    _saved_png(ax, tmp_path)


def test_reliability_errors():
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_reliability([0, 1], {}, [0, 1])
    with pytest.raises(ValueError, match="3 columns but classes has 2"):
        plotting.plot_reliability([0, 1], {"s": np.full((2, 3), 1 / 3)}, [0, 1])


def test_fidelity_vs_synthetic_symlog_with_zero_and_curves(tmp_path):
    ax = plotting.plot_fidelity_vs_synthetic(
        [0, 500, 5_000, 50_000],
        {"munge": [0.90, 0.93, 0.95, 0.96], "marginal": [0.90, 0.91, 0.92, 0.92]},
        baseline=0.9,
    )
    assert ax.get_xscale() == "symlog"
    assert len(ax.get_lines()) == 3
    _saved_png(ax, tmp_path)
    with pytest.raises(ValueError, match="3 values but n_synthetic has 2"):
        plotting.plot_fidelity_vs_synthetic([0, 1], [0.1, 0.2, 0.3])


def test_student_size_twin_axes(tmp_path):
    ax, ax_latency = plotting.plot_student_size(
        [31, 4, 8, 16], [0.97, 0.90, 0.94, 0.96], [2000, 100, 200, 400]
    )
    assert ax_latency.get_yscale() == "log"
    # Points are drawn in size order whatever order they came in.
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [4, 8, 16, 31])
    _saved_png(ax, tmp_path)
    _, flat = plotting.plot_student_size([4, 8], [0.9, 0.95], [100, 120])
    assert flat.get_yscale() == "linear"
    with pytest.raises(ValueError, match="one value per point"):
        plotting.plot_student_size([4, 8], [0.9], [100, 120])


def test_latency_bars(tmp_path):
    ax = plotting.plot_latency_bars(
        {"teacher": 150_000.0, "student": 700.0, "compiled": 30.0},
        reference="teacher",
    )
    assert ax.get_xscale() == "log"
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "compiled", "student", "teacher"]
    assert "(5,000×)" in ax.texts[0].get_text()
    _saved_png(ax, tmp_path)
    with pytest.raises(ValueError, match="not a key"):
        plotting.plot_latency_bars({"a": 1.0}, reference="b")


def test_missing_matplotlib_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for name in [m for m in sys.modules if m.startswith("matplotlib")]:
        monkeypatch.delitem(sys.modules, name)
    # Importing the module works without matplotlib; drawing says what to do.
    module = importlib.reload(plotting)
    with pytest.raises(ImportError, match=r"tabkd\[plot\]"):
        module.plot_latency_bars({"a": 1.0})


def test_library_does_not_import_plotting():
    import subprocess

    code = ("import tabkd, sys; tabkd.DistilledClassifier; "
            "print('tabkd.plotting' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
