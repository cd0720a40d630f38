"""Run history: the runs recorded in the run store (solves, cooperation reports, sweeps, from the
command line or this planner), filtered, one reopened, any two compared (optimizer.store;
docs/store.md)."""

import streamlit as st

from optimizer.store import StoreError, default_store_dir, record_result
from optimizer.store.history import compare_for_page, reopen, run_choice, runs_table
from optimizer.store.runs import KINDS
from ui import state, widgets

LIST_COLUMNS = {
    "run_id": "run", "created_utc": "recorded (UTC)", "kind": "kind", "label": "scenario set / sweep",
    "mode": "mode", "status": "status",
    "expected_cost_musd": st.column_config.NumberColumn("expected cost [M USD]", format="%,.1f"),
    "crisis_value_musd": st.column_config.NumberColumn("crisis value [M USD]", format="%,.1f"),
    "objective_musd": st.column_config.NumberColumn("objective [M USD]", format="%,.1f"),
    "command": "command",
}
COMPARED = {"numbers": "Headline numbers (b - a)", "stock_days": "Days of cover to hold (b - a)",
            "expected_cost": "Expected cost per solution, M USD (b - a)",
            "shortfall": "Expected shortfall, % of demand (b - a)", "inputs": "Inputs that differ",
            "tables": "Result tables that differ"}

st.title("Run history")
store = default_store_dir()
st.caption(f"Runs recorded in the run store at `{store}` (the environment variable KJ_STOCKPILE_STORE moves it): "
           "every `stockpile solve`, `coop` and `sweep`, sweeps run on the Sensitivity page, and plans recorded "
           "below. docs/store.md.")


def record_shown() -> None:
    """Record the plan on the Results page, so that it can be compared with runs of the command line."""
    key, result = state.shown()
    solved = state.solved_inputs(key)
    if result is None or solved is None:
        return
    left, right = st.columns([3, 1])
    left.markdown(f"The plan on the Results page: **{result.scenario_set.name}**, {result.mode}, "
                  f"{result.options.horizon_months} months.")
    if right.button("Record it in the run store", key="history_record", icon=":material/save:",
                    disabled=not result.optimal, help="Only optimal plans are recorded from here."):
        try:
            run_id = record_result(None, result, solved[0], command="planner UI")
        except (StoreError, OSError, ValueError) as exc:
            st.error(f"Not recorded: {exc}", icon=":material/error:")
            return
        st.success(f"Recorded as run `{run_id}`.", icon=":material/check_circle:")


def filtered():
    left, middle, right, last = st.columns([1, 1, 2, 1])
    kind = left.selectbox("Kind", ["all", *KINDS], key="history_kind")
    status = middle.selectbox("Status", ["all", "optimal", "not_optimal", "complete", "complete_with_failures",
                                         "incomplete"], key="history_status")
    text = right.text_input("Containing", key="history_text", placeholder="a run id, scenario set or command")
    limit = last.number_input("At most", 1, 10_000, 200, key="history_limit")
    try:
        return runs_table(None, kind=None if kind == "all" else kind, status=None if status == "all" else status,
                          text=text.strip() or None, limit=int(limit))
    except (StoreError, OSError) as exc:
        st.error(f"The run store cannot be read: {exc}", icon=":material/error:")
        return None


def headline(opened: dict) -> None:
    row, record = opened["row"], opened["record"]
    cols = st.columns(4)
    for col, (label, value) in zip(cols, (("Expected cost (M USD)", row.get("expected_cost_musd")),
                                          ("Crisis value of cooperation (M USD)", row.get("crisis_value_musd")),
                                          ("Calm pooling (M USD)", record.get("calm_pooling_musd")),
                                          ("Objective (M USD)", row.get("objective_musd")))):
        col.metric(label, "-" if value is None or value != value else f"{value:,.1f}")
    options = record.get("options") or {}
    if options:
        st.caption("Options: " + ", ".join(f"{k} {v}" for k, v in options.items() if v is not None))
    names = {"stock_days": "Stock to hold (days of cover)", "expected_cost": "Expected cost per solution",
             "shortfall": "Expected shortfall"}
    for name, table in opened["headline"].items():
        st.markdown(f"**{names.get(name, name)}**")
        widgets.table_with_downloads(table, name, f"history_dl_{name}", widgets.unit_columns(table))
    if opened["tables"]:
        with st.expander("The run's own tables"):
            which = st.selectbox("Table", list(opened["tables"]), key="history_run_table")
            widgets.table_with_downloads(opened["tables"][which], which, "history_dl_run_table")


def reopen_one(choices: dict[str, str]) -> None:
    st.subheader("Reopen a run")
    widgets.drop_stale_choice("history_open", list(choices))
    picked = st.selectbox("Run", list(choices), key="history_open")
    run_id = choices[picked]
    try:
        opened = state.history_view(("open", str(store), run_id), lambda: reopen(None, run_id))
    except (StoreError, OSError) as exc:
        st.error(f"The run cannot be read: {exc}", icon=":material/error:")
        return
    headline(opened)


def compare_two(choices: dict[str, str]) -> None:
    st.subheader("Compare two runs")
    names = list(choices)
    for widget in ("history_a", "history_b"):
        widgets.drop_stale_choice(widget, names)
    left, right, side = st.columns([2, 2, 1])
    a = left.selectbox("Run a", names, index=min(1, len(names) - 1), key="history_a")
    b = right.selectbox("Run b", names, index=0, key="history_b")
    only = side.toggle("Only what differs", True, key="history_only")
    if a == b:
        st.info("Pick two different runs.")
        return
    a_id, b_id = choices[a], choices[b]
    try:
        frames = state.history_view(("compare", str(store), a_id, b_id, only),
                                    lambda: compare_for_page(None, a_id, b_id, only))
    except (StoreError, OSError) as exc:
        st.error(f"The runs cannot be compared: {exc}", icon=":material/error:")
        return
    for name, title in COMPARED.items():
        table = frames.get(name)
        if table is None:
            continue
        st.markdown(f"**{title}**")
        if table.empty:
            st.caption("none" if only else "nothing to compare")
        else:
            widgets.table_with_downloads(table, f"compare_{name}", f"history_dl_cmp_{name}")


record_shown()
runs = filtered()
if runs is not None:
    if runs.empty:
        st.info("No run matches (or none is recorded yet): `stockpile solve` records every solve, the Sensitivity "
                "page every sweep, and the button above the plan on the Results page.")
    else:
        st.dataframe(runs, hide_index=True, column_config=LIST_COLUMNS)
        choices = {run_choice(row): row["run_id"] for row in runs.to_dict("records")}
        reopen_one(choices)
        compare_two(choices)
