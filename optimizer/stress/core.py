"""Hold a plan's here-and-now decisions fixed and solve each scenario's recourse; measure what each
lever covers by solving again with only that lever (docs/model.md, "Stress test").

The LP is the model's own (docs/model.md), assembled as solve_case assembles it, with the
columns Initial_Stock and New_Capacity fixed at the plan's values. A lever is switched off by
what it is: stock (no Release), spare supply (every supplier capped at the coalition's normal
imports from it, so only rerouting of normal volumes is left), transfers (and swaps) between
members, demand restraint. Normal supply and domestic output always stay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..case import Case
from ..errors import InputError, Problem
from ..inputs import DAYS_PER_YEAR, ModelInputs, RunOptions, build_inputs
from ..lp.assemble import assemble
from ..run import HIGHS_OPTIONS, Solution, resolved_options, solution_from, solve_case
from ..scenarios import ScenarioSet
from ..solve import CompiledLP, solve_compiled
from .plans import Plan

LEVERS = ("stock", "spare_supply", "transfers", "restraint")
LEVER_LABELS = {"stock": "stock released", "spare_supply": "other suppliers' spare capacity",
                "transfers": "transfers between members", "restraint": "demand restraint"}
SHORT_T = 1e-6  # tonnes: less shortfall than this is none


@dataclass
class StressResult:
    """The fixed plan's solution (every lever on), one per lever alone and one with none, and the
    optimal plan's solution for comparison (None if not asked)."""

    plan: Plan
    scenario_set: ScenarioSet
    options: RunOptions
    fixed: Solution
    alone: dict[str, Solution] = field(default_factory=dict)  # lever -> only that lever on
    none: Solution | None = None  # no lever: normal supply and domestic output only
    optimal: Solution | None = None

    @property
    def solutions(self) -> list[Solution]:
        return [s for s in [self.fixed, self.none, *self.alone.values(), self.optimal] if s is not None]

    @property
    def optimal_everywhere(self) -> bool:
        return all(s.optimal for s in self.solutions)


def stress_test(case: Case, scenario_set: ScenarioSet, plan: Plan, options: RunOptions = RunOptions(),
                levers: bool = True, compare_optimal: bool = True) -> StressResult:
    """The plan under every scenario of the set, with every lever; with levers, also with none and
    with each lever alone; with compare_optimal, the optimal plan too (solve_case, joint)."""
    result = StressResult(plan, scenario_set, options, solve_with_plan(case, scenario_set, plan, options))
    if levers:
        result.none = solve_with_plan(case, scenario_set, plan, options, disabled=LEVERS, label="no lever")
        for lever in LEVERS:
            off = tuple(x for x in LEVERS if x != lever)
            result.alone[lever] = solve_with_plan(case, scenario_set, plan, options, disabled=off,
                                                  label=f"{lever} alone")
    if compare_optimal:
        result.optimal = solve_case(case, scenario_set, "joint", replace(options, cover_floors=False)).joint
    return result


def solve_with_plan(case: Case, scenario_set: ScenarioSet, plan: Plan, options: RunOptions = RunOptions(),
                    disabled: tuple[str, ...] = (), label: str = "stress") -> Solution:
    """The joint LP with the plan's starting stock and new storage fixed and the `disabled` levers
    off. Non-optimal solves are reported in the Solution, not raised; a plan that does not fit its
    storage is an InputError."""
    unknown = sorted(set(disabled) - set(LEVERS))
    if unknown:
        raise InputError([Problem("stress", None, "levers", f"unknown lever(s) {', '.join(unknown)}; "
                                                             f"valid: {', '.join(LEVERS)}")])
    started = time.perf_counter()
    options = replace(resolved_options(scenario_set, options), cover_floors=False, decompose=False)
    if "transfers" in disabled:
        options = replace(options, transfers=False, swaps=False)
    overridden = scenario_set.apply_to(case)
    members = list(overridden.members)
    inputs = build_inputs(overridden, scenario_set, options, members)
    _check_fits(plan, inputs)
    inputs = _without(inputs, disabled)
    compiled, layout = assemble(inputs)
    _fix(compiled, layout, inputs, "Initial_Stock", plan.stock_t)
    _fix(compiled, layout, inputs, "New_Capacity", plan.new_capacity_t)
    if "stock" in disabled:
        _switch_off(compiled, layout, "Release")
    build_seconds = time.perf_counter() - started
    outcome = solve_compiled(compiled, options.time_limit_s, HIGHS_OPTIONS)
    return solution_from(layout, inputs, outcome, label, members, build_seconds)


def _without(p: ModelInputs, disabled: tuple[str, ...]) -> ModelInputs:
    if "restraint" in disabled:
        p = replace(p, restraint_share=dict.fromkeys(p.restraint_share, 0.0))
    if "spare_supply" in disabled:  # each supplier ships at most what the coalition normally buys from it
        normal: dict[tuple[str, str], float] = {}
        for (c, k, _), units in p.normal_imports.items():
            normal[(c, k)] = normal.get((c, k), 0.0) + units
        p = replace(p, supplier_capacity={key: min(cap, normal.get(key, 0.0)) for key, cap in p.supplier_capacity.items()})
    return p


def _check_fits(plan: Plan, p: ModelInputs) -> None:
    problems = []
    for c in p.commodities:
        u = p.tonnes_per_unit[c]
        for m in p.members:
            stock, new = plan.stock_t.get((c, m)), plan.new_capacity_t.get((c, m), 0.0)
            if stock is None:
                problems.append(Problem(plan.name, None, "commodity,member", f"the plan has no stock for {c}/{m}"))
                continue
            room = p.existing_capacity[(c, m)] * u + new
            if stock > room * (1 + 1e-9) + 1e-9:
                problems.append(Problem(plan.name, None, "initial_stock_t",
                                        f"{c}/{m}: {stock:,.6g} t does not fit the storage ({room:,.6g} t = existing "
                                        f"+ new_capacity_t); raise new_capacity_t or lower the stock"))
    if problems:
        raise InputError(problems)


def _fix(compiled: CompiledLP, layout, p: ModelInputs, name: str, tonnes: dict[tuple[str, str], float]) -> None:
    family = layout.column(name)
    for (c, m), position in zip(family.keys, family.positions.tolist()):
        if position >= 0:
            value = tonnes.get((c, m), 0.0) / p.tonnes_per_unit[c]
            compiled.col_lower[position] = compiled.col_upper[position] = value


def _switch_off(compiled: CompiledLP, layout, name: str) -> None:
    positions = layout.column(name).positions
    positions = positions[positions >= 0]
    compiled.col_upper[positions] = 0.0
    compiled.col_lower[positions] = np.minimum(compiled.col_lower[positions], 0.0)


# ---- what the solutions say ------------------------------------------------------------------


def exposure(solution: Solution, plan_stock_t: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Per scenario x commodity x member over the horizon: demand, shortfall (t and % of demand),
    the first month short, the stock at the start, how much was released and refilled, the days it lasted
    (from the first month it was drawn to the month it ran out; NaN if it never ran out), transfers
    received and sent, demand restrained, and imports against normal imports."""
    p, tables = solution.inputs, solution.tables
    short = tables["shortfalls"]
    keys = ["scenario", "commodity", "member"]
    out = short.groupby(keys, sort=False)[["demand_t", "domestic_t", "restraint_t", "shortfall_t"]].sum().reset_index()
    out["shortfall_pct"] = np.where(out["demand_t"] > 0, 100.0 * out["shortfall_t"] / out["demand_t"], 0.0)
    first = short[short["shortfall_t"] > SHORT_T].groupby(keys, sort=False)["month"].min()
    out["first_month_short"] = out.set_index(keys).index.map(first).to_numpy(dtype=float)
    out["stock_start_t"] = [plan_stock_t.get((c, m), 0.0) for c, m in zip(out["commodity"], out["member"])]
    trajectory = tables["stock_trajectory"]
    moved = trajectory.groupby(keys, sort=False)[["release_t", "fill_t"]].sum()
    out["stock_released_t"] = out.set_index(keys).index.map(moved["release_t"]).to_numpy(dtype=float)
    out["stock_refilled_t"] = out.set_index(keys).index.map(moved["fill_t"]).to_numpy(dtype=float)
    out["stock_lasts_days"] = [_days_lasted(g) for _, g in _groups(trajectory, keys, out)]
    transfers = tables["transfers"]
    got = transfers.groupby(["scenario", "commodity", "to_member"])["quantity_t"].sum()
    sent = transfers.groupby(["scenario", "commodity", "from_member"])["quantity_t"].sum()
    index = out.set_index(keys).index
    out["transfers_in_t"] = index.map(got).to_numpy(dtype=float)
    out["transfers_out_t"] = index.map(sent).to_numpy(dtype=float)
    flows = tables["flows"]
    arrived = flows[flows["arrival_month"] >= 1].groupby(["scenario", "commodity", "member"])["quantity_t"].sum()
    out["imports_t"] = index.map(arrived).to_numpy(dtype=float)
    normal = {(c, m): sum(v for (cc, _, mm), v in p.normal_imports.items() if cc == c and mm == m) * p.tonnes_per_unit[c]
              for c in p.commodities for m in p.members}
    out["normal_imports_t"] = [normal[(c, m)] * p.horizon for c, m in zip(out["commodity"], out["member"])]
    return out.fillna({"transfers_in_t": 0.0, "transfers_out_t": 0.0, "imports_t": 0.0, "stock_released_t": 0.0,
                       "stock_refilled_t": 0.0})


def _groups(trajectory: pd.DataFrame, keys: list[str], order: pd.DataFrame):
    grouped = dict(tuple(trajectory.groupby(keys, sort=False)))
    for key in order[keys].itertuples(index=False, name=None):
        yield key, grouped.get(key, trajectory.iloc[0:0])


def _days_lasted(g: pd.DataFrame) -> float:
    """Days from the first month stock is drawn to the end of the month it runs out; NaN if it
    never runs out (or is never drawn), 0 if there is none to draw."""
    g = g.sort_values("month")
    drawn = g[g["release_t"] > SHORT_T]
    if drawn.empty:
        return float("nan")
    start = int(drawn["month"].iloc[0])
    empty = g[(g["month"] >= start) & (g["stock_t"] <= SHORT_T)]
    if empty.empty:
        return float("nan")
    return (int(empty["month"].iloc[0]) - start + 1) * DAYS_PER_YEAR / 12.0


def shortfall_by_month(solution: Solution) -> pd.DataFrame:
    """Per scenario x commodity x member x month: demand, shortfall (t and %) and stock at the month's end."""
    short = solution.tables["shortfalls"][["scenario", "commodity", "member", "month", "demand_t", "shortfall_t"]].copy()
    short["shortfall_pct"] = np.where(short["demand_t"] > 0, 100.0 * short["shortfall_t"] / short["demand_t"], 0.0)
    stock = solution.tables["stock_trajectory"][["scenario", "commodity", "member", "month", "stock_t"]]
    return short.merge(stock, on=["scenario", "commodity", "member", "month"], how="left")


def lever_table(result: StressResult) -> pd.DataFrame:
    """Per scenario x commodity x member: the shortfall with no lever, with each lever alone and with
    all, and the tonnes each covers (alone: none - lever alone; together: none - all)."""
    keys = ["scenario", "commodity", "member"]

    def total(solution: Solution) -> pd.Series:
        return solution.tables["shortfalls"].groupby(keys, sort=False)["shortfall_t"].sum()

    out = total(result.none).rename("shortfall_none_t").to_frame()
    for lever, solution in result.alone.items():
        out[f"shortfall_{lever}_alone_t"] = total(solution)
    out["shortfall_all_t"] = total(result.fixed)
    for lever in result.alone:
        out[f"covered_{lever}_alone_t"] = out["shortfall_none_t"] - out[f"shortfall_{lever}_alone_t"]
    out["covered_all_t"] = out["shortfall_none_t"] - out["shortfall_all_t"]
    return out.reset_index()


def side_by_side(result: StressResult) -> pd.DataFrame:
    """The fixed plan's exposure with the optimal plan's stock and shortfall beside it."""
    fixed = exposure(result.fixed, result.plan.stock_t)
    if result.optimal is None or not result.optimal.optimal:
        return fixed
    plan = result.optimal.tables["stockpile_plan"].set_index(["commodity", "member"])["initial_stock_t"].to_dict()
    best = exposure(result.optimal, plan)[["scenario", "commodity", "member", "stock_start_t", "shortfall_t",
                                            "shortfall_pct"]]
    best = best.rename(columns={"stock_start_t": "optimal_stock_start_t", "shortfall_t": "optimal_shortfall_t",
                                "shortfall_pct": "optimal_shortfall_pct"})
    return fixed.merge(best, on=["scenario", "commodity", "member"], how="left")
