"""Headline numbers of a run: as a dict (for --json and the UI) and as readable text tables."""

from __future__ import annotations

import math

import pandas as pd

from .run import RunResult, Solution
from .schema import TONNES_PER_MODEL_UNIT


def _model_units(solution: Solution) -> dict[str, tuple[str, float]]:
    """commodity -> (unit label, tonnes per unit) for display in each commodity's model unit."""
    by_tonnes = {v: k for k, v in TONNES_PER_MODEL_UNIT.items()}
    return {c: (by_tonnes[u], u) for c, u in solution.inputs.tonnes_per_unit.items()}


def stockpile_headline(solution: Solution) -> pd.DataFrame:
    """Stock to hold at the start per commodity x member, in model units and days of cover."""
    units = _model_units(solution)
    plan = solution.tables["stockpile_plan"]
    return pd.DataFrame({
        "commodity": plan["commodity"], "member": plan["member"],
        "unit": [units[c][0] for c in plan["commodity"]],
        "stock": [q / units[c][1] for c, q in zip(plan["commodity"], plan["initial_stock_t"])],
        "days_of_cover": plan["days_of_cover"], "target_days": plan["target_days"],
        "current_days": plan["current_days"],
        "new_capacity": [q / units[c][1] for c, q in zip(plan["commodity"], plan["new_capacity_t"])],
    })


def scenario_headline(solution: Solution) -> pd.DataFrame:
    """Per scenario: probability, total cost (first stage + scenario) and shortfall share by commodity
    (all members together)."""
    totals = solution.scenario_costs_musd().set_index("scenario")["cost_musd"]
    short = solution.tables["shortfalls"].groupby(["scenario", "commodity"], sort=False)[
        ["demand_t", "shortfall_t"]].sum()
    rows = []
    for s in solution.inputs.scenarios:
        row = {"scenario": s, "probability": solution.inputs.probability[s], "cost_musd": totals[s]}
        for c in solution.inputs.commodities:
            d, sh = short.loc[(s, c), "demand_t"], short.loc[(s, c), "shortfall_t"]
            row[f"shortfall_pct_{c}"] = 100.0 * sh / d if d > 0 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def member_shortfall(solution: Solution) -> pd.DataFrame:
    """Per scenario x member: the shortfall left as % of that member's own demand over the
    horizon, one column per commodity."""
    short = solution.tables["shortfalls"].groupby(["scenario", "member", "commodity"], sort=False)[
        ["demand_t", "shortfall_t"]].sum()
    pct = (100.0 * short["shortfall_t"] / short["demand_t"].where(short["demand_t"] > 0)).fillna(0.0)
    table = pct.unstack("commodity").reindex(columns=solution.inputs.commodities)
    order = pd.MultiIndex.from_product([solution.inputs.scenarios, solution.members], names=["scenario", "member"])
    return table.reindex(order).reset_index()


def cost_breakdown(solution: Solution) -> dict[str, float]:
    """Expected cost (M USD) by item: capital, holding, procurement, freight, ..., shortfall."""
    costs = solution.tables["costs"]
    return {item: float(v) for item, v in costs.groupby("item", sort=False)["expected_cost_musd"].sum().items()}


def summary(result: RunResult) -> dict:
    """Machine-readable headline of one run (what `stockpile solve --json` prints)."""
    out = {
        "scenario_set": result.scenario_set.name, "title": result.scenario_set.title,
        "mode": result.mode, "horizon_months": result.options.horizon_months,
        "cover_floors": result.options.cover_floors,
        "status": "optimal" if result.optimal else "not_optimal",
        # the headline: what cooperating is worth in a crisis, with calm pooling beside it
        "crisis_value_of_cooperation_musd": result.crisis_value_musd,
        "calm_pooling_musd": result.calm_pooling_musd,
        "value_of_cooperation_musd": result.value_of_cooperation_musd,
        "independent_cost_musd": result.independent_cost_musd,
        "sharing": result.options.sharing,
        "inputs_hash": result.inputs_hash, "solutions": [],
    }
    for sol in result.solutions:
        entry = {"label": sol.label, "members": sol.members, "status": sol.outcome.status,
                 "message": sol.outcome.message, "objective_musd": sol.objective_musd,
                 "solver": sol.outcome.solver, "solve_seconds": sol.outcome.seconds, "size": sol.size}
        if sol.optimal:
            entry["money_cost_musd"] = sol.money_cost_musd
            entry["expected_cost_by_item_musd"] = cost_breakdown(sol)
            entry["stockpile"] = records(stockpile_headline(sol))
            entry["scenarios"] = records(scenario_headline(sol))
            entry["shortfall_pct_by_member"] = records(member_shortfall(sol))
        out["solutions"].append(entry)
    return out


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, with NaN (e.g. days of cover of a zero demand) as None so JSON stays valid."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def render_text(result: RunResult) -> str:
    """The terminal summary: one block per solution, then the value of cooperation."""
    lines = [f"== {result.scenario_set.name}: {result.scenario_set.title}",
             f"   mode {result.mode}, horizon {result.options.horizon_months} months, "
             f"days-of-cover floors {'on' if result.options.cover_floors else 'off'}"]
    for sol in result.solutions:
        lines.append("")
        if not sol.optimal:
            lines.append(f"-- {sol.label}: NOT OPTIMAL ({sol.outcome.status}). {sol.outcome.message}")
            continue
        lines.append(f"-- {sol.label}: expected cost {sol.money_cost_musd:,.1f} M USD "
                     f"({sol.outcome.solver}, {sol.outcome.seconds:.2f} s)")
        items = ", ".join(f"{k} {v:,.1f}" for k, v in cost_breakdown(sol).items())
        lines.append(f"   expected cost by item (M USD): {items}")
        if sol.sharing_charge_musd >= 0.05:
            lines.append(f"   (holding_split and sharing are the joint-plan rules' charges, not money: objective "
                         f"{sol.objective_musd:,.1f} M USD)")
        lines.append("   stock to hold at the start (model units; days of demand):")
        lines.append(indent_block(stockpile_headline(sol).to_string(
            index=False, float_format=lambda v: f"{v:,.2f}")))
        lines.append("   cost and shortfall (% of demand over the horizon) per scenario:")
        lines.append(indent_block(scenario_headline(sol).to_string(
            index=False, float_format=lambda v: f"{v:,.2f}")))
        lines += shortfall_lines(sol)
    lines += cooperation_lines(result)
    return "\n".join(lines)


def shortfall_lines(solution: Solution) -> list[str]:
    """Shortfall per member in the scenarios that have any (all of them are in --json)."""
    table = member_shortfall(solution)
    short = table[(table[solution.inputs.commodities] > 0.005).any(axis=1)]
    if short.empty:
        return ["   shortfall per member: none in any scenario"]
    lines = ["   shortfall per member (% of its own demand over the horizon; scenarios with any):"]
    return lines + [indent_block(short.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))]


def cooperation_lines(result: RunResult) -> list[str]:
    """The value of cooperation, crisis value first, calm pooling beside it."""
    voc = result.value_of_cooperation_musd
    if voc is None:
        return []
    crisis, calm = result.crisis_value_musd, result.calm_pooling_musd
    lines = [""]
    if crisis is not None:
        lines += [f"Crisis value of cooperation = {crisis:,.1f} M USD: what joint stock, transfers and "
                  "pooling save in the disruption scenarios, weighted by probability",
                  f"Calm pooling = {calm:,.1f} M USD: what buying together saves with no disruption at all"]
    lines.append(f"Value of cooperation in all = cost(independent) {result.independent_cost_musd:,.1f} "
                 f"- cost(joint) {result.joint.money_cost_musd:,.1f} = {voc:,.1f} M USD")
    return lines


def indent_block(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())
