"""Re-solve after an edit from the previous optimal basis, for interactive use.

WarmSolver keeps one coalition's LP in HiGHS. After an edit it finds the (scenario, commodity)
slices of the LP whose numbers changed (optimizer.inputs.changed_slices), assembles the LP of
those slices only (optimizer.lp.assemble), maps their rows and columns onto the LP HiGHS holds by
component name and index, and sends only the numbers that differ; HiGHS restarts from its last
basis (and skips presolve). An edit of scenario events alone rebuilds only that scenario's inputs
and writes its numbers straight into the held LP (optimizer.lp.template), without Pyomo; so does a
data edit that reaches the LP only through those numbers and the cost terms (prices, capacities,
demand, costs), whose scenario inputs are recomputed only where the edited data reaches them
(build_inputs(previous=...)). A change of structure (another horizon, a new ban group, a new
route, a risk weight) assembles the whole LP again (optimizer.lp.assemble): sent as changes when the
matrix pattern is unchanged, else solved cold.

WarmRunner does the same for solve_case's joint / independent / both runs, one WarmSolver per LP,
and runs HiGHS on its LPs at once (one thread each).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import highspy
import numpy as np
from pyomo.common.gc_manager import PauseGC

from .lp.assemble import assemble
from .case import Case
from .inputs import (SCENARIO_KEYED, ModelInputs, RunOptions, build_inputs, changed_slices, merge_scenarios,
                     restrict, with_scenarios)
from .lp.layout import MISSING, LPLayout
from .run import (HIGHS_OPTIONS, Coalition, RunResult, Solution, resolved_options, run_coalitions,
                  solution_from)
from .scenarios import ScenarioSet
from .solve import CompiledLP, SolveOutcome, new_highs, run_compiled
from .lp.template import index_by_scenario, structures, write_first_stage_costs, write_scenario_numbers

DEFAULT_SIMPLEX, PRIMAL_SIMPLEX = 1, 4  # HiGHS simplex_strategy: its default (dual) and primal


@dataclass
class _Held:
    """The LP HiGHS holds, the arrays it was last sent, and the inputs they came from."""

    highs: highspy.Highs
    log_path: str
    compiled: CompiledLP  # without Pyomo objects: no Pyomo model is kept
    layout: LPLayout
    inputs: ModelInputs
    fingerprint: str  # of the case, overrides applied
    options: RunOptions
    scenarios: tuple  # the scenario set's scenarios (name, probability, events)
    capacity_share: dict | None
    structure: dict  # scenario -> its supplier-capacity rows (optimizer.lp.template.structures)
    # the held matrix row-wise, made on the first slice edit; only its pattern is read, which
    # stays the held LP's for as long as it is held (a warm rebuild keeps the pattern)
    rows_pattern: object = None


class WarmSolver:
    """One coalition's LP kept in HiGHS between solves (joint mode by default).

    last_path says how the latest solve went: "cold" (new LP), "warm" (whole model rebuilt, its
    changes sent), "warm-slice" (only the changed slices rebuilt and sent), "warm-numbers"
    (only numbers changed: written into the held LP, no Pyomo build) or "unchanged" (the same
    inputs as the latest solve: its solution is returned, HiGHS not run)."""

    def __init__(self, options: RunOptions = RunOptions(), members: list[str] | None = None, label: str = "joint"):
        self.options, self.members, self.label = options, members, label
        self._held: _Held | None = None
        self._solution: Solution | None = None  # of the latest solve, while its inputs stand
        self.last_path = "none"
        self._build_seconds = 0.0  # of the latest prepare()
        # what the latest warm solve sent to HiGHS: columns whose bounds or cost changed, rows
        # whose sides changed, matrix coefficients changed
        self.last_changes = {"column_bounds": 0, "costs": 0, "row_sides": 0, "coefficients": 0}

    @property
    def last_was_warm(self) -> bool:
        return self.last_path.startswith("warm") or self.last_path == "unchanged"

    def solve(self, case: Case, scenario_set: ScenarioSet, options: RunOptions | None = None,
              capacity_share: dict | None = None) -> Solution:
        self.prepare(case, scenario_set, options, capacity_share)
        return self.finish(self.run())

    def prepare(self, case: Case, scenario_set: ScenarioSet, options: RunOptions | None = None,
                capacity_share: dict | None = None) -> None:
        """Bring the LP HiGHS holds up to date with this case and scenario set (run() solves it)."""
        started = time.perf_counter()
        case = scenario_set.apply_to(case)
        options = resolved_options(scenario_set, options or self.options)
        members = list(self.members or case.members)
        fingerprint = case.fingerprint()
        self.last_changes = dict.fromkeys(self.last_changes, 0)
        held = self._held
        if held is not None and self._solution is not None and held.fingerprint == fingerprint \
                and held.options == options and held.scenarios == scenario_set.scenarios \
                and held.capacity_share == capacity_share and list(held.inputs.members) == members:
            self.last_path, self._build_seconds = "unchanged", time.perf_counter() - started
            return  # the same inputs: the held solution stands (e.g. the calm reference after a scenario edit)
        self._solution = None
        with PauseGC():  # inputs and numbers are many small objects that stay: collections only cost
            inputs, edited = self._inputs(case, scenario_set, options, members, fingerprint, capacity_share)
            if edited is not None and not inputs.cvar_weight and inputs.tree.same_partition(self._held.inputs.tree) \
                    and all(self._held.structure[s] == rows for s, rows in structures(edited).items()):
                if inputs.probability == self._held.inputs.probability:
                    self._send_scenario_numbers(inputs, edited.scenarios, all_costs=False)
                else:  # node probabilities weigh the costs of every scenario in a node with an edited one
                    self._send_scenario_numbers(inputs, inputs.scenarios)
            else:
                slices = changed_slices(self._held.inputs, inputs) if self._held is not None else None
                if slices is not None and not inputs.cvar_weight and _numbers_only(self._held.inputs, inputs):
                    scenarios = sorted({s for s, _ in slices}, key=inputs.scenarios.index)
                    self._send_scenario_numbers(inputs, scenarios, first_stage=True)
                elif slices is None or not self._send_slices(inputs, slices):
                    self._send_model(inputs, options)
        held = self._held
        held.highs.setOptionValue("time_limit", float(options.time_limit_s or highspy.kHighsInf))
        held.inputs, held.fingerprint, held.options = inputs, fingerprint, options
        held.scenarios, held.capacity_share = scenario_set.scenarios, capacity_share
        self._build_seconds = time.perf_counter() - started

    def run(self) -> SolveOutcome:
        """HiGHS's run on the LP prepare() left, from its last basis; safe to call from a thread
        of its own (highspy releases the GIL while HiGHS runs). Nothing to run if prepare() found
        the inputs unchanged."""
        if self.last_path == "unchanged":
            return self._solution.outcome
        self._held.highs.setOptionValue("simplex_strategy", self._simplex_strategy())
        outcome = run_compiled(self._held.highs, self._held.log_path)
        if self.last_path == "cold" and outcome.optimal:
            # HiGHS solved the presolved LP; one more run on the unchanged LP sets its simplex up
            # on the whole LP now (0.1 s at 120x50), which the first warm re-solve would pay later
            # at several times the cost (measured on the lower-bound build at 120x50: its first
            # warm run 1.1 s without this run, 0.6 s with it)
            self._held.highs.run()
        return outcome

    def _simplex_strategy(self) -> int:
        """Primal simplex when only costs changed: the held basis stays primal feasible and a few
        primal iterations restore optimality, where dual simplex starts dual infeasible (a price
        edit at 120x50: 150 primal iterations, 2.9 s, against 32,562 dual ones, 7.5 s). Otherwise
        HiGHS's default choice (dual simplex after a bound or right-hand-side change)."""
        changes = self.last_changes
        costs_only = self.last_path != "cold" and changes["costs"] > 0 and not (
            changes["column_bounds"] or changes["row_sides"] or changes["coefficients"])
        return PRIMAL_SIMPLEX if costs_only else DEFAULT_SIMPLEX

    def finish(self, outcome: SolveOutcome) -> Solution:
        """The solution of run()'s outcome: its tables read through the held LP's layout."""
        if self.last_path == "unchanged":
            return self._solution
        held = self._held
        self._solution = solution_from(held.layout, held.inputs, outcome, self.label, list(held.inputs.members),
                                       self._build_seconds)
        return self._solution

    def _inputs(self, case: Case, scenario_set: ScenarioSet, options: RunOptions, members: list[str],
                fingerprint: str, capacity_share: dict | None) -> tuple[ModelInputs, ModelInputs | None]:
        """The inputs of this solve, and, if nothing but some scenarios' events changed, the
        inputs of those scenarios alone (else None): then only those are rebuilt. After a data
        edit the held inputs' scenario-keyed parameters are reused where that data does not
        reach them."""
        held = self._held
        if held is None:
            return build_inputs(case, scenario_set, options, members, capacity_share), None
        same_scenarios = [s.name for s in held.scenarios] == [s.name for s in scenario_set.scenarios]
        same_data = (held.fingerprint == fingerprint and held.options == options and same_scenarios
                     and held.capacity_share == capacity_share and list(held.inputs.members) == members)
        if not same_data:
            previous = held.inputs if held.scenarios == scenario_set.scenarios else None
            return build_inputs(case, scenario_set, options, members, capacity_share, previous), None
        edited = with_scenarios(held.inputs, [s for s, old in zip(scenario_set.scenarios, held.scenarios) if s != old])
        return merge_scenarios(held.inputs, edited, scenario_set.scenarios), edited

    def _send_scenario_numbers(self, inputs: ModelInputs, scenarios: list[str], all_costs: bool = True,
                               first_stage: bool = False) -> None:
        """Only numbers changed and the LP's structure did not (some scenarios' events or
        probabilities, or data that feeds only scenario numbers and costs): those scenarios'
        numbers at the keys they own, their costs (all of them, or with all_costs=False only those
        that vary by scenario) and with first_stage the first stage's costs are written straight
        into a copy of the held arrays (optimizer.lp.template) and the differences sent."""
        new = self._held.compiled.with_own_numbers()
        for scenario in scenarios:
            write_scenario_numbers(new, self._held.layout, inputs, scenario, all_costs=all_costs)
        if first_stage:
            write_first_stage_costs(new, self._held.layout, inputs)
        self._send(np.arange(len(new.col_cost)), new, np.arange(len(new.row_lower)))
        self.last_path = "warm-numbers"

    def _send_slices(self, inputs: ModelInputs, slices: set) -> bool:
        """Rebuild the changed slices and send their numbers; False if they do not fit the held LP."""
        self.last_path = "warm-slice"
        if not slices:  # nothing the LP holds has changed
            return True
        # every scenario of the changed commodities: the part keeps the whole set's tree, so
        # its columns are the held LP's (a scenario-subset's tree would own other months)
        commodities = sorted({c for _, c in slices}, key=inputs.commodities.index)
        part = restrict(inputs, inputs.scenarios, commodities)
        compiled, layout = assemble(part)
        cols = _positions_in(self._held.layout.columns, layout.columns, compiled.matrix.shape[1])
        rows = _positions_in(self._held.layout.rows, layout.rows, compiled.matrix.shape[0])
        if (cols == MISSING).any() or (rows == MISSING).any():
            return False
        entries = _matrix_entries(compiled, rows, cols)
        if not self._held_pattern_matches(rows, entries):
            return False
        self._send(cols, compiled, rows)
        self._send_coefficients(*entries)
        return True

    def _held_pattern_matches(self, rows: np.ndarray, entries: tuple) -> bool:
        """The held matrix has exactly these rows' entries (same columns), whatever their values."""
        held = self._held
        if held.rows_pattern is None:  # about 30 ms at 120x50: made once, not per edit
            held.rows_pattern = held.compiled.matrix.tocsr()
        held_rows = held.rows_pattern[np.sort(rows)].tocoo()
        held_keys = np.sort(np.sort(rows)[held_rows.row].astype(np.int64) * self._n_cols() + held_rows.col)
        keys = np.sort(entries[0].astype(np.int64) * self._n_cols() + entries[1])
        return held_keys.shape == keys.shape and np.array_equal(held_keys, keys)

    def _n_cols(self) -> int:
        return self._held.compiled.matrix.shape[1]

    def _send_model(self, inputs: ModelInputs, options: RunOptions) -> None:
        """Make the whole LP; send its changes if it has the held LP's structure, else pass it cold."""
        compiled, layout = assemble(inputs)
        held = self._held
        if held is not None and _same_pattern(held, compiled, layout):
            n_rows, n_cols = compiled.matrix.shape
            self._send(np.arange(n_cols), compiled, np.arange(n_rows))
            old = held.compiled.matrix.data
            changed = np.flatnonzero(old != compiled.matrix.data)
            self.last_changes["coefficients"] += changed.size
            for k in changed:  # the same pattern: entries align
                col = int(np.searchsorted(compiled.matrix.indptr, k, side="right") - 1)
                held.highs.changeCoeff(int(compiled.matrix.indices[k]), col, float(compiled.matrix.data[k]))
            held.compiled, held.layout, held.structure = compiled, layout, structures(inputs)
            index_by_scenario(layout)
            self.last_path = "warm"
            return
        self.close()
        highs, log_path = new_highs(options.time_limit_s, HIGHS_OPTIONS)
        compiled.pass_to(highs)
        self._held = _Held(highs, log_path, compiled, layout, inputs, "", options, (), None,
                           structures(inputs))
        index_by_scenario(layout)
        self.last_path = "cold"

    def _send(self, cols: np.ndarray, part: CompiledLP, rows: np.ndarray) -> None:
        """Send the bounds and costs of `part` that differ from what HiGHS holds (its basis stays
        valid), and keep the held arrays equal to what HiGHS now has. cols/rows: the held position
        of each of part's columns and rows."""
        highs, lp = self._held.highs, self._held.compiled
        bounds = np.flatnonzero((lp.col_lower[cols] != part.col_lower) | (lp.col_upper[cols] != part.col_upper))
        self.last_changes["column_bounds"] += bounds.size
        if bounds.size:
            at = cols[bounds].astype(np.int32)
            highs.changeColsBounds(at.size, at, part.col_lower[bounds], part.col_upper[bounds])
            lp.col_lower[at], lp.col_upper[at] = part.col_lower[bounds], part.col_upper[bounds]
        costs = np.flatnonzero(lp.col_cost[cols] != part.col_cost)
        self.last_changes["costs"] += costs.size
        if costs.size:
            at = cols[costs].astype(np.int32)
            highs.changeColsCost(at.size, at, part.col_cost[costs])
            lp.col_cost[at] = part.col_cost[costs]
        sides = np.flatnonzero((lp.row_lower[rows] != part.row_lower) | (lp.row_upper[rows] != part.row_upper))
        self.last_changes["row_sides"] += sides.size
        if sides.size:
            at = rows[sides].astype(np.int32)
            highs.changeRowsBounds(at.size, at, part.row_lower[sides], part.row_upper[sides])
            lp.row_lower[at], lp.row_upper[at] = part.row_lower[sides], part.row_upper[sides]

    def _send_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Coefficients (held row, held column, value) that differ, e.g. after a release-share edit."""
        matrix = self._held.compiled.matrix
        held = np.asarray(matrix[rows, cols]).ravel() if len(rows) else np.zeros(0)
        changed = np.flatnonzero(held != values)
        self.last_changes["coefficients"] += changed.size
        for k in changed:
            self._held.highs.changeCoeff(int(rows[k]), int(cols[k]), float(values[k]))
            matrix[rows[k], cols[k]] = values[k]

    def close(self) -> None:
        if self._held is not None:
            os.unlink(self._held.log_path)
            self._held, self._solution = None, None

    def __del__(self):
        self.close()


# The ModelInputs fields whose every use in the LP is a number write_scenario_numbers or
# write_first_stage_costs writes (the blocks read them only through those numbers' functions and
# the cost terms), plus demand_per_year and supplier_price, which the LP reads only through the
# scenario-keyed demand and import prices (floors are a field of their own).
_NUMBERS_FIELDS = frozenset(SCENARIO_KEYED) | {"probability", "supplier_capacity", "supplier_price",
                                               "restraint_share", "capacity_cost", "holding_cost",
                                               "handling_cost", "restraint_cost", "shortfall_penalty",
                                               "demand_per_year", "normal_imports", "replenishment_price",
                                               "sharing_penalty", "risk_window_months", "tree",
                                               "domestic_capacity", "domestic_cost"}


def _numbers_only(old: ModelInputs, new: ModelInputs) -> bool:
    """Whether `old` and `new` differ only in fields that the numbers path rewrites (the tree only
    in its probabilities; normal demand also weighs the sharing rows' matrix entries)."""
    if new.sharing and old.demand_per_year != new.demand_per_year:
        return False
    return old.tree.same_partition(new.tree) and all(
        getattr(old, f.name) == getattr(new, f.name) for f in fields(ModelInputs) if f.name not in _NUMBERS_FIELDS)


def _positions_in(held: dict, part: dict, size: int) -> np.ndarray:
    """For each column (or row) of a part's LP, its position in the held LP (MISSING if none)."""
    out = np.full(size, MISSING, dtype=np.int64)
    for name, family in part.items():
        present = family.positions != MISSING
        target = held.get(name)
        if target is None:
            if present.any():
                return np.full(size, MISSING, dtype=np.int64)
            continue
        keys = [k for k, keep in zip(family.keys, present) if keep]
        out[family.positions[present]] = [target.position_of(k) for k in keys]
    return out


def _matrix_entries(compiled: CompiledLP, rows: np.ndarray, cols: np.ndarray) -> tuple:
    """A part's matrix entries as (held row, held column, value)."""
    coo = compiled.matrix.tocoo()
    return rows[coo.row], cols[coo.col], coo.data


def _same_pattern(held: _Held, compiled: CompiledLP, layout: LPLayout) -> bool:
    old = held.compiled.matrix
    new = compiled.matrix
    same_families = all(
        name in held_families and held_families[name].keys == family.keys
        and np.array_equal(held_families[name].positions, family.positions)
        for held_families, families in ((held.layout.columns, layout.columns), (held.layout.rows, layout.rows))
        for name, family in families.items()) and held.layout.size("columns") == layout.size("columns") \
        and held.layout.size("rows") == layout.size("rows")
    return (same_families and old.shape == new.shape and np.array_equal(old.indptr, new.indptr)
            and np.array_equal(old.indices, new.indices))


class WarmRunner:
    """solve_case's runs (joint, each member alone, or both), each LP kept warm between solves.

    The LPs are brought up to date one after another, then HiGHS runs on all of them at once, one
    thread each (highspy releases the GIL while HiGHS runs), and their tables are read one after
    another."""

    def __init__(self):
        self._solvers: dict[str, WarmSolver] = {}
        self.last_seconds: dict[str, float] = {}  # the latest solve: prepare, HiGHS (wall), tables
        # (a run of mode both solves its LPs and then its calm reference's: the steps add up)

    def solve(self, case: Case, scenario_set: ScenarioSet, mode: str = "joint", options: RunOptions = RunOptions(),
              on_progress: Callable[[str], None] | None = None) -> RunResult:
        self.last_seconds = dict.fromkeys(("prepare", "highs_runs", "tables"), 0.0)
        return run_coalitions(case, scenario_set, mode, options, on_progress, self._solve_all)

    def _solve_all(self, case: Case, scenario_set: ScenarioSet, runs: list[Coalition],
                   progress: Callable[[str], None]) -> list[Solution]:
        started, solvers = time.perf_counter(), []
        for coalition in runs:
            progress(coalition.progress)
            solver = self._solvers.get(coalition.label)
            if solver is None:
                solver = self._solvers[coalition.label] = WarmSolver(coalition.options, list(coalition.members),
                                                                     coalition.label)
            solver.prepare(case, scenario_set, coalition.options, coalition.capacity_share)
            solvers.append(solver)
        prepared = time.perf_counter()
        outcomes = _run_together(solvers)
        ran = time.perf_counter()
        solutions = [solver.finish(outcome) for solver, outcome in zip(solvers, outcomes)]
        for step, seconds in (("prepare", prepared - started), ("highs_runs", ran - prepared),
                              ("tables", time.perf_counter() - ran)):  # added up over the run's groups of LPs
            self.last_seconds[step] += seconds
        return solutions

    @property
    def last_paths(self) -> dict[str, str]:
        return {label: solver.last_path for label, solver in self._solvers.items()}

    def close(self) -> None:
        for solver in self._solvers.values():
            solver.close()
        self._solvers.clear()


def _run_together(solvers: list[WarmSolver]) -> list[SolveOutcome]:
    """Each solver's run(), in threads when there are several (as many at once as there are
    cores): HiGHS's runs of the LPs of mode both overlap instead of queueing."""
    if len(solvers) == 1:
        return [solvers[0].run()]
    with ThreadPoolExecutor(max_workers=min(len(solvers), os.cpu_count() or 1)) as pool:
        return list(pool.map(WarmSolver.run, solvers))
