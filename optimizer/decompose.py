"""Scenario decomposition (multi-cut L-shaped / Benders) for large risk-neutral scenario sets.

The first stage (storage built and stock held at the start, per commodity x member) is small; every
scenario's LP is independent once it is fixed. A master LP chooses the first stage against cuts
theta_s >= F_s(x_k) + g_k (x - x_k), where F_s(x) is scenario s's total cost (first stage included)
with x fixed and g_k its gradient (the reduced costs of the fixed first-stage columns). Each
scenario's LP stays in its own HiGHS instance and is re-solved warm as x moves. The loop stops when
the best plan found is within a relative gap of the master's lower bound. Every scenario LP is
given one structure (optimizer.template.template_inputs), so one Pyomo model is built and the
other scenarios' LPs are derived from it (optimizer.template).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
from pyomo.common.gc_manager import PauseGC

from .inputs import ModelInputs
from .results import extract_tables
from .solve import SolveOutcome, log_warnings, new_highs, read_outcome, solver_name
from .template import ScenarioTemplate, split_by_scenario, template_inputs

FIRST_STAGE = ("New_Capacity", "Initial_Stock")
REL_GAP = 1e-9
MAX_ITERATIONS = 500


@dataclass
class ScenarioLP:
    """One scenario's LP in HiGHS (the template's LP with the scenario's numbers written in)."""

    name: str
    highs: highspy.Highs
    log_path: str
    solved: bool = False


def _first_stage_keys(p: ModelInputs) -> list[tuple[str, str, str]]:
    return [(name, c, m) for name in FIRST_STAGE for c in p.commodities for m in p.members]


def _evaluate(sub: ScenarioLP, first_cols: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """F_s(x) and its gradient: fix the first stage at x, solve warm, read the reduced costs."""
    sub.highs.changeColsBounds(len(x), first_cols, x, x)
    sub.highs.run()
    if sub.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"scenario {sub.name}: {sub.highs.modelStatusToString(sub.highs.getModelStatus())}")
    solution = sub.highs.getSolution()
    return sub.highs.getInfo().objective_function_value, np.asarray(solution.col_dual)[first_cols]


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
    results: list[ScenarioResult]  # in the scenario order of the inputs
    template: ScenarioTemplate  # every scenario LP is its LP with the scenario's numbers
    iterations: int
    seconds: float
    at_upper_bound: bool
    timings: dict  # s: building the scenario LPs, their first (cold) round, the warm rounds, masters


@dataclass
class ScenarioResult:
    """What is kept of one scenario LP once the plan is final (picklable, so a worker can send it)."""

    name: str
    values: np.ndarray  # per column of the scenario LP
    duals: np.ndarray  # per row; the scenario LP's costs are not weighted by its probability
    warnings: list[str]


class ScenarioGroup:
    """Some scenarios' LPs, each in its own HiGHS; lives in the main process or in a worker."""

    def __init__(self, subs: list[ModelInputs], template: ScenarioTemplate, keys: list, options: dict):
        self.subs: list[ScenarioLP] = []
        self.last_x: np.ndarray | None = None  # the first stage the scenario LPs were last solved at
        self.first_cols = np.array([template.layout.column(name).position_of((c, m)) for name, c, m in keys],
                                   dtype=np.int32)
        try:
            with PauseGC():  # also in a worker process
                for sub in subs:  # each scenario alone (probability 1)
                    highs, log_path = new_highs(None, options)
                    self.subs.append(ScenarioLP(sub.scenarios[0], highs, log_path))
                    template.lp_for(sub, sub.scenarios[0]).pass_to(highs)
        except BaseException:
            self.close()
            raise

    def evaluate(self, x: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Every scenario at x. A scenario solved for the first time starts from the optimal basis
        of the last scenario solved: their LPs differ only in some numbers."""
        self.last_x = x.copy()
        out, basis = [], None
        for sub in self.subs:
            if not sub.solved and basis is not None:
                sub.highs.setBasis(basis)
            out.append(_evaluate(sub, self.first_cols, x))
            if not sub.solved:
                basis = sub.highs.getBasis()
                sub.solved = True
        return out

    def finish(self, x: np.ndarray) -> list[ScenarioResult]:
        """Solve every scenario at the final first stage (unless it was the last one evaluated:
        the scenario LPs hold its solutions) and read its values and duals."""
        results = []
        again = self.last_x is None or not np.array_equal(x, self.last_x)
        for sub in self.subs:
            if again:
                _evaluate(sub, self.first_cols, x)
            outcome = read_outcome(sub.highs, sub.log_path)
            results.append(ScenarioResult(sub.name, outcome.values, outcome.duals, log_warnings(sub.log_path)))
        return results

    def close(self) -> None:
        for sub in self.subs:
            if os.path.exists(sub.log_path):
                os.unlink(sub.log_path)


def _worker(connection, subs, template, keys, options) -> None:
    """A worker process: build its scenario LPs, then answer evaluate/finish requests."""
    group = None
    try:
        group = ScenarioGroup(subs, template, keys, options)
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

    def __init__(self, groups: list[list[ModelInputs]], template: ScenarioTemplate, keys: list, options: dict):
        context = multiprocessing.get_context("spawn")  # no fork of a process holding HiGHS threads
        self.connections, self.processes = [], []
        for subs in groups:
            parent, child = context.Pipe()
            # each worker is sent its scenarios' inputs only, and the template without Pyomo objects
            args = (child, subs, template.portable(), keys, options)
            process = context.Process(target=_worker, args=args, daemon=True)
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


def solve_decomposed(p: ModelInputs, highs_options: dict | None = None, workers: int = 1) -> Decomposed:
    """Multi-cut L-shaped method to a relative gap of REL_GAP, with the scenario LPs in `workers`
    processes (1: in this process). Raises RuntimeError if a scenario LP or the master fails."""
    started = time.perf_counter()
    keys = _first_stage_keys(p)
    # scenarios dealt round-robin to the workers, keeping their order within each
    workers = max(1, workers)
    with PauseGC():  # many small objects that all stay: collection passes would only slow this
        subs = split_by_scenario(p)
        template = ScenarioTemplate.build(template_inputs(p, subs[0]))
        groups = [subs[w::workers] for w in range(workers) if subs[w::workers]]
        if len(groups) == 1:
            driver = ScenarioGroup(groups[0], template, keys, highs_options or {})
        else:
            driver = _Workers(groups, template, keys, highs_options or {})
    try:
        order = [sub.scenarios[0] for group in groups for sub in group]
        probabilities = np.array([p.probability[s] for s in order])
        return _iterate(p, keys, driver, probabilities, template, started, time.perf_counter() - started)
    finally:
        driver.close()


def _iterate(p: ModelInputs, keys: list, driver, probabilities: np.ndarray, template: ScenarioTemplate,
             started: float, build_s: float) -> Decomposed:
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
    by_name = {r.name: r for r in results}
    return Decomposed(best, best_x, keys, [by_name[s] for s in p.scenarios], template, iteration,
                      time.perf_counter() - started, at_bound, timings)


def outcome_and_tables(decomposed: Decomposed, p: ModelInputs) -> tuple[SolveOutcome, dict[str, pd.DataFrame]]:
    """The result tables of the single LP over all scenarios of `p`, read from the scenario LPs laid
    end to end: their duals weighted by probability as the single LP's are, the first stage once."""
    results = decomposed.results
    message = (f"Optimal by scenario decomposition: {decomposed.iterations} rounds of cuts, "
               f"relative gap at most {REL_GAP:g}.")
    outcome = SolveOutcome("optimal", message, decomposed.objective, solver_name(), decomposed.seconds,
                           warnings=sorted({w for r in results for w in r.warnings}), timings=decomposed.timings,
                           values=np.concatenate([r.values for r in results]),
                           duals=np.concatenate([r.duals * p.probability[r.name] for r in results]))
    tables = extract_tables(p, decomposed.template.layout_for([r.name for r in results]), outcome)
    # the marginal value of storage capacity needs the duals of one LP over all scenarios; the
    # master only approximates them, so it is not reported for a decomposed solve
    tables["stockpile_plan"]["capacity_value_usd_per_t"] = float("nan")
    if decomposed.at_upper_bound:
        outcome.status, outcome.message = "error", (
            "Scenario decomposition reached its safety bound on the starting stock; solve this case "
            "without decomposition (RunOptions(decompose=False)).")
    return outcome, tables


def lp_size(decomposed: Decomposed) -> dict[str, int]:
    """Variables and constraints of the scenario LPs together."""
    layout, n = decomposed.template.layout, len(decomposed.results)
    return {"variables": layout.size("columns") * n, "constraints": layout.size("rows") * n}
