"""Results: headline figures against the targets, charts, and every table to download."""

import streamlit as st

from optimizer import planner
from optimizer.report import cost_breakdown, member_shortfall, scenario_headline
from ui import charts, state, widgets

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


def headline_metrics() -> None:
    widgets.cost_metrics(result)


def stock_table(solution) -> None:
    st.subheader(f"Stock to hold at the start: {solution.label}")
    head = planner.headline(solution)
    short = head.style.apply(lambda row: ["background-color: #ffe3e3" if not row["meets_target"] else ""
                                          for _ in row], axis=1)
    st.dataframe(short, hide_index=True, column_config=HEADLINE_COLUMNS)
    st.caption("Rows shaded red hold less than the policy target (days of cover of the member's own "
               "demand). With floors off this is the economic optimum, not a policy breach.")


def charts_tabs(solution) -> None:
    scenarios = list(solution.inputs.scenarios)
    left, right = st.columns(2)
    scenario = left.selectbox("Scenario", scenarios, key="res_scenario")
    commodity = right.selectbox("Commodity", solution.inputs.commodities, key="res_commodity")
    tabs = st.tabs(["Stock trajectory", "Shortfall heatmap", "Import mix", "Flows (Sankey)",
                    "Marginal value of stock", "Cost and shortfall per scenario"])
    trajectory = solution.tables["stock_trajectory"]
    with tabs[0]:
        st.plotly_chart(charts.stock_trajectory(trajectory[trajectory["commodity"] == commodity], commodity),
                        key="chart_trajectory")
    with tabs[1]:
        st.plotly_chart(charts.shortfall_heatmap(planner.shortfall_matrix(solution, scenario), scenario),
                        key="chart_shortfall")
    with tabs[2]:
        mix = planner.import_mix(solution, scenario, commodity)
        st.plotly_chart(charts.import_mix(mix, commodity, scenario), key="chart_mix")
    with tabs[3]:
        links = planner.sankey_links(solution, scenario, commodity)
        st.plotly_chart(charts.flow_sankey(links, commodity, scenario), key="chart_sankey")
    with tabs[4]:
        prices = solution.tables["scarcity_prices"]
        prices = prices[(prices["scenario"] == scenario) & (prices["commodity"] == commodity)]
        st.plotly_chart(charts.stock_value(prices, commodity, scenario), key="chart_duals")
    with tabs[5]:
        st.plotly_chart(charts.cost_items(cost_breakdown(solution), f"Expected cost by item: {solution.label}"),
                        key="chart_costs")
        widgets.table_with_downloads(scenario_headline(solution), "scenario_costs_shortfalls", "dl_scen")
        st.markdown("Shortfall per member, % of its own demand over the horizon:")
        widgets.table_with_downloads(member_shortfall(solution), "shortfall_by_member", "dl_member_short")


def downloads() -> None:
    st.subheader("Tables")
    tables = planner.result_tables(result)
    st.download_button("All tables: one Excel workbook", lambda: planner.to_excel(tables),
                       f"{result.scenario_set.name}_results.xlsx", on_click="ignore", key="dl_all",
                       icon=":material/download:")
    for i, (name, df) in enumerate(tables.items()):
        with st.expander(f"{name} ({len(df)} rows)"):
            widgets.table_with_downloads(df, name.replace(" ", "_"), f"dl_{i}")


headline_metrics()
solutions = {s.label: s for s in result.solutions}
label = st.radio("Plan", list(solutions), horizontal=True, key="res_solution") if len(solutions) > 1 \
    else next(iter(solutions))
stock_table(solutions[label])
charts_tabs(solutions[label])
downloads()
