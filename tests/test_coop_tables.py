"""optimizer.coop.tables: the Cooperation page's tables, checks and cache key, without Streamlit.

The shipped rare-earth case (Japan banned for 2 months) over 6 months is small enough to solve in
about two seconds; its numbers are read from the report, never typed in."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set
from optimizer.coop import tables as coop_tables
from optimizer.coop import NotOptimalError, cooperation_report
from optimizer.coop.report import coop_summary

REL = 1e-9


@pytest.fixture(scope="module")
def case():
    return load_case()


@pytest.fixture(scope="module")
def report(case):
    return cooperation_report(case, load_scenario_set("rare_earth_japan_2010", case),
                              RunOptions(horizon_months=6), risk_weights=(0.0, 1.0))


@pytest.fixture(scope="module")
def three_members():
    """test_coop's three-member game (C banned in month 1), whose Shapley split is not in the core:
    A+C and B+C would each pay 25.92 together but 24.5 alone."""
    links = [(i, j, 0, 5000.0, 500.0) for i in "ABC" for j in "ABC" if i != j]
    case = tiny_case(members=("A", "B", "C"), suppliers=[("a", 1000.0, 54_000.0)], capex=50_000.0,
                     transfers=links)
    return cooperation_report(case, scenarios(case, ("c_ban", 1.0, [ban(1, 1, members=["C"])])),
                              RunOptions(), risk_weights=(0.0,))


def grand_cost(report) -> float:
    return report.game.value(report.game.members)


def test_who_pays_shares_add_up_to_the_coalition_cost_in_the_total_column(report):
    table = coop_tables.who_pays(report).set_index("rule")
    assert list(table.index) == ["cost alone", "Shapley value", "IEA rule", "least core"]
    assert list(table.columns) == ["KR_pays_musd", "JP_pays_musd", "total_pays_musd",
                                   "KR_saves_musd", "JP_saves_musd", "total_saves_musd"]
    value = coop_summary(report)["value_of_cooperation_musd"]
    for rule in ("Shapley value", "IEA rule", "least core"):
        row = table.loc[rule]
        assert row["KR_pays_musd"] + row["JP_pays_musd"] == pytest.approx(grand_cost(report), rel=REL)
        assert row["total_pays_musd"] == pytest.approx(grand_cost(report), rel=REL)
        assert row["total_saves_musd"] == pytest.approx(value, rel=1e-6)
    shapley = table.loc["Shapley value"]
    assert {"KR": shapley["KR_pays_musd"], "JP": shapley["JP_pays_musd"]} == pytest.approx(report.shapley_musd)
    alone = table.loc["cost alone"]
    for m in ("KR", "JP"):
        assert alone[f"{m}_pays_musd"] == report.game.value([m]) and alone[f"{m}_saves_musd"] == 0
        saves = alone[f"{m}_pays_musd"] - table[f"{m}_pays_musd"]
        assert list(table[f"{m}_saves_musd"]) == pytest.approx(list(saves))


def test_who_pays_chart_has_every_member_under_every_rule(report):
    chart = coop_tables.who_pays_chart(report)
    assert len(chart) == 2 * 4 and set(chart["rule"]) == set(coop_tables.RULES.values())
    shapley = chart[chart["rule"] == "Shapley value"].set_index("member")
    assert shapley["pays_musd"].to_dict() == pytest.approx(report.shapley_musd)
    assert (chart.loc[chart["rule"] == "cost alone", "saves_musd"] == 0).all()
    iea = chart[chart["rule"] == "IEA rule"].set_index("member")["saves_musd"]
    assert iea["JP"] < 0 < iea["KR"]  # Japan consumes more, so the IEA rule charges it more than alone


def test_rule_checks_name_the_objecting_coalitions(report, three_members):
    checks = coop_tables.rule_checks(report).set_index("rule")
    assert checks.loc["Shapley value", "in_core"] and checks.loc["least core", "in_core"]
    jp_alone, jp_iea = report.game.value(["JP"]), report.iea_musd["JP"]
    assert not checks.loc["IEA rule", "in_core"]
    assert checks.loc["IEA rule", "objections"] == f"JP would pay {jp_iea:,.1f} M USD, {jp_alone:,.1f} alone"
    three = coop_tables.rule_checks(three_members).set_index("rule")
    assert not three.loc["Shapley value", "in_core"] and three.loc["least core", "in_core"]
    assert three.loc["Shapley value", "objections"] == ("A+C would pay 25.9 M USD, 24.5 alone; "
                                                        "B+C would pay 25.9 M USD, 24.5 alone")


def test_coalition_table_saving_of_the_grand_coalition_is_the_value_of_cooperation(report, three_members):
    table = coop_tables.coalition_table(report).set_index("coalition")
    value = coop_summary(report)["value_of_cooperation_musd"]
    assert table.loc["JP+KR", "saving_musd"] == pytest.approx(value)
    assert table.loc["KR", "saving_musd"] == 0 and table.loc["JP", "saving_musd"] == 0
    three = coop_tables.coalition_table(three_members).set_index("coalition")
    assert three.loc["A+C", "members_alone_musd"] == pytest.approx(12 + 21, rel=1e-6)
    assert three.loc["A+C", "saving_musd"] == pytest.approx(33 - 24.5, rel=1e-6)


def test_savings_table_keeps_rows_with_a_cost_and_adds_up_to_the_value_of_cooperation(report):
    table = coop_tables.savings_table(report)
    value = coop_summary(report)["value_of_cooperation_musd"]
    assert table["saving_musd"].sum() == pytest.approx(value, rel=1e-6)
    assert (table[["alone_musd", "joint_musd", "saving_musd"]] != 0).any(axis=1).all()
    assert len(table) < len(report.savings)  # items no commodity pays (e.g. swaps) are left out
    # Japan's rare-earth cut: together, Korea's pooled supply and transfers replace the stock Japan
    # alone draws and must buy back after the horizon
    rare_earths = table.set_index(["commodity", "item"]).loc["rare_earths"]
    assert rare_earths["saving_musd"].sum() > 0 and rare_earths.loc["replenishment", "saving_musd"] > 0


def test_exchange_table_marks_the_arrangement_the_coalition_cost_uses(report):
    table = coop_tables.exchange_table(report)
    [used] = table[table["used_above"]].itertuples()
    assert used.arrangement == "one-way transfers" == coop_tables.current_arrangement(report)
    assert used.cost_musd == pytest.approx(grand_cost(report), rel=REL)


def test_cover_table_gains_are_together_minus_alone(report):
    table = coop_tables.cover_table(report).set_index("commodity")
    rare = table.loc["rare_earths"]
    assert rare["days_gained"] == pytest.approx(rare["joint_days"] - rare["alone_days"])
    per_musd = rare["joint_days"] / rare["joint_stockpile_cost_musd"]
    assert rare["joint_days_per_musd"] == pytest.approx(per_musd)


def test_frontier_points_share_a_label_when_weights_give_the_same_plan(report):
    """One scenario: CVaR equals the expected cost for every plan, so both weights give one point."""
    points = coop_tables.frontier_points(report)
    assert len(report.frontier) == 2 and list(points["label"]) == ["w = 0, 1"]
    assert points["cvar_musd"].iloc[0] == pytest.approx(grand_cost(report), rel=1e-9)
    frontier = pd.DataFrame({"weight": [1.0, 0.0, 0.5, 0.75],
                             "expected_cost_musd": [12.0, 10.0, 11.0, 11.0],
                             "cvar_musd": [15.0, 20.0, 16.0, 16.0], "objective_musd": 0.0,
                             "stock_value_musd": 0.0})
    points = coop_tables.frontier_points(replace(report, frontier=frontier))
    assert list(points["label"]) == ["w = 0", "w = 0.5, 0.75", "w = 1"]
    assert list(points["expected_cost_musd"]) == [10.0, 11.0, 12.0]


def test_all_tables_hold_every_table_of_the_page(report):
    tables = coop_tables.all_tables(report)
    assert list(tables) == ["who pays", "core check", "coalitions", "saving by commodity", "days of cover",
                            "exchange arrangements", "cost-risk frontier"]
    assert all(len(df) for df in tables.values())


# ---------------------------------------------------------------- inputs, key, messages

def test_parse_weights_sorts_drops_blanks_and_repeats_and_names_bad_rows():
    assert coop_tables.parse_weights([1, None, 0.25, float("nan"), 0.0, 0.25]) == ((0.0, 0.25, 1.0), [])
    assert coop_tables.parse_weights([0.5, 1.5, "x"]) == ((), ["row 2: 1.5 is not between 0 and 1",
                                                              "row 3: 'x' is not a number"])
    weights, problems = coop_tables.parse_weights([None])
    assert weights == () and problems[0].startswith("give at least one risk weight")


def test_coop_key_is_equal_for_equal_inputs_and_differs_otherwise():
    key = coop_tables.coop_key("run", (0.0, 0.5, 1.0), 0.95)
    assert key == coop_tables.coop_key("run", [1.0, 0.5, 0.0, 0.5], 0.95)
    others = {coop_tables.coop_key("run", (0.0, 1.0), 0.95),
              coop_tables.coop_key("run", (0.0, 0.5, 1.0), 0.9),
              coop_tables.coop_key("other run", (0.0, 0.5, 1.0), 0.95)}
    assert len(others) == 3 and key not in others


def test_lp_count_matches_the_solves_of_a_report():
    """2 members: KR, JP, KR+JP; 3 more exchange arrangements; one LP per weight."""
    assert coop_tables.lp_count(2, 5) == 3 + 3 + 5
    assert coop_tables.lp_count(3, 1) == 7 + 3 + 1


def test_a_time_limit_gives_a_plain_message_with_what_to_do(case):
    ss = load_scenario_set("rare_earth_japan_2010", case)
    with pytest.raises(NotOptimalError) as caught:
        cooperation_report(case, ss, RunOptions(horizon_months=6, time_limit_s=1e-6), risk_weights=(0.0,))
    lines = coop_tables.not_optimal_lines(str(caught.value))
    assert lines[0].startswith("The LP for **coalition KR** was not solved to optimality: "
                               "HiGHS stopped at the time limit")
    assert "no costs, shares or charts are shown" in lines[1]
    assert "Raise the HiGHS time limit" in lines[2]
    assert len(coop_tables.not_optimal_lines("coalition KR: HiGHS found the LP infeasible.")) == 2


def test_headers_carry_the_unit():
    assert coop_tables.header("iea_saving_musd") == "IEA saves [M USD]"
    assert coop_tables.header("alone_days_per_musd") == "alone [days/M USD]"
    assert coop_tables.header("joint_days") == "together [days]"
    assert coop_tables.header("days_gained") == "gained [days]"
    assert coop_tables.header("weight") == "risk weight w [0-1]"
    assert coop_tables.header("coalition") == "coalition"
