"""Scenario decomposition (multi-cut L-shaped / Benders) for large risk-neutral scenario sets.

The first stage (storage built and stock held at the start, per commodity x member) is small; every
scenario's LP is independent once it is fixed. A master LP chooses the first stage against cuts
theta_s >= F_s(x_k) + g_k (x - x_k), where F_s(x) is scenario s's total cost (first stage included)
with x fixed and g_k its gradient (the reduced costs of the fixed first-stage columns). Each
scenario's LP stays in its own HiGHS instance and is re-solved warm as x moves. The loop stops when
the best plan found is within a relative gap of the master's lower bound.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd

from .inputs import ModelInputs
from .model import build_model
from .results import extract_tables
from .solve import CompiledLP, SolveOutcome, new_highs, read_outcome, solver_name

FIRST_STAGE = ("New_Capacity", "Initial_Stock")
REL_GAP = 1e-9
MAX_ITERATIONS = 500


@dataclass
class ScenarioLP:
    """One scenario's LP in HiGHS, and where its first-stage columns are."""

    name: str
    probability: float
    inputs: ModelInputs  # this scenario alone, probability 1
    model: object
    compiled: CompiledLP
    highs: highspy.Highs
    log_path: str
    first_cols: np.ndarray  # column of each first-stage variable, in `keys` order


def _scenario_inputs(p: ModelInputs, s: str) -> ModelInputs:
    """The inputs restricted to scenario s, with probability 1: its LP's cost is F_s."""
    def only(mapping):
        return {k: v for k, v in mapping.items() if k[0] == s}
    return replace(p, scenarios=[s], probability={s: 1.0}, import_price=only(p.import_price),
                   closed={k for k in p.closed if k[0] == s}, supply_rows=only(p.supply_rows),
                   demand=only(p.demand))


def _first_stage_keys(p: ModelInputs) -> list[tuple[str, str, str]]:
    return [(name, c, m) for name in FIRST_STAGE for c in p.commodities for m in p.members]


def _build_scenario(p: ModelInputs, s: str, keys: list, options: dict) -> ScenarioLP:
    sub = _scenario_inputs(p, s)
    model = build_model(sub)
    compiled = CompiledLP.from_model(model)
    position = {id(v): j for j, v in enumerate(compiled.columns)}
    first_cols = np.array([position[id(getattr(model, name)[c, m])] for name, c, m in keys], dtype=np.int32)
    highs, log_path = new_highs(None, options)
    highs.passModel(compiled.lp)
    return ScenarioLP(s, p.probability[s], sub, model, compiled, highs, log_path, first_cols)


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
    subproblems: list[ScenarioLP]
    iterations: int
    seconds: float
    at_upper_bound: bool


def solve_decomposed(p: ModelInputs, highs_options: dict | None = None) -> Decomposed:
    """Multi-cut L-shaped method to a relative gap of REL_GAP; raises RuntimeError if it fails.
    The caller owns the scenario LPs' log files: call close() when done with the result."""
    started = time.perf_counter()
    keys = _first_stage_keys(p)
    subs = []
    try:
        for s in p.scenarios:
            subs.append(_build_scenario(p, s, keys, highs_options or {}))
        return _iterate(p, keys, subs, started)
    except BaseException:
        for sub in subs:
            os.unlink(sub.log_path)
        raise


def _iterate(p: ModelInputs, keys: list, subs: list[ScenarioLP], started: float) -> Decomposed:
    upper = _upper_bounds(p, keys)
    probabilities = np.array([sub.probability for sub in subs])
    master = _Master(p, keys, list(probabilities), upper)
    best, best_x, lower = np.inf, None, -np.inf
    x = np.zeros(len(keys))
    try:
        for iteration in range(1, MAX_ITERATIONS + 1):
            total = 0.0
            for k, sub in enumerate(subs):
                value, gradient = _evaluate(sub, x)
                total += sub.probability * value
                master.add_cut(k, value, gradient, x, first=iteration == 1)
            if total < best:
                best, best_x = total, x.copy()
            x, lower = master.solve(probabilities)
            if best - lower <= REL_GAP * max(1.0, abs(best)):
                break
        else:
            raise RuntimeError(f"no convergence in {MAX_ITERATIONS} iterations (gap {best - lower:.3g})")
        for sub in subs:  # leave every scenario LP at the best first stage found
            _evaluate(sub, best_x)
    finally:
        os.unlink(master.log_path)
    at_bound = bool(np.any(best_x >= upper - 1e-9 * np.maximum(1.0, upper)))
    return Decomposed(best, best_x, keys, subs, iteration, time.perf_counter() - started, at_bound)


def close(decomposed: Decomposed) -> None:
    for sub in decomposed.subproblems:
        os.unlink(sub.log_path)


def outcome_and_tables(decomposed: Decomposed, p: ModelInputs) -> tuple[SolveOutcome, dict[str, pd.DataFrame]]:
    """Load every scenario LP's solution into its model and assemble one set of result tables, as
    the monolithic LP would give them (probabilities restored, first-stage rows once)."""
    per_scenario = []
    for sub in decomposed.subproblems:
        outcome = read_outcome(sub.highs, sub.compiled, sub.model, sub.log_path)
        per_scenario.append((sub, outcome, extract_tables(sub.model, sub.inputs, outcome)))
    tables = {name: pd.concat([t[name] for _, _, t in per_scenario], ignore_index=True)
              for name in per_scenario[0][2] if name not in ("stockpile_plan", "costs")}
    tables["costs"] = _costs(per_scenario)
    tables["stockpile_plan"] = _plan(per_scenario)
    message = (f"Optimal by scenario decomposition: {decomposed.iterations} rounds of cuts, "
               f"relative gap at most {REL_GAP:g}.")
    outcome = SolveOutcome("optimal", message, decomposed.objective, solver_name(), decomposed.seconds,
                           warnings=[w for sub, _, _ in per_scenario for w in _log_warnings(sub.log_path)][:10])
    if decomposed.at_upper_bound:
        outcome.status, outcome.message = "error", (
            "Scenario decomposition reached its safety bound on the starting stock; solve this case "
            "without decomposition (RunOptions(decompose=False)).")
    return outcome, tables


def _log_warnings(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as log:
        return [line.strip() for line in log if "WARNING" in line.upper()]


def _costs(per_scenario: list) -> pd.DataFrame:
    first = per_scenario[0][2]["costs"]
    frames = [first[first["stage"] == "first_stage"]]
    for sub, _, tables in per_scenario:
        rows = tables["costs"][tables["costs"]["stage"] == "scenario"].copy()
        rows["probability"] = sub.probability
        rows["expected_cost_musd"] = rows["cost_musd"] * sub.probability
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def _plan(per_scenario: list) -> pd.DataFrame:
    """The first stage is the same in every scenario LP. The marginal value of storage capacity
    needs the duals of one LP over all scenarios; the master only approximates them, so it is
    not reported (NaN) for a decomposed solve."""
    plan = per_scenario[0][2]["stockpile_plan"].copy()
    plan["capacity_value_usd_per_t"] = float("nan")
    return plan
