"""Stress test: today's stockpile (or any given plan) held fixed, each scenario's recourse solved,
and what each lever covers (docs/model.md, "Stress test"). `stockpile stress` is in stress/cli.py."""

from .core import LEVERS, StressResult, solve_with_plan, stress_test
from .plans import Plan, current_plan, load_plan, plan_from_solution

__all__ = ["LEVERS", "Plan", "StressResult", "current_plan", "load_plan", "plan_from_solution", "solve_with_plan",
           "stress_test"]
