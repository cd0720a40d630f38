"""Cooperation analytics: what a joint system is worth and who pays what (game), the tables the
planner shows (tables), the report written and printed (report), and `stockpile coop` (cli)."""

from .game import (DEFAULT_RISK_WEIGHTS, CooperationReport, NotOptimalError, cooperation_report, core_violations,
                   least_core, shapley, solve_coalitions)

__all__ = ["DEFAULT_RISK_WEIGHTS", "CooperationReport", "NotOptimalError", "cooperation_report", "core_violations",
           "least_core", "shapley", "solve_coalitions"]
