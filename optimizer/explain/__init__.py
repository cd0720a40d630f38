"""Why the plan holds what it holds: each member x commodity's stock one day of cover more and
one day less, every scenario re-optimised, priced against what the day costs to hold
(docs/model.md, "Explaining a plan"). `stockpile explain` is in explain/cli.py."""

from .core import explain_plan, explanation_lines

__all__ = ["explain_plan", "explanation_lines"]
