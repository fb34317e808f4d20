"""Augmentation ablation: generator, size factor and real-row target mix.

For every (dataset, seed) split the stacking teacher is fitted once; each
variant then trains one LightGBM student on the teacher's out-of-fold
targets of the real rows (mixed with the labels by ``alpha``) plus synthetic
rows labelled by the same teacher. Results are cached per split, so an
interrupted run resumes where it stopped; the tables are written to
``benchmarks/results/ablation.{md,csv,json}`` (or ``--out``).

Examples
--------
Smoke run (two small datasets, one seed, tiny grid)::

    python benchmarks/ablation.py --quick --out /tmp/ablation_quick

The committed table (see its header for the exact command)::

    python benchmarks/ablation.py --seeds 0 1 2 --n-jobs 2
"""

import argparse
import json
import os
import pickle
import platform
import sys
import time

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from tabkd.benchmarks import (
    compare_variants,
    default_variants,
    get_dataset_spec,
    load_dataset,
    run_ablation_split,
    summarize_ablation,
)

DATASETS = (
    "breast_cancer", "digits", "penguins", "credit_card", "credit_data",
    "wa_churn", "lending_club", "diamonds", "nass_cds",
)
QUICK_DATASETS = ("penguins", "breast_cancer")


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-rows", type=int, default=4000,
                        help="row cap for every dataset except --large")
    parser.add_argument("--large", default="nass_cds:21000",
                        help="NAME:ROWS, one dataset with its own larger cap")
    parser.add_argument("--large-sizes", nargs="+", type=float, default=[1, 5],
                        help="size factors run on the large dataset")
    parser.add_argument("--large-generators", nargs="+", default=["munge"],
                        help="generators run on the large dataset")
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 5, 10, 20])
    parser.add_argument("--reduced-sizes", nargs="+", type=float, default=None,
                        help="sizes for the non-reference generators")
    parser.add_argument("--generators", nargs="+",
                        default=["munge", "marginal", "interpolation", "conditional"])
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="splits fitted in parallel (one core each)")
    parser.add_argument("--cache-dir", default="/tmp/tabkd_ablation_cache")
    parser.add_argument("--out", default="benchmarks/results/ablation")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--default", default=None,
                        help="variant whose goals are reported (default: "
                             "munge x5, alpha 0.5, the current estimator default)")
    parser.add_argument("--from-cache", action="store_true",
                        help="summarize the cached splits only, fit nothing")
    parser.add_argument("--quick", action="store_true",
                        help="two small datasets, one seed, tiny grid and teacher")
    args = parser.parse_args(argv)
    if args.datasets is None:
        args.datasets = list(QUICK_DATASETS if args.quick else DATASETS)
    if args.quick:
        args.seeds = [0]
        args.max_rows = 400
        args.large = None
        args.sizes = [1, 2]
        args.generators = ["munge", "marginal"]
        args.n_boot = 200
    return args


def _quick_members():
    # Two fast single-threaded members stand in for the five-model stack in
    # smoke runs; the pipeline is the same, only the teacher is cheaper.
    from lightgbm import LGBMClassifier

    return [
        ("lgbm_shallow", LGBMClassifier(
            n_estimators=20, max_depth=2, n_jobs=1, verbose=-1, random_state=0)),
        ("lgbm", LGBMClassifier(
            n_estimators=30, n_jobs=1, verbose=-1, random_state=0)),
    ]


def _variants(args, large):
    sizes = args.large_sizes if large else args.sizes
    reduced = args.reduced_sizes
    if large and reduced is not None:
        reduced = [s for s in reduced if s in sizes]
    ref_size = 5 if 5 in sizes else sizes[-1]
    return default_variants(
        generators=args.large_generators if large else args.generators,
        sizes=sizes,
        reduced_sizes=reduced,
        reference=("munge", ref_size),
        self_sizes=[s for s in (5, 20) if s in sizes] or [sizes[-1]],
    )


def _cache_path(cache_dir, name, max_rows, seed):
    # Keyed by the rows actually used, so a table smaller than the cap is
    # shared by runs with different caps.
    rows = min(max_rows, get_dataset_spec(name).n_rows)
    return os.path.join(cache_dir, f"{name}_rows{rows}_seed{seed}.pkl")


def _run_one(name, seed, max_rows, variants, quick, cache_dir):
    path = _cache_path(cache_dir, name, max_rows, seed)
    if os.path.exists(path):
        with open(path, "rb") as fh:
            cached = pickle.load(fh)
        wanted = [v.name for v in variants]
        if set(cached["variants"]) >= set(wanted):
            # A cache from a larger grid is reused, restricted to this grid,
            # so that every pooled row covers the same datasets.
            cached["variants"] = {k: cached["variants"][k] for k in wanted}
            return name, seed, cached
    X, y = load_dataset(name, max_rows=max_rows, random_state=seed)
    start = time.perf_counter()
    result = run_ablation_split(
        X, y, variants, seed=seed,
        members=_quick_members() if quick else None,
        student_params={"n_estimators": 60} if quick else None,
        cv=3 if quick else 5,
    )
    result["seconds"] = time.perf_counter() - start
    result["max_rows"] = max_rows
    # Written atomically so a killed run never leaves a truncated cache file.
    with open(path + ".tmp", "wb") as fh:
        pickle.dump(result, fh)
    os.replace(path + ".tmp", path)
    print(f"[ablation] {name} seed={seed} rows={len(y)} "
          f"{result['seconds']:.0f} s", flush=True)
    return name, seed, result


def _fmt(x, digits=3):
    return "" if pd.isna(x) else f"{x:.{digits}f}"


def _ci(point, low, high, scale=1.0, digits=2):
    return (f"{point * scale:+.{digits}f} [{low * scale:+.{digits}f}, "
            f"{high * scale:+.{digits}f}]")


def _pooled_table(pooled):
    lines = ["| variant | Δacc pts [95% CI] | acc worse/better | Δll [95% CI] "
             "| ll worse/better | edge rec. acc [CI] | edge rec. ll [CI] "
             "| agreement | fit s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in pooled.itertuples():
        lines.append(
            f"| {r.variant} | {_ci(r.d_acc, r.d_acc_low, r.d_acc_high, 100)} "
            f"| {r.n_acc_worse}/{r.n_acc_better} "
            f"| {_ci(r.d_ll, r.d_ll_low, r.d_ll_high, 1, 4)} "
            f"| {r.n_ll_worse}/{r.n_ll_better} "
            f"| {_fmt(r.er_acc, 2)} "
            f"[{_fmt(r.er_acc_low, 2)}, {_fmt(r.er_acc_high, 2)}] "
            f"| {_fmt(r.er_ll, 2)} [{_fmt(r.er_ll_low, 2)}, {_fmt(r.er_ll_high, 2)}] "
            f"| {_fmt(r.agreement, 4)} | {_fmt(r.fit_seconds, 1)} |"
        )
    return lines


def _markdown(args, command, versions, per_dataset, edges, pooled, verdict, wall,
              small=None):
    lines = [
        "# Augmentation ablation",
        "",
        "Reproduce with:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Versions: {versions}. Split fits took {wall / 60:.1f} min in total "
        f"(summed over splits, {args.n_jobs} at a time, niced, on "
        f"{os.cpu_count()} cores shared with other jobs).",
        "",
        "Protocol: per (dataset, seed) a stratified 75/25 split of the capped "
        "table; the 5-member stacking teacher (`default_members`, 5 folds) is "
        "fitted once on the training rows; every variant trains a "
        "`LightGBMStudent()` (default parameters) on the real rows' out-of-fold "
        "targets mixed with the labels (`a` = alpha, weight of the label) plus "
        "`k`× synthetic rows labelled by the same teacher. `hard` is the same "
        "student on the labels only (the baseline). `self:` variants use the "
        "hard-label student itself as teacher (its own 5-fold out-of-fold "
        "targets on real rows, its predictions on the synthetic rows): the "
        "self-distillation control. Smaller sizes use a prefix of the largest "
        "sample of each generator (rows are drawn independently). Fit seconds = "
        "student fit + generation and labelling charged per synthetic row "
        "(teacher fit excluded, it is shared).",
        "",
        f"Datasets ({len(edges)}), row caps: "
        + ", ".join(f"{r.dataset} ({r.n_train} train rows, {r.n_classes} classes)"
                    for r in edges.itertuples())
        + f". Seeds: {args.seeds}.",
        "",
        "Intervals: 95% paired bootstrap over test rows (the test rows of all "
        "seeds of a dataset pooled); pooled rows weigh every dataset equally. "
        "Δacc in accuracy points, Δll in log loss (negative is better); both "
        "relative to `hard`. Edge recovered = Σ(student − hard) / Σ(teacher − "
        "hard) over the datasets whose teacher edge is significant in that "
        "metric, bootstrapped within dataset/seed groups.",
        "",
    ]
    if getattr(args, "grid_note", None):
        lines += [args.grid_note, ""]
    lines += ["## Teacher edge over the hard-label student", "",
              "| dataset | train rows | classes | teacher acc | hard acc "
              "| edge acc (pts) | teacher ll | hard ll | edge ll | teacher fit s |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in edges.itertuples():
        lines.append(
            f"| {r.dataset} | {r.n_train} | {r.n_classes} "
            f"| {_fmt(r.teacher_accuracy, 4)} "
            f"| {_fmt(r.hard_accuracy, 4)} | "
            f"{_ci(r.edge_acc, r.edge_acc_low, r.edge_acc_high, 100)}"
            f"{' **sig**' if r.edge_acc_significant else ''} "
            f"| {_fmt(r.teacher_log_loss, 4)} | {_fmt(r.hard_log_loss, 4)} | "
            f"{_ci(r.edge_ll, r.edge_ll_low, r.edge_ll_high, 1, 4)}"
            f"{' **sig**' if r.edge_ll_significant else ''} | {r.teacher_seconds:.0f} |"
        )
    lines += ["", "Edge ll is hard − teacher log loss (positive: teacher better).",
              "", "## Pooled over datasets", ""]
    lines += _pooled_table(pooled)
    lines += ["", "Pooled rows cover only the datasets on which the variant ran "
              "(see the grid note)."]
    if small is not None:
        name, table = small
        lines += ["", f"## Pooled over the datasets with the full grid (all but "
                  f"{name})", "",
                  "Same columns; every row covers the same datasets, so rows "
                  "compare like with like.", ""]
        lines += _pooled_table(table)
    lines += ["", "## Goals for the recommended default", ""]
    lines += verdict
    lines += ["", "## Per dataset", "",
              "| dataset | variant | acc | Δacc pts [CI] | ll | Δll [CI] | agreement "
              "| fit s |", "|---|---|---|---|---|---|---|---|"]
    for r in per_dataset.itertuples():
        flag_a = " ▲" if r.acc_better else (" ▼" if r.acc_worse else "")
        flag_l = " ▲" if r.ll_better else (" ▼" if r.ll_worse else "")
        lines.append(
            f"| {r.dataset} | {r.variant} | {_fmt(r.accuracy, 4)} "
            f"| {_ci(r.d_acc, r.d_acc_low, r.d_acc_high, 100)}{flag_a} "
            f"| {_fmt(r.log_loss, 4)} | {_ci(r.d_ll, r.d_ll_low, r.d_ll_high, 1, 4)}"
            f"{flag_l} | {_fmt(r.agreement, 4)} | {_fmt(r.fit_seconds, 1)} |"
        )
    lines += ["", "▲ significantly better than `hard`, ▼ significantly worse "
              "(95% paired bootstrap).", ""]
    return "\n".join(lines)


def _verdict(default, per_dataset, edges, pooled, per_row, n_boot, self_name):
    """Goal lines for one variant: the three goals of issue 3."""
    row = pooled[pooled["variant"] == default].iloc[0]
    sub = per_dataset[per_dataset["variant"] == default]
    worse = sub[sub["acc_worse"] | sub["ll_worse"]]["dataset"].tolist()
    lines = [f"Variant `{default}`.", ""]
    lines.append(
        f"1. Never significantly worse than `hard`: "
        f"{'yes' if not worse else 'NO, worse on ' + ', '.join(worse)}; pooled "
        f"Δacc {_ci(row.d_acc, row.d_acc_low, row.d_acc_high, 100)} pts, Δll "
        f"{_ci(row.d_ll, row.d_ll_low, row.d_ll_high, 1, 4)}."
    )
    acc_sets = edges[edges["edge_acc_significant"]]["dataset"].tolist()
    ll_sets = edges[edges["edge_ll_significant"]]["dataset"].tolist()
    lines.append(
        f"2. Edge recovered (goal ≥ 0.80): accuracy {_fmt(row.er_acc, 2)} "
        f"[{_fmt(row.er_acc_low, 2)}, {_fmt(row.er_acc_high, 2)}] over "
        f"{acc_sets or 'no dataset'}; log loss {_fmt(row.er_ll, 2)} "
        f"[{_fmt(row.er_ll_low, 2)}, {_fmt(row.er_ll_high, 2)}] over "
        f"{ll_sets or 'no dataset'}."
    )
    edge_sets = sorted(set(acc_sets) | set(ll_sets))
    have = set(per_dataset[per_dataset["variant"] == self_name]["dataset"])
    edge_sets = [d for d in edge_sets if d in have]
    if self_name in set(per_dataset["variant"]) and edge_sets:
        cmp = compare_variants(per_row, default, self_name, edge_sets, n_boot)
        lines.append(
            f"3. Versus self-distillation `{self_name}` on the teacher-edge "
            f"datasets {edge_sets}: Δacc "
            f"{_ci(cmp['d_acc'], cmp['d_acc_low'], cmp['d_acc_high'], 100)} pts, "
            f"Δll {_ci(cmp['d_ll'], cmp['d_ll_low'], cmp['d_ll_high'], 1, 4)}."
        )
    else:
        lines.append("3. No self-distillation comparison available.")
    return lines


def main(argv=None):
    args = _parse(argv)
    # --from-cache only re-reads the splits, so the reproducing command is
    # the same without it.
    command = "python benchmarks/ablation.py " + " ".join(
        a for a in (sys.argv[1:] if argv is None else argv) if a != "--from-cache")
    os.makedirs(args.cache_dir, exist_ok=True)
    large_name, large_rows = None, None
    if args.large:
        large_name, large_rows = args.large.split(":")
        large_rows = int(large_rows)
    tasks = []
    for name in args.datasets:
        is_large = name == large_name
        rows = large_rows if is_large else args.max_rows
        variants = _variants(args, is_large)
        for seed in args.seeds:
            tasks.append((name, seed, rows, variants))
    # Seed by seed, so that a run stopped early leaves whole seeds; within a
    # seed the large split starts first and does not leave a core idle.
    tasks.sort(key=lambda t: (t[1], -t[2]))
    if args.from_cache:
        tasks = [t for t in tasks if os.path.exists(_cache_path(
            args.cache_dir, t[0], t[2], t[1]))]
    done = Parallel(n_jobs=args.n_jobs, verbose=0)(
        delayed(_run_one)(name, seed, rows, variants, args.quick, args.cache_dir)
        for name, seed, rows, variants in tasks
    )
    results = {(name, seed): res for name, seed, res in done}
    # Summed per-split seconds, not this call's wall time, so that a summary
    # re-read from the cache reports what the fits cost.
    wall = sum(res["seconds"] for res in results.values())
    per_dataset, edges, pooled, per_row = _summaries(results, args.n_boot)

    import lightgbm
    import sklearn
    import xgboost

    import tabkd

    versions = (f"tabkd {tabkd.__version__ if hasattr(tabkd, '__version__') else '?'}"
                f", Python {platform.python_version()}, numpy {np.__version__}, "
                f"pandas {pd.__version__}, scikit-learn {sklearn.__version__}, "
                f"lightgbm {lightgbm.__version__}, xgboost {xgboost.__version__}")
    default = args.default or "munge" + (
        "x5" if "mungex5/a=0.5" in set(pooled["variant"])
        else f"x{args.sizes[-1]:g}") + "/a=0.5"
    # The control distils the student's own class with the same generator
    # and size, or the nearest size it ran at.
    self_name = "self:" + default.split(":")[-1]
    if self_name not in set(pooled["variant"]):
        self_name = "self:mungex5/a=0.5"
    verdict = _verdict(default, per_dataset, edges, pooled, per_row, args.n_boot,
                       self_name)
    if large_name and large_name in args.datasets:
        args.grid_note = (
            f"Grid: sizes {args.sizes} for {args.generators}"
            + (f" (non-reference generators: {args.reduced_sizes})"
               if args.reduced_sizes else "")
            + f"; on {large_name} ({large_rows} rows) only "
            f"{args.large_generators} at sizes {args.large_sizes}, to fit the "
            "compute budget (2 cores shared with other jobs)."
        )
    small = None
    if large_name and any(d == large_name for d, _ in results) and len(
            {d for d, _ in results}) > 1:
        rest = {k: r for k, r in results.items() if k[0] != large_name}
        small = (large_name, _summaries(rest, args.n_boot)[2])
    text = _markdown(args, command, versions, per_dataset, edges, pooled, verdict,
                     wall, small)
    out_dir = os.path.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    with open(args.out + ".md", "w") as fh:
        fh.write(text)
    per_dataset.to_csv(args.out + ".csv", index=False)
    with open(args.out + ".json", "w") as fh:
        json.dump({
            "command": command,
            "versions": versions,
            "split_seconds_total": wall,
            "teacher_edge": edges.to_dict(orient="records"),
            "pooled": pooled.to_dict(orient="records"),
            "pooled_full_grid": (None if small is None
                                 else small[1].to_dict(orient="records")),
            "per_dataset": per_dataset.to_dict(orient="records"),
            "split_timing": {f"{d}/seed={s}": r["timing"] for (d, s), r in
                             results.items()},
        }, fh, indent=1, default=float)
    print(text.split("## Per dataset")[0])
    return per_dataset, edges, pooled


def _summaries(results, n_boot):
    # Datasets may run different grids (the large one runs fewer sizes); a
    # variant's pooled row covers the datasets on which it ran.
    names = []
    for res in results.values():
        for v in res["variants"]:
            if v not in names:
                names.append(v)
    common = set.intersection(*(set(r["variants"]) for r in results.values()))
    full = dict(results)
    pd_all, edges, pooled_common, per_row = summarize_ablation(
        {k: {**r, "variants": {v: r["variants"][v] for v in names if v in common}}
         for k, r in full.items()}, n_boot)
    extra = [v for v in names if v not in common]
    pooled_rows = [pooled_common]
    if extra:
        having = {v: {k: r for k, r in full.items() if v in r["variants"]}
                  for v in extra}
        for v in extra:
            sub = {k: {**r, "variants": {"hard": r["variants"]["hard"],
                                         v: r["variants"][v]}}
                   for k, r in having[v].items()}
            pdv, _, pooled_v, rows_v = summarize_ablation(sub, n_boot)
            pd_all = pd.concat([pd_all, pdv[pdv["variant"] == v]])
            pooled_rows.append(pooled_v[pooled_v["variant"] == v])
            for d in rows_v:
                per_row[d][v] = rows_v[d][v]
    order = {v: i for i, v in enumerate(names)}
    pd_all = pd_all.sort_values(
        ["dataset", "variant"], key=lambda s: s.map(order) if s.name == "variant"
        else s).reset_index(drop=True)
    pooled = pd.concat(pooled_rows).sort_values(
        "variant", key=lambda s: s.map(order)).reset_index(drop=True)
    return pd_all, edges, pooled, per_row


if __name__ == "__main__":
    main()
