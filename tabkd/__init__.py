"""tabkd: distil a heterogeneous tabular ensemble into one small, fast model.

Names are imported on first use (PEP 562), so that serving an export with
``from tabkd import StudentPredictor`` loads neither scikit-learn's ensembles
nor the teacher's libraries (xgboost among them).
"""

import importlib

__version__ = "0.1.0"

# Public name -> private module that defines it.
_LAZY = {
    "DistilledClassifier": "._estimator",
    "LightGBMStudent": ".students",
    "MLPStudent": ".students",
    "Prefitted": "._teachers",
    "StudentPredictor": "._predictor",
    "TableSchema": "._schema",
    "export": "._export",
    "load": "._persistence",
    "save": "._persistence",
}

__all__ = [
    "DistilledClassifier",
    "LightGBMStudent",
    "MLPStudent",
    "Prefitted",
    "StudentPredictor",
    "TableSchema",
    "export",
    "load",
    "save",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
