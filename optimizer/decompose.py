"""Scenario decomposition (multi-cut L-shaped / Benders) for large risk-neutral scenario sets.

The first stage (storage built and stock held at the start, per commodity x member) is small; every
scenario's LP is independent once it is fixed. A master LP chooses the first stage against cuts
theta_s >= F_s(x_k) + g_k (x - x_k), where F_s(x) is scenario s's total cost (first stage included)
with x fixed and g_k its gradient (the reduced costs of the fixed first-stage columns). Each
scenario's LP stays in its own HiGHS instance and is re-solved warm as x moves. The loop stops when
the best plan found is within a relative gap of the master's lower bound. Every scenario LP is
given one structure (_with_every_group_row), so one Pyomo model is built and the other scenarios'
LPs are derived from it (optimizer.template).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd

from .inputs import SCENARIO_KEYED, ModelInputs
from .results import extract_tables
from .solve import SolveOutcome, log_warnings, new_highs, read_outcome, solver_name
from .template import ScenarioTemplate, structure

FIRST_STAGE = ("New_Capacity", "Initial_Stock")
REL_GAP = 1e-9
MAX_ITERATIONS = 500


@dataclass
class ScenarioLP:
    """One scenario's LP in HiGHS, and where its first-stage columns are."""

    name: str
    probability: float
    inputs: ModelInputs  # this scenario alone, probability 1
    template: ScenarioTemplate  # its layout, renamed, is this LP's
    highs: highspy.Highs
    log_path: str
    first_cols: np.ndarray  # column of each first-stage variable, in `keys` order
    structure: frozenset  # scenario LPs of one structure have the same columns and rows
    solved: bool = False


def _split_by_scenario(p: ModelInputs) -> dict[str, ModelInputs]:
    """The inputs of each scenario alone, with probability 1, so that its LP's cost is F_s (one
    pass over the scenario-indexed parameters, not one per scenario)."""
    parts = {s: {name: set() if name == "closed" else {} for name in SCENARIO_KEYED} for s in p.scenarios}
    for name in SCENARIO_KEYED:
        values = getattr(p, name)
        for key in values:
            if name == "closed":
                parts[key[0]][name].add(key)
            else:
                parts[key[0]][name][key] = values[key]
    return {s: replace(p, scenarios=[s], probability={s: 1.0}, **parts[s]) for s in p.scenarios}


def _first_stage_keys(p: ModelInputs) -> list[tuple[str, str, str]]:
    return [(name, c, m) for name in FIRST_STAGE for c in p.commodities for m in p.members]


def _build_scenario(sub: ModelInputs, probability: float, keys: list, options: dict,
                    templates: dict) -> ScenarioLP:
    """The scenario's LP, derived from the template of its structure (built on first use)."""
    shape = structure(sub)
    template = templates.get(shape)
    if template is None:
        template = templates[shape] = ScenarioTemplate.build(sub)
    first_cols = np.array([template.layout.column(name).position_of((c, m)) for name, c, m in keys], dtype=np.int32)
    highs, log_path = new_highs(None, options)
    template.lp_for(sub).pass_to(highs)
    return ScenarioLP(sub.scenarios[0], probability, sub, template, highs, log_path, first_cols, shape)


def _evaluate(sub: ScenarioLP, x: np.ndarray) -> tuple[float, np.ndarray]:
    """F_s(x) and its gradient: fix the first stage at x, solve warm, read the reduced costs."""
    sub.highs.changeColsBounds(len(x), sub.first_cols, x, x)
    sub.highs.run()
    if sub.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"scenario {sub.name}: {sub.highs.modelStatusToString(sub.highs.getModelStatus())}")
    solution = sub.highs.getSolution()
    return sub.highs.getInfo().objective_function_value, np.asarray(solution.col_dual)[sub.first_cols]


class _Master:
    """min sum_s p_s theta_s over the first stage x, subject to the cuts collected so far.

    theta_s is stored as phi_s = theta_s - base_s, base_s the scenario's cost at the first point
    tried, so that the master's right-hand sides are cost changes, not totals of ~1e9 k$ that
    leave HiGHS numerically unsure."""

    def __init__(self, p: ModelInputs, keys: list, probabilities: list[float], upper: np.ndarray):
        self.n, self.S = len(keys), len(probabilities)
        self.base = np.zeros(self.S)
        self.highs, self.log_path = new_highs(None, None)
        inf = highspy.kHighsInf
        lower = np.array([p.floor.get((c, m), 0.0) if name == "Initial_Stock" else 0.0 for name, c, m in keys])
        self.highs.addVars(self.n, lower, np.maximum(upper, lower))
        self.highs.addVars(self.S, np.full(self.S, -inf), np.full(self.S, inf))
        self.highs.changeColsCost(self.S, np.arange(self.n, self.n + self.S, dtype=np.int32),
                                  np.array(probabilities, dtype=float))
        index = {key: j for j, key in enumerate(keys)}
        for c in p.commodities:  # Initial_Stock - New_Capacity <= existing capacity
            for m in p.members:
                cols = np.array([index[("Initial_Stock", c, m)], index[("New_Capacity", c, m)]], dtype=np.int32)
                self.highs.addRow(-inf, p.existing_capacity[(c, m)], 2, cols, np.array([1.0, -1.0]))

    def add_cut(self, s: int, value: float, gradient: np.ndarray, x: np.ndarray, first: bool) -> None:
        """phi_s - g.x >= F_s(x_k) - base_s - g.x_k"""
        if first:
            self.base[s] = value
        cols = np.append(np.arange(self.n, dtype=np.int32), np.int32(self.n + s))
        coefs = np.append(-gradient, 1.0)
        self.highs.addRow(value - self.base[s] - float(gradient @ x), highspy.kHighsInf, len(cols), cols, coefs)

    def solve(self, probabilities: np.ndarray) -> tuple[np.ndarray, float]:
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.highs.clearSolver()  # a numerically unsure warm start: try once from scratch
            self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master: {self.highs.modelStatusToString(self.highs.getModelStatus())}")
        x = np.asarray(self.highs.getSolution().col_value)[: self.n]
        lower = self.highs.getInfo().objective_function_value + float(probabilities @ self.base)
        return np.maximum(x, 0.0), lower


def _upper_bounds(p: ModelInputs, keys: list) -> np.ndarray:
    """A bound no useful plan reaches: twice the coalition's demand over the horizon (stock must
    end the horizon at its starting level, so more could never be drawn), or the floor if higher."""
    per_commodity = {c: 2.0 * p.horizon / 12.0 * sum(p.demand_per_year[(c, m)] for m in p.members)
                     for c in p.commodities}
    return np.array([max(per_commodity[c], p.floor.get((c, m), 0.0)) for _, c, m in keys])


@dataclass
class Decomposed:
    objective: float  # model money (k$)
    x: np.ndarray
    keys: list
    results: list[ScenarioResult]
    iterations: int
    seconds: float
    at_upper_bound: bool
    timings: dict  # s: building the scenario LPs, their first (cold) round, the warm rounds, masters


@dataclass
class ScenarioResult:
    """What is kept of one scenario LP once the plan is final (picklable, so a worker can send it)."""

    name: str
    probability: float
    tables: dict
    warnings: list[str]
    variables: int
    constraints: int


class ScenarioGroup:
    """Some scenarios' LPs, each in its own HiGHS; lives in the main process or in a worker."""

    def __init__(self, inputs: list[ModelInputs], probabilities: list[float], keys: list, options: dict):
        self.subs: list[ScenarioLP] = []
        self.last_x: np.ndarray | None = None  # the first stage the scenario LPs were last solved at
        templates = {}  # structure -> ScenarioTemplate: one Pyomo model per structure, not per scenario
        try:
            for sub, prob in zip(inputs, probabilities):
                self.subs.append(_build_scenario(sub, prob, keys, options, templates))
        except BaseException:
            self.close()
            raise

    def evaluate(self, x: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Every scenario at x. A scenario solved for the first time starts from the optimal basis
        of the last scenario of its structure: their LPs differ only in some numbers."""
        self.last_x = x.copy()
        out, bases = [], {}
        for sub in self.subs:
            if not sub.solved and sub.structure in bases:
                sub.highs.setBasis(bases[sub.structure])
            out.append(_evaluate(sub, x))
            if not sub.solved:
                bases[sub.structure] = sub.highs.getBasis()
                sub.solved = True
        return out

    def finish(self, x: np.ndarray) -> list[ScenarioResult]:
        """Solve every scenario at the final first stage (unless it was the last one evaluated:
        the scenario LPs hold its solutions) and extract its result tables."""
        results = []
        again = self.last_x is None or not np.array_equal(x, self.last_x)
        for sub in self.subs:
            if again:
                _evaluate(sub, x)
            outcome = read_outcome(sub.highs, sub.log_path)
            layout = sub.template.layout_for(sub.name)
            results.append(ScenarioResult(sub.name, sub.probability, extract_tables(sub.inputs, layout, outcome),
                                          log_warnings(sub.log_path), layout.size("columns"), layout.size("rows")))
        return results

    def close(self) -> None:
        for sub in self.subs:
            if os.path.exists(sub.log_path):
                os.unlink(sub.log_path)


def _worker(connection, inputs, probabilities, keys, options) -> None:
    """A worker process: build its scenario LPs, then answer evaluate/finish requests."""
    group = None
    try:
        group = ScenarioGroup(inputs, probabilities, keys, options)
        connection.send(("ready", None))
        while True:
            command, x = connection.recv()
            connection.send(("ok", group.evaluate(x) if command == "evaluate" else group.finish(x)))
            if command == "finish":
                return
    except Exception as exc:  # reported to the main process, which raises it as a solve failure
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if group is not None:
            group.close()
        connection.close()


class _Workers:
    """Scenario groups in worker processes (one per core): the scenario LPs build and solve in
    parallel, and only x, values, gradients and the final tables cross the pipes."""

    def __init__(self, groups: list[tuple[list, list]], keys: list, options: dict):
        context = multiprocessing.get_context("spawn")  # no fork of a process holding HiGHS threads
        self.connections, self.processes = [], []
        for inputs, probabilities in groups:
            parent, child = context.Pipe()
            process = context.Process(target=_worker, args=(child, inputs, probabilities, keys, options),
                                      daemon=True)
            process.start()
            self.connections.append(parent)
            self.processes.append(process)
        self._gather()

    def _gather(self) -> list:
        replies = []
        for connection, process in zip(self.connections, self.processes):
            # wait for the reply or the worker's end, whichever comes first: a worker that dies
            # without replying (killed, out of memory, failed start) must not hang the solve
            multiprocessing.connection.wait([connection, process.sentinel])
            if not connection.poll():
                raise RuntimeError(f"a worker process ended unexpectedly (exit code {process.exitcode})")
            status, payload = connection.recv()
            if status == "error":
                raise RuntimeError(payload)
            replies.append(payload)
        return replies

    def evaluate(self, x: np.ndarray) -> list[tuple[float, np.ndarray]]:
        for connection in self.connections:
            connection.send(("evaluate", x))
        return [pair for reply in self._gather() for pair in reply]

    def finish(self, x: np.ndarray) -> list[ScenarioResult]:
        for connection in self.connections:
            connection.send(("finish", x))
        return [result for reply in self._gather() for result in reply]

    def close(self) -> None:
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        for connection in self.connections:
            connection.close()


def _with_every_group_row(subs: dict[str, ModelInputs]) -> dict[str, ModelInputs]:
    """Give each scenario LP the supplier-capacity rows of every member group that any scenario's
    ban singles out, at full capacity where its own scenario has no such ban. Such a row is implied
    by the coalition's row for the same supplier and month (whose right-hand side is at most full
    capacity and whose sum holds the group's imports and more), so no optimum changes; but every
    scenario LP then has one structure, and one Pyomo model serves them all (optimizer.template)."""
    every = frozenset().union(*(structure(sub) for sub in subs.values()))
    for s, sub in subs.items():
        for key in every - structure(sub):
            sub.supply_rows[(s, *key)] = 1.0
    return subs


def _groups(p: ModelInputs, workers: int) -> list[tuple[list, list]]:
    """Scenarios dealt round-robin to the workers, keeping the scenarios' order within each."""
    split = list(_with_every_group_row(_split_by_scenario(p)).values())
    return [(split[w::workers], [p.probability[s.scenarios[0]] for s in split[w::workers]])
            for w in range(workers) if split[w::workers]]


def solve_decomposed(p: ModelInputs, highs_options: dict | None = None, workers: int = 1) -> Decomposed:
    """Multi-cut L-shaped method to a relative gap of REL_GAP, with the scenario LPs in `workers`
    processes (1: in this process). Raises RuntimeError if a scenario LP or the master fails."""
    started = time.perf_counter()
    keys = _first_stage_keys(p)
    groups = _groups(p, max(1, workers))
    if len(groups) == 1:
        driver = ScenarioGroup(groups[0][0], groups[0][1], keys, highs_options or {})
    else:
        driver = _Workers(groups, keys, highs_options or {})
    try:
        order = [s.scenarios[0] for inputs, _ in groups for s in inputs]
        probabilities = np.array([p.probability[s] for s in order])
        return _iterate(p, keys, driver, probabilities, started, time.perf_counter() - started)
    finally:
        driver.close()


def _iterate(p: ModelInputs, keys: list, driver, probabilities: np.ndarray, started: float,
             build_s: float) -> Decomposed:
    upper = _upper_bounds(p, keys)
    master = _Master(p, keys, list(probabilities), upper)
    best, best_x, lower = np.inf, None, -np.inf
    x = np.zeros(len(keys))
    timings = {"build": build_s, "first_round": 0.0, "warm_rounds": 0.0, "master": 0.0}
    try:
        for iteration in range(1, MAX_ITERATIONS + 1):
            round_started = time.perf_counter()
            evaluations = driver.evaluate(x)
            for k, (value, gradient) in enumerate(evaluations):
                master.add_cut(k, value, gradient, x, first=iteration == 1)
            total = float(probabilities @ np.array([value for value, _ in evaluations]))
            timings["first_round" if iteration == 1 else "warm_rounds"] += time.perf_counter() - round_started
            if total < best:
                best, best_x = total, x.copy()
            master_started = time.perf_counter()
            x, lower = master.solve(probabilities)
            timings["master"] += time.perf_counter() - master_started
            if best - lower <= REL_GAP * max(1.0, abs(best)):
                break
        else:
            raise RuntimeError(f"no convergence in {MAX_ITERATIONS} iterations (gap {best - lower:.3g})")
        results = driver.finish(best_x)
    finally:
        os.unlink(master.log_path)
    at_bound = bool(np.any(best_x >= upper - 1e-9 * np.maximum(1.0, upper)))
    return Decomposed(best, best_x, keys, results, iteration, time.perf_counter() - started, at_bound, timings)


def outcome_and_tables(decomposed: Decomposed) -> tuple[SolveOutcome, dict[str, pd.DataFrame]]:
    """One set of result tables from the scenario LPs, as the single LP would give them
    (probabilities restored, first-stage rows once)."""
    results = decomposed.results
    tables = {name: pd.concat([r.tables[name] for r in results], ignore_index=True)
              for name in results[0].tables if name not in ("stockpile_plan", "costs")}
    tables["costs"] = _costs(results)
    tables["stockpile_plan"] = _plan(results)
    message = (f"Optimal by scenario decomposition: {decomposed.iterations} rounds of cuts, "
               f"relative gap at most {REL_GAP:g}.")
    outcome = SolveOutcome("optimal", message, decomposed.objective, solver_name(), decomposed.seconds,
                           warnings=sorted({w for r in results for w in r.warnings}), timings=decomposed.timings)
    if decomposed.at_upper_bound:
        outcome.status, outcome.message = "error", (
            "Scenario decomposition reached its safety bound on the starting stock; solve this case "
            "without decomposition (RunOptions(decompose=False)).")
    return outcome, tables


def _costs(results: list[ScenarioResult]) -> pd.DataFrame:
    first = results[0].tables["costs"]
    frames = [first[first["stage"] == "first_stage"]]
    for result in results:
        rows = result.tables["costs"][result.tables["costs"]["stage"] == "scenario"].copy()
        rows["probability"] = result.probability
        rows["expected_cost_musd"] = rows["cost_musd"] * result.probability
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def _plan(results: list[ScenarioResult]) -> pd.DataFrame:
    """The first stage is the same in every scenario LP. The marginal value of storage capacity
    needs the duals of one LP over all scenarios; the master only approximates them, so it is
    not reported (NaN) for a decomposed solve."""
    plan = results[0].tables["stockpile_plan"].copy()
    plan["capacity_value_usd_per_t"] = float("nan")
    return plan
