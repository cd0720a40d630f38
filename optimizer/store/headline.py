"""The headline of a run in tables that any two runs can be compared on (docs/store.md).

Per solution (joint, "KR alone", ...): the stock to hold per member x commodity in days of cover,
the expected cost, and the expected shortfall per member x commodity. Computed when a run is
recorded, from its result tables and scenario probabilities, and stored beside them.
"""

from __future__ import annotations

import pandas as pd

from ..run import Solution

HEADLINE_PART = "headline"  # the part of a stored run that holds these tables


def stock_days(solutions: dict[str, Solution]) -> pd.DataFrame:
    """solution, commodity, member, stock_t, days_of_cover, target_days: the stock to hold at the start."""
    frames = [s.tables["stockpile_plan"][["commodity", "member", "initial_stock_t", "days_of_cover", "target_days"]]
              .rename(columns={"initial_stock_t": "stock_t"}).assign(solution=label)
              for label, s in solutions.items() if s.optimal]
    return _solution_first(frames, ["solution", "commodity", "member", "stock_t", "days_of_cover", "target_days"])


def expected_costs(solutions: dict[str, Solution]) -> pd.DataFrame:
    """solution, status, expected_cost_musd (money only), objective_musd (with the joint plans'
    sharing charges); costs are NaN for a solution that is not optimal."""
    rows = [{"solution": label, "status": s.outcome.status,
             "expected_cost_musd": s.money_cost_musd if s.optimal else float("nan"),
             "objective_musd": s.objective_musd if s.optimal else float("nan")} for label, s in solutions.items()]
    return pd.DataFrame(rows, columns=["solution", "status", "expected_cost_musd", "objective_musd"])


def expected_shortfall(solutions: dict[str, Solution]) -> pd.DataFrame:
    """solution, commodity, member, expected_shortfall_t, expected_demand_t, shortfall_pct:
    sum over scenarios s and months of probability(s) x shortfall, and 100 x that over the same
    sum of demand (0 where there is no demand)."""
    frames = []
    for label, s in solutions.items():
        if not s.optimal:
            continue
        short = s.tables["shortfalls"]
        weight = short["scenario"].map(s.inputs.probability).astype(float)
        weighted = pd.DataFrame({"commodity": short["commodity"], "member": short["member"],
                                 "expected_shortfall_t": weight * short["shortfall_t"],
                                 "expected_demand_t": weight * short["demand_t"]})
        table = weighted.groupby(["commodity", "member"], sort=False, as_index=False).sum()
        demand = table["expected_demand_t"]
        table["shortfall_pct"] = (100.0 * table["expected_shortfall_t"] / demand.where(demand > 0)).fillna(0.0)
        frames.append(table.assign(solution=label))
    return _solution_first(frames, ["solution", "commodity", "member", "expected_shortfall_t", "expected_demand_t",
                                    "shortfall_pct"])


def headline_tables(solutions: dict[str, Solution]) -> dict[str, pd.DataFrame]:
    return {"stock_days": stock_days(solutions), "expected_cost": expected_costs(solutions),
            "shortfall": expected_shortfall(solutions)}


def _solution_first(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The solutions' rows one after another (no rows, with the columns, when none is optimal)."""
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
