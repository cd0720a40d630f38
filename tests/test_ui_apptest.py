"""The planner's pages, run headless with Streamlit's AppTest: each renders, an edit that must
change the answer does, and bad input is marked and blocks the solve."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the ui extra is not installed (pip install -e '.[test]')")
from click.testing import CliRunner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from optimizer import cli, planner  # noqa: E402

APP = str(Path(__file__).resolve().parents[1] / "ui" / "app.py")
PAGES = ["views/assumptions.py", "views/scenarios.py", "views/solve.py", "views/results.py",
         "views/compare.py", "views/cooperation.py"]
RUN_S = 60  # bound on one script run (a one-scenario solve takes about a second)


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=RUN_S).run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def load_shipped(at: AppTest, name: str) -> None:
    goto(at, "views/scenarios.py")
    at.selectbox(key="shipped_choice").set_value(name)
    at.button(key="load_shipped").click().run()
    assert at.session_state["draft"].name == name


def build_ban(at: AppTest, commodity: str, months: int) -> None:
    """A new what-if with one export ban by China on every member, from month 1."""
    goto(at, "views/scenarios.py")
    at.button(key="new_draft").click().run()
    at.selectbox(key="ban_commodity").set_value(commodity).run()
    at.number_input(key="ban_duration").set_value(months)
    at.button(key="add_ban").click().run()
    assert not at.exception, [e.value for e in at.exception]


def solve(at: AppTest, mode: str) -> float:
    goto(at, "views/solve.py")
    at.radio(key="opt_mode").set_value(mode)
    started = time.perf_counter()
    at.button(key="solve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return time.perf_counter() - started


def table_with(at: AppTest, column: str):
    """The first table on the page that has this column."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


def gallium_answer(at: AppTest) -> tuple[float, float]:
    """Joint gallium stock (t) and shortfall (% of demand), as the Results page shows them."""
    goto(at, "views/results.py")
    head = table_with(at, "stock_t")
    per_scenario = table_with(at, "shortfall_pct_gallium")
    return (head.loc[head["commodity"] == "gallium", "stock_t"].sum(),
            per_scenario["shortfall_pct_gallium"].iloc[0])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_before_any_solve(page):
    at = goto(start(), page)
    assert at.title[0].value == Path(page).stem.capitalize()


def test_solve_then_every_page_renders_with_results():
    at = start()
    load_shipped(at, "gallium_germanium_ban")
    solve(at, "both")
    assert [s.state for s in at.status] == ["complete"]
    metrics = {m.label: musd(m.value) for m in at.metric}
    # the crisis value leads, calm pooling beside it (Japan and Korea buy together in calm months)
    assert list(metrics)[2:4] == ["Crisis value of cooperation (M USD)", "Calm pooling (M USD)"]
    assert metrics["Calm pooling (M USD)"] > 0
    assert metrics["Expected cost, each alone (M USD)"] - metrics["Expected cost, joint (M USD)"] == pytest.approx(
        metrics["Crisis value of cooperation (M USD)"] + metrics["Calm pooling (M USD)"], abs=0.15)
    for page in PAGES:
        goto(at, page)
    goto(at, "views/results.py")
    head = table_with(at, "days_of_cover")
    assert {"KR", "JP"} == set(head["member"]) and (head["target_days"] >= 0).all()
    charts = {"Stock over time": "chart_trajectory", "Shortfall by month": "chart_shortfall",
              "Import mix": "chart_mix", "Flows (Sankey)": "chart_sankey", "Value of stock": "chart_duals",
              "Cost by item": "chart_costs"}
    for chart, element in charts.items():  # one chart at a time, beside the answer's
        at.segmented_control(key="res_chart").set_value(chart).run()
        assert not at.exception, [e.value for e in at.exception]
        assert {c.key for c in at.get("plotly_chart")} == {"chart_target", element}
    goto(at, "views/compare.py")
    diff = table_with(at, "initial_stock_t (difference)")
    assert (diff["initial_stock_t (difference)"].abs() > 1e-6).any()  # cooperating changes the plan


def test_longer_gallium_ban_changes_the_answer_and_earlier_inputs_come_from_the_cache():
    at = start()
    build_ban(at, "gallium", 12)
    solve(at, "joint")
    stock_12, short_12 = gallium_answer(at)
    build_ban(at, "gallium", 18)
    solve(at, "joint")
    stock_18, short_18 = gallium_answer(at)
    assert stock_18 > stock_12 + 1e-6 or short_18 > short_12 + 1e-6
    assert len(at.session_state["results"]) == 2

    build_ban(at, "gallium", 12)  # back to the first inputs: no new solve
    seconds = solve(at, "joint")
    assert "from the cache" in at.status[0].label
    assert len(at.session_state["results"]) == 2 and seconds < 5
    assert gallium_answer(at) == (stock_12, short_12)


def edit_table(at: AppTest, table: str, edited_rows: dict) -> AppTest:
    """On the Assumptions page: pick the table, edit its cells as the browser's editor sends them
    (text), and press Apply."""
    if any(w.key == "assumptions_table" for w in at.segmented_control):  # one table shown at a time
        at.segmented_control(key="assumptions_table").set_value(table).run()
    key = next(e.key for e in at.data_editor if e.key.startswith(f"editor_{table}_"))
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == f"Apply edits to {table}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_bad_data_edit_is_marked_at_its_cell_and_blocks_the_solve():
    at = edit_table(goto(start(), "views/assumptions.py"), "demand", {0: {"demand_t_per_year": "-5"}})
    message = "-5 is below the smallest valid value 0"  # as typed
    assert any("1 problem(s) in the data" in e.value for e in at.error)
    assert any(f"demand.csv, row 2, field 'demand_t_per_year': {message}" in m.value for m in at.markdown)
    editor = next(e for e in at.data_editor if e.key.startswith("editor_demand_"))
    assert editor.value["problem"].iloc[0] == f"demand_t_per_year: {message}"
    assert editor.value["problem"].iloc[1] == ""

    goto(at, "views/solve.py")
    assert at.button(key="solve").disabled
    assert any("The data has 1 problem(s)" in e.value for e in at.error)

    goto(at, "views/assumptions.py")
    at.button(key="reset_tables").click().run()
    goto(at, "views/solve.py")
    assert not at.button(key="solve").disabled


@pytest.mark.parametrize("typed", ["18k", "x1", "abc"])
def test_text_in_a_number_cell_is_marked_as_typed_and_blocks_the_solve(typed):
    """Before: the demand column was a number column, so the editor's text became a number or a
    blank ('18k' -> 18 in the browser, an empty cell here); now the cell keeps what was typed."""
    at = edit_table(goto(start(), "views/assumptions.py"), "demand", {0: {"demand_t_per_year": typed}})
    editor = next(e for e in at.data_editor if e.key.startswith("editor_demand_"))
    assert editor.value["demand_t_per_year"].iloc[0] == typed
    assert editor.value["problem"].iloc[0] == f"demand_t_per_year: '{typed}' is not a number"
    goto(at, "views/solve.py")
    assert at.button(key="solve").disabled


def test_apply_keeps_the_table_being_edited():
    """Before: Apply reran the page and the tabs went back to the first table."""
    at = edit_table(goto(start(), "views/assumptions.py"), "stockpiles", {0: {"target_days": "120"}})
    assert at.segmented_control(key="assumptions_table").value == "stockpiles"
    editor = next(e for e in at.data_editor if e.key.startswith("editor_stockpiles_"))
    assert editor.value["target_days"].iloc[0] == "120"
    goto(goto(at, "views/solve.py"), "views/assumptions.py")  # and across pages
    assert at.segmented_control(key="assumptions_table").value == "stockpiles"


def test_text_in_an_event_month_and_a_late_start_are_marked_on_their_rows():
    """Before: the events table coerced 'x1' to a blank ('Field required'), and an event starting
    in month 30 of a 24-month horizon was valid (it changes nothing)."""
    at = start()
    build_ban(at, "gallium", 6)
    editor = next(e.key for e in at.data_editor if e.key.startswith("events_"))
    at.session_state[editor] = {"edited_rows": {0: {"start_month": "x1"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="FormSubmitter:scenario_tables-Apply edits to the scenario set").click().run()
    assert "event row 1: start_month: 'x1' is not a number" in [m.value.lstrip("- ") for m in at.markdown]
    editor = next(e.key for e in at.data_editor if e.key.startswith("events_"))
    at.session_state[editor] = {"edited_rows": {0: {"start_month": "30"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="FormSubmitter:scenario_tables-Apply edits to the scenario set").click().run()
    assert any("event row 1: start_month:" in m.value and "starts in month 30, after the last month" in m.value
               for m in at.markdown)
    goto(at, "views/solve.py")
    assert at.button(key="solve").disabled


def test_an_edited_shipped_set_gets_its_own_name_and_its_shipped_name_back():
    """Before: an edited set kept the shipped name, so two plans of different sets were told apart
    in Compare only by a hash."""
    at = start()
    load_shipped(at, "gallium_germanium_ban")
    solve(at, "joint")
    goto(at, "views/scenarios.py")
    at.selectbox(key="ban_commodity").set_value("gallium").run()
    at.number_input(key="ban_duration").set_value(24)
    at.button(key="add_ban").click().run()
    assert at.session_state["draft"].name == "gallium_germanium_ban_edit1"
    solve(at, "joint")
    goto(at, "views/compare.py")
    names = [label.split(" | ")[0] for label in at.selectbox(key="cmp_a").options]
    assert sorted(names) == ["gallium_germanium_ban", "gallium_germanium_ban_edit1"]

    goto(at, "views/scenarios.py")  # delete the added event: the shipped set again, by name too
    editor = next(e for e in at.data_editor if e.key.startswith("events_"))
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [len(editor.value) - 1]}
    at.button(key="FormSubmitter:scenario_tables-Apply edits to the scenario set").click().run()
    assert at.session_state["draft"].name == "gallium_germanium_ban"


def test_going_back_to_earlier_inputs_shows_their_plan_without_a_solve():
    """Before: Results kept showing the latest plan (inputs changed since) until Solve was
    pressed, although the plan of the inputs now on screen was in the cache."""
    at = start()
    build_ban(at, "gallium", 12)
    solve(at, "joint")
    stock_12, short_12 = gallium_answer(at)
    build_ban(at, "gallium", 18)
    solve(at, "joint")
    assert gallium_answer(at) != (stock_12, short_12)
    build_ban(at, "gallium", 12)  # back to the first inputs; Solve not pressed
    goto(at, "views/results.py")
    assert not any("inputs have changed" in w.value for w in at.warning)
    assert gallium_answer(at) == (stock_12, short_12)


def test_results_open_with_the_answer():
    """Stock against target, what to buy and its yearly cost, the crisis value of cooperation with
    calm pooling, and the worst scenario's shortfall per member: the figures the helpers give."""
    at = start()
    load_shipped(at, "gallium_germanium_ban")
    solve(at, "both")
    goto(at, "views/results.py")
    assert at.subheader[0].value == "The answer: joint plan"
    result = next(iter(at.session_state["results"].values()))
    metrics = {m.label: m.value for m in at.metric}
    yearly = planner.buy_now(result.joint)["cost_musd_per_year"].sum()
    assert musd(metrics["Buy now, a year (M USD)"]) == pytest.approx(yearly, abs=0.051)
    assert musd(metrics["Crisis value of cooperation (M USD)"]) == pytest.approx(result.crisis_value_musd, abs=0.051)
    assert musd(metrics["Calm pooling (M USD)"]) == pytest.approx(result.calm_pooling_musd, abs=0.051)
    text = " ".join(m.value for m in at.markdown)
    assert "**Buy now**: " in text and f"costing **{yearly:,.1f} M USD a year**" in text
    worst = planner.worst_scenario(result.joint)
    assert f"**Shortfall in the worst scenario**, `{worst}`" in text
    assert "- KR: " in text and "- JP: " in text
    assert "chart_target" in {c.key for c in at.get("plotly_chart")}


def test_probabilities_that_do_not_sum_to_one_block_the_solve():
    at = start()
    build_ban(at, "germanium", 6)
    at.selectbox(key="ev_scenario").set_value("(a new scenario)").run()
    at.text_input(key="ev_new_name").set_value("mild")
    at.number_input(key="ev_new_probability").set_value(0.3)
    at.button(key="add_ban").click().run()
    assert any("probabilities sum to 1.3" in m.value for m in at.markdown)
    goto(at, "views/solve.py")
    assert at.button(key="solve").disabled


def test_a_solve_that_is_not_optimal_says_why_and_shows_no_plan():
    at = start()
    load_shipped(at, "gallium_germanium_ban")
    goto(at, "views/solve.py")
    at.number_input(key="opt_time_limit").set_value(1e-6)
    solve(at, "joint")
    assert any("No plan is shown" in e.value for e in at.error)
    assert any("time limit" in m.value for m in at.markdown)
    goto(at, "views/results.py")
    assert any("No plan is shown" in e.value for e in at.error)
    assert not at.dataframe


def test_an_uploaded_case_replaces_the_tables():
    at = goto(start(), "views/assumptions.py")
    tables = planner.editable_tables(planner.check_tables(at.session_state["tables"]).case)
    tables["demand"].loc[0, "demand_t_per_year"] = "123456.0"
    at.file_uploader(key="upload_case").set_value(("case.zip", planner.tables_to_zip(tables), "application/zip"))
    at.run()
    at.button(key="use_upload").click().run()
    assert at.session_state["tables"]["demand"].loc[0, "demand_t_per_year"] == "123456.0"
    assert any("All tables are valid." in s.value for s in at.success)


def musd(text: str) -> float:
    return float(text.replace(",", ""))


def compute_cooperation(at: AppTest, scenario_set: str, horizon: int, keep_weights: list[int],
                        time_limit: float = 0.0) -> AppTest:
    """On the Cooperation page: horizon, the default risk weights (0, .25, .5, .75, 1) cut down to
    the rows kept, a time limit; then Compute."""
    load_shipped(at, scenario_set)
    goto(at, "views/cooperation.py")
    at.number_input(key="coop_horizon").set_value(horizon)
    at.number_input(key="coop_time_limit").set_value(time_limit)
    editor = next(e.key for e in at.data_editor if e.key.startswith("coop_weights_"))
    at.session_state[editor] = {"edited_rows": {}, "added_rows": [],
                                "deleted_rows": [i for i in range(5) if i not in keep_weights]}
    at.button(key="coop_compute").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_cooperation_shows_the_value_and_a_shapley_split_that_adds_up_to_the_coalition_cost():
    at = compute_cooperation(start(), "rare_earth_japan_2010", 6, keep_weights=[0, 4])
    assert [s.state for s in at.status] == ["complete"]
    metrics = {m.label: musd(m.value) for m in at.metric}
    coalition = metrics["Coalition cost (M USD)"]
    total = metrics["Value of cooperation in all (M USD)"]
    # Japan's 2010 cut: together Korea's pooled supply and transfers spare Japan's stock
    assert metrics["Crisis value of cooperation (M USD)"] > 0
    assert total == pytest.approx(metrics["Crisis value of cooperation (M USD)"] + metrics["Calm pooling (M USD)"],
                                  abs=0.11)
    shares = table_with(at, "total_pays_musd").set_index("rule")
    alone = shares.loc["cost alone", "total_pays_musd"]
    assert total == pytest.approx(alone - coalition, abs=0.11)
    shapley = shares.loc["Shapley value"]
    shapley_sum = shapley["KR_pays_musd"] + shapley["JP_pays_musd"]
    assert shapley_sum == pytest.approx(coalition, abs=0.051)  # the metric shows 1 decimal
    assert shapley["total_pays_musd"] == pytest.approx(shapley_sum, rel=1e-9)
    assert shapley["KR_saves_musd"] > 0 and shapley["JP_saves_musd"] > 0
    assert any("The Shapley split is in the core" in s.value for s in at.success)
    assert list(table_with(at, "cvar_musd")["weight"]) == [0.0, 1.0]
    assert len(at.get("plotly_chart")) == 4  # who pays, saving by commodity, exchanges, frontier

    goto(at, "views/solve.py")  # the horizon is shared with the Solve page
    assert at.number_input(key="opt_horizon").value == 6
    started = time.perf_counter()
    goto(at, "views/cooperation.py")  # back: shown from the cache, without pressing Compute
    assert time.perf_counter() - started < 5 and not at.status
    assert musd(at.metric[2].value) == coalition and len(at.session_state["coop_reports"]) == 1


def test_cooperation_that_is_not_optimal_says_why_and_shows_no_numbers():
    at = compute_cooperation(start(), "rare_earth_japan_2010", 6, keep_weights=[0], time_limit=1e-6)
    assert [s.state for s in at.status] == ["error"]
    assert any("No costs or shares are shown" in e.value for e in at.error)
    assert any("coalition KR" in m.value and "time limit" in m.value for m in at.markdown)
    assert any("Raise the HiGHS time limit" in m.value for m in at.markdown)
    assert not at.metric and not at.get("plotly_chart")
    assert all("total_pays_musd" not in frame.value.columns for frame in at.dataframe)


def test_cooperation_refuses_a_risk_weight_outside_0_to_1():
    at = goto(start(), "views/cooperation.py")
    editor = next(e.key for e in at.data_editor if e.key.startswith("coop_weights_"))
    at.session_state[editor] = {"edited_rows": {1: {"weight": 1.5}}, "added_rows": [], "deleted_rows": []}
    at.button(key="coop_compute").click().run()
    assert any("The risk weights have problems" in e.value for e in at.error)
    assert any("row 2: 1.5 is not between 0 and 1" in m.value for m in at.markdown)
    assert not at.status and not at.session_state["coop_reports"]


def test_stockpile_ui_runs_streamlit_on_the_app(monkeypatch):
    calls = []
    # the subprocess module itself: the command may live in any module of the CLI
    monkeypatch.setattr(subprocess, "run", lambda command, **kw: calls.append(command) or
                        type("Done", (), {"returncode": 0})())
    outcome = CliRunner().invoke(cli.main, ["ui", "--server.port", "8765"])
    assert outcome.exit_code == 0, outcome.output
    [command] = calls
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == APP
    assert command[5:] == ["--browser.gatherUsageStats", "false", "--server.port", "8765"]
