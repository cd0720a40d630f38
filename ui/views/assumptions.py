"""Assumptions: every input table, editable in place; invalid cells are marked with the reason."""

import streamlit as st

from optimizer import InputError, planner
from optimizer.schema import TABLES_BY_NAME
from ui import state, widgets

PROBLEM = "problem"  # the editor's first column: what is wrong in that row, next to the cells

st.title("Assumptions")
st.caption("The case's input tables (data/*.csv), with the unit in each column header. Pick a table, "
           "edit cells, add or delete rows, then press **Apply** under it: the case is checked at once "
           "and a solve is refused until every problem is fixed. Cells hold what you type: a number "
           "cell with something else in it is marked, never changed. Every row keeps a `source`.")

check = state.table_check()


def toolbar() -> None:
    left, middle, right = st.columns([1, 1, 2])
    if left.button("Reset to shipped data", icon=":material/restart_alt:", key="reset_tables"):
        state.set_tables(state.default_tables())
        st.rerun()
    # The zip is made when clicked, outside this script run, where st.session_state cannot be
    # read: it must be given the tables themselves, not a way to look them up.
    tables = state.tables()
    middle.download_button("Download case (zip of CSVs)", lambda: planner.tables_to_zip(tables),
                           "case.zip", "application/zip", on_click="ignore", key="download_case",
                           icon=":material/download:")
    with right.expander("Upload a case (zip of CSVs, or single tables)"):
        files = st.file_uploader("data/*.csv or a zip of them", type=["zip", "csv"],
                                 accept_multiple_files=True, key="upload_case")
        if files and st.button("Use uploaded files", key="use_upload"):
            try:
                state.set_tables(planner.tables_from_files([(f.name, f.getvalue()) for f in files]))
                st.rerun()
            except InputError as exc:
                st.error(exc.report())


def column_config(name: str, df) -> dict:
    """Labels with units, help with the valid range, pick lists for fixed choices. Number columns
    are text columns aligned right: a number column would turn '18k' into 18 in the browser."""
    config = {PROBLEM: st.column_config.TextColumn("⚠ problem", disabled=True, width="large")}
    for column in TABLES_BY_NAME[name].columns:
        if column.name not in df:
            continue
        unit = planner.column_unit(column.name)
        label = f"{column.name} [{unit}]" if unit else column.name
        help_text = planner.column_help(column)
        if column.kind == "choice":
            config[column.name] = st.column_config.SelectboxColumn(label, options=column.choices, help=help_text)
        elif column.kind in planner.NUMBER_KINDS:
            config[column.name] = st.column_config.TextColumn(label, help=help_text, alignment="right")
        else:
            config[column.name] = st.column_config.TextColumn(label, help=help_text)
    return config


def editor(name: str) -> None:
    df = state.tables()[name]
    for message in check.table_messages(name):
        st.error(message)
    shown = df.copy()
    shown.insert(0, PROBLEM, check.row_messages(name, len(df)))
    with st.form(f"form_{name}", border=False):
        edited = st.data_editor(shown, key=state.editor_key(name), num_rows="dynamic", hide_index=True,
                                column_config=column_config(name, df), disabled=[PROBLEM])
        applied = st.form_submit_button(f"Apply edits to {name}", type="primary")
    if applied:
        state.set_tables({name: edited.drop(columns=[PROBLEM])})
        st.rerun()
    cells = check.cells(name)
    if cells:
        st.markdown("**Cells to fix** (shaded; `csv_row` is the line in the downloaded CSV):")
        st.dataframe(widgets.highlight_cells(df, cells), hide_index=True)


toolbar()
if check.ok:
    st.success("All tables are valid.", icon=":material/check_circle:")
else:
    st.error(f"{len(check.problems)} problem(s) in the data: the solve is refused until they are "
             "fixed. Each table's count is beside its name below; pick it to see the cells.", icon=":material/error:")
    widgets.problem_list([str(p) for p in check.problems])

def table_picker() -> str:
    """Which table to edit; kept across Apply and page visits (a tab would jump back to the
    first one on every rerun), with each table's number of problems beside its name."""
    names = list(state.tables())
    counts = {n: len(check.for_table(n)) for n in names}
    ss = st.session_state
    if ss.get("assumptions_table") not in names:  # Streamlit forgets a widget's value on other pages
        ss["assumptions_table"] = ss.get("assumptions_table_kept") if ss.get("assumptions_table_kept") in names \
            else names[0]
    chosen = st.segmented_control("Table", names, key="assumptions_table", required=True,
                                  format_func=lambda n: f"{n} ⚠{counts[n]}" if counts[n] else n)
    ss["assumptions_table_kept"] = chosen
    return chosen


editor(table_picker())
