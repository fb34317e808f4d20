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
# # Pipelines and tuning
#
# `DistilledClassifier` is a scikit-learn classifier, so it can be the last
# step of a `Pipeline` and be tuned with `GridSearchCV`. Here a
# `ColumnTransformer` log-scales the money columns and one-hot encodes the
# categorical ones; the grid searches the student's size (`num_leaves`) and
# the number of synthetic rows. Two pictures follow: fidelity against the
# number of synthetic rows, and fidelity and latency against student size.
#
# Set `TABKD_NOTEBOOK_FAST=1` for a small run (800 rows, a two-member
# teacher, a 2 × 2 grid on 2 folds).

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd.benchmarks import load_dataset, measure_latency
from tabkd.plotting import plot_fidelity_vs_synthetic, plot_student_size

FAST = os.environ.get("TABKD_NOTEBOOK_FAST", "0") == "1"
FIGURES = Path(os.environ.get("TABKD_FIGURES", "figures"))
FIGURES.mkdir(parents=True, exist_ok=True)

X, y = load_dataset("credit_data")
if FAST:
    X, _, y, _ = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %% [markdown]
# ## The pipeline
#
# `set_output(transform="pandas")` keeps column names, so the distilled
# model records `feature_names_in_` and its exports name their columns.

# %%
money = ["Income", "Assets", "Debt", "Amount", "Price", "Expenses"]
categorical = list(X.select_dtypes("category").columns)
prepare = ColumnTransformer(
    [
        ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one"), money),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         categorical),
    ],
    remainder="passthrough",
    verbose_feature_names_out=False,
).set_output(transform="pandas")

if FAST:
    from sklearn.ensemble import HistGradientBoostingClassifier

    teacher = [
        (f"hgb_depth{depth}", HistGradientBoostingClassifier(
            max_iter=50, max_depth=depth, random_state=0))
        for depth in (3, None)
    ]
    distill = DistilledClassifier(
        teacher=teacher, student=LightGBMStudent(n_estimators=100), cv=3,
        random_state=0, n_jobs=1,
    )
    grid = {"distill__student__num_leaves": [4, 15],
            "distill__n_synthetic": [0.5, 2.0]}
    search_cv = 2
else:
    distill = DistilledClassifier(student=LightGBMStudent(), random_state=0,
                                  n_jobs=-1)
    grid = {"distill__student__num_leaves": [7, 31],
            "distill__n_synthetic": [1.0, 5.0]}
    search_cv = 3
pipeline = Pipeline([("prepare", prepare), ("distill", distill)])

# %% [markdown]
# ## A scorer for fidelity
#
# Besides log loss against the labels we score *fidelity*: how often the
# student predicts the class its own teacher predicts, on the rows of the
# validation fold. The teacher is kept in `teacher_` after fit, so the
# scorer can ask it.

# %%
def fidelity(estimator, X, y):
    """Share of rows where the distilled student agrees with its teacher."""
    features = estimator[:-1].transform(X)
    model = estimator[-1]
    teacher_class = model.teacher_.predict_proba(features).argmax(axis=1)
    return float(np.mean(model.predict_proba(features).argmax(axis=1)
                         == teacher_class))


search = GridSearchCV(
    pipeline, grid, cv=search_cv, refit="log_loss",
    scoring={"log_loss": "neg_log_loss", "fidelity": fidelity},
)
search.fit(X_train, y_train)
print("best:", search.best_params_)
results = search.cv_results_
for params, loss, agree in zip(results["params"], results["mean_test_log_loss"],
                               results["mean_test_fidelity"]):
    print(params, f"log loss {-loss:.4f}  fidelity {agree:.3f}")

# %% [markdown]
# ## Fidelity against the number of synthetic rows
#
# `n_synthetic` as a float is a multiple of the training rows of each fit;
# we convert it to a count for the x axis.

# %%
rows_per_fold = len(X_train) * (search_cv - 1) / search_cv
curves = {}
for leaves in grid["distill__student__num_leaves"]:
    mask = np.array([p["distill__student__num_leaves"] == leaves
                     for p in results["params"]])
    multiples = [p["distill__n_synthetic"] for p in np.array(results["params"])[mask]]
    curves[f"num_leaves={leaves}"] = results["mean_test_fidelity"][mask]
counts = np.array(multiples) * rows_per_fold
ax = plot_fidelity_vs_synthetic(counts, curves)
ax.figure.savefig(FIGURES / "tuning_fidelity_vs_synthetic.png", dpi=120)

# %% [markdown]
# ## The accuracy–latency trade-off: student size
#
# We refit the best pipeline with students of several sizes and measure, on
# held-out rows, fidelity to the teacher and the median latency of one
# `predict_proba` call of the distilled step on one row. The
# `ColumnTransformer` in front costs the same for every size (with pandas
# output, more than the student itself), so it is timed once, apart.

# %%
sizes = [2, 4, 8, 16] if FAST else [2, 4, 8, 16, 32, 64]
agreement, fitted = [], {}
for leaves in sizes:
    candidate = clone(search.best_estimator_).set_params(
        distill__student__num_leaves=leaves
    ).fit(X_train, y_train)
    features = candidate[:-1].transform(X_test)
    teacher_class = candidate[-1].teacher_.predict_proba(features).argmax(axis=1)
    agreement.append(np.mean(candidate.predict(X_test)
                             == candidate[-1].classes_[teacher_class]))
    fitted[str(leaves)] = candidate

n_calls = 50 if FAST else 300
raw = [X_test.iloc[[i % len(X_test)]] for i in range(n_calls)]
features = fitted[str(sizes[0])][:-1].transform(pd.concat(raw))
encoded = [features.iloc[[i]] for i in range(n_calls)]


def on_row(predict, rows):
    # measure_latency hands every contender the same input, here a row
    # index; the one-row frames are sliced beforehand, outside the timing.
    return lambda i: predict(rows[i])


contenders = {leaves: on_row(model[-1].predict_proba, encoded)
              for leaves, model in fitted.items()}
contenders["ColumnTransformer"] = on_row(fitted[str(sizes[0])][:-1].transform, raw)
latency = measure_latency(contenders, list(range(n_calls)), n_calls=n_calls,
                          warmup=5)
latency_us = [latency[str(leaves)]["p50_us"] for leaves in sizes]
for leaves, agree, micro in zip(sizes, agreement, latency_us):
    print(f"num_leaves={leaves:>3}: fidelity {agree:.3f}, {micro:,.0f} µs per row")
print(f"ColumnTransformer: {latency['ColumnTransformer']['p50_us']:,.0f} µs per row")

# %%
ax, ax_latency = plot_student_size(sizes, agreement, latency_us,
                                   size_label="student num_leaves (log scale)")
ax.figure.savefig(FIGURES / "tuning_student_size.png", dpi=120)
