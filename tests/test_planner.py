"""optimizer.planner: the UI's pure helpers, tested without Streamlit."""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest
import yaml

from builders import ban, scenarios, tiny_case
from optimizer import (InputError, RunOptions, list_scenarios, load_case, load_scenario_set, planner,
                       scenario_set_from_dict, solve_case)
from optimizer.model.costs import POLICY_ITEMS


@pytest.fixture(scope="module")
def case():
    return load_case()


@pytest.fixture(scope="module")
def ban_result(case):
    """The shipped gallium/germanium ban, joint and each member alone (about a second)."""
    return solve_case(case, load_scenario_set("gallium_germanium_ban", case), "both")


def edited(case, table, row, column, value):
    tables = planner.editable_tables(case)
    tables[table] = tables[table].astype({column: object})
    tables[table].loc[row, column] = value
    return tables


# ---------------------------------------------------------------- data tables

def test_editable_tables_show_chokepoints_as_text_and_validate_back_to_the_same_case(case):
    tables = planner.editable_tables(case)
    assert tables["routes"]["chokepoints"].map(type).eq(str).all()
    assert "malacca;south_china_sea;taiwan_strait" in set(tables["routes"]["chokepoints"])
    check = planner.check_tables(tables)
    assert check.ok and check.problems == ()
    assert check.case.fingerprint() == case.fingerprint()


def test_a_bad_cell_is_pinned_to_its_row_and_column(case):
    check = planner.check_tables(edited(case, "demand", 0, "demand_t_per_year", -5.0))
    assert not check.ok
    assert check.cells("demand") == {(0, "demand_t_per_year"): "-5.0 is below the smallest valid value 0"}
    rows = check.row_messages("demand", 3)
    assert rows == ["demand_t_per_year: -5.0 is below the smallest valid value 0", "", ""]
    assert check.for_table("suppliers") == [] and check.table_messages("demand") == []


def test_number_cells_are_text_that_reads_back_to_the_same_number(case):
    """The editor's cells are text (a number column in the browser coerces what is typed), so the
    text must give back exactly the float it shows: the cache key of a solve depends on it."""
    assert [planner.number_text(v) for v in (1142630.0, 0.06, 7166.666666666667, float("nan"), None, 3, "12")] \
        == ["1142630", "0.06", "7166.666666666667", "", "", "3", "12"]
    tables = planner.editable_tables(case)
    assert tables["demand"]["demand_t_per_year"].map(type).eq(str).all()
    assert tables["stockpiles"]["target_days"].map(type).eq(str).all()


@pytest.mark.parametrize("typed", ["18k", "x1", "abc", "1,000"])
def test_a_number_cell_holding_text_is_marked_as_typed_not_coerced(case, typed):
    """'18k' is not 18 (a 1000x error), 'x1' not 1, 'abc' not 0: each is refused at its cell."""
    check = planner.check_tables(edited(case, "demand", 0, "demand_t_per_year", typed))
    assert not check.ok
    assert check.cells("demand") == {(0, "demand_t_per_year"): f"'{typed}' is not a number"}


def test_an_unknown_name_is_pinned_in_the_same_check_as_a_bad_cell(case):
    """An empty price in suppliers.csv and an unknown member in routes.csv: one check marks both
    cells (the planner does not fix one to learn of the other)."""
    tables = edited(case, "suppliers", 1, "price_usd_per_t", None)
    tables["routes"].loc[2, "member"] = "CN"
    check = planner.check_tables(tables)
    assert check.cells("suppliers") == {(1, "price_usd_per_t"): "is empty; write a value"}
    cells = check.cells("routes")
    assert list(cells) == [(2, "member")] and "'CN' is not defined in members.csv" in cells[(2, "member")]


def test_a_rule_across_rows_is_a_table_message_not_a_cell(case):
    check = planner.check_tables(edited(case, "import_shares", 0, "import_share", 0.5))
    assert check.cells("import_shares") == {}
    [message] = check.table_messages("import_shares")
    assert "shares of member KR, commodity graphite" in message and "must sum to 1" in message


def test_deleted_rows_are_renumbered_like_the_csv_they_would_become(case):
    tables = planner.editable_tables(case)
    tables["demand"] = tables["demand"].drop(index=[0, 1])  # the editor leaves gaps in the index
    tables["demand"].loc[5, "demand_t_per_year"] = "-1"  # cells are text, as the editor sends them
    check = planner.check_tables(tables)
    assert (3, "demand_t_per_year") in check.cells("demand")  # position 3 = CSV line 5


def test_case_zip_round_trip_and_single_csv_upload(case):
    tables = planner.editable_tables(case)
    back = planner.tables_from_files([("case.zip", planner.tables_to_zip(tables))])
    assert set(back) == set(tables)
    assert planner.check_tables(back).case.fingerprint() == case.fingerprint()
    one = planner.tables_from_files([("demand.csv", b"member,commodity,demand_t_per_year,source\nKR,lng,1,x\n")])
    assert list(one) == ["demand"] and one["demand"].loc[0, "demand_t_per_year"] == "1"


def test_unknown_or_unreadable_uploads_are_refused_with_every_reason():
    with pytest.raises(InputError) as info:
        planner.tables_from_files([("prices.csv", b"a\n1\n"), ("case.zip", b"not a zip")])
    text = str(info.value)
    assert "prices.csv: not a table of the case" in text and "case.zip: not a readable zip file" in text


def test_units_and_help_come_from_the_column_names_and_schema():
    from optimizer.schema import TABLES_BY_NAME

    assert planner.column_unit("demand_t_per_year") == "t/year"
    assert planner.column_unit("capacity_cost_usd_per_t_year") == "USD per t per year"
    assert planner.column_unit("freight_usd_per_t") == "USD/t"
    assert planner.column_unit("current_stock_t") == "t"
    assert planner.column_unit("import_share") == "fraction 0-1"
    assert planner.column_unit("supplier") == ""
    share = {c.name: c for c in TABLES_BY_NAME["import_shares"].columns}["import_share"]
    assert planner.column_help(share) == "number >= 0 <= 1, in fraction 0-1"


# ---------------------------------------------------------------- scenario drafts

@pytest.mark.parametrize("name", list_scenarios())
def test_every_shipped_set_survives_the_trip_through_the_editor_tables(case, name):
    original = load_scenario_set(name, case)
    check = planner.check_draft(planner.draft_from_set(original), case)
    assert check.ok, check.messages
    options = RunOptions()
    assert planner.run_key(case, check.scenario_set, "joint", options) == \
        planner.run_key(case, original, "joint", options)


def test_yaml_download_loads_back_to_the_same_set(case):
    draft = planner.draft_from_set(load_scenario_set("korea_graphite_67pct", case))
    again = scenario_set_from_dict(yaml.safe_load(planner.draft_to_yaml(draft)), case)
    assert planner.run_key(case, again, "both", RunOptions()) == \
        planner.run_key(case, load_scenario_set("korea_graphite_67pct", case), "both", RunOptions())


def gallium_ban(months):
    return {"type": "export_ban", "commodity": "gallium", "supplier": "china", "start_month": 1,
            "duration_months": months, "severity": 1.0}


def test_events_built_from_forms_make_the_scenario_set(case):
    draft = planner.add_event(planner.new_draft(), "what_if", gallium_ban(18))
    check = planner.check_draft(draft, case)
    assert check.ok
    [scenario] = check.scenario_set.scenarios
    assert scenario.probability == 1.0 and scenario.events[0].duration_months == 18
    assert scenario.events[0].members is None  # no members = every member


def test_a_missing_field_and_an_unknown_scenario_are_pinned_to_their_event_rows(case):
    draft = planner.add_event(planner.new_draft(), "what_if", gallium_ban(12))
    draft = planner.add_event(draft, "what_if", {"type": "demand_shock", "commodity": "lng",
                                                 "start_month": 1, "duration_months": 2})  # no change
    draft = planner.add_event(draft, "elsewhere", gallium_ban(3))
    check = planner.check_draft(draft, case)
    assert not check.ok and 0 not in check.event_rows
    assert check.event_rows[1] == ["change: Field required"]
    assert check.event_rows[2] == ["scenario 'elsewhere' is not in the scenarios table"]


def test_unknown_names_and_probabilities_are_pinned_to_rows_or_the_whole_set(case):
    draft = planner.add_event(planner.new_draft(), "what_if", gallium_ban(12))
    draft = planner.add_event(draft, "what_if", {**gallium_ban(12), "supplier": "atlantis"})
    draft = planner.add_scenario(draft, "calm", 0.5)
    check = planner.check_draft(draft, case)
    assert not check.ok and 0 not in check.event_rows
    [message] = check.event_rows[1]
    assert message.startswith("supplier: unknown name 'atlantis'; valid: ") and "china" in message
    assert check.general == ["scenarios[*].probability: probabilities sum to 1.5; they must sum to 1"]


def test_a_probability_above_one_is_marked_on_its_row_not_clamped(case):
    draft = planner.add_scenario(planner.new_draft(), "calm", 0.5)
    scenarios = draft.scenarios.copy()
    scenarios.loc[0, "probability"] = "1.5"  # typed into the editor's cell
    check = planner.check_draft(draft.with_tables(scenarios=scenarios), case)
    assert not check.ok
    assert check.scenario_rows[0] == ["probability: Input should be less than or equal to 1"]


def test_text_in_an_event_number_cell_is_marked_once_as_typed(case):
    draft = planner.add_event(planner.new_draft(), "what_if", gallium_ban(12))
    events = draft.events.copy()
    events.loc[0, "start_month"] = "x1"
    events.loc[0, "severity"] = "inf"
    check = planner.check_draft(draft.with_tables(events=events), case)
    assert not check.ok
    assert check.event_rows[0] == ["start_month: 'x1' is not a number", "severity: 'inf' is not a finite number"]


def test_an_event_starting_after_the_horizon_is_marked_against_the_run_horizon(case):
    """Month 30 of a 24-month horizon changes nothing: refused, whether the 24 months are the
    set's own or the run's (the Solve page's, for a set without its own); a 36-month run of a set
    without its own horizon takes it."""
    draft = planner.add_event(planner.new_draft(), "what_if", {**gallium_ban(6), "start_month": 30})
    for horizon, run in ((24, None), (None, 24)):
        check = planner.check_draft(replace(draft, horizon_months=horizon), case, horizon_months=run)
        assert not check.ok
        [message] = check.event_rows[0]
        assert "starts in month 30, after the last month" in message and "so it would change nothing" in message
    assert planner.check_draft(replace(draft, horizon_months=None), case, horizon_months=36).ok


def test_the_risk_window_survives_the_editor_and_the_yaml(case):
    """The stochastic set's probabilities speak of 24 months whatever the horizon: a draft that
    dropped risk_window_months would charge carrying cost for a 60-month run's 60 months."""
    original = load_scenario_set("stochastic", case)
    draft = planner.draft_from_set(original)
    assert draft.risk_window_months == original.risk_window_months == 24
    assert planner.check_draft(draft, case).scenario_set.risk_window_months == 24
    assert yaml.safe_load(planner.draft_to_yaml(draft))["risk_window_months"] == 24
    wider = planner.check_draft(planner.draft_from_set(original), case).scenario_set
    assert planner.run_key(case, wider, "joint", RunOptions(horizon_months=60)) == \
        planner.run_key(case, original, "joint", RunOptions(horizon_months=60))


def test_an_edited_set_gets_a_name_no_shipped_set_or_solved_plan_uses(case):
    taken = {"gallium_germanium_ban", "stochastic"}
    assert planner.name_after_edit("gallium_germanium_ban", taken) == "gallium_germanium_ban_edit1"
    assert planner.name_after_edit("gallium_germanium_ban_edit1", taken) == "gallium_germanium_ban_edit1"
    taken.add("gallium_germanium_ban_edit1")  # solved under that name: the next edit is _edit2
    assert planner.name_after_edit("gallium_germanium_ban_edit1", taken) == "gallium_germanium_ban_edit2"
    assert planner.name_after_edit("what_if", taken) == "what_if"
    assert planner.name_stem("a_b_edit12") == "a_b" and planner.name_stem("a_editor") == "a_editor"
    shipped = planner.draft_from_set(load_scenario_set("gallium_germanium_ban", case))
    longer = planner.add_event(shipped, shipped.scenarios["name"].iloc[0], gallium_ban(3))
    assert planner.same_content(shipped, replace(shipped, name="x", title="y"))
    assert not planner.same_content(shipped, longer)


def test_table_cells_from_the_editor_are_read_as_the_yaml_would_be(case):
    events = pd.DataFrame([{"scenario": "what_if", "type": "export_ban", "commodity": "gallium",
                            "supplier": "china", "members": " KR ; ", "start_month": 3.0,
                            "duration_months": "6", "severity": 0.5, "change": None}])
    draft = planner.new_draft().with_tables(events=events)
    data, locate, orphans = planner.draft_to_dict(draft)
    assert data["scenarios"][0]["events"] == [{"type": "export_ban", "commodity": "gallium",
                                               "supplier": "china", "members": ["KR"], "start_month": 3,
                                               "duration_months": 6, "severity": 0.5}]
    assert locate == {(0, 0): 0} and orphans == []


def test_the_timeline_has_one_bar_per_complete_event():
    draft = planner.add_event(planner.new_draft(), "what_if", gallium_ban(12))
    draft = planner.add_event(draft, "what_if", {"type": "chokepoint_closure", "chokepoint": "hormuz",
                                                 "start_month": 4, "duration_months": 3})
    draft = planner.add_event(draft, "what_if", {"type": "chokepoint_closure", "chokepoint": "hormuz"})
    timeline = planner.event_timeline(draft)
    assert timeline[["start_month", "end_month"]].values.tolist() == [[1, 12], [4, 6]]
    assert timeline["event"].tolist() == ["china bans gallium (100%)", "hormuz closed"]
    assert timeline["probability"].tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- solving

def test_run_key_follows_every_input(case):
    base = planner.check_draft(planner.add_event(planner.new_draft(), "what_if", gallium_ban(12)), case)
    longer = planner.check_draft(planner.add_event(planner.new_draft(), "what_if", gallium_ban(18)), case)
    key = planner.run_key(case, base.scenario_set, "joint", RunOptions(horizon_months=24))
    assert key == planner.run_key(case, base.scenario_set, "joint", RunOptions(horizon_months=24))
    edited_case = planner.check_tables(edited(case, "demand", 0, "demand_t_per_year", 1.0)).case
    others = [planner.run_key(case, longer.scenario_set, "joint", RunOptions(horizon_months=24)),
              planner.run_key(case, base.scenario_set, "both", RunOptions(horizon_months=24)),
              planner.run_key(case, base.scenario_set, "joint", RunOptions(horizon_months=12)),
              planner.run_key(case, base.scenario_set, "joint", RunOptions(horizon_months=24, cover_floors=True)),
              planner.run_key(edited_case, base.scenario_set, "joint", RunOptions(horizon_months=24))]
    assert len({key, *others}) == 6


def test_a_time_limited_solve_is_explained_in_words(case):
    result = solve_case(case, load_scenario_set("gallium_germanium_ban", case), "joint",
                        RunOptions(time_limit_s=1e-6))
    [line] = planner.not_optimal(result)
    assert line.startswith("joint: not solved to optimality (time limit).")
    assert "stopped at the time limit" in line


# ---------------------------------------------------------------- results

def test_headline_of_a_hand_worked_ban():
    """One member, 12 kt/yr demand (1 kt/month), no stock today, target 90 days. A 2-month ban
    from month 1 with lead time 0 leaves months 1-2 without imports; holding costs 0.01 M$/kt-month
    against a 10 M$/kt shortfall, so the plan holds 2 kt = 2,000 t = 2000 / (12000/365) = 60.8
    days, 29.2 days short of the target, all of it new storage."""
    small = tiny_case(stock={"KR": (0.0, 0.0, 90.0)})
    result = solve_case(small, scenarios(small, ("ban", 1.0, [ban(1, 2)])), "joint")
    [row] = planner.headline(result.joint).to_dict(orient="records")
    assert row["unit"] == "kt" and row["stock"] == pytest.approx(2.0, rel=1e-6)
    assert row["stock_t"] == pytest.approx(2000.0, rel=1e-6)
    assert row["days_of_cover"] == pytest.approx(2000 / (12000 / 365), rel=1e-6)
    assert row["gap_to_target_days"] == pytest.approx(2000 / (12000 / 365) - 90, rel=1e-6)
    assert row["new_capacity_t"] == pytest.approx(2000.0, rel=1e-6) and not row["meets_target"]


@pytest.fixture(scope="module")
def stocked_ban():
    """One member, 12,000 t/yr demand (32.88 t a day), 500 t in stock today in 500 t of storage,
    target 90 days; holding 12 %/yr of 1,000 USD/t, new storage 50 USD/t a year. A certain 2-month
    ban from month 1 (lead 0) leaves months 1-2 without imports: the plan holds 2 months of demand,
    2,000 t (carrying 170 USD/t a year against a 10,000 USD/t shortfall)."""
    small = tiny_case(stock={"KR": (500.0, 500.0, 90.0)}, capex=50.0)
    return solve_case(small, scenarios(small, ("ban", 1.0, [ban(1, 2)])), "joint").joint


def test_stock_against_target_in_days_and_tonnes(stocked_ban):
    """32.88 t a day: 500 t today = 15.2 days, 2,000 t = 60.8 days, 90 days = 2,958.9 t."""
    [row] = planner.stock_vs_target(stocked_ban).to_dict(orient="records")
    daily = 12_000 / 365
    assert row["today_t"] == pytest.approx(500.0) and row["today_days"] == pytest.approx(500 / daily)
    assert row["plan_t"] == pytest.approx(2000.0, rel=1e-6)
    assert row["plan_days"] == pytest.approx(2000 / daily, rel=1e-6)
    assert row["target_days"] == 90 and row["target_t"] == pytest.approx(90 * daily)
    assert planner.target_stock_t(stocked_ban, "x") == {"KR": pytest.approx(2958.9, abs=0.05)}


def test_buy_now_and_what_it_costs_a_year(stocked_ban):
    """2,000 t held against 500 t today: buy 1,500 t. Holding 12 % x 1,000 USD/t = 120 USD/t a
    year: 0.18 M USD; 1,500 t of new storage x 50 USD/t a year: 0.075 M USD; 0.255 M USD a year."""
    [row] = planner.buy_now(stocked_ban).to_dict(orient="records")
    assert row["buy_t"] == pytest.approx(1500.0, rel=1e-6) and row["below_today_t"] == 0.0
    assert row["new_storage_t"] == pytest.approx(1500.0, rel=1e-6)
    assert row["holding_usd_per_t_year"] == pytest.approx(120.0)
    assert row["storage_usd_per_t_year"] == pytest.approx(50.0)
    assert row["cost_musd_per_year"] == pytest.approx(0.255, rel=1e-6)
    assert planner.buy_now_summary(planner.buy_now(stocked_ban)) == {
        "cost_musd_per_year": pytest.approx(0.255, rel=1e-6), "x": pytest.approx(1500.0, rel=1e-6)}


def test_buy_now_agrees_with_the_plans_first_stage_costs(ban_result):
    """On the shipped data: the yearly holding + storage of the whole stock, from buy_now's rates,
    times the risk window is the cost table's holding + capital (what the LP charges)."""
    sol = ban_result.joint
    buy, plan = planner.buy_now(sol), sol.tables["stockpile_plan"]
    years = sol.inputs.risk_window_months / 12
    charged = (plan["initial_stock_t"] * buy["holding_usd_per_t_year"]
               + plan["new_capacity_t"] * buy["storage_usd_per_t_year"]).sum() / 1e6 * years
    costs = sol.tables["costs"]
    assert charged == pytest.approx(costs.loc[costs["item"].isin(["holding", "capital"]), "cost_musd"].sum(), rel=1e-9)


def test_worst_scenario_and_its_shortfall_per_member():
    """A 1-in-100 two-month ban is not worth stocking for (see the next test): in it, 2,000 t of
    the 12,000 t demanded over the 12 months go short, 16.7 %, at 10,000 USD/t: the costliest
    scenario."""
    small = tiny_case()
    sol = solve_case(small, scenarios(small, ("calm", 0.99, []), ("ban", 0.01, [ban(1, 2)])), "joint").joint
    assert planner.worst_scenario(sol) == "ban"
    [row] = planner.scenario_shortfall(sol, "ban").to_dict(orient="records")
    assert row["member"] == "KR" and row["shortfall_t"] == pytest.approx(2000.0, rel=1e-6)
    assert row["shortfall_pct"] == pytest.approx(100 * 2000 / 12000, rel=1e-6)
    assert planner.scenario_shortfall(sol, "calm")["shortfall_t"].sum() == pytest.approx(0.0, abs=1e-6)
    assert planner.chart_scenarios(sol) == ["calm", "ban"]  # the most probable, then the worst


def test_stock_path_starts_at_month_0_with_the_plans_starting_stock(stocked_ban):
    """Month 0 is the 2,000 t held at the start; the ban draws 1,000 t in each of months 1 and 2."""
    path = planner.stock_path(stocked_ban, "x", ["ban"])
    assert list(path["month"]) == list(range(0, 13))
    assert path["stock_t"].iloc[:3].tolist() == pytest.approx([2000.0, 1000.0, 0.0], abs=1e-6)


def test_sankey_nodes_carry_their_tonnes():
    """china sends 7 t (5 via malacca, 2 direct); malacca passes 5; KR receives 6, JP 1."""
    links = pd.DataFrame([("china", "malacca", 5.0), ("malacca", "KR", 4.0), ("malacca", "JP", 1.0),
                          ("china", "KR", 2.0)], columns=["source", "target", "quantity_t"])
    assert planner.sankey_nodes(links) == {"china": 7.0, "malacca": 5.0, "KR": 6.0, "JP": 1.0}


def test_cost_summary_is_the_runs_own_figures(ban_result):
    money = planner.cost_summary(ban_result)
    assert money["joint"] == pytest.approx(ban_result.joint.money_cost_musd)
    assert money["alone"] == pytest.approx(ban_result.independent_cost_musd)
    assert money["crisis"] == pytest.approx(ban_result.crisis_value_musd)
    assert money["calm"] == pytest.approx(ban_result.calm_pooling_musd)
    assert money["crisis"] + money["calm"] == pytest.approx(money["alone"] - money["joint"])


def test_cooperation_lp_count_is_what_the_report_solves():
    """Two members with a transfer link, two risk weights, a set with events: 3 coalitions, 3
    again with no disruption, 3 exchange arrangements, 2 weights = 11 progress calls."""
    from optimizer.coop import cooperation_report

    small = tiny_case(members=("KR", "JP"), transfers=[("KR", "JP", 0, 1e6, 10.0)])
    labels = []
    cooperation_report(small, scenarios(small, ("calm", 0.9, []), ("ban", 0.1, [ban(1, 2)]), horizon=6),
                       RunOptions(horizon_months=6), (0.0, 1.0), 0.9, labels.append)
    assert planner.cooperation_lp_count(2, 2, True) == len(labels) == 11
    assert planner.cooperation_lp_count(2, 5, False) == 3 + 3 + 5


def test_expected_shortfall_weights_scenarios_by_probability():
    """No stock is worth holding for a 1-in-100 two-month ban (0.01 x 10 M$/kt < 12 months x
    0.01 M$/kt-month), so 2 kt go short in that scenario: expected 0.02 kt = 20 t of 12.06 kt."""
    small = tiny_case()
    result = solve_case(small, scenarios(small, ("calm", 0.99, []), ("ban", 0.01, [ban(1, 2)])), "joint")
    [row] = planner.expected_shortfall(result.joint).to_dict(orient="records")
    assert row["expected_shortfall_t"] == pytest.approx(20.0, rel=1e-6)
    assert row["shortfall_pct"] == pytest.approx(100 * 20.0 / 12000.0, rel=1e-6)


def test_chart_tables_add_up_to_the_flows(ban_result):
    sol = ban_result.joint
    flows = sol.tables["flows"]
    lng = flows[(flows["scenario"] == "ban") & (flows["commodity"] == "lng")]
    mix = planner.import_mix(sol, "ban", "lng")
    assert list(mix.index) == sol.inputs.months
    assert mix.to_numpy().sum() == pytest.approx(lng["quantity_t"].sum(), rel=1e-9)
    links = planner.sankey_links(sol, "ban", "lng")
    into_members = links[links["target"].isin(["KR", "JP"])]["quantity_t"].sum()
    assert into_members == pytest.approx(lng["quantity_t"].sum(), rel=1e-9)
    for node in set(links["source"]) & set(links["target"]):  # a chokepoint passes on what it gets
        assert links.loc[links["target"] == node, "quantity_t"].sum() == \
            pytest.approx(links.loc[links["source"] == node, "quantity_t"].sum(), rel=1e-9)


def test_shortfall_matrix_is_percent_of_demand(ban_result):
    sol = ban_result.joint
    matrix = planner.shortfall_matrix(sol, "ban")
    short = sol.tables["shortfalls"]
    month1 = short[(short["commodity"] == "germanium") & (short["month"] == 1)]
    assert matrix.loc["germanium", 1] == pytest.approx(
        100 * month1["shortfall_t"].sum() / month1["demand_t"].sum(), rel=1e-9)
    assert list(matrix.index) == sol.inputs.commodities and (matrix.to_numpy() >= 0).all()


def test_joint_vs_independent_shows_what_cooperation_changes(ban_result):
    """The cost differences by item add up to the value of cooperation, which counts money only:
    the joint plan's policy charges (sharing, holding split) are shown but are not money."""
    diffs = planner.joint_vs_independent(ban_result)
    costs = diffs["expected cost by item (M USD)"]
    money = costs[~costs["item"].isin(POLICY_ITEMS)]
    total = money["expected_cost_musd (difference)"].sum()
    assert total == pytest.approx(ban_result.value_of_cooperation_musd, rel=1e-6)
    plan = diffs["stock plan"]
    assert len(plan) == 12 and plan[["commodity", "member"]].iloc[0].tolist() == ["graphite", "KR"]  # 6 x 2


def test_diff_frames_keep_order_show_one_sided_rows_and_flag_changes():
    a = pd.DataFrame({"k": ["z", "a", "m"], "v": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"k": ["a", "z", "q"], "v": [2.0 + 1e-12, 5.0, 7.0]})
    diff = planner.diff_frames(a, b, ["k"], ["v"], ("x", "y"))
    assert diff["k"].tolist() == ["z", "a", "m", "q"]
    assert diff["v (difference)"].iloc[0] == 4.0 and math.isnan(diff["v (difference)"].iloc[2])
    assert planner.changed_cells(diff)["v (difference)"].tolist() == [True, False, True, True]


def test_every_result_table_goes_into_one_workbook(ban_result):
    tables = planner.result_tables(ban_result)
    assert list(tables) == planner.result_table_names(ban_result)
    assert {"headline joint", "headline KR alone", "flows", "scarcity_prices"} <= set(tables)
    book = pd.read_excel(io.BytesIO(planner.to_excel(tables)), sheet_name=None)
    assert set(book) == {name[:31] for name in tables}
    for name, df in tables.items():  # every cell back as written: numbers as numbers, text as text
        back = book[name[:31]]
        assert list(back.columns) == list(df.columns) and len(back) == len(df), name
        for column in df.columns:
            if df[column].dtype.kind in "if":
                assert back[column].to_numpy() == pytest.approx(df[column].to_numpy(), nan_ok=True), (name, column)
            else:
                assert back[column].fillna("").astype(str).tolist() == df[column].fillna("").astype(str).tolist()
    assert planner.to_csv(tables["costs"]).decode().splitlines()[0].startswith("solution,stage,item")


def test_the_workbook_writes_blanks_infinities_flags_and_excels_sheet_names():
    """Excel has no infinity (the text 'inf'), caps sheet names at 31 characters, forbids []:*?/\\
    in them and tells names apart regardless of case."""
    df = pd.DataFrame({"x": [1.5, float("nan"), float("inf")], "n": [1, 2, 3], "ok": [True, False, True],
                       "s": ["a<b&c", None, "é"]})
    long = "a very long table name over thirty-one characters"
    book = pd.read_excel(io.BytesIO(planner.to_excel({"t": df, "T": df, long: df, "a/b": df})), sheet_name=None)
    assert list(book) == ["t", "T~2", long[:31], "a_b"]
    sheet = openpyxl.load_workbook(io.BytesIO(planner.to_excel({"t": df})))["t"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["x", "n", "ok", "s"], [1.5, 1, True, "a<b&c"], [None, 2, False, None], ["inf", 3, True, "é"]]
    with zipfile.ZipFile(io.BytesIO(planner.to_excel({"t": df}))) as archive:
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"} \
            <= set(archive.namelist())


# ---------------------------------------------------------------- stress test and sweeps

def test_solved_plan_is_the_joint_plan_or_the_members_alone_together(ban_result):
    """A `both` run's plan to stress-test is its joint plan; an independent run's, each member's
    own plan alone, every member x commodity once."""
    joint = planner.solved_plan(ban_result, "joint plan")
    plan = ban_result.joint.tables["stockpile_plan"]
    assert joint.stock_t == {(c, m): t for c, m, t in zip(plan["commodity"], plan["member"], plan["initial_stock_t"])}
    alone = planner.solved_plan(replace(ban_result, joint=None), "alone")
    expected = {(c, m): t for s in ban_result.independent.values()
                for c, m, t in zip(s.tables["stockpile_plan"]["commodity"], s.tables["stockpile_plan"]["member"],
                                   s.tables["stockpile_plan"]["initial_stock_t"])}
    assert alone.stock_t == expected and len(expected) == len(plan)


def test_stress_key_follows_the_plan_and_what_is_solved(case):
    from optimizer.stress import current_plan

    scenario_set = load_scenario_set("gallium_germanium_ban", case)
    plan = current_plan(case)
    key = planner.stress_key(case, scenario_set, RunOptions(horizon_months=12), plan, True, True)
    assert key == planner.stress_key(case, scenario_set, RunOptions(horizon_months=12), plan, True, True)
    more = replace(plan, stock_t={**plan.stock_t, ("gallium", "KR"): plan.stock_t[("gallium", "KR")] + 1.0})
    others = [planner.stress_key(case, scenario_set, RunOptions(horizon_months=12), more, True, True),
              planner.stress_key(case, scenario_set, RunOptions(horizon_months=12), plan, False, True),
              planner.stress_key(case, scenario_set, RunOptions(horizon_months=12), plan, True, False),
              planner.stress_key(case, scenario_set, RunOptions(horizon_months=13), plan, True, True)]
    assert len({key, *others}) == 5


def test_stress_views_are_one_row_per_member_and_commodity_worst_scenario_first(case):
    from optimizer.stress import current_plan, stress_test

    scenario_set = load_scenario_set("stochastic", case)
    result = stress_test(case, scenario_set, current_plan(case), RunOptions(horizon_months=16), compare_optimal=False)
    order = planner.stress_scenarios(result)
    assert sorted(order) == sorted(s.name for s in scenario_set.scenarios) and order[0] == "combined_worst_case"
    exposure = planner.stress_exposure(result, order[0])
    assert list(exposure[["member", "commodity"]].itertuples(index=False, name=None)) == \
        [(m, c) for m in case.members for c in case.commodities]
    assert "optimal_shortfall_t" not in exposure  # not solved: not shown
    levers = planner.stress_levers(result, order[0])
    assert levers["covered_all_t"].sum() == pytest.approx(levers["shortfall_none_t"].sum()
                                                          - levers["shortfall_all_t"].sum())
    month = planner.stress_by_month(result, order[0], "graphite")
    assert month.groupby("member")["shortfall_t"].sum().to_dict() == pytest.approx(
        exposure[exposure["commodity"] == "graphite"].set_index("member")["shortfall_t"].to_dict())


def test_sweep_helpers_pick_answers_and_default_assumptions():
    assert planner.default_sweep_assumptions(["a", "lng_price", "b"]) == ["lng_price"]
    assert planner.default_sweep_assumptions(list("abcdefg")) == list("abcde")
    table = pd.DataFrame({"quantity": ["days_of_cover"] * 3 + ["crisis_value_musd"],
                          "solution": ["joint", "joint", "joint", ""], "member": ["KR", "KR", "JP", ""],
                          "commodity": ["lng", "lng", "lng", ""], "value": [1.0, 2.0, 3.0, 4.0]})
    assert planner.sweep_answer_keys(table, "days_of_cover").values.tolist() == [["joint", "KR", "lng"],
                                                                                 ["joint", "JP", "lng"]]
    assert planner.sweep_answer_label("crisis_value_musd") == "crisis value of cooperation (M USD)"
    assert planner.sweep_answer_label("days_of_cover", "joint", "KR", "lng") == "days of cover (days): joint, KR, lng"


def test_run_sweep_reports_progress_per_sample_when_asked(case, tmp_path):
    """The Sensitivity page's bar: (done, total, failed) after each recorded sample; the terminal's
    progress line is unchanged (show_progress)."""
    from optimizer.sweep import SweepFile, plan_sweep, run_sweep, sweep_parameters

    scenario_set = load_scenario_set("gallium_germanium_ban", case)
    parameters = sweep_parameters(case, scenario_set, None, SweepFile(assumptions=["lng_price"]))
    plan = plan_sweep(case, scenario_set, parameters, "oat", mode="joint", options=RunOptions(horizon_months=6))
    calls = []
    done = run_sweep(plan, tmp_path / "sweep", show_progress=False, on_progress=lambda *a: calls.append(a))
    assert calls == [(1, 3, 0), (2, 3, 0), (3, 3, 0)] and done.computed == 3
    assert planner.is_sweep_folder(tmp_path / "sweep") and not planner.is_sweep_folder(tmp_path)
    values = planner.sweep_values(tmp_path / "sweep", "expected_cost_musd", "joint")
    assert len(values) == 3 and values["value"].nunique() == 3
