"""Re-solve after an edit from the previous optimal basis, for interactive use.

The edited case is built and compiled as usual; when its LP has the same rows, columns and
matrix pattern as the one HiGHS holds, only the changed bounds, costs and coefficients are sent,
and HiGHS restarts from its last basis (it then skips presolve). Any change of structure
(another horizon, a new ban group, a new route) falls back to a cold solve.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import highspy
import numpy as np

from .case import Case
from .inputs import RunOptions, build_inputs
from .model import build_model
from .run import HIGHS_OPTIONS, Solution, resolved_options, solution_from
from .scenarios import ScenarioSet
from .solve import CompiledLP, new_highs, run_compiled


@dataclass
class _Held:
    highs: highspy.Highs
    log_path: str
    compiled: CompiledLP
    keys: list  # (component name, index) per column, then per row


def _structure(compiled: CompiledLP) -> list:
    return [(v.parent_component().name, v.index()) for v in compiled.columns] + \
           [(c.parent_component().name, c.index()) for c in compiled.rows]


class WarmSolver:
    """One coalition's LP kept in HiGHS between solves (joint mode by default)."""

    def __init__(self, options: RunOptions = RunOptions(), members: list[str] | None = None, label: str = "joint"):
        self.options, self.members, self.label = options, members, label
        self._held: _Held | None = None
        self.last_was_warm = False

    def solve(self, case: Case, scenario_set: ScenarioSet) -> Solution:
        started = time.perf_counter()
        case = scenario_set.apply_to(case)
        inputs = build_inputs(case, scenario_set, resolved_options(scenario_set, self.options), self.members)
        model = build_model(inputs)
        compiled = CompiledLP.from_model(model)
        keys = _structure(compiled)
        self.last_was_warm = self._held is not None and self._same_pattern(compiled, keys)
        if self.last_was_warm:
            self._send_changes(compiled)
            self._held.compiled, self._held.keys = compiled, keys
        else:
            self.close()
            highs, log_path = new_highs(self.options.time_limit_s, HIGHS_OPTIONS)
            highs.passModel(compiled.lp)
            self._held = _Held(highs, log_path, compiled, keys)
        build_seconds = time.perf_counter() - started
        outcome = run_compiled(self._held.highs, compiled, model, self._held.log_path)
        return solution_from(model, inputs, outcome, self.label, list(inputs.members), build_seconds)

    def _same_pattern(self, compiled: CompiledLP, keys: list) -> bool:
        old = self._held.compiled.lp.a_matrix_
        new = compiled.lp.a_matrix_
        return (keys == self._held.keys and np.array_equal(old.start_, new.start_)
                and np.array_equal(old.index_, new.index_))

    def _send_changes(self, compiled: CompiledLP) -> None:
        """Push only what differs from the LP HiGHS holds, so that its basis stays valid."""
        highs, old, new = self._held.highs, self._held.compiled.lp, compiled.lp
        cols = np.flatnonzero((np.asarray(old.col_lower_) != np.asarray(new.col_lower_))
                              | (np.asarray(old.col_upper_) != np.asarray(new.col_upper_)))
        if cols.size:
            highs.changeColsBounds(cols.size, cols.astype(np.int32), np.asarray(new.col_lower_)[cols],
                                   np.asarray(new.col_upper_)[cols])
        costs = np.flatnonzero(np.asarray(old.col_cost_) != np.asarray(new.col_cost_))
        if costs.size:
            highs.changeColsCost(costs.size, costs.astype(np.int32), np.asarray(new.col_cost_)[costs])
        rows = np.flatnonzero((np.asarray(old.row_lower_) != np.asarray(new.row_lower_))
                              | (np.asarray(old.row_upper_) != np.asarray(new.row_upper_)))
        if rows.size:
            highs.changeRowsBounds(rows.size, rows.astype(np.int32), np.asarray(new.row_lower_)[rows],
                                   np.asarray(new.row_upper_)[rows])
        self._send_coefficients(old, new)
        if old.offset_ != new.offset_:
            highs.changeObjectiveOffset(new.offset_)

    def _send_coefficients(self, old: highspy.HighsLp, new: highspy.HighsLp) -> None:
        old_values, new_values = np.asarray(old.a_matrix_.value_), np.asarray(new.a_matrix_.value_)
        changed = np.flatnonzero(old_values != new_values)
        if not changed.size:
            return
        starts = np.asarray(new.a_matrix_.start_)
        columns = np.searchsorted(starts, changed, side="right") - 1
        rows = np.asarray(new.a_matrix_.index_)[changed]
        for row, col, value in zip(rows, columns, new_values[changed]):
            self._held.highs.changeCoeff(int(row), int(col), float(value))

    def close(self) -> None:
        if self._held is not None:
            os.unlink(self._held.log_path)
            self._held = None

    def __del__(self):
        self.close()
