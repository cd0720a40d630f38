"""The Stress test, Sensitivity and Run history pages and the Results page's explanation, run
headless with AppTest on the shipped data: each renders, and what it shows is what the optimizer's
own functions give for the same inputs (short horizons keep the file to seconds)."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit", reason="the ui extra is not installed (pip install -e '.[test]')")
import plotly.io as pio  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from optimizer import RunOptions, load_case, load_scenario_set, solve_case  # noqa: E402

APP = str(Path(__file__).resolve().parents[1] / "ui" / "app.py")
NEW_PAGES = {"views/stress.py": "Stress test", "views/sensitivity.py": "Sensitivity", "views/history.py": "Run history"}
HORIZON = 16  # months: the stochastic set's last event starts in month 16; a solve takes about a second


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def set_horizon(at: AppTest, months: int) -> None:
    """The horizon shared by the Solve, Cooperation and Stress test pages."""
    goto(at, "views/solve.py")
    at.number_input(key="opt_horizon").set_value(months).run()


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


def figure(at: AppTest, key: str):
    """The plotly figure of the chart with this key, decoded (arrays may travel base64-encoded)."""
    [chart] = [c for c in at.get("plotly_chart") if c.key == key]
    return pio.from_json(chart.proto.spec)


def numbers(values) -> np.ndarray:
    """A figure's array as numbers: plotly sends numpy arrays as {'dtype', 'bdata': base64}."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float)
    return np.asarray(values, dtype=float)


@pytest.mark.parametrize("page", NEW_PAGES)
def test_new_pages_render_before_anything_is_solved(page):
    at = goto(start(), page)
    assert at.title[0].value == NEW_PAGES[page]


def test_stress_page_shows_todays_stock_as_optimizer_stress_does():
    """Today's stocks under the stochastic set, 6 months: one row per member x commodity, the worst
    scenario first, and its shortfall exactly stress_test's for the same inputs."""
    from optimizer.stress import current_plan, stress_test
    from optimizer.stress.core import lever_table, side_by_side

    at = start()
    set_horizon(at, HORIZON)
    goto(at, "views/stress.py")
    at.button(key="stress_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.state for s in at.status] == ["complete"]

    case = load_case()
    direct = stress_test(case, load_scenario_set("stochastic", case), current_plan(case),
                         RunOptions(horizon_months=HORIZON))
    scenario = at.selectbox(key="stress_scenario").value
    assert scenario == "combined_worst_case"  # the most shortfall under today's stocks
    shown = table_with(at, "first_month_short")
    assert len(shown) == len(case.members) * len(case.commodities)
    expected = side_by_side(direct)
    expected = expected[expected["scenario"] == scenario].set_index(["member", "commodity"])
    got = shown.set_index(["member", "commodity"])
    assert got["shortfall_t"].sum() > 1000  # a real shortfall, not zeros on both sides
    for column in ("shortfall_t", "shortfall_pct", "stock_start_t", "optimal_shortfall_t"):
        pd.testing.assert_series_equal(got[column], expected.loc[got.index, column], check_names=False)
    levers = table_with(at, "covered_all_t").set_index(["member", "commodity"])
    direct_levers = lever_table(direct)
    direct_levers = direct_levers[direct_levers["scenario"] == scenario].set_index(["member", "commodity"])
    np.testing.assert_allclose(levers["covered_all_t"], direct_levers.loc[levers.index, "covered_all_t"])
    chart = figure(at, "stress_chart")
    assert chart.layout.yaxis.title.text == "shortfall (t)" and len(chart.data) == len(case.members)


def test_stress_page_holds_the_solved_plan_fixed():
    at = start()
    set_horizon(at, HORIZON)
    at.radio(key="opt_mode").set_value("joint")
    at.button(key="solve").click().run()
    result = next(iter(at.session_state["results"].values()))
    goto(at, "views/stress.py")
    at.radio(key="stress_source").set_value("solved").run()
    at.toggle(key="stress_levers").set_value(False)
    at.button(key="stress_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = table_with(at, "first_month_short").set_index(["member", "commodity"])
    plan = result.joint.tables["stockpile_plan"].set_index(["member", "commodity"])
    np.testing.assert_allclose(shown["stock_start_t"], plan.loc[shown.index, "initial_stock_t"])
    # the plan held fixed is the optimal one: its shortfall is the optimal plan's, side by side
    np.testing.assert_allclose(shown["shortfall_t"], shown["optimal_shortfall_t"], atol=1e-6)


def test_results_explain_the_joint_plan_on_request():
    from optimizer.explain import explain_plan

    at = start()
    set_horizon(at, HORIZON)
    at.radio(key="opt_mode").set_value("joint")
    at.button(key="solve").click().run()
    goto(at, "views/results.py")
    assert not [t for t in at.dataframe if "sentence" in t.value.columns]  # made only on request
    at.button(key="explain_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    case = load_case()
    _, direct = explain_plan(case, load_scenario_set("stochastic", case), RunOptions(horizon_months=HORIZON))
    shown = table_with(at, "sentence")
    assert len(shown) == len(case.members) * len(case.commodities)
    assert list(shown["sentence"]) == list(direct["sentence"])
    text = "\n".join(m.value for m in at.markdown)
    assert all(sentence in text for sentence in direct["sentence"])
    goto(at, "views/compare.py")
    goto(at, "views/results.py")  # back again: kept with the plan, not re-solved
    assert "sentence" in table_with(at, "sentence").columns


def run_oat_sweep(at: AppTest) -> None:
    goto(at, "views/sensitivity.py")
    at.radio(key="sweep_method").set_value("oat")
    at.multiselect(key="sweep_assumptions").set_value(["lng_price"])
    at.radio(key="sweep_mode").set_value("joint")
    at.number_input(key="sweep_horizon").set_value(HORIZON)
    at.button(key="sweep_run").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_sensitivity_page_runs_an_oat_sweep_and_draws_its_tornado(monkeypatch, tmp_path):
    from optimizer.sweep import sweep_summary
    from optimizer.sweep.tables import tornado_for

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the page's temporary sweeps folder
    at = start()
    run_oat_sweep(at)
    assert [s.state for s in at.status] == ["complete"]
    [folder] = [p for p in (tmp_path / "kj-stockpile-sweeps").iterdir()]
    summary = sweep_summary(folder)
    assert summary["status"] == "complete" and summary["samples"]["planned"] == 3
    expected = tornado_for(summary["tables"]["tornado"], "expected_cost_musd", "joint")
    assert at.selectbox(key="sweep_quantity").value == "expected_cost_musd"
    chart = figure(at, "sweep_chart_tornado")
    low, high = chart.data
    assert list(low.y) == list(expected["parameter"]) == ["lng_price"]
    np.testing.assert_allclose(numbers(low.base) + numbers(low.x), expected["answer_low"])
    np.testing.assert_allclose(numbers(high.base) + numbers(high.x), expected["answer_high"])
    np.testing.assert_allclose(numbers(low.base), expected["answer_base"])
    assert expected["answer_low"].iloc[0] < expected["answer_high"].iloc[0]  # dearer LNG, dearer plan
    shown = table_with(at, "answer_low")
    np.testing.assert_allclose(shown["answer_high"], expected["answer_high"])
    below = table_with(at, "probability_below_target")
    assert len(below) == len(summary["tables"]["below_target"])
    # the sweep is in the run store, and reopening its folder shows the same tornado
    goto(at, "views/history.py")
    assert table_with(at, "kind")["kind"].tolist() == ["sweep"]
    goto(at, "views/sensitivity.py")
    at.text_input(key="sweep_open_path").set_value(str(folder))
    at.button(key="sweep_open").click().run()
    assert not at.exception and not at.error
    np.testing.assert_allclose(table_with(at, "answer_low")["answer_low"], expected["answer_low"])


def test_sensitivity_page_says_what_is_wrong_instead_of_failing(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    at = goto(start(), "views/sensitivity.py")
    at.radio(key="sweep_method").set_value("sobol")
    at.number_input(key="sweep_samples").set_value(3)  # not a power of 2
    at.button(key="sweep_run").click().run()
    assert not at.exception and at.error and "power of 2" in at.error[0].value + " ".join(m.value for m in at.markdown)
    at.multiselect(key="sweep_assumptions").set_value([])
    at.radio(key="sweep_method").set_value("oat")
    at.button(key="sweep_run").click().run()
    assert not at.exception and any("nothing to sweep" in m.value for m in at.markdown)
    at.text_input(key="sweep_open_path").set_value(str(tmp_path))
    at.button(key="sweep_open").click().run()
    assert not at.exception and "not a sweep's folder" in at.error[-1].value


def test_history_lists_recorded_runs_reopens_one_and_compares_two():
    from optimizer.store import record_result

    case = load_case()
    ids = {}
    for name in ("gallium_germanium_ban", "graphite_licensing"):
        result = solve_case(case, load_scenario_set(name, case), "joint", RunOptions(horizon_months=HORIZON))
        ids[name] = record_result(None, result, case)
    at = goto(start(), "views/history.py")
    runs = table_with(at, "crisis_value_musd")
    assert runs["run_id"].tolist() == [ids["graphite_licensing"], ids["gallium_germanium_ban"]]  # newest first
    assert set(runs["kind"]) == {"solve"} and set(runs["status"]) == {"optimal"}
    assert table_with(at, "days_of_cover")["solution"].eq("joint").all()  # the newest reopened
    numbers = table_with(at, "quantity").set_index("quantity")
    cost = runs.set_index("label")["expected_cost_musd"]
    assert numbers.loc["expected cost (M USD)", "difference"] == pytest.approx(
        cost["graphite_licensing"] - cost["gallium_germanium_ban"])  # b (newest) - a
    at.selectbox(key="history_kind").set_value("sweep").run()
    assert not at.exception and any("No run matches" in i.value for i in at.info)
    # a plan solved here is recorded from the page and listed with the others
    at.selectbox(key="history_kind").set_value("all").run()
    set_horizon(at, HORIZON)
    at.radio(key="opt_mode").set_value("joint")
    at.button(key="solve").click().run()
    goto(at, "views/history.py")
    at.button(key="history_record").click().run()
    assert not at.exception and at.success
    assert len(table_with(at, "crisis_value_musd")) == 3
