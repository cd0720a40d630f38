"""Scenarios: start from a shipped set or a blank what-if, edit scenarios and events, add events."""

from dataclasses import replace

import pandas as pd
import streamlit as st
import yaml

from optimizer import InputError, list_scenarios, planner, scenario_set_from_dict
from optimizer.planner import EVENT_FIELDS
from ui import charts, event_builder, state, widgets

PROBLEM = "problem"

st.title("Scenarios")
st.caption("A scenario set is one or more scenarios, each with a probability and a list of events. "
           "One scenario with probability 1 is a deterministic *what if*; several make the plan serve "
           "them all (a stochastic programme). Format: docs/scenarios.md.")

case = state.working_case()
draft = state.draft()
check = state.draft_check()


def start_from() -> None:
    left, middle, right = st.columns([2, 1, 1])
    names = list_scenarios()
    choice = left.selectbox("Shipped scenario set", names, index=names.index(draft.name)
                            if draft.name in names else 0, key="shipped_choice")
    if middle.button("Load", key="load_shipped", icon=":material/folder_open:"):
        state.load_shipped(choice)
        st.rerun()
    if right.button("New what-if", key="new_draft", icon=":material/add:"):
        state.set_draft(planner.new_draft(), horizon_follows=True)
        st.rerun()


def yaml_files() -> None:
    with st.expander("Download or upload this set as YAML"):
        st.download_button("Download YAML", planner.draft_to_yaml(draft), f"{draft.name}.yaml",
                           "application/x-yaml", on_click="ignore", key="download_yaml")
        uploaded = st.file_uploader("A scenario file", type=["yaml", "yml"], key="upload_yaml")
        if uploaded is not None and st.button("Use uploaded file", key="use_yaml"):
            try:
                data = yaml.safe_load(uploaded.getvalue())
                state.set_draft(planner.draft_from_set(scenario_set_from_dict(data, case, file=uploaded.name)),
                                horizon_follows=True)
                st.rerun()
            except (InputError, yaml.YAMLError) as exc:
                st.error(exc.report() if isinstance(exc, InputError) else f"not valid YAML: {exc}")


def with_problems(df: pd.DataFrame, rows: dict[int, list[str]]) -> pd.DataFrame:
    shown = df.copy()
    shown.insert(0, PROBLEM, ["; ".join(rows.get(i, [])) for i in range(len(df))])
    return shown


def tables_form() -> None:
    """The set's name, title, scenarios and events, edited together and applied in one go."""
    names = [str(n) for n in draft.scenarios["name"]]
    choices = sorted(set(case.commodities))
    suppliers = sorted({k for c in case.commodities for k in case.suppliers(c)})
    rev = st.session_state["draft_rev"]
    with st.form("scenario_tables", border=False):
        left, right = st.columns([1, 3])
        name = left.text_input("Set name", draft.name, key=f"set_name_{rev}")
        title = right.text_input("Title", draft.title, key=f"set_title_{rev}")
        st.markdown("**Scenarios** (probabilities must sum to 1)")
        # Number cells are text: a number column in the browser clamps 1.5 to 1 and reads 'x1' as
        # 1 before validation sees them; as text, what was typed is checked and marked.
        scenarios = st.data_editor(
            with_problems(draft.scenarios, check.scenario_rows), key=f"scenarios_{rev}", num_rows="dynamic",
            hide_index=True, disabled=[PROBLEM], column_config={
                PROBLEM: st.column_config.TextColumn("⚠ problem", width="large"),
                "name": st.column_config.TextColumn("scenario", required=True),
                "probability": number("probability [0-1]")})
        st.markdown("**Events** (members / suppliers: names separated by ';', empty = all; months from 1)")
        events = st.data_editor(
            with_problems(draft.events, check.event_rows), key=f"events_{rev}", num_rows="dynamic",
            hide_index=True, disabled=[PROBLEM], column_config={
                PROBLEM: st.column_config.TextColumn("⚠ problem", width="large"),
                "scenario": st.column_config.SelectboxColumn("scenario", options=names),
                "type": st.column_config.SelectboxColumn("type", options=list(EVENT_FIELDS)),
                "commodity": st.column_config.SelectboxColumn("commodity", options=choices),
                "supplier": st.column_config.SelectboxColumn("supplier", options=suppliers),
                "chokepoint": st.column_config.SelectboxColumn("chokepoint", options=case.chokepoints),
                "start_month": number("start [month]"),
                "duration_months": number("duration [months]"),
                "warning_months": number("warning [months]"),
                "announced_month": number("announced [month]"),
                "severity": number("severity [share withheld 0-1]"),
                "change": number("change [fraction of demand]"),
                "multiplier": number("price multiplier [x]")})
        applied = st.form_submit_button("Apply edits to the scenario set", type="primary")
    if applied:
        new = replace(draft, name=name.strip() or draft.name, title=title.strip() or draft.title)
        state.apply_draft_edit(new.with_tables(scenarios.drop(columns=[PROBLEM]), events.drop(columns=[PROBLEM])))
        st.rerun()


def number(label: str):
    """A number cell that keeps what was typed (text, aligned like a number)."""
    return st.column_config.TextColumn(label, alignment="right")


start_from()
st.subheader(f"{draft.name}: {draft.title}")
if draft.description:
    st.caption(draft.description)
if check.ok:
    st.success(f"Valid: {len(draft.scenarios)} scenario(s), {len(draft.events)} event(s).",
               icon=":material/check_circle:")
else:
    st.error("This scenario set has problems; the solve is refused until they are fixed:",
             icon=":material/error:")
    widgets.problem_list(check.messages)
tables_form()
if draft.overrides:
    st.markdown("**Data cells this set changes** (from its file; applied on top of the Assumptions):")
    st.dataframe(pd.DataFrame(draft.overrides), hide_index=True)

st.subheader("Add an event")
event_builder.render(draft, case)

timeline = planner.event_timeline(draft)
if len(timeline):
    st.plotly_chart(charts.event_timeline(timeline, state.options()["horizon"]), key="timeline")
else:
    st.info("No events yet: add one above, or load a shipped set.")
yaml_files()
