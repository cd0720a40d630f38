"""The headline answers a sweep records for each sample, read from a run's result tables.

Each answer is one number named by (quantity, solution, member, commodity); solution is the LP's
label ("joint", "KR alone", ...; empty for the run's own numbers), member and commodity empty
where they do not apply:

- days_of_cover (solution, member, commodity): stock to hold at the start, in days of the member's
  normal demand;
- below_target (solution, member, commodity): 1 if that stock is below the member's target_days
  (stockpiles.csv), else 0;
- shortfall_pct (solution, member, commodity): expected shortfall, the sum over scenarios of
  probability x shortfall over the horizon / the member's demand over the horizon, in %;
- expected_cost_musd (solution): expected money cost of the plan (M USD; the joint plan's sharing
  charge left out);
- crisis_value_musd, calm_pooling_musd, value_of_cooperation_musd (the run, mode both):
  optimizer.run.RunResult's.

The calm reference's LPs (mode both) are not recorded on their own: they enter through the calm
pooling. `below_target` is judged with a tolerance of TARGET_TOLERANCE_DAYS (a plan at its floor
is not below it).
"""

from __future__ import annotations

import pandas as pd

from ..run import RunResult, Solution

TARGET_TOLERANCE_DAYS = 1e-6
COLUMNS = ("quantity", "solution", "member", "commodity", "value")
RUN_QUANTITIES = ("crisis_value_musd", "calm_pooling_musd", "value_of_cooperation_musd")


def headline_answers(result: RunResult) -> list[tuple[str, str, str, str, float]]:
    """Every headline answer of an optimal run, as (quantity, solution, member, commodity, value)."""
    rows = []
    for solution in result.solutions:
        rows += _plan_answers(solution)
        rows += _shortfall_answers(solution)
        rows.append(("expected_cost_musd", solution.label, "", "", float(solution.money_cost_musd)))
    for quantity in RUN_QUANTITIES:
        value = getattr(result, quantity)
        if value is not None:
            rows.append((quantity, "", "", "", float(value)))
    return rows


def _plan_answers(solution: Solution) -> list[tuple]:
    plan = solution.tables["stockpile_plan"]
    rows = []
    for member, commodity, days, target in zip(plan["member"], plan["commodity"], plan["days_of_cover"],
                                               plan["target_days"]):
        rows.append(("days_of_cover", solution.label, member, commodity, float(days)))
        below = float(days) < float(target) - TARGET_TOLERANCE_DAYS
        rows.append(("below_target", solution.label, member, commodity, 1.0 if below else 0.0))
    return rows


def _shortfall_answers(solution: Solution) -> list[tuple]:
    """Expected shortfall of each member and commodity as % of its own demand over the horizon."""
    totals = solution.tables["shortfalls"].groupby(["scenario", "member", "commodity"], sort=False)[
        ["demand_t", "shortfall_t"]].sum().reset_index()
    probability = solution.inputs.probability
    totals["weighted_pct"] = [probability[s] * (100.0 * short / demand if demand > 0 else 0.0)
                              for s, short, demand in zip(totals["scenario"], totals["shortfall_t"],
                                                          totals["demand_t"])]
    expected = totals.groupby(["member", "commodity"], sort=False)["weighted_pct"].sum()
    return [("shortfall_pct", solution.label, m, c, float(v)) for (m, c), v in expected.items()]


def answers_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(COLUMNS))
