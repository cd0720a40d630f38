"""Decomposition over the scenario tree (multi-cut L-shaped / Benders) for large risk-neutral sets.

The LP of docs/model.md over a scenario tree (optimizer.tree) has a part every leaf depends on
(the master: the storage built and stock held at the start, and every decision of a node shared
by more than one leaf, such as the months before an event is announced and the cargoes already
at sea) and one part per leaf (the decisions of a scenario from the month it can be told apart
from all others). Once the master's columns are fixed the leaves are independent. The master LP
is the extensive form's master part with one variable theta per leaf and cuts
theta_l >= F_l(x_k) + g_k (x - x_k), where F_l(x) is leaf l's cost with x fixed and g_k its
gradient (the reduced costs of the fixed columns its rows read). Each leaf's LP is the
one-scenario template (optimizer.lp.template) with its numbers written in, the columns of the master
fixed and the master's rows freed; it stays in its own HiGHS instance and is re-solved warm as x
moves. The loop stops when the best plan found is within a relative gap of the master's lower
bound. The final plan is laid out as the extensive form's solution, so its tables are read as the
single LP's. With more than one worker, or a Dask scheduler's address, the leaves are held by Dask
actors on the cluster's workers (the engine sweeps run on too: optimizer.cluster).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
from pyomo.common.gc_manager import PauseGC

from .lp.assemble import Assembly, assembly
from .inputs import ModelInputs
from .lp.layout import MISSING
from .model.timing import decision_months
from .results import extract_tables
from .solve import CompiledLP, SolveOutcome, log_warnings, new_highs, read_outcome, solver_name
from .lp.template import ScenarioTemplate, split_by_scenario

REL_GAP = 1e-9
MAX_ITERATIONS = 500
_INF = highspy.kHighsInf


@dataclass
class LeafSpec:
    """What a leaf's LP is made from and how it links to the master (picklable). The leaf's LP is
    the template's rows of the leaf's own months and the columns they read: its own decisions and
    the master's columns they use (fixed at the master's values)."""

    index: int  # the scenario that owns the leaf (its place in the set)
    name: str
    probability: float  # the leaf's node probability
    inputs: ModelInputs  # its scenario alone
    leaf_from: int  # its first month of own decisions
    rows: np.ndarray  # template rows in the leaf's LP, in order
    cols: np.ndarray  # template columns in the leaf's LP, in order
    fixed: np.ndarray  # positions (in cols) of the master's columns, fixed at the master's values
    master_of_fixed: np.ndarray  # the master column of each


@dataclass
class LeafLP:
    spec: LeafSpec
    highs: highspy.Highs
    log_path: str


def _evaluate(leaf: LeafLP, x: np.ndarray) -> tuple[float, np.ndarray]:
    """F_l(x) and its gradient over the leaf's links: fix the master's columns at x, solve warm."""
    spec = leaf.spec
    values = x[spec.master_of_fixed]
    leaf.highs.changeColsBounds(len(spec.fixed), spec.fixed.astype(np.int32), values, values)
    leaf.highs.run()
    if leaf.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"leaf {spec.name}: {leaf.highs.modelStatusToString(leaf.highs.getModelStatus())}")
    reduced = np.asarray(leaf.highs.getSolution().col_dual)[spec.fixed]
    return leaf.highs.getInfo().objective_function_value, reduced


class LeafGroup:
    """Some leaves' LPs, each in its own HiGHS; lives in the main process or in a worker."""

    def __init__(self, specs: list[LeafSpec], template: ScenarioTemplate, options: dict):
        self.leaves: list[LeafLP] = []
        self.last_x: np.ndarray | None = None
        try:
            with PauseGC():
                for spec in specs:
                    highs, log_path = new_highs(None, options)
                    self.leaves.append(LeafLP(spec, highs, log_path))
                    _leaf_lp(template, spec).pass_to(highs)
        except BaseException:
            self.close()
            raise

    def evaluate(self, x: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Every leaf at x, each warm from its own previous basis after the first round."""
        self.last_x = x.copy()
        return [_evaluate(leaf, x) for leaf in self.leaves]

    def finish(self, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, list[str]]]:
        """Each leaf's values, duals and solver warnings at the final master point."""
        again = self.last_x is None or not np.array_equal(x, self.last_x)
        results = []
        for leaf in self.leaves:
            if again:
                _evaluate(leaf, x)
            outcome = read_outcome(leaf.highs, leaf.log_path)
            results.append((outcome.values, outcome.duals, log_warnings(leaf.log_path)))
        return results

    def close(self) -> None:
        for leaf in self.leaves:
            if os.path.exists(leaf.log_path):
                os.unlink(leaf.log_path)


def _leaf_lp(template: ScenarioTemplate, spec: LeafSpec) -> CompiledLP:
    """The template with the leaf's numbers, cut to the leaf's rows and the columns they read;
    costs on its own decisions only (weight 1), none on the master's columns."""
    def own(name, keys):
        return (decision_months(spec.inputs, name, keys) >= spec.leaf_from).astype(float)

    full = template.lp_for(spec.inputs, spec.name, own)
    cols, rows = spec.cols, spec.rows
    lp = CompiledLP([], [], full.col_cost[cols], full.col_lower[cols], full.col_upper[cols],
                    full.row_lower[rows], full.row_upper[rows], full.matrix[:, cols].tocsr()[rows].tocsc(),
                    full.offset)
    lp.col_cost[spec.fixed] = 0.0  # the first stage's and the master's costs are the master's
    return lp


class _DaskLeaves:
    """Leaf groups held by Dask actors, one per worker of the cluster: each builds its leaves' LPs
    once and keeps them in HiGHS between rounds, so that only x, values, gradients and the final
    solutions travel (optimizer.cluster: a cluster at an address, else a LocalCluster of
    `workers` processes kept for this process's later runs). Starting the cluster, or a worker that
    dies, is reported as a RuntimeError: the solve fails with its reason."""

    def __init__(self, specs: list[LeafSpec], template: ScenarioTemplate, options: dict, workers: int,
                 scheduler: str | None):
        from .cluster import dask_client, worker_addresses

        self._connection = dask_client(scheduler, workers)
        self.actors, self._futures = [], []
        try:
            client = self._connection.__enter__()
            addresses = worker_addresses(client)
            if not addresses:
                raise RuntimeError("the Dask cluster has no workers")
            groups = _dealt(specs, len(addresses))
            self.order = [spec for group in groups for spec in group]
            portable = client.scatter(template.portable(), broadcast=True, hash=False)
            for group, address in zip(groups, addresses):
                # the specs travel once, straight to the worker that keeps them
                self._futures.append(client.submit(LeafGroup, client.scatter(group, workers=[address], hash=False),
                                                   portable, options, actor=True, workers=[address],
                                                   allow_other_workers=False, pure=False))
            with client.as_current():  # an actor handle binds to the current client when made
                self.actors = [future.result() for future in self._futures]
        except BaseException as exc:
            self.close()
            if isinstance(exc, Exception) and not isinstance(exc, RuntimeError):
                raise RuntimeError(f"the Dask workers could not build the scenario LPs: {exc}") from exc
            raise

    def _gather(self, method: str, x: np.ndarray) -> list:
        calls = [getattr(actor, method)(x) for actor in self.actors]
        try:
            return [item for call in calls for item in call.result()]
        except Exception as exc:  # a leaf that fails, or a worker that died, fails the solve
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from exc

    def evaluate(self, x: np.ndarray) -> list[tuple[float, np.ndarray]]:
        return self._gather("evaluate", x)

    def finish(self, x: np.ndarray) -> list:
        return self._gather("finish", x)

    def close(self) -> None:
        for actor in self.actors:
            try:
                actor.close().result()  # the leaves' HiGHS log files
            except Exception:  # a dead worker has nothing left to close
                pass
        self.actors, self._futures = [], []  # releasing the futures ends the actors
        self._connection.__exit__(None, None, None)


class _InProcess:
    """Every leaf in this process (one worker, no scheduler): no transfer at all."""

    def __init__(self, specs: list[LeafSpec], template: ScenarioTemplate, options: dict):
        self.order = list(specs)
        self.group = LeafGroup(specs, template, options)
        self.evaluate, self.finish, self.close = self.group.evaluate, self.group.finish, self.group.close


def _dealt(specs: list[LeafSpec], n: int) -> list[list[LeafSpec]]:
    """The leaves dealt round-robin to n groups (neighbours in the tree spread over the workers)."""
    return [specs[w::n] for w in range(n) if specs[w::n]]


def leaf_pool(workers: int = 1, scheduler: str | None = None):
    """How the leaves are held: in this process with one worker and no scheduler, else by Dask
    actors. Returns a callable (specs, template, options) -> a driver with `order` (the specs in
    the order evaluate and finish return them), `evaluate(x)`, `finish(x)` and `close()`."""
    if scheduler is None and workers <= 1:
        return _InProcess
    return lambda specs, template, options: _DaskLeaves(specs, template, options, workers, scheduler)


@dataclass
class _Parts:
    """The extensive form split into its master part and its leaves."""

    made: Assembly
    master_cols: np.ndarray  # LP columns of the master, in LP order
    master_rows: np.ndarray
    specs: list[LeafSpec]


def _split(p: ModelInputs) -> _Parts:
    made = assembly(p)
    tree, cols, rows = p.tree, made.cols, made.rows
    n_rows, n_cols = made.lp.matrix.shape
    copies = np.arange(len(p.scenarios))[:, None]
    leaf_col = made.owned & tree.in_leaf(copies, made.col_month[None, :])
    leaf_row = (made.new_row != MISSING) & tree.in_leaf(copies, made.row_month[None, :])
    is_master = np.ones(n_cols, dtype=bool)
    is_master[made.newcol[leaf_col]] = False
    master_row = np.ones(n_rows, dtype=bool)
    master_row[made.new_row[leaf_row]] = False
    master_cols, master_rows = np.flatnonzero(is_master), np.flatnonzero(master_row)
    position = np.full(n_cols, MISSING)
    position[master_cols] = np.arange(len(master_cols))
    template = made.template
    scenario_cols, scenario_rows = np.flatnonzero(~cols.first), np.flatnonzero(~rows.first)
    first_cols = np.flatnonzero(cols.first)
    by_row = template.compiled.matrix.tocsr()
    subs = split_by_scenario(p)
    specs = []
    for k in np.flatnonzero(tree.leaf_from >= 0).tolist():
        own_rows = scenario_rows[leaf_row[k]]
        read = np.zeros(by_row.shape[1], dtype=bool)
        read[by_row[own_rows].indices] = True
        own = np.zeros(by_row.shape[1], dtype=bool)
        own[scenario_cols[leaf_col[k]]] = True
        leaf_cols = np.flatnonzero(read | own)
        fixed = np.flatnonzero(~own[leaf_cols])
        # the master column of each fixed template column: first stage by rank, else its owner's
        first = cols.first[leaf_cols[fixed]]
        lp_col = np.where(first, cols.rank[leaf_cols[fixed]],
                          made.newcol[k, np.where(first, 0, cols.rank[leaf_cols[fixed]])])
        specs.append(LeafSpec(k, p.scenarios[k], float(tree.node_probability[-1, k]), subs[k],
                              int(tree.leaf_from[k]), own_rows, leaf_cols, fixed, position[lp_col]))
    return _Parts(made, master_cols, master_rows, specs)


class _Master:
    """min c.x + sum_l p_l theta_l over the master part x, subject to its rows and the cuts.

    theta_l is stored as phi_l = theta_l - base_l, base_l the leaf's cost at the first point
    tried, so that the cuts' right-hand sides are cost changes, not totals of ~1e8 k$ that leave
    HiGHS numerically unsure. Leaf costs are never negative, so theta_l >= 0 before any cut."""

    def __init__(self, parts: _Parts, upper: np.ndarray):
        lp, cols, rows = parts.made.lp, parts.master_cols, parts.master_rows
        self.n, self.L = len(cols), len(parts.specs)
        self.base = np.zeros(self.L)
        self.probability = np.array([spec.probability for spec in parts.specs])
        self.highs, self.log_path = new_highs(None, None)
        sub = lp.matrix[:, cols].tocsr()[rows].tocsc()
        master = CompiledLP([], [], lp.col_cost[cols], lp.col_lower[cols], np.minimum(lp.col_upper[cols], upper),
                            lp.row_lower[rows], lp.row_upper[rows], sub, lp.offset)
        master.pass_to(self.highs)
        self.highs.addVars(self.L, np.zeros(self.L), np.full(self.L, _INF))
        self.highs.changeColsCost(self.L, np.arange(self.n, self.n + self.L, dtype=np.int32), self.probability)
        self.supports = [spec.master_of_fixed.astype(np.int32) for spec in parts.specs]

    def add_cut(self, leaf: int, value: float, gradient: np.ndarray, x: np.ndarray, first: bool) -> None:
        """phi_l - g.x >= F_l(x_k) - base_l - g.x_k, over the leaf's links"""
        if first:
            self.base[leaf] = value
            self.highs.changeColBounds(self.n + leaf, -value, _INF)
        support = self.supports[leaf]
        cols = np.append(support, np.int32(self.n + leaf))
        coefs = np.append(-gradient, 1.0)
        self.highs.addRow(value - self.base[leaf] - float(gradient @ x[support]), _INF, len(cols), cols, coefs)

    def solve(self) -> tuple[np.ndarray, float, np.ndarray]:
        """The master's x, its lower bound on the total cost, and its row duals."""
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.highs.clearSolver()  # a numerically unsure warm start: try once from scratch
            self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master: {self.highs.modelStatusToString(self.highs.getModelStatus())}")
        solution = self.highs.getSolution()
        x = np.asarray(solution.col_value)[: self.n]
        lower = self.highs.getInfo().objective_function_value + float(self.probability @ self.base)
        return x, lower, np.asarray(solution.row_dual)

    def cost(self, x: np.ndarray, lp: CompiledLP, cols: np.ndarray) -> float:
        return float(lp.col_cost[cols] @ x) + lp.offset


def _upper_bounds(p: ModelInputs, parts: _Parts) -> tuple[np.ndarray, np.ndarray]:
    """A bound no useful plan reaches on the stock held at the start (twice the coalition's demand
    over the horizon, or the floor if higher) and on the storage built (that over the release
    share, which the release limit may need); none on the other columns. Also which columns a
    plan at the bound would make suspect: the stock, and storage that costs something."""
    upper = np.full(len(parts.master_cols), _INF)
    suspect = np.zeros(len(parts.master_cols), dtype=bool)
    layout = parts.made.layout
    position = {col: i for i, col in enumerate(parts.master_cols.tolist())}
    demand = {c: 2.0 * p.horizon / 12.0 * sum(p.demand_per_year[(c, m)] for m in p.members) for c in p.commodities}
    for name in ("New_Capacity", "Initial_Stock"):
        family = layout.column(name)
        for (c, m), col in zip(family.keys, family.positions.tolist()):
            if col == MISSING:
                continue
            bound = max(demand[c], p.floor.get((c, m), 0.0))
            if name == "New_Capacity":
                upper[position[col]] = bound / max(p.release_share[c], 1e-3)
                suspect[position[col]] = p.capacity_cost[c] > 0
            else:
                upper[position[col]], suspect[position[col]] = bound, True
    return upper, suspect


@dataclass
class Decomposed:
    objective: float  # model money (k$)
    values: np.ndarray  # per column of the extensive form
    duals: np.ndarray  # per row of the extensive form (master rows: the last master's)
    made: Assembly
    iterations: int
    seconds: float
    at_upper_bound: bool
    warnings: list[str]
    timings: dict  # s: building, first (cold) round, warm rounds, masters


def solve_decomposed(p: ModelInputs, highs_options: dict | None = None, workers: int = 1,
                     scheduler: str | None = None, pool=None) -> Decomposed:
    """Multi-cut L-shaped method over the tree's leaves to a relative gap of REL_GAP. The leaves'
    LPs are held in this process (one worker, no scheduler) or by Dask actors on the cluster at
    `scheduler`, else on a LocalCluster of `workers` processes (leaf_pool); `pool` replaces that
    choice (bench/ measures the retired process pool through it). Raises RuntimeError if a leaf's
    LP, a worker or the master fails."""
    started = time.perf_counter()
    if pool is None and scheduler is None and (workers or 1) > 1:
        from .cluster import prestart

        prestart(workers, (__name__,))  # the workers start and import this module while the LP is split
    with PauseGC():
        parts = _split(p)
        driver = (pool or leaf_pool(max(1, workers or 1), scheduler))(parts.specs, parts.made.template,
                                                                     highs_options or {})
    try:
        return _iterate(p, parts, driver, driver.order, started, time.perf_counter() - started)
    finally:
        driver.close()


def _iterate(p: ModelInputs, parts: _Parts, driver, order: list[LeafSpec], started: float,
             build_s: float) -> Decomposed:
    lp = parts.made.lp
    upper, suspect = _upper_bounds(p, parts)
    master = _Master(parts, upper)
    place = {spec.index: i for i, spec in enumerate(parts.specs)}  # leaf order in the master
    best, best_x, lower = np.inf, None, -np.inf
    timings = {"build": build_s, "first_round": 0.0, "warm_rounds": 0.0, "master": 0.0}
    try:
        master_started = time.perf_counter()
        x, lower, duals = master.solve()
        timings["master"] += time.perf_counter() - master_started
        for iteration in range(1, MAX_ITERATIONS + 1):
            round_started = time.perf_counter()
            evaluations = driver.evaluate(x)
            total = master.cost(x, lp, parts.master_cols)
            for spec, (value, gradient) in zip(order, evaluations):
                master.add_cut(place[spec.index], value, gradient, x, first=iteration == 1)
                total += spec.probability * value
            timings["first_round" if iteration == 1 else "warm_rounds"] += time.perf_counter() - round_started
            if total < best:
                best, best_x = total, x.copy()
            master_started = time.perf_counter()
            x, lower, duals = master.solve()
            timings["master"] += time.perf_counter() - master_started
            if best - lower <= REL_GAP * max(1.0, abs(best)):
                break
        else:
            raise RuntimeError(f"no convergence in {MAX_ITERATIONS} iterations (gap {best - lower:.3g})")
        results = driver.finish(best_x)
    finally:
        os.unlink(master.log_path)
    values, row_duals, warnings = _laid_out(parts, order, best_x, duals, results)
    at_bound = bool(np.any(best_x[suspect] >= upper[suspect] * (1 - 1e-9) - 1e-9))
    return Decomposed(best, values, row_duals, parts.made, iteration, time.perf_counter() - started, at_bound,
                      warnings, timings)


def _laid_out(parts: _Parts, order: list[LeafSpec], x: np.ndarray, master_duals: np.ndarray,
              results: list) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The extensive form's values and duals: the master's part from the master, each leaf's own
    columns and rows from its LP (its duals times its probability: the extensive form weighs a
    leaf's costs by it)."""
    made = parts.made
    n_rows, n_cols = made.lp.matrix.shape
    values, duals = np.zeros(n_cols), np.zeros(n_rows)
    values[parts.master_cols] = x
    duals[parts.master_rows] = master_duals[: len(parts.master_rows)]
    warnings = set()
    for spec, (leaf_values, leaf_duals, leaf_warnings) in zip(order, results):
        own = np.setdiff1d(np.arange(len(spec.cols)), spec.fixed)
        values[made.newcol[spec.index, made.cols.rank[spec.cols[own]]]] = leaf_values[own]
        duals[made.new_row[spec.index, made.rows.rank[spec.rows]]] = spec.probability * leaf_duals
        warnings.update(leaf_warnings)
    return values, duals, sorted(warnings)


def outcome_and_tables(decomposed: Decomposed, p: ModelInputs) -> tuple[SolveOutcome, dict[str, pd.DataFrame]]:
    """The result tables of the extensive form, read from the master's and the leaves' solutions."""
    message = (f"Optimal by decomposition over the scenario tree: {decomposed.iterations} rounds of cuts, "
               f"relative gap at most {REL_GAP:g}.")
    outcome = SolveOutcome("optimal", message, decomposed.objective, solver_name(), decomposed.seconds,
                           warnings=decomposed.warnings, timings=decomposed.timings,
                           values=decomposed.values, duals=decomposed.duals)
    tables = extract_tables(p, decomposed.made.layout, outcome)
    # the marginal value of storage capacity needs the duals of one LP over all scenarios; the
    # master only approximates them, so it is not reported for a decomposed solve
    tables["stockpile_plan"]["capacity_value_usd_per_t"] = float("nan")
    if decomposed.at_upper_bound:
        outcome.status, outcome.message = "error", (
            "Decomposition reached its safety bound on the starting stock; solve this case without "
            "decomposition (RunOptions(decompose=False)).")
    return outcome, tables


def lp_size(decomposed: Decomposed) -> dict[str, int]:
    """Variables and constraints of the extensive form the decomposition solved."""
    layout = decomposed.made.layout
    return {"variables": layout.size("columns"), "constraints": layout.size("rows")}
