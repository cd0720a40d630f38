"""Explaining a plan: one day of cover more and less, priced against holding it."""

import pytest

from builders import ban, scenarios, tiny_case
from optimizer import load_case, load_scenario_set
from optimizer.explain import explain_plan


def test_a_day_more_or_less_priced_by_hand():
    """One member, 1 kt a month from supplier a at 1000 USD/t (ample capacity); a full ban in
    months 1-2 with probability 0.1, calm otherwise; 12-month horizon and risk window; holding 12 %
    of 1000 USD/t a year = 120 USD/t over the window; shortfall 10,000 USD/t; storage 5 kt, free.
    The plan holds 2 kt (the ban's two months). A day is 12,000 / 365 = 32.9 t.
    - One more day: nothing left to cover in the ban, nothing in calm: saves 0, costs 120 USD/t.
    - One day less: in the ban a day is short (10,000 USD/t) but not bought back after the horizon
      (1,000 USD/t): 9,000 USD/t there, x 0.1 = 900 USD/t expected, against 120 USD/t of holding."""
    case = tiny_case(stock={"KR": (0.0, 5000.0, 0.0)})
    s = scenarios(case, ("calm", 0.9, []), ("ban", 0.1, [ban(1, 2)]))
    solution, table = explain_plan(case, s)
    assert solution.optimal
    row = table.set_index("member").loc["KR"]
    assert row["stock_t"] == pytest.approx(2000.0, abs=1e-6)
    assert row["day_t"] == pytest.approx(12000 / 365)
    assert row["more_saving_usd_per_t"] == pytest.approx(0.0, abs=1e-6)
    assert row["more_cost_usd_per_t"] == pytest.approx(120.0, rel=1e-9)
    assert row["less_saving_usd_per_t"] == pytest.approx(900.0, rel=1e-9)
    assert row["less_cost_usd_per_t"] == pytest.approx(120.0, rel=1e-9)
    assert "so not more" in row["sentence"] and "so not less" in row["sentence"] and "ban 9,000 USD/t" in row["sentence"]


def test_on_the_shipped_set_no_day_more_pays_and_every_day_less_costs():
    """At the optimum of a convex LP a day more saves at most what it costs to hold and a day less
    loses at least the holding it saves, for every member x commodity of the joint plan."""
    case = load_case()
    solution, table = explain_plan(case, load_scenario_set("stochastic", case))
    assert solution.optimal and len(table) == len(case.members) * len(case.commodities)
    assert (table["more_saving_usd_per_t"] <= table["more_cost_usd_per_t"] * (1 + 1e-6) + 1e-6).all()
    less = table.dropna(subset=["less_saving_usd_per_t"])
    assert (less["less_saving_usd_per_t"] >= less["less_cost_usd_per_t"] * (1 - 1e-6) - 1e-6).all()
    assert table["sentence"].str.len().min() > 40
