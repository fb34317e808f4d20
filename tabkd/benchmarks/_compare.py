"""One fitted DistilledClassifier against its teacher and a hard-label twin.

This is the table ``tabkd distill`` prints: the teacher, the distilled
student, and the same student trained on the hard labels only, scored on
held-out rows, timed side by side and sized.
"""

import warnings

import numpy as np
from sklearn.base import clone

from .._schema import EmptyColumnWarning, HighCardinalityWarning

from ._metrics import (
    classification_metrics,
    measure_latency,
    measure_throughput,
    serialized_size,
)

__all__ = ["compare_with_teacher", "format_table"]


def hard_label_student(model, X_train, y_train):
    """Fit ``model``'s student class on one-hot labels (the baseline)."""
    student = clone(model.student_)
    codes = np.searchsorted(model.classes_, np.asarray(y_train))
    with warnings.catch_warnings():
        # The same table was read when ``model`` was fitted: its warnings
        # about the columns have been shown once already.
        warnings.simplefilter("ignore", HighCardinalityWarning)
        warnings.simplefilter("ignore", EmptyColumnWarning)
        return student.fit(X_train, np.eye(len(model.classes_))[codes])


def compare_with_teacher(model, X_train, y_train, X_test, y_test, *,
                         n_latency_calls=300, random_state=0):
    """Score and time teacher, distilled student and hard-label student.

    Parameters
    ----------
    model : DistilledClassifier
        Fitted with ``keep_teacher=True``.
    X_train, y_train :
        The rows ``model`` was fitted on (to fit the hard-label twin).
    X_test, y_test :
        Held-out rows.
    n_latency_calls : int, default=300
        Single-row calls timed per contender, interleaved.
    random_state : int, default=0
        Seeds which test rows are used for timing.

    Returns
    -------
    rows : list of dict
        One dict per contender: accuracy, log_loss, roc_auc, agreement (with
        the teacher), latency_1row_us (median), latency_1000rows_ms (median),
        size_kb.
    summary : dict
        ``edge_recovered_accuracy`` and ``edge_recovered_log_loss``: share of
        the teacher's edge over the hard-label student that the distilled
        student recovers (NaN when the teacher is no better than the
        hard-label student; above 1 when the student beats the teacher);
        ``latency_ratio_1row`` and ``size_ratio``: teacher over student.
    """
    if getattr(model, "teacher_", None) is None:
        raise ValueError("The model was fitted with keep_teacher=False; refit with "
                         "keep_teacher=True to compare against the teacher.")
    hard = hard_label_student(model, X_train, y_train)
    teacher = model.teacher_
    # Sizes are of what would be shipped: the teacher, or the student alone
    # (the estimator also carries its teacher unless keep_teacher=False).
    contenders = {
        "teacher (ensemble)": (teacher.predict_proba, teacher),
        "distilled student": (model.predict_proba, model.student_),
        "hard-label student": (hard.predict_proba, hard),
    }
    teacher_test = teacher.predict_proba(X_test)
    rows = []
    for name, (predict_proba, obj) in contenders.items():
        scores = classification_metrics(
            y_test, predict_proba(X_test), model.classes_, teacher_proba=teacher_test
        )
        rows.append({"model": name, **scores, "size_kb": serialized_size(obj) / 1024})

    rng = np.random.default_rng(random_state)
    picks = rng.integers(0, len(X_test), size=n_latency_calls)
    one_row = [_row(X_test, i) for i in picks]
    latency = measure_latency(
        {name: fn for name, (fn, _) in contenders.items()}, one_row,
        n_calls=n_latency_calls, warmup=10,
    )
    batch = _rows(X_test, rng.integers(0, len(X_test), size=1000))
    throughput = measure_throughput(
        {name: fn for name, (fn, _) in contenders.items()}, batch, repeats=5
    )
    for row in rows:
        row["latency_1row_us"] = latency[row["model"]]["p50_us"]
        row["latency_1000rows_ms"] = throughput[row["model"]]["seconds_per_call"] * 1e3

    by_name = {row["model"]: row for row in rows}
    t, s, h = (by_name[n] for n in contenders)
    summary = {
        "edge_recovered_accuracy": _ratio(s["accuracy"] - h["accuracy"],
                                          t["accuracy"] - h["accuracy"]),
        "edge_recovered_log_loss": _ratio(h["log_loss"] - s["log_loss"],
                                          h["log_loss"] - t["log_loss"]),
        "latency_ratio_1row": t["latency_1row_us"] / s["latency_1row_us"],
        "size_ratio": t["size_kb"] / s["size_kb"],
    }
    return rows, summary


def _ratio(gain, gap):
    # Only a teacher that beats the hard-label student has an edge to
    # recover; otherwise the ratio of two negative numbers would look healthy.
    return float(gain / gap) if gap > 1e-12 else float("nan")


def _row(X, i):
    return X.iloc[[i]] if hasattr(X, "iloc") else X[i:i + 1]


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


_COLUMNS = [
    ("model", "model", "{}"),
    ("accuracy", "accuracy", "{:.4f}"),
    ("log_loss", "log loss", "{:.4f}"),
    ("roc_auc", "ROC AUC", "{:.4f}"),
    ("agreement", "agrees w/ teacher", "{:.4f}"),
    ("latency_1row_us", "1-row p50 (µs)", "{:,.0f}"),
    ("latency_1000rows_ms", "1,000 rows (ms)", "{:,.1f}"),
    ("size_kb", "size (KB)", "{:,.0f}"),
]


def format_table(rows):
    """Render comparison rows as a fixed-width text table."""
    header = [title for _, title, _ in _COLUMNS]
    body = [[fmt.format(row[key]) for key, _, fmt in _COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in [header] + body) for i in range(len(header))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest)

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule] + [line(cells) for cells in body])
