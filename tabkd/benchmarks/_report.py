"""Turn a benchmark run into numbers a reader can act on, and into files.

:func:`analyse_results` computes the paired comparisons, the edge recovered
per dataset and pooled, and checks each target of the benchmark issue;
:func:`write_results` writes ``results.json``, ``measurements.csv``,
``report.md`` and two PNG plots.

Differences are always ``contender - baseline`` on the same test rows, with
a paired bootstrap interval over the rows of every seed of a dataset
concatenated (the seeds' test sets are resamples of one table, so they
overlap; the interval treats rows as independent, as the helpers document).
"""

import json
import math
import os

import numpy as np
import pandas as pd

from ._metrics import bootstrap_edge_recovered, paired_bootstrap
from ._runner import (
    BEST_MEMBER,
    DISTILLED,
    DISTILLED_RAW,
    HARD,
    STACKING,
    TUNED,
    VOTING,
)

__all__ = ["analyse_results", "write_results"]

# The targets, and the tutorial method's pooled figure re-run here.
TUTORIAL_POOLED = 0.615
TARGET_EDGE = 0.80
TARGET_LATENCY_RATIO = 100.0
TARGET_THROUGHPUT_RATIO = 20.0
TARGET_SIZE_RATIO = 20.0

_METRIC_COLUMNS = (
    ("accuracy", "acc", "{:.4f}"),
    ("balanced_accuracy", "bal acc", "{:.4f}"),
    ("log_loss", "log loss", "{:.4f}"),
    ("roc_auc", "AUC", "{:.4f}"),
    ("brier", "Brier", "{:.4f}"),
    ("agreement", "agree", "{:.3f}"),
    ("fit_seconds", "fit s", "{:.2f}"),
    ("overhead_seconds", "distil s", "{:.2f}"),
    ("peak_fit_mb", "peak MB", "{:.0f}"),
    ("size_kb", "size KB", "{:,.0f}"),
    ("latency_p50_us", "p50 µs", "{:,.0f}"),
    ("latency_p99_us", "p99 µs", "{:,.0f}"),
    ("latency_p50_us_default_threads", "p50 µs dflt thr", "{:,.0f}"),
    ("rows_per_s_1000", "rows/s 1k", "{:,.0f}"),
    ("rows_per_s_100000", "rows/s 100k", "{:,.0f}"),
)


def _finite(value):
    return (value is not None and isinstance(value, (int, float))
            and math.isfinite(value))


def _rows_of(per_row, dataset, seeds, contender, metric):
    return np.concatenate([per_row[(dataset, s, contender)][metric] for s in seeds])


def _paired(per_row, dataset, seeds, a, b, metric, n_boot):
    return paired_bootstrap(
        _rows_of(per_row, dataset, seeds, a, metric),
        _rows_of(per_row, dataset, seeds, b, metric),
        n_boot=n_boot,
    )


def _edge(per_row, keys, student, baseline, teacher, metric, n_boot):
    """Pooled edge recovered over ``keys`` = [(dataset, seed), ...]."""
    if not keys:
        return None
    parts = {role: [] for role in ("s", "b", "t")}
    groups = []
    for dataset, seed in keys:
        parts["s"].append(per_row[(dataset, seed, student)][metric])
        parts["b"].append(per_row[(dataset, seed, baseline)][metric])
        parts["t"].append(per_row[(dataset, seed, teacher)][metric])
        groups.append(np.full(len(parts["s"][-1]), f"{dataset}/seed={seed}"))
    return bootstrap_edge_recovered(
        np.concatenate(parts["s"]), np.concatenate(parts["b"]),
        np.concatenate(parts["t"]), np.concatenate(groups), n_boot=n_boot,
    )


def analyse_results(results):
    """Comparisons, edge recovered and target checks of one benchmark run.

    Parameters
    ----------
    results : dict
        Output of :func:`~tabkd.benchmarks._runner.run_benchmark`.

    Returns
    -------
    analysis : dict
        ``per_dataset`` (mean over seeds per contender), ``comparisons``
        (paired differences per dataset), ``edges`` (edge recovered per
        dataset), ``pooled``, ``summary`` (medians across datasets),
        ``ratios`` and ``targets``.
    """
    config = results["config"]
    per_row = results["per_row"]
    n_boot = config["n_boot"]
    frame = pd.DataFrame(results["measurements"])
    datasets = list(dict.fromkeys(frame["dataset"]))
    seeds = config["seeds"]
    kinds = config["students"]
    lead = kinds[0]
    hard_lead = f"{lead}: {HARD}"

    numeric = frame.select_dtypes("number").columns.drop("seed")
    per_dataset = frame.groupby(["dataset", "contender"], sort=False)[numeric].mean()
    # Teachers first, then each student kind in fitting order.
    order = [STACKING, VOTING, BEST_MEMBER] + [
        f"{kind}: {variant}" for kind in kinds
        for variant in (HARD, TUNED, DISTILLED_RAW, DISTILLED)
    ]
    rank = {name: i for i, name in enumerate(order)}
    per_dataset = per_dataset.sort_index(
        key=lambda idx: idx.map(lambda v: rank.get(v, len(order)))
        if idx.name == "contender" else idx.map(datasets.index)
    )

    comparisons, edges = {}, {}
    for dataset in datasets:
        comp = {}

        def pair(a, b, label):
            comp[label] = {
                metric: _paired(per_row, dataset, seeds, a, b, metric, n_boot)
                for metric in ("correct", "log_loss")
            }

        pair(STACKING, hard_lead, "teacher - hard-label")
        pair(STACKING, f"{lead}: {TUNED}", "teacher - tuned")
        pair(STACKING, BEST_MEMBER, "teacher - best member")
        for kind in kinds:
            for variant in (DISTILLED, DISTILLED_RAW):
                pair(f"{kind}: {variant}", f"{kind}: {HARD}",
                     f"{kind}: {variant} - hard-label")
            pair(f"{kind}: {DISTILLED}", f"{kind}: {TUNED}",
                 f"{kind}: {DISTILLED} - tuned")
        comparisons[dataset] = comp

        keys = [(dataset, s) for s in seeds]
        edges[dataset] = {
            f"{kind}: {variant}": {
                metric: _edge(per_row, keys, f"{kind}: {variant}",
                              f"{kind}: {HARD}", STACKING, metric, n_boot)
                for metric in ("correct", "log_loss")
            }
            for kind in kinds for variant in (DISTILLED, DISTILLED_RAW)
        }

    # Datasets where the teacher's edge over the lead hard-label student is
    # significant, separately for accuracy (higher is better) and log loss.
    edge_of = {d: comparisons[d]["teacher - hard-label"] for d in datasets}
    significant = {
        "correct": [d for d in datasets if edge_of[d]["correct"]["significant"]
                    and edge_of[d]["correct"]["mean_diff"] > 0],
        "log_loss": [d for d in datasets if edge_of[d]["log_loss"]["significant"]
                     and edge_of[d]["log_loss"]["mean_diff"] < 0],
    }
    pooled = {}
    all_keys = [(d, s) for d in datasets for s in seeds]
    for kind in kinds:
        for variant in (DISTILLED, DISTILLED_RAW):
            name = f"{kind}: {variant}"
            pooled[name] = {}
            for metric in ("correct", "log_loss"):
                sig_keys = [(d, s) for d in significant[metric] for s in seeds]
                pooled[name][metric] = {
                    "all": _edge(per_row, all_keys, name, f"{kind}: {HARD}",
                                 STACKING, metric, n_boot),
                    "significant": _edge(per_row, sig_keys, name, f"{kind}: {HARD}",
                                         STACKING, metric, n_boot),
                }
            pooled[name]["difference"] = {
                metric: paired_bootstrap(
                    np.concatenate([per_row[(d, s, name)][metric]
                                    for d, s in all_keys]),
                    np.concatenate([per_row[(d, s, f"{kind}: {HARD}")][metric]
                                    for d, s in all_keys]),
                    n_boot=n_boot,
                )
                for metric in ("correct", "log_loss")
            }

    ratios = _ratios(frame, kinds)
    summary = _summary(per_dataset, datasets, hard_lead)
    analysis = {
        "datasets": datasets,
        "per_dataset": per_dataset,
        "comparisons": comparisons,
        "edges": edges,
        "significant": significant,
        "pooled": pooled,
        "ratios": ratios,
        "summary": summary,
    }
    analysis["targets"] = _targets(analysis, results, lead)
    return analysis


def _ratios(frame, kinds):
    """Teacher / student cost ratios per dataset, timed seed only for speed."""
    out = {}
    by = frame.set_index(["dataset", "seed", "contender"])
    for kind in kinds:
        student = f"{kind}: {DISTILLED}"
        rows = []
        for (dataset, seed), _ in frame.groupby(["dataset", "seed"], sort=False):
            t, s = by.loc[(dataset, seed, STACKING)], by.loc[(dataset, seed, student)]
            row = {"dataset": dataset, "seed": seed,
                   "size": t["size_kb"] / s["size_kb"]}
            if _finite(t.get("latency_p50_us")) and _finite(s.get("latency_p50_us")):
                row["latency_p50"] = t["latency_p50_us"] / s["latency_p50_us"]
                row["latency_p99"] = t["latency_p99_us"] / s["latency_p99_us"]
                row["latency_p50_default_threads"] = (
                    t["latency_p50_us_default_threads"]
                    / s["latency_p50_us_default_threads"]
                )
                for col in ("rows_per_s_1000", "rows_per_s_100000", "rows_per_s_5000"):
                    if col in s and _finite(s[col]):
                        row[col.replace("rows_per_s", "throughput")] = s[col] / t[col]
            rows.append(row)
        table = pd.DataFrame(rows)
        out[kind] = {
            "per_dataset": table,
            "median": table.drop(columns=["dataset", "seed"]).median().to_dict(),
        }
    return out


def _summary(per_dataset, datasets, hard_lead):
    """Per contender: medians across datasets of the per-dataset means."""
    table = per_dataset.reset_index()
    hard = table[table["contender"] == hard_lead].set_index("dataset")
    table["delta_accuracy"] = table["accuracy"].to_numpy() - hard.loc[
        table["dataset"], "accuracy"].to_numpy()
    table["delta_log_loss"] = table["log_loss"].to_numpy() - hard.loc[
        table["dataset"], "log_loss"].to_numpy()
    columns = ["accuracy", "delta_accuracy", "log_loss", "delta_log_loss",
               "agreement", "fit_seconds", "peak_fit_mb", "size_kb",
               "latency_p50_us", "rows_per_s_100000"]
    columns = [c for c in columns if c in table]
    return table.groupby("contender", sort=False)[columns].median()


def _fmt_ci(result, scale=1.0, digits=4):
    if result is None:
        return "n/a"
    value = result.get("mean_diff", result.get("edge_recovered"))
    fmt = f"{{:+.{digits}f}}"
    if not _finite(value):
        return "undefined"
    text = f"{fmt.format(value * scale)} [{fmt.format(result['low'] * scale)}, " \
           f"{fmt.format(result['high'] * scale)}]" if _finite(result["low"]) else \
        fmt.format(value * scale)
    return text + (" *" if result.get("significant") else "")


def _targets(analysis, results, lead):
    """Each target of the issue: value, threshold, met, and by how much."""
    targets = []
    comps = analysis["comparisons"]
    student = f"{lead}: {DISTILLED}"

    worse = []
    for dataset, comp in comps.items():
        diff = comp[f"{student} - hard-label"]
        if diff["correct"]["significant"] and diff["correct"]["mean_diff"] < 0:
            worse.append(f"{dataset} (accuracy {diff['correct']['mean_diff']:+.4f})")
        if diff["log_loss"]["significant"] and diff["log_loss"]["mean_diff"] > 0:
            worse.append(f"{dataset} (log loss {diff['log_loss']['mean_diff']:+.4f})")
    targets.append({
        "target": f"default distilled {lead} student never significantly worse "
                  "than the hard-label student on any dataset",
        "value": ", ".join(worse) if worse else "no dataset significantly worse",
        "met": not worse,
        "by": f"{len(worse)} significant losses" if worse else "",
    })

    pooled = analysis["pooled"][student]["difference"]
    acc, ll = pooled["correct"], pooled["log_loss"]
    better = (acc["mean_diff"] > 0 and acc["significant"]
              and ll["mean_diff"] < 0 and ll["significant"])
    targets.append({
        "target": f"default distilled {lead} student better than hard-label, "
                  "pooled over all rows of the suite (accuracy and log loss, "
                  "intervals excluding 0)",
        "value": f"Δaccuracy {_fmt_ci(acc)}; Δlog loss {_fmt_ci(ll)}",
        "met": bool(better),
        "by": "",
    })

    for metric, label in (("correct", "accuracy"), ("log_loss", "log loss")):
        edge = analysis["pooled"][student][metric]["significant"]
        n_sig = len(analysis["significant"][metric])
        if edge is None or not _finite(edge["edge_recovered"]):
            targets.append({
                "target": f"pooled edge recovered in {label} ≥ 80% on datasets "
                          "with a significant teacher edge",
                "value": f"no dataset with a significant teacher edge in {label}",
                "met": None, "by": "not testable on this run",
            })
            continue
        value = edge["edge_recovered"]
        targets.append({
            "target": f"pooled edge recovered in {label} ≥ 80% on the {n_sig} "
                      "datasets with a significant teacher edge",
            "value": f"{value:.1%} [{edge['low']:.1%}, {edge['high']:.1%}]",
            "met": bool(value >= TARGET_EDGE),
            "by": f"{(value - TARGET_EDGE) * 100:+.1f} points",
        })

    protocol = results.get("seed_protocol")
    if protocol:
        edge = protocol["pooled_accuracy"]
        value = edge["edge_recovered"]
        met = _finite(edge["low"]) and edge["low"] > TUTORIAL_POOLED
        targets.append({
            "target": "seed protocol: pooled accuracy edge recovered beats the "
                      "tutorial method's 61.5%, interval excluding it "
                      f"({len(protocol['per_seed'])} seeds)",
            "value": f"{value:.1%} [{edge['low']:.1%}, {edge['high']:.1%}]",
            "met": bool(met),
            "by": f"{(value - TUTORIAL_POOLED) * 100:+.1f} points (lower bound "
                  f"{(edge['low'] - TUTORIAL_POOLED) * 100:+.1f})",
        })

    medians = analysis["ratios"][lead]["median"]
    for key, threshold, label in (
        ("latency_p50", TARGET_LATENCY_RATIO, "single-row p50 latency ratio "
         "teacher/student"),
        ("throughput_100000", TARGET_THROUGHPUT_RATIO, "100,000-row throughput "
         "ratio student/teacher"),
        ("size", TARGET_SIZE_RATIO, "serialized size ratio teacher/student"),
    ):
        value = medians.get(key)
        if not _finite(value):
            targets.append({"target": f"{label} ≥ {threshold:.0f}×", "value": "not "
                            "measured in this run", "met": None, "by": ""})
            continue
        targets.append({
            "target": f"{label} ≥ {threshold:.0f}× (median over datasets)",
            "value": f"{value:,.1f}×",
            "met": bool(value >= threshold),
            "by": f"{value / threshold:.2f}× the target",
        })
    return targets


# ---------------------------------------------------------------------------
# Writing


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.DataFrame,)):
        return value.reset_index().to_dict(orient="records")
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _clean(value):
    """NaN and inf become None so the JSON is standard."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.DataFrame):
        return _clean(value.reset_index().to_dict(orient="records"))
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return _clean(value.item())
    return value


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(value, fmt):
    return fmt.format(value) if _finite(value) else "–"


def _dataset_section(dataset, analysis, results):
    table = analysis["per_dataset"].loc[dataset]
    first = results["config"]["seeds"][0]
    columns = [c for c in _METRIC_COLUMNS if c[0] in table.columns]
    header = ["contender"] + [title for _, title, _ in columns]
    rows = [[name] + [_fmt(table.loc[name, key], fmt) for key, _, fmt in columns]
            for name in table.index]
    meta = pd.DataFrame(results["measurements"])
    meta = meta[meta["dataset"] == dataset].iloc[0]
    lines = [
        f"### {dataset}",
        "",
        f"{int(meta['n_train'])} train / {int(meta['n_test'])} test rows per "
        f"split, {int(meta['n_classes'])} classes; means over seeds "
        f"{results['config']['seeds']}; latency and throughput from seed "
        f"{first}.",
        "",
        _markdown_table(header, rows),
        "",
    ]
    comp = analysis["comparisons"][dataset]
    rows = [[label, _fmt_ci(c["correct"]), _fmt_ci(c["log_loss"])]
            for label, c in comp.items()]
    lines += [
        "Paired differences (a − b; accuracy higher is better, log loss lower "
        "is better; * = 95% interval excludes 0):",
        "",
        _markdown_table(["a − b", "Δ accuracy", "Δ log loss"], rows),
        "",
    ]
    edges = analysis["edges"][dataset]
    rows = [[name, _fmt_edge(e["correct"]), _fmt_edge(e["log_loss"])]
            for name, e in edges.items()]
    lines += [
        "Edge recovered over the hard-label student (teacher: stacking):",
        "",
        _markdown_table(["student", "accuracy", "log loss"], rows),
        "",
    ]
    return "\n".join(lines)


def _fmt_edge(edge):
    if edge is None or not _finite(edge["edge_recovered"]):
        return "undefined (no teacher edge)"
    low, high = edge["low"], edge["high"]
    interval = (f" [{low:.0%}, {high:.0%}]" if _finite(low) and _finite(high)
                else "")
    return f"{edge['edge_recovered']:.0%}{interval} (gap {edge['gap']:+.4f})"


def _summary_section(analysis):
    summary = analysis["summary"]
    fmts = {"accuracy": "{:.4f}", "delta_accuracy": "{:+.4f}",
            "log_loss": "{:.4f}", "delta_log_loss": "{:+.4f}",
            "agreement": "{:.3f}", "fit_seconds": "{:.1f}",
            "peak_fit_mb": "{:.0f}", "size_kb": "{:,.0f}",
            "latency_p50_us": "{:,.0f}", "rows_per_s_100000": "{:,.0f}"}
    titles = {"accuracy": "acc", "delta_accuracy": "Δacc vs hard",
              "log_loss": "log loss", "delta_log_loss": "Δll vs hard",
              "agreement": "agree", "fit_seconds": "fit s",
              "peak_fit_mb": "peak MB", "size_kb": "size KB",
              "latency_p50_us": "p50 µs", "rows_per_s_100000": "rows/s 100k"}
    header = ["contender"] + [titles[c] for c in summary.columns]
    rows = [[name] + [_fmt(summary.loc[name, c], fmts[c]) for c in summary.columns]
            for name in summary.index]
    return _markdown_table(header, rows)


def _targets_section(targets):
    mark = {True: "met", False: "**missed**", None: "not testable"}
    rows = [[t["target"], t["value"], mark[t["met"]], t["by"]] for t in targets]
    return _markdown_table(["target", "measured", "status", "margin"], rows)


def _pooled_section(analysis):
    rows = []
    for name, pooled in analysis["pooled"].items():
        for metric, label in (("correct", "accuracy"), ("log_loss", "log loss")):
            rows.append([
                name, label, _fmt_edge(pooled[metric]["all"]),
                _fmt_edge(pooled[metric]["significant"]),
                _fmt_ci(pooled["difference"][metric]),
            ])
    sig = analysis["significant"]
    text = (
        "Datasets with a significant teacher edge over the hard-label "
        f"student: accuracy {sig['correct'] or 'none'}; log loss "
        f"{sig['log_loss'] or 'none'}.\n\n"
    )
    return text + _markdown_table(
        ["student", "metric", "edge recovered, all datasets",
         "edge recovered, significant-edge datasets", "Δ vs hard-label, all rows"],
        rows,
    )


def _ratio_section(analysis):
    lines = []
    for kind, ratios in analysis["ratios"].items():
        med = ratios["median"]
        parts = [f"{key} {value:,.1f}×" for key, value in med.items()
                 if _finite(value)]
        lines.append(f"- {kind}: distilled (munge) vs stacking teacher, medians: "
                     + ", ".join(parts))
    return "\n".join(lines)


def _protocol_section(protocol):
    if not protocol:
        return "Not run (`protocol_seeds=0`)."
    rows = [[r["seed"], r["n_train"], f"{r['teacher_accuracy']:.4f}",
             f"{r['distilled_accuracy']:.4f}", f"{r['hard_accuracy']:.4f}",
             _fmt(r["edge_recovered_accuracy"], "{:.1%}")]
            for r in protocol["per_seed"]]
    pooled = protocol["pooled_accuracy"]
    cap = protocol.get("max_train")
    note = ("" if cap is None else
            f"\n\n**Capped:** training rows subsampled to {cap}; this is a smoke "
            "run, not the protocol.")
    return (
        "`make_classification(n_samples=5000, n_features=20, n_informative=10, "
        "n_redundant=5)`, 80/20 stratified split, both seeded; teacher = "
        "default stacking, student = default distilled LightGBM, baseline = "
        "the same LightGBM student on hard labels.\n\n"
        + _markdown_table(["seed", "train", "teacher acc", "distilled acc",
                           "hard acc", "edge recovered"], rows)
        + f"\n\nPooled (Σ gains / Σ gaps): {_fmt_edge(pooled)}; the tutorial "
        f"method re-run over 10 seeds: {TUTORIAL_POOLED:.1%}." + note
    )


def _command_line(results):
    return results.get("command") or "python benchmarks/run.py"


def render_markdown(results, analysis):
    """The Markdown report as one string."""
    config = results["config"]
    versions = results["versions"]
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items()
                             if v and k != "platform")
    notes = [
        f"Rows per dataset capped at {config['max_rows']} (stratified "
        "subsample, seed 0) before the 75/25 split." if config["max_rows"]
        else "Full datasets (no row cap).",
        f"Teacher fits with n_jobs={config['n_jobs']}; students single-threaded.",
        "The stacking teacher is fitted once per split and reused by the four "
        "distilled variants (memoised deterministic call, equal to a refit); "
        "their fit time is the teacher's fit plus their own distillation time "
        "(`distil s`); their peak memory adds the teacher's measured peak.",
        "Voting teacher and best member are the stacking teacher's refitted "
        "members: their fit time is the members' own fit time on all rows; "
        "their peak memory was not measured separately (–).",
        "The best member is chosen by out-of-fold log loss, never on test rows.",
        "Tuned hard-label baseline: small grid "
        f"({len(config['grids'][config['students'][0]])} LightGBM / "
        f"{len(config['grids'].get('mlp', ()))} MLP settings, defaults "
        "included) chosen by log loss on a 25% inner validation split of the "
        "training rows, then refitted on all of them; its fit time includes "
        "the search.",
        f"Latency: {config['n_latency_calls']} interleaved single-row "
        "`predict_proba` calls per contender after "
        f"{config['latency_warmup']} warm-up rounds, each a fresh one-row "
        "DataFrame; throughput on batches drawn with replacement from test "
        f"rows ({', '.join(f'{n:,} rows × {r}' for n, r, _ in config['batches'])}"
        " timed calls); both on the first seed only, with every library "
        "limited to one thread (threadpoolctl). `p50 µs dflt thr` is a "
        "shorter pass with the libraries' default thread counts.",
        "Peak memory is the rise of resident memory during fit (sampled every "
        "millisecond); serialized size is uncompressed joblib.",
        "AutoGluon: " + ("included." if config["autogluon"] else
                         "`autogluon.tabular` is not installed here, so its "
                         "contenders were skipped."),
    ]
    if config["quick"]:
        notes.insert(0, "**Quick run**: one small dataset, one seed, small "
                     "students; numbers are a smoke test, not a benchmark.")
    notes += results.get("notes", [])
    parts = [
        "# tabkd benchmark report",
        "",
        f"Command: `{_command_line(results)}`  ",
        f"Wall time: {results['wall_seconds'] / 60:.1f} min  ",
        f"Versions: {version_text}  ",
        f"Platform: {versions.get('platform')}",
        "",
        "## How this was measured",
        "",
        "\n".join(f"- {n}" for n in notes),
        "",
        "## Targets",
        "",
        _targets_section(analysis["targets"]),
        "",
        "## Summary (medians across datasets of per-dataset means)",
        "",
        _summary_section(analysis),
        "",
        "## Edge recovered, pooled",
        "",
        _pooled_section(analysis),
        "",
        "## Cost ratios",
        "",
        _ratio_section(analysis),
        "",
        "## Seed protocol",
        "",
        _protocol_section(results.get("seed_protocol")),
        "",
        "## Plots",
        "",
        "![accuracy vs latency](accuracy_vs_latency.png)",
        "",
        "![edge recovered](edge_recovered.png)",
        "",
        "## Per dataset",
        "",
    ]
    parts += [_dataset_section(d, analysis, results) for d in analysis["datasets"]]
    if results.get("warnings"):
        parts += ["## Warnings raised during the run", ""]
        parts += [f"- {count}× {text}" for text, count in results["warnings"].items()]
    return "\n".join(parts) + "\n"


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "Benchmark plots need matplotlib; install tabkd with the 'bench' "
            "extra (pip install 'tabkd[bench]')."
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_accuracy_latency(analysis, path):
    """Mean accuracy over datasets against median single-row p50 latency."""
    plt = _pyplot()
    table = analysis["per_dataset"].reset_index()
    if "latency_p50_us" not in table:
        return None
    grouped = table.groupby("contender", sort=False).agg(
        accuracy=("accuracy", "mean"), latency=("latency_p50_us", "median"))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for name, row in grouped.iterrows():
        kind = name.split(":")[0]
        marker = {"teacher": "s", "lightgbm": "o", "mlp": "^"}.get(kind, "D")
        ax.scatter(row["latency"], row["accuracy"], marker=marker, s=50)
        ax.annotate(name, (row["latency"], row["accuracy"]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("single-row predict_proba p50 latency (µs, log scale; median "
                  "over datasets)")
    ax.set_ylabel("test accuracy (mean over datasets)")
    ax.set_title("Accuracy vs single-row latency")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_edge_recovered(analysis, path):
    """Edge recovered per dataset, accuracy and log loss, with intervals."""
    plt = _pyplot()
    datasets = analysis["datasets"]
    students = list(next(iter(analysis["edges"].values())))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(datasets) + 2.5),
                             sharey=True)
    height = 0.8 / len(students)
    for ax, (metric, label) in zip(axes, (("correct", "accuracy"),
                                          ("log_loss", "log loss"))):
        for j, student in enumerate(students):
            values, lows, highs = [], [], []
            for d in datasets:
                e = analysis["edges"][d][student][metric]
                v = e["edge_recovered"] if e else float("nan")
                values.append(v)
                lows.append(e["low"] if e else float("nan"))
                highs.append(e["high"] if e else float("nan"))
            values = np.clip(np.array(values, dtype=float), -2, 3)
            pos = np.arange(len(datasets)) + j * height
            err = np.array([np.clip(values - np.array(lows, float), 0, 5),
                            np.clip(np.array(highs, float) - values, 0, 5)])
            ax.barh(pos, np.nan_to_num(values), height=height, label=student,
                    xerr=np.nan_to_num(err), error_kw={"elinewidth": 0.6})
        ax.axvline(1.0, color="k", lw=0.8, ls="--")
        ax.axvline(TARGET_EDGE, color="g", lw=0.8, ls=":")
        ax.axvline(0.0, color="k", lw=0.5)
        ax.set_xlim(-2, 3)
        ax.set_title(f"edge recovered, {label} (clipped to [-2, 3])")
    axes[0].set_yticks(np.arange(len(datasets)) + 0.4 - height / 2)
    axes[0].set_yticklabels(datasets)
    axes[0].invert_yaxis()
    axes[1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_results(results, out, analysis=None):
    """Write JSON, CSV, Markdown and PNG files of a run to ``out``.

    Parameters
    ----------
    results : dict
        Output of :func:`~tabkd.benchmarks._runner.run_benchmark`.

    out : str or path-like
        Directory, created if needed.

    analysis : dict, default=None
        Output of :func:`analyse_results`; computed when not given.

    Returns
    -------
    paths : dict of str to str
        ``json``, ``csv``, ``markdown``, ``accuracy_vs_latency`` and
        ``edge_recovered``.
    """
    if analysis is None:
        analysis = analyse_results(results)
    os.makedirs(out, exist_ok=True)
    paths = {
        "json": os.path.join(out, "results.json"),
        "csv": os.path.join(out, "measurements.csv"),
        "markdown": os.path.join(out, "report.md"),
        "accuracy_vs_latency": os.path.join(out, "accuracy_vs_latency.png"),
        "edge_recovered": os.path.join(out, "edge_recovered.png"),
    }
    frame = pd.DataFrame(results["measurements"])
    frame.to_csv(paths["csv"], index=False)
    payload = {
        "command": results.get("command"),
        "config": results["config"],
        "versions": results["versions"],
        "wall_seconds": results["wall_seconds"],
        "measurements": results["measurements"],
        "seed_protocol": results.get("seed_protocol"),
        "notes": results.get("notes", []),
        "warnings": results.get("warnings", {}),
        "analysis": {
            "significant": analysis["significant"],
            "comparisons": analysis["comparisons"],
            "edges": analysis["edges"],
            "pooled": analysis["pooled"],
            "ratios": analysis["ratios"],
            "summary": analysis["summary"],
            "targets": analysis["targets"],
        },
    }
    with open(paths["json"], "w") as handle:
        json.dump(_clean(payload), handle, indent=1, default=_json_default,
                  allow_nan=False)
    with open(paths["markdown"], "w") as handle:
        handle.write(render_markdown(results, analysis))
    plot_accuracy_latency(analysis, paths["accuracy_vs_latency"])
    plot_edge_recovered(analysis, paths["edge_recovered"])
    return paths
