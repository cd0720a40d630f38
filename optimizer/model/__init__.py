"""The LP, one concern per module; see docs/model.md for the math of each block."""

from .build import build_model
from .costs import COST_ITEMS

__all__ = ["COST_ITEMS", "build_model"]
