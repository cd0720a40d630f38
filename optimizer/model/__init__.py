"""The LP, one concern per module; see docs/model.md for the math of each block."""

from .build import COST_ITEMS, build_model

__all__ = ["COST_ITEMS", "build_model"]
