"""Single-row and batch latency of the teacher, the estimator and each export.

One default ``DistilledClassifier`` is fitted on credit_data (75% of the rows)
and every contender predicts the held-out rows: the stacking teacher, the
estimator's ``predict_proba``, the bare LightGBM ``Booster.predict`` on the
encoded float array, ``StudentPredictor`` for each export format (fed a
dict, as a service would), the raw onnxruntime session, ``tl2cgen``'s own
predictor on the compiled library, and the bare compiled call (ctypes on a
filled float64 row, no encoding). Calls are interleaved
(``tabkd.benchmarks.measure_latency``), every engine runs one thread.

Usage::

    python benchmarks/latency.py --n-calls 300 --out benchmarks/results/latency
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from tabkd import DistilledClassifier, StudentPredictor
from tabkd._fast import CompiledTrees
from tabkd.benchmarks import load_dataset, measure_latency, measure_throughput

PACKAGES = ["tabkd", "numpy", "pandas", "scikit-learn", "lightgbm", "xgboost",
            "onnx", "onnxruntime", "onnxmltools", "treelite", "tl2cgen"]


def _versions():
    out = {"python": platform.python_version(), "machine": platform.machine()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _contenders(model, X_test, root, batch_rows):
    """Single-row and batch callables, each taking a row index / the batch."""
    import onnxruntime as ort
    import tl2cgen

    for fmt in ("lightgbm", "onnx", "compiled"):
        model.export(root / fmt, format=fmt)
    predictors = {f: StudentPredictor.load(root / f) for f in ("lightgbm", "onnx",
                                                               "compiled")}
    encoded = model.schema_.encode(X_test)
    frames = [X_test.iloc[[i]] for i in range(len(X_test))]
    records = X_test.astype(object).where(X_test.notna(), None).to_dict("records")
    encoded_rows = [encoded[[i]] for i in range(len(X_test))]
    encoded32 = [r.astype(np.float32) for r in encoded_rows]

    booster = model.student_.booster_
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(root / "onnx" / "model.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    tl_predictor = tl2cgen.Predictor(str(root / "compiled" / "model.so"), nthread=1)
    trees = CompiledTrees(root / "compiled" / "model.so", encoded.shape[1], 1)
    teacher = model.teacher_
    # The bare contenders get the same rows as the batch DataFrame, encoded.
    batch_encoded = encoded[:batch_rows]
    batch32 = batch_encoded.astype(np.float32)

    def bare_compiled(i):
        trees.row[:] = encoded_rows[i][0]
        return trees.raw_row()

    single = {
        "stacking teacher": lambda i: teacher.predict_proba(frames[i]),
        "DistilledClassifier.predict_proba": lambda i: model.predict_proba(frames[i]),
        "Booster.predict (float array)": lambda i: booster.predict(
            encoded_rows[i], raw_score=True, num_threads=1),
        "StudentPredictor lightgbm (dict)": lambda i: predictors[
            "lightgbm"].predict_proba(records[i]),
        "StudentPredictor onnx (dict)": lambda i: predictors["onnx"].predict_proba(
            records[i]),
        "StudentPredictor compiled (dict)": lambda i: predictors[
            "compiled"].predict_proba(records[i]),
        "onnxruntime session (float32 array)": lambda i: session.run(
            ["proba"], {"X": encoded32[i]}),
        "tl2cgen.Predictor (float array)": lambda i: tl_predictor.predict(
            tl2cgen.DMatrix(encoded_rows[i], dtype="float64"), pred_margin=True),
        "bare compiled (ctypes, float row)": bare_compiled,
    }
    batch = {
        "stacking teacher": lambda X: teacher.predict_proba(X),
        "DistilledClassifier.predict_proba": lambda X: model.predict_proba(X),
        "Booster.predict (float array)": lambda X: booster.predict(
            batch_encoded, raw_score=True, num_threads=1),
        "StudentPredictor lightgbm (DataFrame)": lambda X: predictors[
            "lightgbm"].predict_proba(X),
        "StudentPredictor onnx (DataFrame)": lambda X: predictors[
            "onnx"].predict_proba(X),
        "StudentPredictor compiled (DataFrame)": lambda X: predictors[
            "compiled"].predict_proba(X),
        "onnxruntime session (float32 array)": lambda X: session.run(
            ["proba"], {"X": batch32}),
        "tl2cgen.Predictor (float array)": lambda X: tl_predictor.predict(
            tl2cgen.DMatrix(batch_encoded, dtype="float64"), pred_margin=True),
        "bare compiled (ctypes, float array)": lambda X: trees.raw(batch_encoded),
    }
    return single, batch


SERVED = ("DistilledClassifier.predict_proba", "StudentPredictor lightgbm (dict)",
          "StudentPredictor onnx (dict)", "StudentPredictor compiled (dict)")
TEACHER = "stacking teacher"
BOOSTER = "Booster.predict (float array)"
BARE = "bare compiled (ctypes, float row)"


def targets(single):
    """The issue's single-row targets, from one timing mode's p50s."""
    p50 = {name: r["p50_us"] for name, r in single.items()}
    best = min(SERVED, key=p50.get)
    return {
        "best_served": best,
        "teacher_over_best": p50[TEACHER] / p50[best],
        "best_over_bare_compiled": p50[best] / p50[BARE],
        "estimator_over_booster": p50[SERVED[0]] / p50[BOOSTER],
    }


def _target_lines(label, t):
    def verdict(ok):
        return "met" if ok else "**missed**"

    return [
        f"| {label} | {t['best_served']} | {t['teacher_over_best']:,.0f}× "
        f"({verdict(t['teacher_over_best'] >= 1000)}) | "
        f"{t['best_over_bare_compiled']:.1f}× "
        f"({verdict(t['best_over_bare_compiled'] <= 3)}) | "
        f"{t['estimator_over_booster']:.2f}× "
        f"({verdict(t['estimator_over_booster'] < 2)}) |"
    ]


def _markdown(report):
    cold, warm = report["single_row"], report["single_row_warm"]
    batch = report["batch"]
    lines = [
        "# Latency: teacher, estimator, exports (credit_data)",
        "",
        f"Command: `{report['command']}`",
        "",
        f"{report['note']}",
        "",
        "## Targets (single row, median ratios measured side by side)",
        "",
        "| timing | best served path | teacher / best (≥ 1,000×) "
        "| best / bare compiled (≤ 3×) | predict_proba / Booster.predict (< 2×) |",
        "|---|---|---:|---:|---:|",
        *_target_lines(f"warm (bursts of {report['burst']})", targets(warm)),
        *_target_lines("cold (one call per turn)", targets(cold)),
        "",
        "## Single row",
        "",
        f"Warm: each contender makes {report['burst']} consecutive calls per turn "
        "(a service answering a stream). Cold: one call per turn, so every call "
        "follows the other contenders' calls, the teacher's included, which "
        "flush the caches.",
        "",
        "| contender | warm p50 µs | warm p99 µs | cold p50 µs | cold p99 µs "
        "| teacher / this (warm) | this / bare compiled (warm) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    teacher, bare = warm[TEACHER]["p50_us"], warm[BARE]["p50_us"]
    for name, r in warm.items():
        c = cold[name]
        lines.append(
            f"| {name} | {r['p50_us']:.1f} | {r['p99_us']:.1f} | "
            f"{c['p50_us']:.1f} | {c['p99_us']:.1f} | "
            f"{teacher / r['p50_us']:,.0f}× | {r['p50_us'] / bare:.1f}× |"
        )
    lines += ["", f"## Batch of {report['batch_rows']} rows", "",
              "| contender | ms per batch | rows / s | vs teacher |",
              "|---|---:|---:|---:|"]
    unit = batch["stacking teacher"]["seconds_per_call"]
    for name, r in batch.items():
        lines.append(
            f"| {name} | {r['seconds_per_call'] * 1e3:.2f} | {r['rows_per_s']:,.0f} | "
            f"{unit / r['seconds_per_call']:,.0f}× faster |"
        )
    lines += ["", "## Versions", "", "```", json.dumps(report["versions"], indent=1),
              "```", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--burst", type=int, default=50,
                        help="consecutive calls per contender in the warm timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-rows", type=int, default=1000)
    parser.add_argument("--out", default="benchmarks/results/latency")
    args = parser.parse_args(argv)

    X, y = load_dataset("credit_data")
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25,
                                                   stratify=y, random_state=0)
    start = time.perf_counter()
    model = DistilledClassifier(random_state=0).fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    X_test = X_test.reset_index(drop=True)

    with tempfile.TemporaryDirectory(prefix="tabkd_latency_") as tmp:
        single_fns, batch_fns = _contenders(model, X_test, Path(tmp), args.batch_rows)
        row_ids = list(range(len(X_test)))
        single = measure_latency(single_fns, row_ids, n_calls=args.n_calls,
                                 warmup=args.warmup)
        warm = measure_latency(single_fns, row_ids, n_calls=args.n_calls,
                               warmup=args.burst, burst=args.burst)
        batch_X = X_test.iloc[: args.batch_rows]
        batch = measure_throughput(batch_fns, batch_X, repeats=args.repeats)
    report = {
        "command": "python " + " ".join(["benchmarks/latency.py", *sys.argv[1:]]),
        "note": (
            f"Default DistilledClassifier (stacking teacher, MUNGE, LightGBM student "
            f"of {model.student_.n_rounds_} rounds) fitted in {fit_seconds:.0f} s on "
            f"{len(X_train)} rows. {args.n_calls} timed single-row calls per "
            f"contender in each timing mode (after warm-up calls), interleaved, one "
            f"thread per engine, on a {os.cpu_count()}-core machine, load average "
            f"{os.getloadavg()[0]:.1f} at the end of the run: absolute times move "
            "with machine load, interleaved ratios much less. Single-row "
            "StudentPredictor calls take a dict of raw values (categories as "
            "strings); the bare contenders take the already-encoded float row."
        ),
        "batch_rows": int(len(batch_X)),
        "burst": args.burst,
        "single_row": single,
        "single_row_warm": warm,
        "targets": {"warm": targets(warm), "cold": targets(single)},
        "batch": batch,
        "versions": _versions(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
