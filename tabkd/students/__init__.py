"""Students: small models fitted to a teacher's soft targets."""

from ._base import BaseStudent
from ._lightgbm import LightGBMStudent
from ._mlp import MLPStudent

__all__ = ["BaseStudent", "LightGBMStudent", "MLPStudent"]
