"""Explain a joint plan's stock, member x commodity, by moving it one day of cover each way.

For each (commodity c, member m) the optimal plan's starting stock S is held at S + d and at
S - d (d = one day of m's normal demand), every other here-and-now decision held at the optimum,
and every scenario's recourse re-solved (warm, in one HiGHS). More stock than storage takes new
storage at its cost. Per scenario the change of its money cost, divided by d, is what one more
(or one less) tonne is worth there; weighted by probability, against the change in the cost of
holding (and storing) it. At the optimum the saving of one more day is at most its cost and the
loss from one day less at least the holding saved: the two sentences say why not more and why
not less. Finite moves of a day, not duals: an LP's duals are not unique where it is degenerate,
and a day is a unit a planner reads.
"""

from __future__ import annotations

import os
from dataclasses import replace

import highspy
import numpy as np
import pandas as pd

from ..case import Case
from ..inputs import DAYS_PER_YEAR, RunOptions, build_inputs
from ..lp.assemble import assemble
from ..model.costs import POLICY_ITEMS
from ..run import HIGHS_OPTIONS, Solution, resolved_options, solution_from
from ..scenarios import ScenarioSet
from ..solve import new_highs, run_compiled

TOP_SCENARIOS = 2  # scenarios named in a sentence
RELEASE_BINDS = 1e-6  # share of the release limit within which it is said to bind


def explain_plan(case: Case, scenario_set: ScenarioSet, options: RunOptions = RunOptions()) -> tuple[Solution, pd.DataFrame]:
    """The joint plan and, per commodity x member, the value and cost of one day of cover more and
    less (USD per tonne), the scenarios where the value lies, where the release limit binds, and
    a sentence. A non-optimal solve is returned with an empty table."""
    options = replace(resolved_options(scenario_set, options), decompose=False)
    overridden = scenario_set.apply_to(case)
    members = list(overridden.members)
    p = build_inputs(overridden, scenario_set, options, members)
    compiled, layout = assemble(p)
    highs, log_path = new_highs(options.time_limit_s, HIGHS_OPTIONS)
    try:
        compiled.pass_to(highs)
        base = solution_from(layout, p, run_compiled(highs, log_path), "joint", members, 0.0)
        if not base.optimal:
            return base, pd.DataFrame()
        moves = _Moves(highs, log_path, layout, p, base)
        rows = [moves.explain(c, m) for c in p.commodities for m in p.members]
    finally:
        os.unlink(log_path)
    return base, pd.DataFrame(rows)


class _Moves:
    """The held LP with the plan's here-and-now decisions fixed; moves one stock at a time."""

    def __init__(self, highs: highspy.Highs, log_path: str, layout, p, base: Solution):
        self.highs, self.log_path, self.layout, self.p, self.base = highs, log_path, layout, p, base
        self.stock = dict(zip(layout.column("Initial_Stock").keys, layout.column("Initial_Stock").positions.tolist()))
        self.new = dict(zip(layout.column("New_Capacity").keys, layout.column("New_Capacity").positions.tolist()))
        values = base.outcome.values
        self.at = {pos: float(values[pos]) for pos in [*self.stock.values(), *self.new.values()] if pos >= 0}
        for pos, value in self.at.items():
            self._set(pos, value)
        self.base_costs = _scenario_costs(base)

    def _set(self, position: int, value: float) -> None:
        self.highs.changeColBounds(position, value, value)

    def _cost_after(self, c: str, m: str, units: float):
        """Scenario costs and first-stage cost (M USD) with (c, m)'s stock moved by `units`."""
        pos, new = self.stock[(c, m)], self.new.get((c, m), -1)
        stock = self.at[pos] + units
        room = self.p.existing_capacity[(c, m)] + (self.at[new] if new >= 0 else 0.0)
        self._set(pos, stock)
        if new >= 0 and stock > room:
            self._set(new, self.at[new] + stock - room)
        outcome = run_compiled(self.highs, self.log_path)
        self._set(pos, self.at[pos])
        if new >= 0:
            self._set(new, self.at[new])
        if not outcome.optimal:
            return None
        moved = solution_from(self.layout, self.p, outcome, "moved", self.base.members, 0.0)
        return _scenario_costs(moved)

    def explain(self, c: str, m: str) -> dict:
        p = self.p
        u = p.tonnes_per_unit[c]
        day = p.demand_per_year[(c, m)] / DAYS_PER_YEAR  # units
        held = max(self.at[self.stock[(c, m)]], 0.0)  # no solver -0.0
        row = dict(commodity=c, member=m, stock_t=held * u, days_of_cover=held / day if day > 0 else np.nan,
                   target_days=p.target_days[(c, m)], day_t=day * u)
        if day <= 0:
            return {**row, "sentence": f"{m} uses no {c}."}
        more = self._cost_after(c, m, day)
        less = self._cost_after(c, m, -day) if held >= day else None
        row.update(self._per_tonne("more", more, day * u))
        row.update(self._per_tonne("less", less, day * u))
        row["release_limit_binds"] = _release_binds(self.base, c, m)
        row["sentence"] = _sentence(row, c, m)
        return row

    def _per_tonne(self, side: str, costs, tonnes: float) -> dict:
        """USD per tonne moved: the expected change of the scenarios' money cost (saving > 0 for
        more stock), the change of the first-stage cost, and the scenarios where most of it lies."""
        if costs is None:
            return {f"{side}_saving_usd_per_t": np.nan, f"{side}_cost_usd_per_t": np.nan, f"{side}_where": ""}
        base_scen, base_first = self.base_costs
        scen, first = costs
        change = (base_scen - scen) * 1e6 / tonnes  # USD per t, per scenario (not weighted)
        if side == "less":
            change = -change  # what one tonne less loses
        weighted = change * self.p_series(change.index)
        top = weighted.abs().sort_values(ascending=False).index[:TOP_SCENARIOS]
        where = "; ".join(f"{s} {change[s]:,.0f} USD/t (p = {self.p.probability[s]:.2f})"
                          for s in top if abs(weighted[s]) > 1e-9)
        held_cost = (first - base_first) * 1e6 / tonnes * (1 if side == "more" else -1)
        return {f"{side}_saving_usd_per_t": float(weighted.sum()), f"{side}_cost_usd_per_t": float(held_cost),
                f"{side}_where": where}

    def p_series(self, index) -> pd.Series:
        return pd.Series([self.p.probability[s] for s in index], index=index)


def _scenario_costs(solution: Solution) -> tuple[pd.Series, float]:
    """Money cost per scenario (M USD, unweighted) and the first-stage money cost."""
    costs = solution.tables["costs"]
    money = costs[~costs["item"].isin(POLICY_ITEMS)]
    scen = money[money["stage"] == "scenario"].groupby("scenario", sort=False)["cost_musd"].sum()
    return scen, float(money.loc[money["stage"] == "first_stage", "cost_musd"].sum())


def _release_binds(solution: Solution, c: str, m: str) -> str:
    """Scenarios and months where the stock is released at the release limit."""
    p = solution.inputs
    traj = solution.tables["stock_trajectory"]
    plan = solution.tables["stockpile_plan"].set_index(["commodity", "member"])
    limit_t = p.release_share[c] * plan.loc[(c, m), "total_capacity_t"]
    rows = traj[(traj["commodity"] == c) & (traj["member"] == m) & (traj["release_t"] > 0)
                & (traj["release_t"] >= limit_t * (1 - RELEASE_BINDS))]
    parts = [f"{s} months {_months(g['month'].tolist())}" for s, g in rows.groupby("scenario", sort=False)]
    return "; ".join(parts)


def _months(months: list[int]) -> str:
    months = sorted(set(months))
    runs, start = [], months[0]
    for a, b in zip(months, months[1:] + [None]):
        if b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}-{a}")
            start = b
    return ", ".join(runs)


def _sentence(row: dict, c: str, m: str) -> str:
    day_t = row["day_t"]
    held = f"holds {_tonnes(row['stock_t'])} of {c} ({row['days_of_cover']:,.1f} days; target {row['target_days']:g})" \
        if row["stock_t"] > 0 else f"holds no {c} (target {row['target_days']:g} days)"
    text = [f"{m} {held}."]
    text.append(f"One more day ({_tonnes(day_t)}) would save {row['more_saving_usd_per_t']:,.0f} USD/t in expectation"
                + (f" (mostly {row['more_where']})" if row["more_where"] else "")
                + f" but cost {row['more_cost_usd_per_t']:,.0f} USD/t to hold and store, so not more.")
    if np.isnan(row["less_saving_usd_per_t"]):
        text.append("Less is not possible." if row["stock_t"] <= 0 else "It holds less than a day, so not less.")
    else:
        text.append(f"One day less would lose {row['less_saving_usd_per_t']:,.0f} USD/t"
                    + (f" (mostly {row['less_where']})" if row["less_where"] else "")
                    + f" and save only {row['less_cost_usd_per_t']:,.0f} USD/t of holding, so not less.")
    if row.get("release_limit_binds"):
        text.append(f"The release limit binds in {row['release_limit_binds']}.")
    return " ".join(text)


def _tonnes(t: float) -> str:
    return f"{t:,.0f} t" if t >= 100 else f"{t:,.3g} t"


def explanation_lines(table: pd.DataFrame) -> list[str]:
    """One paragraph per member x commodity."""
    return [f"- {text}" for text in table["sentence"]] if len(table) else []
