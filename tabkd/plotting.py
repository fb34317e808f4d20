"""Pictures of a distillation: fidelity, calibration and what latency costs.

Every function draws on the Axes given as ``ax`` (or on a new figure when
``ax`` is None) and returns that Axes; the figure is ``ax.figure``. Nothing
here calls ``plt.show`` or picks a backend, so the functions work alike in a
notebook, a script under the non-interactive ``Agg`` backend, and a test.

matplotlib is an optional dependency: ``pip install "tabkd[plot]"``. The
library never imports this module; the notebooks and benchmark scripts do.
"""

import numpy as np

__all__ = [
    "plot_accuracy_latency",
    "plot_fidelity_vs_synthetic",
    "plot_latency_bars",
    "plot_probability_scatter",
    "plot_reliability",
    "plot_student_size",
]

# One colour per role, so that teacher and student look the same in every
# figure of a notebook.
_TEACHER_COLOR = "#4c72b0"
_STUDENT_COLOR = "#dd8452"
_OTHER_COLORS = ["#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "tabkd.plotting needs matplotlib; install it with "
            "pip install \"tabkd[plot]\" (or pip install matplotlib)."
        ) from exc
    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def _color(name, index):
    lowered = str(name).lower()
    if "teacher" in lowered:
        return _TEACHER_COLOR
    if "distilled" in lowered or lowered == "student":
        return _STUDENT_COLOR
    return _OTHER_COLORS[index % len(_OTHER_COLORS)]


def _records(rows):
    # compare_with_teacher returns a list of dicts; a DataFrame of the same
    # columns (e.g. a benchmark result table) is accepted too.
    if hasattr(rows, "to_dict"):
        return rows.to_dict("records")
    return list(rows)


def _proba_2d(proba, name):
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1:
        proba = np.column_stack([1.0 - proba, proba])
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(
            f"{name} must be probabilities of shape (n_samples, n_classes) or "
            f"of the positive class, shape (n_samples,); got shape {proba.shape}."
        )
    return proba


def plot_accuracy_latency(rows, *, ax=None, accuracy="accuracy",
                          latency="latency_1row_us", label="model"):
    """Accuracy against single-row latency, one point per contender.

    Parameters
    ----------
    rows : list of dict or DataFrame
        One record per contender, as returned by
        :func:`tabkd.benchmarks.compare_with_teacher`.

    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    accuracy : str, default="accuracy"
        Key of the y value (any higher-is-better score, e.g. ``"roc_auc"``).

    latency : str, default="latency_1row_us"
        Key of the x value, in microseconds.

    label : str, default="model"
        Key of the point labels.

    Returns
    -------
    ax : matplotlib Axes
        The x axis is logarithmic: latencies span orders of magnitude.
    """
    records = _records(rows)
    if not records:
        raise ValueError("rows is empty; pass one record per contender.")
    ax = _axes(ax, (6, 4))
    for i, record in enumerate(records):
        x, y = float(record[latency]), float(record[accuracy])
        ax.scatter([x], [y], s=80, color=_color(record[label], i), zorder=3,
                   edgecolor="white", linewidth=1)
        ax.annotate(str(record[label]), (x, y), xytext=(6, 6),
                    textcoords="offset points", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel("single-row latency, median (µs, log scale)")
    ax.set_ylabel(accuracy.replace("_", " "))
    ax.set_title("What each model costs per prediction")
    ax.grid(True, which="both", alpha=0.3)
    # Labels of the rightmost and the top point need room inside the axes.
    low, high = ax.get_xlim()
    ax.set_xlim(low, high * 3)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.1 * (high - low))
    return ax


def plot_probability_scatter(teacher_proba, student_proba, *, classes=None,
                             ax=None, max_points=5_000, random_state=0):
    """The student's probabilities against the teacher's, row by row.

    A perfect student puts every point on the diagonal. For two classes the
    probability of the second class is drawn; for more, every class column
    is drawn in its own colour.

    Parameters
    ----------
    teacher_proba, student_proba : array-like of shape (n_samples, n_classes)
        Probabilities of the same rows, columns in the same class order (a
        1-D array is read as the positive class probability).

    classes : sequence, default=None
        Class names for the legend.

    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    max_points : int, default=5000
        Rows drawn at most (a random subset above it), to keep files small.

    random_state : int, default=0
        Seeds the subset.

    Returns
    -------
    ax : matplotlib Axes
    """
    teacher = _proba_2d(teacher_proba, "teacher_proba")
    student = _proba_2d(student_proba, "student_proba")
    if teacher.shape != student.shape:
        raise ValueError(
            f"teacher_proba has shape {teacher.shape} but student_proba has "
            f"shape {student.shape}; pass probabilities of the same rows."
        )
    agreement = float(np.mean(teacher.argmax(1) == student.argmax(1)))
    mae = float(np.mean(np.abs(teacher - student)))
    if len(teacher) > max_points:
        rng = np.random.default_rng(random_state)
        keep = rng.choice(len(teacher), size=max_points, replace=False)
        teacher, student = teacher[keep], student[keep]

    ax = _axes(ax, (5, 5))
    n_classes = teacher.shape[1]
    names = list(classes) if classes is not None else list(range(n_classes))
    columns = [1] if n_classes == 2 else range(n_classes)
    for i, column in enumerate(columns):
        color = _STUDENT_COLOR if n_classes == 2 else _OTHER_COLORS[i % 6]
        ax.scatter(teacher[:, column], student[:, column], s=10, alpha=0.5,
                   color=color, linewidth=0, label=f"P({names[column]})")
    ax.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("teacher probability")
    ax.set_ylabel("student probability")
    ax.set_title(f"Student vs teacher: agreement {agreement:.1%}, "
                 f"mean |Δp| {mae:.3f}", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(True, alpha=0.3)
    return ax


def _reliability_curve(y_true, proba, classes, n_bins):
    """Mean confidence, observed frequency and count per probability bin."""
    y_true = np.asarray(y_true)
    if proba.shape[1] == 2:
        # Binary: the classic diagram of the positive class.
        score = proba[:, 1]
        hit = (y_true == classes[1]).astype(float)
    else:
        # Multiclass: top-label calibration, confidence of the predicted
        # class against how often that prediction is right.
        score = proba.max(axis=1)
        hit = (np.asarray(classes)[proba.argmax(axis=1)] == y_true).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(score, edges[1:-1]), 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    used = counts > 0
    mean_score = np.bincount(which, weights=score, minlength=n_bins)[used]
    mean_hit = np.bincount(which, weights=hit, minlength=n_bins)[used]
    return mean_score / counts[used], mean_hit / counts[used], counts[used]


def plot_reliability(y_true, probas, classes, *, n_bins=10, ax=None):
    """Reliability diagram of several models on the same rows.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    probas : dict of str to array-like of shape (n_samples, n_classes)
        Probabilities per model, e.g. ``{"teacher": ..., "student": ...}``,
        columns in ``classes`` order.

    classes : array-like of shape (n_classes,)
        Class labels, e.g. ``model.classes_``.

    n_bins : int, default=10
        Equal-width probability bins.

    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Notes
    -----
    With two classes the x axis is the predicted probability of
    ``classes[1]`` and the y axis how often it is the label. With more, it
    is top-label calibration: the confidence of the predicted class against
    the accuracy of those predictions. Each point's area follows the number
    of rows in its bin, and the legend shows the expected calibration error
    (the count-weighted mean gap to the diagonal).
    """
    if not probas:
        raise ValueError("probas is empty; pass at least one model's "
                         "probabilities, e.g. {'student': proba}.")
    classes = np.asarray(classes)
    ax = _axes(ax, (5, 5))
    ax.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1,
            label="perfectly calibrated")
    for i, (name, proba) in enumerate(probas.items()):
        proba = _proba_2d(proba, f"probas[{name!r}]")
        if proba.shape[1] != len(classes):
            raise ValueError(
                f"probas[{name!r}] has {proba.shape[1]} columns but classes has "
                f"{len(classes)} labels."
            )
        score, hit, counts = _reliability_curve(y_true, proba, classes, n_bins)
        ece = float(np.sum(counts * np.abs(score - hit)) / np.sum(counts))
        color = _color(name, i)
        ax.plot(score, hit, color=color, marker=None, linewidth=1.5,
                label=f"{name} (ECE {ece:.3f})")
        ax.scatter(score, hit, s=15 + 200 * counts / counts.max(), color=color,
                   alpha=0.7, zorder=3, linewidth=0)
    binary = len(classes) == 2
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(f"predicted P({classes[1]})" if binary
                  else "confidence of the predicted class")
    ax.set_ylabel(f"observed share of {classes[1]}" if binary
                  else "accuracy of those predictions")
    ax.set_title("Reliability diagram", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(True, alpha=0.3)
    return ax


def plot_fidelity_vs_synthetic(n_synthetic, fidelity, *, ax=None,
                               label="agreement with teacher", baseline=None):
    """Fidelity of the student against the number of synthetic rows.

    Parameters
    ----------
    n_synthetic : array-like of shape (n_points,)
        Synthetic rows the student was trained with (0 allowed).

    fidelity : array-like of shape (n_points,) or dict of str to array-like
        A fidelity score per point (e.g. agreement with the teacher on
        held-out rows), or several curves keyed by name (e.g. per
        augmenter).

    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    label : str, default="agreement with teacher"
        y axis label.

    baseline : float, default=None
        Drawn as a horizontal line, e.g. the hard-label student's score.

    Returns
    -------
    ax : matplotlib Axes
        The x axis is symmetric-logarithmic, so that 0 rows has a place
        next to counts in the thousands.
    """
    x = np.asarray(n_synthetic, dtype=float)
    curves = fidelity if isinstance(fidelity, dict) else {"student": fidelity}
    ax = _axes(ax, (6, 4))
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != x.shape:
            raise ValueError(
                f"fidelity[{name!r}] has {values.size} values but n_synthetic "
                f"has {x.size}."
            )
        order = np.argsort(x)
        color = _STUDENT_COLOR if len(curves) == 1 else _OTHER_COLORS[i % 6]
        ax.plot(x[order], values[order], marker="o", color=color, label=name)
    if baseline is not None:
        ax.axhline(baseline, color="0.4", linestyle=":", label="baseline")
    positive = x[x > 0]
    ax.set_xscale("symlog", linthresh=float(positive.min()) if positive.size else 1)
    ax.set_xlabel("synthetic rows (symlog scale)")
    ax.set_ylabel(label)
    ax.set_title("How many synthetic rows are worth it", fontsize=10)
    if len(curves) > 1 or baseline is not None:
        ax.legend(fontsize=8, frameon=False)
    ax.grid(True, which="both", alpha=0.3)
    return ax


def plot_student_size(sizes, fidelity, latency_us, *, ax=None,
                      size_label="student size", fidelity_label="agreement "
                      "with teacher"):
    """Fidelity and single-row latency against student size.

    Parameters
    ----------
    sizes : array-like of shape (n_points,)
        Student size per point (e.g. ``num_leaves`` or trees).

    fidelity : array-like of shape (n_points,)
        Fidelity per point, drawn on the left axis.

    latency_us : array-like of shape (n_points,)
        Single-row latency in microseconds, drawn on the right (a log axis
        when the latencies span more than a factor of ten).

    ax : matplotlib Axes, default=None
        Where to draw the fidelity; a new figure when None.

    size_label, fidelity_label : str
        Axis labels.

    Returns
    -------
    ax, ax_latency : matplotlib Axes
        The fidelity axes and its twin that holds the latency.
    """
    sizes = np.asarray(sizes, dtype=float)
    fidelity = np.asarray(fidelity, dtype=float)
    latency_us = np.asarray(latency_us, dtype=float)
    if not sizes.shape == fidelity.shape == latency_us.shape:
        raise ValueError(
            "sizes, fidelity and latency_us must have one value per point; got "
            f"{sizes.size}, {fidelity.size} and {latency_us.size}."
        )
    order = np.argsort(sizes)
    ax = _axes(ax, (6, 4))
    ax.plot(sizes[order], fidelity[order], marker="o", color=_STUDENT_COLOR,
            label=fidelity_label)
    ax.set_xlabel(size_label)
    ax.set_ylabel(fidelity_label, color=_STUDENT_COLOR)
    ax.set_xscale("log")
    # Ticks at the sizes drawn, as plain numbers rather than powers of ten.
    ax.set_xticks(sizes[order], [f"{size:g}" for size in sizes[order]])
    ax.minorticks_off()
    ax.grid(True, alpha=0.3)
    ax_latency = ax.twinx()
    ax_latency.plot(sizes[order], latency_us[order], marker="s", linestyle="--",
                    color=_TEACHER_COLOR, label="single-row latency")
    if latency_us.max() > 10 * latency_us.min():
        ax_latency.set_yscale("log")
    ax_latency.set_ylabel("single-row latency, median (µs)", color=_TEACHER_COLOR)
    ax.set_title("Fidelity and latency against student size", fontsize=10)
    lines = ax.get_lines()[:1] + ax_latency.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8,
              frameon=False, loc="lower right")
    return ax, ax_latency


def plot_latency_bars(latencies, *, ax=None, reference=None):
    """Horizontal bars of single-row latency, log axis, fastest at the bottom.

    Parameters
    ----------
    latencies : dict of str to float
        Median single-row latency in microseconds per way of predicting.

    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    reference : str, default=None
        A key of ``latencies``; each bar is annotated with its speed-up over
        that one.

    Returns
    -------
    ax : matplotlib Axes
    """
    if not latencies:
        raise ValueError("latencies is empty; pass {name: microseconds}.")
    if reference is not None and reference not in latencies:
        raise ValueError(f"reference={reference!r} is not a key of latencies; "
                         f"expected one of {list(latencies)}.")
    items = sorted(latencies.items(), key=lambda item: item[1])
    names = [name for name, _ in items]
    values = np.array([value for _, value in items], dtype=float)
    ax = _axes(ax, (7, 0.5 * len(items) + 1.5))
    colors = [_color(name, i) for i, name in enumerate(names)]
    ax.barh(names, values, color=colors)
    ax.set_xscale("log")
    for i, value in enumerate(values):
        text = f"{value:,.0f} µs"
        if reference is not None:
            text += f"  ({latencies[reference] / value:,.0f}×)"
        ax.annotate(text, (value, i), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    low, high = ax.get_xlim()
    ax.set_xlim(low, high * 8)
    ax.set_xlabel("single-row latency, median (µs, log scale)")
    ax.set_title("Serving one row", fontsize=10)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    return ax
