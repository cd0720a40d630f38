"""Plotly figures of the planner: each takes a tidy table from optimizer.planner and only draws."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.2))
_EVENT_COLORS = {"export_ban": "#c0392b", "chokepoint_closure": "#2c3e50", "demand_shock": "#8e44ad",
                 "price_shock": "#d68910"}


def event_timeline(events: pd.DataFrame, horizon: int) -> go.Figure:
    """One bar per event from its first to its last month; the dotted line ends the horizon."""
    fig = go.Figure()
    events = events.assign(row=[f"{s} (p={p:.2f}): {e}" for s, p, e in
                                zip(events["scenario"], events["probability"].astype(float), events["event"])])
    for kind, group in events.groupby("type", sort=False):
        fig.add_bar(y=group["row"], x=group["duration_months"],
                    base=group["start_month"] - 0.5, orientation="h", name=kind.replace("_", " "),
                    marker_color=_EVENT_COLORS.get(kind),
                    customdata=group[["start_month", "end_month"]],
                    hovertemplate="months %{customdata[0]}-%{customdata[1]}"
                                  "<extra>%{y}</extra>")
    fig.add_vline(x=horizon + 0.5, line_dash="dot", annotation_text="end of horizon")
    fig.update_layout(title="Events by month", xaxis_title="month", barmode="overlay",
                      height=140 + 28 * len(events), **_LAYOUT)
    order = list(dict.fromkeys(events["row"]))  # scenario by scenario, as in the events table
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    return fig


def stock_trajectory(trajectory: pd.DataFrame, commodity: str) -> go.Figure:
    fig = px.line(trajectory, x="month", y="stock_t", color="scenario", facet_col="member",
                  markers=True, labels={"stock_t": "stock (t)", "month": "month"},
                  title=f"{commodity}: stock at the end of each month, per scenario")
    fig.update_layout(**_LAYOUT)
    return fig


def shortfall_heatmap(matrix: pd.DataFrame, scenario: str) -> go.Figure:
    top = max(float(matrix.to_numpy().max(initial=0.0)), 1.0)  # all-zero stays white, not mid-scale
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index),
                               colorscale="Reds", zmin=0, zmax=top, colorbar_title="% of demand",
                               hovertemplate="%{y}, month %{x}: %{z:.1f} % short<extra></extra>"))
    fig.update_layout(title=f"Shortfall as % of demand ({scenario})", xaxis_title="month", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")  # commodities top-down in the data's order
    return fig


def import_mix(mix: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    long = mix.reset_index().melt(id_vars="month", var_name="supplier", value_name="quantity_t")
    fig = px.bar(long, x="month", y="quantity_t", color="supplier",
                 labels={"quantity_t": "arriving (t)", "month": "arrival month"},
                 title=f"{commodity}: imports by supplier ({scenario})")
    fig.update_layout(barmode="stack", **_LAYOUT)
    return fig


def flow_sankey(links: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    """Suppliers (left), chokepoints passed (middle), members (right); widths in tonnes."""
    nodes = list(dict.fromkeys(list(links["source"]) + list(links["target"])))
    sources, targets = set(links["source"]), set(links["target"])
    color = ["#1f77b4" if n not in targets else "#2ca02c" if n not in sources else "#ff7f0e"
             for n in nodes]
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(go.Sankey(
        node=dict(label=nodes, color=color, pad=18),
        link=dict(source=[index[s] for s in links["source"]], target=[index[t] for t in links["target"]],
                  value=list(links["quantity_t"]), hovertemplate="%{value:,.0f} t<extra></extra>")))
    fig.update_layout(title=f"{commodity}: supplier -> chokepoint -> member over the horizon ({scenario}); "
                            "blue supplier, orange chokepoint, green member", **_LAYOUT)
    return fig


def stock_value(prices: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    fig = px.line(prices, x="month", y="stock_value_usd_per_t", color="member", markers=True,
                  labels={"stock_value_usd_per_t": "value of one more tonne in stock (USD/t)"},
                  title=f"{commodity}: marginal value of stock (dual of the stock balance, {scenario})")
    fig.update_layout(**_LAYOUT)
    return fig


def cost_items(costs: dict[str, float], title: str) -> go.Figure:
    items = {k: v for k, v in costs.items() if abs(v) > 1e-9}
    fig = go.Figure(go.Bar(x=list(items.values()), y=list(items), orientation="h",
                           hovertemplate="%{x:,.1f} M USD<extra>%{y}</extra>"))
    fig.update_layout(title=title, xaxis_title="expected cost (M USD)", xaxis_type="log", **_LAYOUT)
    return fig


# ---------------------------------------------------------------- cooperation

_RULE_COLORS = {"cost alone": "#8c8c8c", "Shapley value": "#1f77b4", "IEA rule": "#ff7f0e",
                "least core": "#2ca02c"}


def who_pays(shares: pd.DataFrame) -> go.Figure:
    """Per member and rule: what it pays (left) and what that saves it against going alone (right).
    The shares differ by far less than the costs, so the savings panel is where they show."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("pays (M USD)", "saves against going alone (M USD)"))
    for rule, group in shares.groupby("rule", sort=False):
        style = dict(name=rule, marker_color=_RULE_COLORS.get(rule), legendgroup=rule)
        fig.add_bar(x=group["member"], y=group["pays_musd"], row=1, col=1, **style,
                    hovertemplate=f"{rule}: %{{y:,.1f}} M USD<extra>%{{x}}</extra>")
        fig.add_bar(x=group["member"], y=group["saves_musd"], row=1, col=2, showlegend=False, **style,
                    texttemplate="%{y:,.1f}", textposition="outside",
                    hovertemplate=f"{rule}: saves %{{y:,.1f}} M USD<extra>%{{x}}</extra>")
    fig.update_layout(barmode="group", title="Who pays what, under each sharing rule",
                      **{**_LAYOUT, "margin": dict(l=10, r=10, t=90, b=10)})
    fig.add_hline(y=0, line_width=1, line_color="#444", row=1, col=2)
    return fig


def coop_savings(savings: pd.DataFrame) -> go.Figure:
    fig = px.bar(savings, x="commodity", y="saving_musd", color="item",
                 labels={"saving_musd": "saving (M USD)", "item": "cost item"},
                 title="Saving of cooperation by commodity and cost item (below 0: costs more together)")
    fig.update_traces(hovertemplate="%{x}: %{y:,.2f} M USD")
    fig.update_layout(barmode="relative", **_LAYOUT)
    return fig


def exchanges(table: pd.DataFrame) -> go.Figure:
    """Saving against the members alone under each exchange arrangement; the one used is darker."""
    colors = ["#1f77b4" if used else "#9ecae1" for used in table["used_above"]]
    fig = go.Figure(go.Bar(x=table["saving_vs_alone_musd"], y=table["arrangement"], orientation="h",
                           marker_color=colors, texttemplate="%{x:,.1f}", textposition="outside",
                           hovertemplate="%{y}: saves %{x:,.1f} M USD<extra></extra>"))
    fig.update_layout(title="Saving against the members alone, by exchange arrangement (dark: used above)",
                      xaxis_title="saving (M USD)", height=320, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def risk_frontier(points: pd.DataFrame, level: float) -> go.Figure:
    """Expected cost against CVaR, one point per risk weight (coinciding weights share a label)."""
    fig = go.Figure(go.Scatter(x=points["expected_cost_musd"], y=points["cvar_musd"], text=points["label"],
                               mode="lines+markers+text", textposition="top right", marker_size=10,
                               hovertemplate="%{text}: expected %{x:,.1f}, CVaR %{y:,.1f} M USD"
                                             "<extra></extra>"))
    fig.update_layout(title=f"Cost-risk frontier: expected cost against CVaR {level:.0%} (mean of the worst "
                            f"{1 - level:.0%} of outcomes)", xaxis_title="expected cost (M USD)",
                      yaxis_title=f"CVaR {level:.0%} (M USD)", **_LAYOUT)
    for axis, values in (("xaxis", points["expected_cost_musd"]), ("yaxis", points["cvar_musd"])):
        low, high = float(values.min()), float(values.max())
        pad = 0.08 * (high - low) or 0.001 * abs(high) or 1.0  # room for the labels at the ends
        fig.update_layout({axis: dict(range=[low - pad, high + pad])})
    return fig
