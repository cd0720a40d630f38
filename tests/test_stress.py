"""Stress test: a plan's stock held fixed, each scenario's recourse solved, each lever measured."""

import pandas as pd
import pytest

from builders import ban, scenarios, tiny_case
from optimizer import InputError, load_case, load_scenario_set
from optimizer.stress import LEVERS, current_plan, load_plan, solve_with_plan, stress_test
from optimizer.stress.core import exposure, lever_table

KT = 1000.0


@pytest.fixture(scope="module")
def two_members():
    """KR and JP each use 1 kt a month, all from supplier a (1000 USD/t, 2 kt a month: no spare);
    supplier b (1500 USD/t) has 0.5 kt a month that nobody buys normally. JP holds 0.6 kt, KR none.
    Restraint cuts up to 10 % of demand at 3000 USD/t; KR may transfer 0.2 kt a month to JP.
    Moving stock in or out costs 10 USD/t, so no plan churns stock for nothing."""
    return tiny_case(members=("KR", "JP"), handling=10.0, suppliers=[("a", 1000.0, 24_000.0), ("b", 1500.0, 6_000.0)],
                     shares=[("KR", "a", 1.0), ("JP", "a", 1.0)],
                     stock={"KR": (0.0, 0.0, 0.0), "JP": (600.0, 600.0, 0.0)},
                     restraint=(0.1, 3000.0), transfers=[("KR", "JP", 0, 200.0, 0.0)])


def test_each_lever_covers_what_a_hand_count_gives(two_members):
    """China-style ban of a to JP in months 1-2 of 4: JP loses 1 kt a month, 2 kt in all.
    - no lever: JP short 2 kt;
    - stock alone: JP releases its 0.6 kt -> 1.4 kt short (covers 0.6);
    - spare supply alone: b's 0.5 kt a month -> 1.0 kt short (covers 1.0);
    - transfers alone: KR buys JP's idle share of a and sends the limit, 0.2 kt a month -> 1.6 kt
      short (covers 0.4); a stays within its normal 2 kt a month;
    - restraint alone: JP cuts 0.1 kt a month -> 1.8 kt short (covers 0.2);
    - all together: 0.6 + 1.0 + 0.4 + 0.2 = 2.2 kt >= 2 kt, each cheaper than the 10,000 USD/t
      penalty -> no shortfall. KR is never short."""
    case = two_members
    cut = scenarios(case, ("cut", 1.0, [ban(1, 2, members=["JP"])]), horizon=4)
    result = stress_test(case, cut, current_plan(case), compare_optimal=False)
    assert result.optimal_everywhere
    table = lever_table(result).set_index("member")
    jp, kr = table.loc["JP"], table.loc["KR"]
    assert jp["shortfall_none_t"] == pytest.approx(2.0 * KT, abs=1e-6)
    expected = {"stock": 0.6, "spare_supply": 1.0, "transfers": 0.4, "restraint": 0.2}
    for lever, covered_kt in expected.items():
        assert jp[f"covered_{lever}_alone_t"] == pytest.approx(covered_kt * KT, abs=1e-6), lever
    assert jp["shortfall_all_t"] == pytest.approx(0.0, abs=1e-6)
    assert kr[[c for c in table.columns if c.startswith("shortfall")]].abs().max() < 1e-6


def test_exposure_reports_the_first_month_short_and_how_long_the_stock_lasts(two_members):
    """With the stock as the only lever (transfers, restraint and spare supply off), JP's 0.6 kt
    covers 0.6 of month 1's 1 kt loss: it is short from month 1 (0.4 then 1.0 kt), 1.4 kt of its
    4 kt demand over the 4 months = 35 %. Its stock runs out in month 1: it lasted one month,
    365/12 days, and all 0.6 kt of it was released."""
    case = two_members
    cut = scenarios(case, ("cut", 1.0, [ban(1, 2, members=["JP"])]), horizon=4)
    plan = current_plan(case)
    only_stock = solve_with_plan(case, cut, plan, disabled=("spare_supply", "transfers", "restraint"))
    jp = exposure(only_stock, plan.stock_t).set_index("member").loc["JP"]
    assert jp["shortfall_t"] == pytest.approx(1.4 * KT, abs=1e-6)
    assert jp["shortfall_pct"] == pytest.approx(35.0, abs=1e-6)
    assert jp["first_month_short"] == 1
    assert jp["stock_start_t"] == pytest.approx(600.0) and jp["stock_released_t"] == pytest.approx(600.0, abs=1e-6)
    assert jp["stock_lasts_days"] == pytest.approx(365.0 / 12.0)


def test_levers_only_ever_lower_the_coalitions_shortfall_on_the_shipped_set():
    """Summed over the members (a transfer moves shortfall between them), every scenario's
    shortfall with all levers <= with any one lever alone <= with none; and today's stockpile
    held fixed never beats the optimal plan's expected cost."""
    case = load_case()
    stochastic = load_scenario_set("stochastic", case)
    result = stress_test(case, stochastic, current_plan(case))
    assert result.optimal_everywhere
    per = lever_table(result).groupby(["scenario", "commodity"]).sum(numeric_only=True)
    for lever in LEVERS:
        assert (per["shortfall_all_t"] <= per[f"shortfall_{lever}_alone_t"] + 1e-6).all(), lever
        assert (per[f"shortfall_{lever}_alone_t"] <= per["shortfall_none_t"] + 1e-6).all(), lever
    assert result.fixed.objective_musd >= result.optimal.objective_musd - 1e-6


def test_a_plan_that_does_not_fit_its_storage_is_refused(two_members):
    case = two_members
    plan = current_plan(case)
    too_much = type(plan)("typed", {("x", "KR"): 500.0, ("x", "JP"): 600.0}, {("x", "KR"): 100.0, ("x", "JP"): 0.0})
    cut = scenarios(case, ("cut", 1.0, [ban(1, 2)]), horizon=4)
    with pytest.raises(InputError) as exc:
        solve_with_plan(case, cut, too_much)
    assert "x/KR" in str(exc.value) and "does not fit" in str(exc.value)


def test_a_plan_file_with_mistakes_names_every_row_and_field(tmp_path, two_members):
    path = tmp_path / "plan.csv"
    pd.DataFrame([dict(commodity="x", member="KR", initial_stock_t="18k"),
                  dict(commodity="y", member="JP", initial_stock_t="5"),
                  dict(commodity="x", member="KR", initial_stock_t="-1")]).to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        load_plan(path, two_members)
    found = {(p.row, p.field) for p in exc.value.problems}
    assert {(2, "initial_stock_t"), (3, "commodity"), (4, "commodity,member"), (4, "initial_stock_t"),
            (None, "commodity,member")} <= found
