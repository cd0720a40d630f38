"""Cooperation: what joint stockpiling is worth, who pays what under each sharing rule, at what risk."""

import time

import pandas as pd
import streamlit as st

from optimizer import planner
from optimizer.coop import tables as coop_tables
from optimizer.coop.report import coop_summary
from ui import charts, state, widgets

RULES_HELP = ("**Shapley value**: each member pays its average extra cost over every order in which "
              "the coalition could have formed. **IEA rule**: the coalition's cost split in proportion "
              "to consumption (valued at reference prices). **Least core**: the split that leaves the "
              "worst-off coalition the largest saving.")

st.title("Cooperation")
st.caption("What a joint stockpile with crisis transfers is worth to Korea and Japan, how its cost "
           "could be shared, and what protection against bad outcomes costs. Every coalition of "
           "members is solved once as its own plan (docs/model.md, *Cooperation analytics*).")
draft = state.draft()
st.markdown(f"Scenario set **{draft.name}**: {draft.title} ({len(draft.scenarios)} scenario(s)), on the "
            "data of the Assumptions page.")


def options_form(blocked: bool) -> bool:
    """The report's options, applied together when Compute is pressed; True if it was."""
    o, c = state.options(), state.coop_options()
    with st.form("coop_form"):
        left, middle, right = st.columns([1, 1, 2])
        horizon = left.number_input("Horizon (months)", 1, 600, int(o["horizon"]), key="coop_horizon")
        level = left.number_input("CVaR level", 0.5, 0.999, float(c["level"]), step=0.01, format="%.3f",
                                  key="coop_level", help="CVaR 0.95 is the mean cost of the worst 5 % "
                                                         "of outcomes (by probability).")
        floors = left.toggle("Days-of-cover floors", bool(o["floors"]), key="coop_floors",
                             help="On: every coalition's starting stock must meet the targets of "
                                  "stockpiles.csv (KOMIR 100, JOGMEC 60, KOGAS 9 days).")
        # text cells: a number column in the browser would clamp 1.5 to 1 instead of refusing it
        weights = middle.data_editor(
            pd.DataFrame({"weight": [planner.number_text(w) for w in c["weights"]]}, dtype=object),
            key=f"coop_weights_{st.session_state['coop_weights_rev']}",
            num_rows="dynamic", hide_index=True, column_config={"weight": st.column_config.TextColumn(
                "risk weight w [0-1]", alignment="right")})
        right.markdown("**Cost-risk frontier**: the coalition's plan is solved once per risk weight *w*, "
                       "minimising (1 - w) x expected cost + w x CVaR. *w* = 0 is the risk-neutral plan; "
                       "*w* = 1 counts only the worst outcomes. Add or delete rows to choose the points.")
        right.caption("Horizon, floors and the time limit are shared with the Solve page.")
        with right.expander("Advanced"):
            limit = st.number_input("HiGHS time limit per LP (seconds, 0 = none)", 0.0, 3600.0,
                                    float(o["time_limit"]), key="coop_time_limit")
        pressed = st.form_submit_button("Compute", type="primary", disabled=blocked, key="coop_compute",
                                        icon=":material/play_arrow:")
    if not pressed:
        return False
    typed = [None if w is None or not str(w).strip() else str(w).strip() for w in weights["weight"]]
    parsed, problems = coop_tables.parse_weights(typed)  # blank rows left out
    if problems:
        st.error("The risk weights have problems; nothing was computed:", icon=":material/error:")
        widgets.problem_list(problems)
        return False
    state.set_options(horizon=int(horizon), floors=floors, time_limit=limit)
    state.set_coop_options(level=float(level), weights=parsed)
    return True


def compute(current: state.CoopInputs) -> None:
    """Compute (or fetch) the report, with a bar that moves one step per LP: it solves several
    plans of the size of a Solve (why it takes several times as long)."""
    n_members = len(current.tables.case.members)
    events = current.scenarios.scenario_set.has_events()
    lps = planner.cooperation_lp_count(n_members, len(current.weights), events)
    with st.status(f"Computing cooperation on {draft.name}: {2 ** n_members - 1} coalitions"
                   f"{', again with no disruption' if events else ''}, 3 more exchange arrangements and "
                   f"{len(current.weights)} risk weight(s): {lps} LPs of {current.options.horizon_months} "
                   "months ...", expanded=True) as status:
        bar = st.progress(0.0)
        started = time.perf_counter()
        done = [0]

        def step(label: str) -> None:
            done[0] += 1
            bar.progress(min(done[0] / lps, 1.0), text=f"LP {done[0]} of {lps}: {label} "
                                                       f"({time.perf_counter() - started:.0f} s so far)")

        outcome, hit = state.coop_compute(current, on_progress=step)
        bar.empty()
        how = "from the cache (these inputs were computed before)" if hit else \
            f"in {time.perf_counter() - started:.1f} s"
        failed = outcome.report is None
        status.update(label="A coalition's plan did not reach optimality" if failed else f"Computed {how}",
                      state="error" if failed else "complete", expanded=False)


def money(value: float) -> str:
    return f"{value:,.1f}"


def headline(report) -> None:
    s = coop_summary(report)
    st.markdown(f"**{s['scenario_set']}**, members {', '.join(s['members'])}, horizon {s['horizon_months']} "
                f"months, days-of-cover floors {'on' if report.options.cover_floors else 'off'}.")
    cols = st.columns(4)
    cols[0].metric("Crisis value of cooperation (M USD)", money(s["crisis_value_of_cooperation_musd"]),
                   help="What joint stock, crisis transfers and pooling save in the disruption scenarios, "
                        "weighted by probability: the value of cooperation beyond calm pooling.")
    cols[1].metric("Calm pooling (M USD)", money(s["calm_pooling_musd"]),
                   help="What buying together saves with no disruption at all.")
    cols[2].metric("Coalition cost (M USD)", money(s["coalition_cost_musd"]),
                   help="Expected money cost of one plan for all members together, with crisis transfers.")
    share = s["value_of_cooperation_musd"] / s["members_alone_musd"] if s["members_alone_musd"] else 0.0
    cols[3].metric("Value of cooperation in all (M USD)", money(s["value_of_cooperation_musd"]),
                   delta=f"{share:.2%} of the cost alone", delta_color="off", delta_arrow="off",
                   help="Members alone - coalition cost: calm pooling and crisis value together.")


def who_pays(report) -> None:
    st.subheader("Who pays what")
    st.markdown(RULES_HELP)
    st.plotly_chart(charts.who_pays(coop_tables.who_pays_chart(report)), key="coop_chart_shares")
    table = coop_tables.who_pays(report)
    widgets.table_with_downloads(table, "who_pays", "coop_dl_shares", widgets.unit_columns(table))
    st.caption("Saves = cost alone - what the member pays under the rule: its gain from joining. "
               "Under every rule the members' shares add up to the coalition cost (total).")


def core_check(report) -> None:
    st.subheader("Is the split stable? (the core)")
    if not report.core_violations:
        st.success("The Shapley split is in the core: no member or group of members would pay less by "
                   "planning alone.", icon=":material/check_circle:")
    else:
        st.warning("The Shapley split is not in the core: the coalitions below would pay less alone, so "
                   "they could walk away. The least-core split (in the table above) is the "
                   "nearest to stable.", icon=":material/warning:")
    excess = report.least_core_excess_musd
    if excess <= 0:
        st.markdown(f"Least core: under its split every group of members saves at least "
                    f"{money(-excess)} M USD against planning alone.")
    else:
        st.markdown(f"The core is empty: even the least-core split asks some group of members to pay up to "
                    f"{money(excess)} M USD more than it would alone.")
    checks = coop_tables.rule_checks(report)
    widgets.table_with_downloads(checks, "core_check", "coop_dl_core", widgets.unit_columns(checks))


def coalitions(report) -> None:
    st.subheader("Cost of every coalition")
    table = coop_tables.coalition_table(report)
    widgets.table_with_downloads(table, "coalitions", "coop_dl_coalitions", widgets.unit_columns(table))


def savings(report) -> None:
    st.subheader("Where the saving comes from")
    table = coop_tables.savings_table(report)
    if table["saving_musd"].abs().sum() > 0:
        st.plotly_chart(charts.coop_savings(table[table["saving_musd"] != 0]), key="coop_chart_savings")
    widgets.table_with_downloads(table, "saving_by_commodity_item", "coop_dl_savings",
                                 widgets.unit_columns(table))


def cover(report) -> None:
    st.subheader("Days of cover, alone and together")
    st.caption("Days of cover of all members' starting stock (stock / daily demand) alone and together, "
               "the days gained by cooperating (below 0: pooling needs less stock), what the stockpiles "
               "cost (spent: capital, holding, handling) and days of cover per M USD spent (empty where "
               "nothing is spent).")
    table = coop_tables.cover_table(report)
    widgets.table_with_downloads(table, "days_of_cover", "coop_dl_cover", widgets.unit_columns(table))


def exchanges(report) -> None:
    st.subheader("Exchange arrangements")
    st.caption("The coalition re-solved with no exchange between members (pooled supply only), one-way "
               "transfers, swaps repaid in kind (swaps.csv), and both.")
    table = coop_tables.exchange_table(report)
    st.plotly_chart(charts.exchanges(table), key="coop_chart_exchanges")
    widgets.table_with_downloads(table, "exchange_arrangements", "coop_dl_exchanges",
                                 widgets.unit_columns(table))


def frontier(report) -> None:
    st.subheader("Cost-risk frontier")
    points = coop_tables.frontier_points(report)
    st.plotly_chart(charts.risk_frontier(points, report.risk_level), key="coop_chart_frontier")
    notes = [("Each point is one plan: lower and to the left is better. At *w* = 1 only the worst outcomes "
              "count, so any plan with the least CVaR is optimal, whatever its expected cost.")]
    if len(points) < len(report.frontier):
        notes.append("Weights that share a point give the same plan: weighing risk more does not change it.")
    st.caption(" ".join(notes))
    widgets.table_with_downloads(report.frontier, "risk_frontier", "coop_dl_frontier",
                                 widgets.unit_columns(report.frontier))


def show(key: str | None, outcome: state.CoopOutcome, current_key: str | None) -> None:
    if key != current_key:
        st.warning("The inputs have changed since this was computed; press Compute for the current ones.")
    if outcome.report is None:
        st.error("No costs or shares are shown, because:", icon=":material/error:")
        for line in coop_tables.not_optimal_lines(outcome.failure):
            st.markdown(f"- {line}")
        return
    report = outcome.report
    headline(report)
    who_pays(report)
    core_check(report)
    coalitions(report)
    savings(report)
    cover(report)
    exchanges(report)
    frontier(report)
    tables = coop_tables.all_tables(report)
    st.download_button("All tables: one Excel workbook", lambda: planner.to_excel(tables),
                       f"{report.scenario_set.name}_cooperation.xlsx", on_click="ignore", key="coop_dl_all",
                       icon=":material/download:")


current = state.coop_inputs()
blocked = widgets.blockers(current, "computing")
if options_form(blocked):
    current = state.coop_inputs()
    compute(current)
elif state.coop_cached(current.key) is not None:  # back on the page, or inputs changed back
    state.show_coop(current.key)
shown_key, outcome = state.coop_shown()
if outcome is not None:
    show(shown_key, outcome, current.key)
else:
    st.info("Nothing computed yet: set the options and press **Compute**. It solves one plan per "
            "coalition, exchange arrangement and risk weight, so it takes several times a single solve.")
