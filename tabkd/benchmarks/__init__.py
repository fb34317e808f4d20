"""Benchmark harness: offline datasets, metrics and measurement helpers.

The library never imports this package; benchmark scripts and notebooks do.
Each private module keeps its own ``__all__``; this one re-exports them, one
import block per module, so a new module (a runner, a report) adds a block
and its names without touching the others.
"""

from ._ablation import (
    AblationVariant,
    compare_variants,
    default_variants,
    run_ablation_split,
    summarize_ablation,
)
from ._compare import compare_with_teacher, format_table
from ._datasets import (
    DEFAULT_SUITE,
    DatasetSpec,
    get_dataset_spec,
    list_datasets,
    load_csv,
    load_dataset,
    make_seed_protocol,
)
from ._metrics import (
    bootstrap_edge_recovered,
    classification_metrics,
    edge_recovered,
    latency_ratios,
    measure_latency,
    measure_throughput,
    paired_bootstrap,
    peak_memory,
    peak_rss,
    pooled_edge_recovered,
    serialized_size,
)

# Kept sorted (tests check it); add new names in order.
__all__ = [
    "AblationVariant",
    "DEFAULT_SUITE",
    "DatasetSpec",
    "bootstrap_edge_recovered",
    "classification_metrics",
    "compare_variants",
    "compare_with_teacher",
    "default_variants",
    "edge_recovered",
    "format_table",
    "get_dataset_spec",
    "latency_ratios",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "make_seed_protocol",
    "measure_latency",
    "measure_throughput",
    "paired_bootstrap",
    "peak_memory",
    "peak_rss",
    "pooled_edge_recovered",
    "run_ablation_split",
    "serialized_size",
    "summarize_ablation",
]
