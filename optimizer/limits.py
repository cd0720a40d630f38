"""The largest LP a run may build, checked from the inputs before anything is built.

Each scenario x month of the LP has about one column per route (imports), transfer, swap and
domestic source, and ten per member x commodity (stock, release, refill, restraint, shortfall,
capacity, sharing and replenishment terms). The shipped data has 178 columns per scenario-month;
this estimate gives 218, an upper bound on purpose. Peak memory is about 1.4 kB per column
(bench/README.md: 4.7 GB for 3.3 M columns), so MAX_LP_COLUMNS keeps a run under ~14 GB instead of
letting a mistyped horizon or scenario count exhaust the machine.
"""

from __future__ import annotations

from .case import Case
from .errors import Problem
from .scenarios import ScenarioSet

MAX_LP_COLUMNS = 10_000_000
COLUMNS_PER_MEMBER_COMMODITY_MONTH = 10
BYTES_PER_COLUMN = 1_400


def estimated_columns(case: Case, scenario_set: ScenarioSet, horizon_months: int) -> int:
    """An upper estimate of the joint LP's columns (the largest LP of any mode)."""
    routes = case.table("routes")
    per_month = (len(routes) + len(case.table("transfers")) + len(case.table("swaps"))
                 + len(case.table("domestic_supply"))
                 + COLUMNS_PER_MEMBER_COMMODITY_MONTH * len(case.members) * len(case.commodities))
    longest_lead = max(((int(d) + 15) // 30 for d in routes["transit_days"]), default=0)  # cargoes at sea
    return len(scenario_set.scenarios) * (horizon_months + longest_lead) * per_month


def size_problems(case: Case, scenario_set: ScenarioSet, horizon_months: int) -> list[Problem]:
    """One problem if the run's LP would be larger than MAX_LP_COLUMNS, saying what to shorten."""
    columns = estimated_columns(case, scenario_set, horizon_months)
    if columns <= MAX_LP_COLUMNS:
        return []
    return [Problem(scenario_set.origin, None, None,
                    f"{len(scenario_set.scenarios):,} scenario(s) over {horizon_months} months make an LP of "
                    f"about {columns:,} columns (~{columns * BYTES_PER_COLUMN / 1e9:,.0f} GB), above the "
                    f"{MAX_LP_COLUMNS:,} this tool builds; shorten --horizon or use fewer scenarios")]
