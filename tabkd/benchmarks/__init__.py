"""Benchmark harness: offline datasets, metrics and measurement helpers.

The library never imports this package; benchmark scripts and notebooks do.
"""

from ._datasets import (
    DEFAULT_SUITE,
    DatasetSpec,
    get_dataset_spec,
    list_datasets,
    load_csv,
    load_dataset,
    make_seed_protocol,
)

__all__ = [
    "DEFAULT_SUITE",
    "DatasetSpec",
    "get_dataset_spec",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "make_seed_protocol",
]
