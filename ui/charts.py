"""Plotly figures of the planner: each takes a tidy table from optimizer.planner and only draws."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.2))
_SERIES_COLORS = qualitative.Plotly  # one colour per scenario, supplier or member, in order
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
    return plain_numbers(fig)


def plain_numbers(fig: go.Figure) -> go.Figure:
    """Every axis in plain numbers with thousands separators (4,050,000 USD/t, not 4.05M): the
    unit is in the axis title, as in the tables."""
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    return fig


def _members_side_by_side(members: list[str], title: str, y_title: str) -> go.Figure:
    fig = make_subplots(rows=1, cols=len(members), subplot_titles=members, shared_yaxes=False,
                        horizontal_spacing=0.08)
    fig.update_layout(title=title, **_LAYOUT)
    fig.update_yaxes(title_text=y_title, col=1)
    return fig


def stock_vs_target(table: pd.DataFrame) -> go.Figure:
    """Per member, one pair of bars per commodity: the stock today and in the plan, in days of
    cover of the member's own demand; the red tick is the policy target."""
    members = list(dict.fromkeys(table["member"]))
    fig = _members_side_by_side(members, "Stock against the policy target (days of cover of own demand)",
                                "days of cover")
    for col, member in enumerate(members, start=1):
        rows = table[table["member"] == member]
        first = col == 1
        for name, days, tonnes, color in (("today", "today_days", "today_t", "#b0b0b0"),
                                          ("plan", "plan_days", "plan_t", "#1f77b4")):
            fig.add_bar(x=rows["commodity"], y=rows[days].fillna(0.0), name=name, marker_color=color,
                        legendgroup=name, showlegend=first, customdata=rows[tonnes], row=1, col=col,
                        hovertemplate=f"{name}: %{{y:,.0f}} days = %{{customdata:,.1f}} t<extra>%{{x}}</extra>")
        fig.add_scatter(x=rows["commodity"], y=rows["target_days"], mode="markers", name="target",
                        legendgroup="target", showlegend=first, customdata=rows["target_t"], row=1, col=col,
                        marker=dict(symbol="line-ew", size=34, line=dict(width=3, color="#d62728")),
                        hovertemplate="target: %{y:,.0f} days = %{customdata:,.1f} t<extra>%{x}</extra>")
    fig.update_layout(barmode="group")
    return plain_numbers(fig)


def stock_trajectory(path: pd.DataFrame, targets: dict[str, float], commodity: str) -> go.Figure:
    """Per member, the stock (t) from month 0 (held at the start) to the horizon's end, one line
    per chosen scenario; the dashed red line is the member's policy target in tonnes."""
    members = list(dict.fromkeys(path["member"])) or list(targets)
    fig = _members_side_by_side(members, f"{commodity}: stock at the end of each month (month 0: at the start)",
                                "stock (t)")
    for i, scenario in enumerate(dict.fromkeys(path["scenario"])):
        color = _SERIES_COLORS[i % len(_SERIES_COLORS)]
        for col, member in enumerate(members, start=1):
            rows = path[(path["scenario"] == scenario) & (path["member"] == member)]
            fig.add_scatter(x=rows["month"], y=rows["stock_t"], mode="lines+markers", name=scenario,
                            legendgroup=scenario, showlegend=col == 1, line_color=color, row=1, col=col,
                            hovertemplate=f"{scenario}, month %{{x}}: %{{y:,.1f}} t<extra>{member}</extra>")
    for col, member in enumerate(members, start=1):
        target = targets.get(member)
        if target:
            fig.add_hline(y=target, line_dash="dash", line_color="#d62728", row=1, col=col,
                          annotation_text=f"target {target:,.0f} t", annotation_position="top left")
    fig.update_xaxes(title_text="month", rangemode="tozero", dtick=3)
    return plain_numbers(fig)


def shortfall_heatmap(matrix: pd.DataFrame, scenario: str) -> go.Figure:
    top = max(float(matrix.to_numpy().max(initial=0.0)), 1.0)  # all-zero stays white, not mid-scale
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index),
                               colorscale="Reds", zmin=0, zmax=top, colorbar_title="% of demand",
                               hovertemplate="%{y}, month %{x}: %{z:.1f} % short<extra></extra>"))
    fig.update_layout(title=f"Shortfall as % of demand ({scenario})", xaxis_title="month", **_LAYOUT)
    fig.update_yaxes(autorange="reversed")  # commodities top-down in the data's order
    return plain_numbers(fig)


def import_mix(mix: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    fig = go.Figure()
    for i, supplier in enumerate(mix.columns):
        fig.add_bar(x=mix.index, y=mix[supplier], name=str(supplier),
                    marker_color=_SERIES_COLORS[i % len(_SERIES_COLORS)],
                    hovertemplate=f"{supplier}, month %{{x}}: %{{y:,.1f}} t<extra></extra>")
    fig.update_layout(barmode="stack", title=f"{commodity}: imports by supplier ({scenario})",
                      xaxis_title="arrival month", yaxis_title="arriving (t)", **_LAYOUT)
    return plain_numbers(fig)


def flow_sankey(links: pd.DataFrame, nodes_t: dict[str, float], commodity: str, scenario: str) -> go.Figure:
    """Suppliers (left), chokepoints passed (middle), members (right); widths and labels in tonnes
    over the horizon."""
    nodes = list(nodes_t)
    sources, targets = set(links["source"]), set(links["target"])
    color = ["#1f77b4" if n not in targets else "#2ca02c" if n not in sources else "#ff7f0e"
             for n in nodes]
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(go.Sankey(
        valueformat=",.0f", valuesuffix=" t",
        node=dict(label=[f"{n}: {nodes_t[n]:,.0f} t" for n in nodes], color=color, pad=18,
                  hovertemplate="%{label}<extra></extra>"),
        link=dict(source=[index[s] for s in links["source"]], target=[index[t] for t in links["target"]],
                  value=list(links["quantity_t"]),
                  hovertemplate="%{source.label} -> %{target.label}: %{value:,.0f} t<extra></extra>")))
    fig.update_layout(title=f"{commodity}: tonnes over the horizon ({scenario})<br><sup>supplier (blue) -> "
                            "chokepoint passed (orange) -> member (green)</sup>",
                      **{**_LAYOUT, "margin": dict(l=10, r=10, t=60, b=10)})
    return fig


def stock_value(prices: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    fig = go.Figure()
    for i, (member, rows) in enumerate(prices.groupby("member", sort=False)):
        fig.add_scatter(x=rows["month"], y=rows["stock_value_usd_per_t"], mode="lines+markers", name=str(member),
                        line_color=_SERIES_COLORS[i % len(_SERIES_COLORS)],
                        hovertemplate=f"{member}, month %{{x}}: %{{y:,.0f}} USD/t<extra></extra>")
    fig.update_layout(title=f"{commodity}: marginal value of stock (dual of the stock balance, {scenario})",
                      xaxis_title="month", yaxis_title="value of one more tonne in stock (USD/t)", **_LAYOUT)
    return plain_numbers(fig)


def cost_items(costs: dict[str, float], title: str) -> go.Figure:
    """Expected cost by item on a linear axis, each bar labelled with its value: small items read
    from their label, not from a log scale."""
    items = {k: v for k, v in costs.items() if abs(v) > 1e-9}
    fig = go.Figure(go.Bar(x=list(items.values()), y=list(items), orientation="h",
                           texttemplate="%{x:,.1f}", textposition="outside", cliponaxis=False,
                           hovertemplate="%{x:,.2f} M USD<extra>%{y}</extra>"))
    fig.update_layout(title=title, xaxis_title="expected cost (M USD)", height=120 + 28 * len(items), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return plain_numbers(fig)


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
    return plain_numbers(fig)


def coop_savings(savings: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for i, (item, rows) in enumerate(savings.groupby("item", sort=False)):
        fig.add_bar(x=rows["commodity"], y=rows["saving_musd"], name=str(item),
                    marker_color=_SERIES_COLORS[i % len(_SERIES_COLORS)],
                    hovertemplate=f"{item}, %{{x}}: %{{y:,.2f}} M USD<extra></extra>")
    fig.update_layout(barmode="relative", yaxis_title="saving (M USD)", legend_title_text="cost item",
                      title="Saving of cooperation by commodity and cost item (below 0: costs more together)",
                      **_LAYOUT)
    return plain_numbers(fig)


def exchanges(table: pd.DataFrame) -> go.Figure:
    """Saving against the members alone under each exchange arrangement; the one used is darker."""
    colors = ["#1f77b4" if used else "#9ecae1" for used in table["used_above"]]
    fig = go.Figure(go.Bar(x=table["saving_vs_alone_musd"], y=table["arrangement"], orientation="h",
                           marker_color=colors, texttemplate="%{x:,.1f}", textposition="outside",
                           hovertemplate="%{y}: saves %{x:,.1f} M USD<extra></extra>"))
    fig.update_layout(title="Saving against the members alone, by exchange arrangement (dark: used above)",
                      xaxis_title="saving (M USD)", height=320, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return plain_numbers(fig)


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
    return plain_numbers(fig)


# ---------------------------------------------------------------- stress test and sensitivity

def stress_shortfall(by_month: pd.DataFrame, commodity: str, scenario: str) -> go.Figure:
    """Shortfall (t) per month, one bar series per member, the plan's stock held fixed."""
    fig = go.Figure()
    for i, (member, rows) in enumerate(by_month.groupby("member", sort=False)):
        fig.add_bar(x=rows["month"], y=rows["shortfall_t"], name=str(member), customdata=rows["shortfall_pct"],
                    marker_color=_SERIES_COLORS[i % len(_SERIES_COLORS)],
                    hovertemplate=f"{member}, month %{{x}}: %{{y:,.1f}} t short "
                                  "(%{customdata:.1f} % of demand)<extra></extra>")
    fig.update_layout(barmode="group", title=f"{commodity}: shortfall by month with the plan's stock fixed "
                                             f"({scenario})", xaxis_title="month", yaxis_title="shortfall (t)",
                      **_LAYOUT)
    fig.update_xaxes(dtick=3)
    return plain_numbers(fig)


def tornado(bars: pd.DataFrame, answer: str) -> go.Figure:
    """One row per parameter, widest swing on top: a bar from the answer at base to the answer at
    the parameter's low, and one to the answer at its high (the others at base)."""
    base = bars["answer_base"]
    fig = go.Figure()
    for end, color in (("low", "#1f77b4"), ("high", "#d62728")):
        values = bars[f"answer_{end}"]
        fig.add_bar(y=bars["parameter"], x=values - base, base=base, orientation="h", name=f"at its {end}",
                    marker_color=color, customdata=bars[[end, f"answer_{end}"]],
                    hovertemplate=f"%{{y}} at its {end} (%{{customdata[0]:,.4g}}): %{{customdata[1]:,.2f}}"
                                  "<extra></extra>")
    if len(bars):
        fig.add_vline(x=float(base.iloc[0]), line_dash="dot", annotation_text="base")
    fig.update_layout(barmode="overlay", title=f"Tornado: {answer}", xaxis_title=answer,
                      height=160 + 32 * len(bars), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return plain_numbers(fig)


def histogram(values: pd.Series, answer: str) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=min(40, max(5, len(values) // 3)),
                                 hovertemplate="%{x}: %{y} samples<extra></extra>"))
    fig.update_layout(title=f"Distribution over the samples: {answer}", xaxis_title=answer,
                      yaxis_title="samples", **_LAYOUT)
    return plain_numbers(fig)


def sobol(bars: pd.DataFrame, answer: str) -> go.Figure:
    """First-order (S1) and total (ST) Sobol indices per parameter, with 95 % confidence whiskers."""
    fig = go.Figure()
    for index, color in (("S1", "#9ecae1"), ("ST", "#1f77b4")):
        fig.add_bar(y=bars["parameter"], x=bars[index], orientation="h", name=index, marker_color=color,
                    error_x=dict(type="data", array=bars[f"{index}_conf"]),
                    hovertemplate=f"%{{y}}: {index} %{{x:.3f}}<extra></extra>")
    fig.update_layout(barmode="group", title=f"Sobol indices: {answer}", xaxis_title="share of the variance (0-1)",
                      height=160 + 40 * len(bars), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return plain_numbers(fig)


def morris(bars: pd.DataFrame, answer: str, unit: str) -> go.Figure:
    """Morris mu_star (mean absolute elementary effect) per parameter, with its 95 % confidence."""
    fig = go.Figure(go.Bar(y=bars["parameter"], x=bars["mu_star"], orientation="h", marker_color="#1f77b4",
                           error_x=dict(type="data", array=bars["mu_star_conf"]), customdata=bars["sigma"],
                           hovertemplate="%{y}: mu* %{x:,.3g}, sigma %{customdata:,.3g}<extra></extra>"))
    fig.update_layout(title=f"Morris screening: {answer}", xaxis_title=f"mu* ({unit} per range)",
                      height=160 + 32 * len(bars), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return plain_numbers(fig)
