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
# # Deploying the student
#
# The teacher is used only while fitting. What ships is the student and the
# schema that encodes rows for it. Here we export it in each format, load
# each export in a *clean* Python process (one that never imported
# scikit-learn or the teacher's libraries), serve rows there, check the
# probabilities match, and compare latencies in a bar chart.
#
# - `"lightgbm"`: LightGBM's model text, run by lightgbm.
# - `"onnx"`: an ONNX graph, run by onnxruntime (`tabkd[export]`).
# - `"compiled"`: C code from treelite/tl2cgen compiled with gcc, called
#   through ctypes (`tabkd[export]` and a C compiler).
#
# A format whose tools are missing is skipped with a note.
#
# Set `TABKD_NOTEBOOK_FAST=1` for a small run (800 rows, a two-member
# teacher).

# %%
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tabkd import DistilledClassifier, LightGBMStudent
from tabkd.benchmarks import load_dataset, measure_latency
from tabkd.plotting import plot_latency_bars

FAST = os.environ.get("TABKD_NOTEBOOK_FAST", "0") == "1"
FIGURES = Path(os.environ.get("TABKD_FIGURES", "figures"))
FIGURES.mkdir(parents=True, exist_ok=True)
N_CALLS = 50 if FAST else 300

X, y = load_dataset("credit_data")
if FAST:
    X, _, y, _ = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

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

# %% [markdown]
# ## Export
#
# Each export is a directory: `schema.json` plus one model file.

# %%
exports = {}
for fmt in ["lightgbm", "onnx", "compiled"]:
    if fmt == "compiled" and shutil.which("gcc") is None:
        print("skipping format='compiled': no gcc on PATH")
        continue
    try:
        exports[fmt] = model.export(Path("exports") / fmt, format=fmt)
    except (ImportError, OSError, RuntimeError) as exc:
        # Missing optional packages or no C compiler: skip this format only.
        print(f"skipping format={fmt!r}: {type(exc).__name__}: {exc}")
for fmt, path in exports.items():
    print(f"{fmt:<9} {sorted(p.name for p in path.iterdir())}")

# %% [markdown]
# ## Serve rows from a clean process
#
# The server below is all a deployment needs: `StudentPredictor.load` and
# `predict_proba` on plain dicts, as they would arrive in a JSON request. It
# reports which heavy libraries got imported (none should be), its
# probabilities for the rows, and the median latency of one-row calls.

# %%
SERVER = r'''
import json, sys, time
from tabkd import StudentPredictor

path, rows_file, n_calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = json.load(open(rows_file))
predictor = StudentPredictor.load(path)
proba = predictor.predict_proba(rows).tolist()
for row in rows[:10]:
    predictor.predict_proba(row)  # warm-up
times = []
for i in range(n_calls):
    row = rows[i % len(rows)]
    start = time.perf_counter_ns()
    predictor.predict_proba(row)
    times.append((time.perf_counter_ns() - start) / 1e3)
heavy = sorted(m for m in ("sklearn", "xgboost", "pandas") if m in sys.modules)
print(json.dumps({"proba": proba, "p50_us": sorted(times)[len(times) // 2],
                  "heavy_imports": heavy}))
'''


def as_json_row(row):
    # Missing values become None (JSON null); categories are plain strings.
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in row.items()}


rows = [as_json_row(r) for r in X_test.astype(object).to_dict("records")]
Path("rows.json").write_text(json.dumps(rows))

served = {}
for fmt, path in exports.items():
    out = subprocess.run(
        [sys.executable, "-c", SERVER, str(path), "rows.json", str(N_CALLS)],
        capture_output=True, text=True, check=True,
    )
    served[fmt] = json.loads(out.stdout)
    gap = np.abs(np.array(served[fmt]["proba"]) - model.predict_proba(X_test)).max()
    print(f"{fmt:<9} max |Δp| vs the estimator {gap:.1e}, "
          f"{served[fmt]['p50_us']:,.0f} µs per row, "
          f"heavy imports: {served[fmt]['heavy_imports'] or 'none'}")
    assert gap < 1e-4, f"{fmt} export disagrees with the estimator"

# %% [markdown]
# ## Latency, side by side
#
# The teacher and the estimator are timed in this process, interleaved; the
# exports in their clean processes, each on dict rows. Absolute numbers
# depend on the machine; the ratios are the point.

# %%
one_row = [X_test.iloc[[i % len(X_test)]] for i in range(N_CALLS)]
in_process = measure_latency(
    {"teacher (ensemble)": model.teacher_.predict_proba,
     "DistilledClassifier": model.predict_proba},
    one_row, n_calls=N_CALLS, warmup=5,
)
latencies = {name: result["p50_us"] for name, result in in_process.items()}
latencies.update({f"export: {fmt}": result["p50_us"] for fmt, result in served.items()})
ax = plot_latency_bars(latencies, reference="teacher (ensemble)")
ax.figure.savefig(FIGURES / "deploy_latency.png", dpi=120)
