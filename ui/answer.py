"""The answer panel of a plan: stock against the policy target, what to buy now and what it costs
a year, what cooperating is worth in a crisis (calm pooling beside it) and the worst scenario's
shortfall per member. The Results page opens with it; the Solve page shows its chart as soon as a
solve ends. Its figures are made once per plan (state.derived) by optimizer.planner."""

from __future__ import annotations

import streamlit as st

from optimizer import planner
from ui import charts, state, widgets

BUY_COLUMNS = {
    "buy_t": st.column_config.NumberColumn("buy now [t]", format="%,.1f"),
    "below_today_t": st.column_config.NumberColumn("not kept of today's [t]", format="%,.1f"),
    "new_storage_t": st.column_config.NumberColumn("new storage [t]", format="%,.1f"),
    "holding_usd_per_t_year": st.column_config.NumberColumn("holding [USD/t/yr]", format="%,.0f"),
    "storage_usd_per_t_year": st.column_config.NumberColumn("storage [USD/t/yr]", format="%,.0f"),
    "cost_musd_per_year": st.column_config.NumberColumn("cost [M USD/yr]", format="%,.2f"),
}


def figures(key: str, result, solution) -> dict:
    """The panel's figures for one plan of the run solved under `key`, made on first use."""
    label = solution.label
    worst = state.derived(key, f"worst {label}", lambda: planner.worst_scenario(solution))
    return {
        "money": state.derived(key, "money", lambda: planner.cost_summary(result)),
        "buy": state.derived(key, f"buy {label}", lambda: planner.buy_now(solution)),
        "targets": state.derived(key, f"targets {label}", lambda: planner.stock_vs_target(solution)),
        "worst": worst,
        "worst_short": state.derived(key, f"worst short {label}",
                                     lambda: planner.scenario_shortfall(solution, worst)),
    }


def target_chart(key: str, result, solution, chart_key: str) -> None:
    """Stock against target: the figure is built once per plan (building it is most of the time)."""
    figure = state.derived(key, f"target chart {solution.label}",
                           lambda: charts.stock_vs_target(figures(key, result, solution)["targets"]))
    st.plotly_chart(figure, key=chart_key)


def render(key: str, result, solution) -> None:
    """What to do and what it is worth, before any detail."""
    f = figures(key, result, solution)
    st.subheader(f"The answer: {solution.label} plan")
    cols = st.columns(3)
    cols[0].metric("Buy now, a year (M USD)", f"{f['buy']['cost_musd_per_year'].sum():,.1f}",
                   help="What the stock bought beyond today's costs a year to hold (the commodity's holding "
                        "share of its reference price) and to store (new storage's yearly capital cost).")
    money = f["money"]
    if money["crisis"] is not None:
        cols[1].metric("Crisis value of cooperation (M USD)", f"{money['crisis']:,.1f}", help=widgets.CRISIS_HELP)
        cols[2].metric("Calm pooling (M USD)", f"{money['calm']:,.1f}", help=widgets.calm_help(money["total"]))
    st.markdown(buy_sentence(f["buy"]))
    target_chart(key, result, solution, "chart_target")
    st.markdown(worst_sentence(f["worst_short"], f["worst"]))
    with st.expander("What to buy, per member and commodity, and what it costs a year"):
        widgets.table_with_downloads(f["buy"], "buy_now", "dl_buy", column_config=BUY_COLUMNS)


def buy_sentence(buy) -> str:
    summary = planner.buy_now_summary(buy)
    cost = summary.pop("cost_musd_per_year")
    if not summary:
        text = "**Buy now**: nothing beyond today's stock."
    else:
        items = ", ".join(f"{c.replace('_', ' ')} {widgets.tonnes(t)}" for c, t in summary.items())
        text = f"**Buy now**: {items}, costing **{cost:,.1f} M USD a year** to hold and store."
    below = buy[buy["below_today_t"] > 1e-6]
    if len(below):
        kept = ", ".join(f"{c.replace('_', ' ')} in {m} ({widgets.tonnes(t)})"
                         for c, m, t in zip(below["commodity"], below["member"], below["below_today_t"]))
        text += f"  \nThe plan holds less than today's stock of {kept}."
    return text


def worst_sentence(short, scenario: str) -> str:
    lines = []
    for member, rows in short.groupby("member", sort=False):
        rows = rows[rows["shortfall_t"] > 1e-6]
        items = ", ".join(f"{c.replace('_', ' ')} {p:.1f} % ({widgets.tonnes(t)})"
                          for c, p, t in zip(rows["commodity"], rows["shortfall_pct"], rows["shortfall_t"]))
        lines.append(f"- {member}: {items or 'none'}")
    return (f"**Shortfall in the worst scenario**, `{scenario}` (the costliest under this plan), over the "
            "horizon as % of the member's demand:\n" + "\n".join(lines))
