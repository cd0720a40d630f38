"""Results: the answer first (stock against target, what to buy and what it costs a year, what
cooperating is worth in a crisis, the worst scenario's shortfall), then the stock table, one chart
at a time and one table at a time, every table to download."""

import streamlit as st

from optimizer import planner
from optimizer.explain import explain_plan
from optimizer.report import cost_breakdown, member_shortfall, scenario_headline
from ui import answer, charts, state, widgets

HEADLINE_COLUMNS = {
    "stock": st.column_config.NumberColumn("stock [unit]", format="%.2f"),
    "unit": "unit",
    "stock_t": st.column_config.NumberColumn("stock [t]", format="%,.0f"),
    "days_of_cover": st.column_config.NumberColumn("cover [days]", format="%.0f"),
    "target_days": st.column_config.NumberColumn("target [days]", format="%.0f",
                                                 help="KOMIR 100 / JOGMEC 60 / KOGAS 9 (stockpiles.csv)"),
    "gap_to_target_days": st.column_config.NumberColumn("vs target [days]", format="%+.0f"),
    "current_days": st.column_config.NumberColumn("today [days]", format="%.0f"),
    "new_capacity_t": st.column_config.NumberColumn("new storage [t]", format="%,.1f"),
    "meets_target": st.column_config.CheckboxColumn("meets target"),
}
EXPLAIN_COLUMNS = {
    "stock_t": st.column_config.NumberColumn("stock [t]", format="%,.1f"),
    "days_of_cover": st.column_config.NumberColumn("cover [days]", format="%.1f"),
    "target_days": st.column_config.NumberColumn("target [days]", format="%.0f"),
    "day_t": st.column_config.NumberColumn("one day [t]", format="%,.2f"),
    "more_saving_usd_per_t": st.column_config.NumberColumn("a day more saves [USD/t]", format="%,.0f"),
    "more_cost_usd_per_t": st.column_config.NumberColumn("a day more costs [USD/t]", format="%,.0f"),
    "less_saving_usd_per_t": st.column_config.NumberColumn("a day less loses [USD/t]", format="%,.0f"),
    "less_cost_usd_per_t": st.column_config.NumberColumn("a day less saves [USD/t]", format="%,.0f"),
}
CHARTS = ("Stock over time", "Shortfall by month", "Import mix", "Flows (Sankey)", "Value of stock",
          "Cost by item")

st.title("Results")
key, result = state.shown()
if result is None:
    st.info("Nothing solved yet.")
    st.page_link("views/solve.py", label="Solve on the Solve page", icon=":material/play_circle:")
    st.stop()
st.markdown(f"**{result.scenario_set.name}**: {result.scenario_set.title}  \n"
            f"mode {result.mode}, horizon {result.options.horizon_months} months, days-of-cover floors "
            f"{'on' if result.options.cover_floors else 'off'}, shortfalls shared {result.options.sharing}")
if key != state.inputs().key:
    st.warning("The inputs have changed since this plan was solved; solve again to see their plan.")
if widgets.not_optimal_notice(result):
    st.stop()


def view(name: str, make):
    """A table or figure data of this plan, made once per plan (state.derived)."""
    return state.derived(key, name, make)


def stock_table(solution) -> None:
    st.subheader(f"Stock to hold at the start: {solution.label}")
    head = view(f"headline {solution.label}", lambda: planner.headline(solution))
    st.dataframe(head, hide_index=True, column_config=HEADLINE_COLUMNS)
    st.caption("Rows not ticked under *meets target* hold less than the policy target (days of cover of "
               "the member's own demand). With floors off this is the economic optimum, not a policy breach.")


def explain_section(solution) -> None:
    """Why the joint plan holds what it holds, member by commodity (optimizer.explain): made on
    request, since it re-solves the plan once per member x commodity and direction, then kept
    with the plan."""
    if solution is not result.joint:
        return
    with st.expander("Why this stock, and not more or less?", expanded=state.made(key, "explain") is not None):
        st.caption("Each member x commodity's stock is moved one day of cover up and one day down, every "
                   "scenario re-solved, and what the day saves is set against what it costs to hold "
                   "(docs/model.md, *Explaining a plan*).")
        solved = state.solved_inputs(key)
        if solved is None:
            st.info("The inputs of this plan are no longer kept in this session; solve it again to explain it.")
            return
        if state.made(key, "explain") is None:
            lps = 1 + 2 * len(solution.inputs.commodities) * len(solution.members)
            if not st.button("Explain the joint plan", key="explain_run", icon=":material/psychology:",
                             help=f"Solves up to {lps} LPs warm, a few seconds on the shipped data."):
                return
            with st.spinner(f"Re-solving the joint plan up to {lps} times ..."):
                state.derived(key, "explain", lambda: explain_plan(*solved, result.options)[1])
        table = state.made(key, "explain")
        if table.empty:
            st.error("The plan could not be re-solved to optimality, so there is no explanation.",
                     icon=":material/error:")
            return
        for member, rows in table.groupby("member", sort=False):
            st.markdown(f"**{member}**")
            st.markdown("\n".join(f"- **{c.replace('_', ' ')}**: {text}"
                                   for c, text in zip(rows["commodity"], rows["sentence"])))
        widgets.table_with_downloads(table, "explanation", "dl_explain", EXPLAIN_COLUMNS)


@st.fragment
def charts_section(solution) -> None:
    """One chart at a time (a rerun draws only it: the page stays quick); picking another chart,
    commodity or scenario reruns this part only."""
    st.subheader("Charts")
    chart = st.segmented_control("Chart", CHARTS, key="res_chart", required=True,
                                 default=CHARTS[0]) or CHARTS[0]
    left, right = st.columns([1, 3])
    if chart not in ("Shortfall by month", "Cost by item"):  # those show every commodity
        commodity = left.selectbox("Commodity", solution.inputs.commodities, key="res_commodity")
    scenarios = list(solution.inputs.scenarios)
    if chart == "Stock over time":
        chosen = right.multiselect(
            f"Scenarios (at most {planner.MAX_CHART_SCENARIOS})", scenarios, key=f"res_scenarios_{key[:12]}",
            default=planner.chart_scenarios(solution), max_selections=planner.MAX_CHART_SCENARIOS,
            help="The most probable scenario and the worst are shown first.")
        figure = view(f"trajectory {solution.label} {commodity} {chosen}", lambda: charts.stock_trajectory(
            planner.stock_path(solution, commodity, chosen), planner.target_stock_t(solution, commodity), commodity))
        st.plotly_chart(figure, key="chart_trajectory")
        return
    if chart == "Cost by item":
        items = view(f"cost items {solution.label}", lambda: cost_breakdown(solution))
        st.plotly_chart(charts.cost_items(items, f"Expected cost by item: {solution.label}"), key="chart_costs")
        return
    scenario = (left if chart == "Shortfall by month" else right).selectbox(
                               "Scenario", scenarios, key=f"res_scenario_{key[:12]}",
                               index=scenarios.index(planner.worst_scenario(solution)))
    if chart == "Shortfall by month":
        st.plotly_chart(charts.shortfall_heatmap(planner.shortfall_matrix(solution, scenario), scenario),
                        key="chart_shortfall")
    elif chart == "Import mix":
        mix = planner.import_mix(solution, scenario, commodity)
        st.plotly_chart(charts.import_mix(mix, commodity, scenario), key="chart_mix")
    elif chart == "Flows (Sankey)":
        links = planner.sankey_links(solution, scenario, commodity)
        st.plotly_chart(charts.flow_sankey(links, planner.sankey_nodes(links), commodity, scenario),
                        key="chart_sankey")
    else:
        prices = solution.tables["scarcity_prices"]
        prices = prices[(prices["scenario"] == scenario) & (prices["commodity"] == commodity)]
        st.plotly_chart(charts.stock_value(prices, commodity, scenario), key="chart_duals")


def per_scenario(solution) -> None:
    st.subheader("Cost and shortfall per scenario")
    table = view(f"scenarios {solution.label}", lambda: scenario_headline(solution))
    widgets.table_with_downloads(table, "scenario_costs_shortfalls", "dl_scen", column_config=percent_columns(
        table, "shortfall_pct_", {"probability": st.column_config.NumberColumn("probability", format="%.3f"),
                                  "cost_musd": st.column_config.NumberColumn("cost [M USD]", format="%,.1f")}))
    st.markdown("Shortfall per member, % of its own demand over the horizon:")
    table = view(f"member short {solution.label}", lambda: member_shortfall(solution))
    widgets.table_with_downloads(table, "shortfall_by_member", "dl_member_short",
                                 column_config=percent_columns(table, "", {}, solution.inputs.commodities))


def percent_columns(table, prefix: str, config: dict, columns=None) -> dict:
    """Shortfall columns as '<commodity> short [%]' with one decimal."""
    names = columns if columns is not None else [c for c in table.columns if c.startswith(prefix)]
    return config | {c: st.column_config.NumberColumn(f"{c[len(prefix):]} short [%]", format="%.1f") for c in names}


def downloads() -> None:
    """Every table in one workbook, and one table at a time on the page (all of them at once
    would send tens of thousands of rows to the browser on every visit)."""
    st.subheader("Tables")
    st.download_button("All tables: one Excel workbook", lambda: planner.to_excel(planner.result_tables(result)),
                       f"{result.scenario_set.name}_results.xlsx", on_click="ignore", key="dl_all",
                       icon=":material/download:")
    names = planner.result_table_names(result)
    widgets.drop_stale_choice("res_table", names)
    name = st.selectbox("Table", names, key="res_table")
    table = view(f"table {name}", lambda: planner.result_table(result, name))
    st.caption(f"{len(table):,} rows")
    widgets.table_with_downloads(table, name.replace(" ", "_"), f"dl_{names.index(name)}")


solutions = {s.label: s for s in result.solutions}
widgets.drop_stale_choice("res_solution", list(solutions))
label = st.radio("Plan", list(solutions), horizontal=True, key="res_solution") if len(solutions) > 1 \
    else next(iter(solutions))
solution = solutions.get(label, result.solutions[0])
answer.render(key, result, solution)
stock_table(solution)
explain_section(solution)
charts_section(solution)
per_scenario(solution)
downloads()
