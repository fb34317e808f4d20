"""tabkd: distil a heterogeneous tabular ensemble into one small, fast model."""

from ._estimator import DistilledClassifier
from ._schema import TableSchema
from .students import LightGBMStudent, MLPStudent

__version__ = "0.1.0"

__all__ = ["DistilledClassifier", "LightGBMStudent", "MLPStudent", "TableSchema"]
