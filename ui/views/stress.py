"""Stress test: a plan's stock and storage held fixed (today's, or the plan on the Results page),
each scenario's recourse solved; what falls short, when, how long the stock lasts and which levers
cover the loss (optimizer.stress; docs/model.md, "Stress test")."""

import time
from dataclasses import dataclass, replace

import streamlit as st

from optimizer import InputError, planner
from optimizer.stress import LEVERS, current_plan, stress_test
from optimizer.stress.core import LEVER_LABELS
from optimizer.stress.report import stress_tables
from ui import charts, state, widgets

EXPOSURE_COLUMNS = {
    "member": "member", "commodity": "commodity",
    "shortfall_t": st.column_config.NumberColumn("shortfall [t]", format="%,.1f"),
    "shortfall_pct": st.column_config.NumberColumn("shortfall [% of demand]", format="%.1f"),
    "first_month_short": st.column_config.NumberColumn("first month short", format="%d",
                                                       help="None: never short."),
    "stock_start_t": st.column_config.NumberColumn("stock at start [t]", format="%,.1f"),
    "stock_released_t": st.column_config.NumberColumn("stock released [t]", format="%,.1f"),
    "stock_lasts_days": st.column_config.NumberColumn(
        "stock lasts [days]", format="%.0f", help="From the first month stock is drawn to the end of the month it "
                                                  "runs out; None: it never runs out (or is never drawn)."),
    "transfers_in_t": st.column_config.NumberColumn("transfers in [t]", format="%,.1f"),
    "transfers_out_t": st.column_config.NumberColumn("transfers out [t]", format="%,.1f"),
    "optimal_stock_start_t": st.column_config.NumberColumn("optimal plan: stock [t]", format="%,.1f"),
    "optimal_shortfall_t": st.column_config.NumberColumn("optimal plan: shortfall [t]", format="%,.1f"),
    "optimal_shortfall_pct": st.column_config.NumberColumn("optimal plan: shortfall [%]", format="%.1f"),
}
LEVER_COLUMNS = {
    "member": "member", "commodity": "commodity",
    "shortfall_none_t": st.column_config.NumberColumn("short with no lever [t]", format="%,.1f",
                                                      help="Normal supply and domestic output only."),
    **{f"covered_{x}_alone_t": st.column_config.NumberColumn(f"{LEVER_LABELS[x]} alone covers [t]", format="%,.1f")
       for x in LEVERS},
    "covered_all_t": st.column_config.NumberColumn("all together cover [t]", format="%,.1f"),
    "shortfall_all_t": st.column_config.NumberColumn("short with all levers [t]", format="%,.1f"),
}


@dataclass(frozen=True)
class StressOutcome:
    """A stress test, or why there is none (the plan does not fit the storage, ...)."""

    result: object | None
    problems: tuple[str, ...] = ()


st.title("Stress test")
st.caption("The plan's stock and storage are held fixed and only each scenario's recourse is solved "
           "(joint, transfers on, floors off): what falls short, from which month, how long the stock "
           "lasts, and which levers cover the loss. docs/model.md, *Stress test*.")
draft = state.draft()
st.markdown(f"Scenario set **{draft.name}**: {draft.title} ({len(draft.scenarios)} scenario(s)), on the "
            "data of the Assumptions page; horizon, sharing and time limit as on the Solve page "
            f"({state.options()['horizon']} months).")

current = state.inputs()
blocked = widgets.blockers(current, "stress-testing")
left, right = st.columns([2, 1])
source = left.radio("Stock to hold fixed", list(planner.STRESS_SOURCES), key="stress_source", horizontal=True,
                    format_func=planner.STRESS_SOURCES.get)
levers = right.toggle("What each lever covers", True, key="stress_levers",
                      help="Also solve with no lever and with each lever alone (5 more LPs).")
compare = right.toggle("Optimal plan beside it", True, key="stress_optimal",
                       help="Also solve the optimal joint plan (floors off) and show its stock and shortfall.")


def chosen_plan():
    """The plan to hold fixed, or None with the reason shown."""
    if source == "today":
        return replace(current_plan(current.tables.case), name="today's stocks")
    shown_key, result = state.shown()
    if result is None:
        st.info("No plan solved yet: solve one on the Solve page, or stress-test today's stocks.")
        st.page_link("views/solve.py", label="Solve on the Solve page", icon=":material/play_circle:")
        return None
    plan = planner.solved_plan(result, f"plan of {result.scenario_set.name} ({result.mode})")
    if plan is None:
        st.error("The plan on the Results page did not reach optimality; there is no stock to hold fixed.",
                 icon=":material/error:")
        return None
    if shown_key != current.key:
        st.caption("The plan was solved on other inputs than the current ones; it is tested on the current ones.")
    return plan


plan = None if blocked else chosen_plan()
key = None
if plan is not None:
    key = planner.stress_key(current.tables.case, current.scenarios.scenario_set, current.options, plan, levers,
                             compare)
    with st.expander(f"The stock held fixed: {plan.name}"):
        widgets.table_with_downloads(plan.table(), "stress_plan", "stress_dl_plan",
                                     widgets.unit_columns(plan.table()))


def run() -> None:
    lps = 1 + (5 if levers else 0) + (1 if compare else 0)
    with st.status(f"Stress-testing {plan.name} on {draft.name}: {lps} LP(s) of {current.options.horizon_months} "
                   "months ...", expanded=False) as status:
        started = time.perf_counter()

        def make() -> StressOutcome:
            try:
                return StressOutcome(stress_test(current.tables.case, current.scenarios.scenario_set, plan,
                                                 current.options, levers, compare))
            except InputError as exc:
                return StressOutcome(None, tuple(str(p) for p in exc.problems))

        outcome, hit = state.stress_compute(key, make)
        how = "from the cache (these inputs were tested before)" if hit else f"in {time.perf_counter() - started:.1f} s"
        failed = outcome.result is None or not outcome.result.optimal_everywhere
        status.update(label="The stress test did not give an answer" if failed else f"Tested {how}",
                      state="error" if failed else "complete")


if st.button("Run stress test", type="primary", disabled=plan is None, key="stress_run",
             icon=":material/play_arrow:"):
    run()
elif state.stress_cached(key) is not None:  # back on the page, or inputs changed back
    state.stress_compute(key, lambda: None)


def show(shown_key: str, outcome: StressOutcome) -> None:
    if shown_key != key:
        st.warning("The inputs or the plan have changed since this was tested; press **Run stress test** for "
                   "the current ones.")
    if outcome.result is None:
        st.error("The plan cannot be held fixed on these inputs:", icon=":material/error:")
        widgets.problem_list(list(outcome.problems))
        return
    result = outcome.result
    failed = planner.stress_failures(result)
    if failed:
        st.error("No numbers are shown, because:", icon=":material/error:")
        widgets.problem_list(failed, limit=len(failed))
        return
    scenarios = planner.stress_scenarios(result)
    widgets.drop_stale_choice("stress_scenario", scenarios)
    scenario = st.selectbox("Scenario (worst first: the most shortfall under the plan)", scenarios,
                            key="stress_scenario")
    st.subheader(f"What falls short: {result.plan.name}, {scenario}")
    exposure = planner.stress_exposure(result, scenario)
    widgets.table_with_downloads(exposure, f"stress_exposure_{scenario}", "stress_dl_exposure",
                                 EXPOSURE_COLUMNS)
    st.caption("Over the horizon, per member and commodity: shortfall in tonnes and as % of the member's demand. "
               + ("The optimal plan's columns: the same scenario with the stock the optimiser would hold."
                  if result.optimal is not None else ""))
    lever_table = planner.stress_levers(result, scenario)
    if lever_table is not None:
        st.subheader("Which levers cover the loss")
        widgets.table_with_downloads(lever_table, f"stress_levers_{scenario}", "stress_dl_levers", LEVER_COLUMNS)
        st.caption("Tonnes of the no-lever shortfall each lever covers alone, and all four together. A transfer "
                   "moves shortfall between members, so a member's row can be negative; the members' sum cannot.")
    st.subheader("Shortfall by month")
    commodities = list(result.fixed.inputs.commodities)
    widgets.drop_stale_choice("stress_commodity", commodities)
    commodity = st.selectbox("Commodity", commodities, key="stress_commodity")
    st.plotly_chart(charts.stress_shortfall(planner.stress_by_month(result, scenario, commodity), commodity,
                                            scenario), key="stress_chart")
    st.download_button("Every scenario's tables: one Excel workbook",
                       lambda: planner.to_excel(stress_tables(result)), f"{result.scenario_set.name}_stress.xlsx",
                       on_click="ignore", key="stress_dl_all", icon=":material/download:")


shown_key, outcome = state.stress_shown()
if outcome is not None:
    show(shown_key, outcome)
elif plan is not None:
    st.info("Nothing tested yet: choose the stock to hold fixed and press **Run stress test**.")
