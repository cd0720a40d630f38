"""Small rendering helpers shared by the pages: downloads, highlighted tables, problem lists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimizer import planner
from optimizer.coop import tables as coop_tables

CHANGED_STYLE = "background-color: #fff3b0; font-weight: 600"  # a difference worth a look
PROBLEM_STYLE = "background-color: #ffd6d6; color: #8b0000"  # an invalid cell


def downloads(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel buttons for one table; the files are made only when clicked (from `df`
    itself: the click is served outside the script run, where session state cannot be read)."""
    left, right, _ = st.columns([1, 1, 6])
    left.download_button("CSV", lambda: planner.to_csv(df), f"{name}.csv", "text/csv", key=f"{key}_csv",
                         on_click="ignore", icon=":material/download:")
    right.download_button("Excel", lambda: planner.to_excel({name: df}), f"{name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", on_click="ignore", icon=":material/download:")


def table_with_downloads(df: pd.DataFrame, name: str, key: str, column_config: dict | None = None,
                         styler=None) -> None:
    st.dataframe(styler if styler is not None else df, hide_index=True, column_config=column_config)
    downloads(df, name, key)


def unit_columns(df: pd.DataFrame) -> dict:
    """column_config giving each column its label with the unit in brackets (coop_tables.header);
    money with thousands separators and one decimal, ratios and weights with two."""
    config = {}
    for column in df.columns:
        label = coop_tables.header(column)
        if df[column].dtype == bool:
            config[column] = st.column_config.CheckboxColumn(label)
        elif df[column].dtype.kind == "i":
            config[column] = st.column_config.NumberColumn(label, format="%d")
        elif df[column].dtype.kind == "f":
            fine = column.endswith("_per_musd") or column == "weight"
            config[column] = st.column_config.NumberColumn(label, format="%.2f" if fine else "%,.1f")
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def highlight_changes(diff: pd.DataFrame):
    """The diff table with every non-zero difference shaded."""
    flags = planner.changed_cells(diff)
    return diff.style.apply(lambda _: flags.replace({True: CHANGED_STYLE, False: ""}), axis=None) \
        .format(precision=2, thousands=",")


def highlight_cells(df: pd.DataFrame, cells: dict[tuple[int, str], str]):
    """The rows of `df` that hold invalid cells, the cells shaded, and the CSV row to find them."""
    rows = sorted({r for r, _ in cells if 0 <= r < len(df)})
    shown = df.iloc[rows].copy()
    shown.insert(0, "csv_row", [r + 2 for r in rows])

    def shade(frame: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for position, r in enumerate(rows):
            for (row, column), _ in cells.items():
                if row == r and column in css.columns:
                    css.iloc[position, css.columns.get_loc(column)] = PROBLEM_STYLE
        return css

    return shown.style.apply(shade, axis=None)


def problem_list(messages: list[str], limit: int = 12) -> None:
    for message in messages[:limit]:
        st.markdown(f"- {message}")
    if len(messages) > limit:
        st.markdown(f"- ... and {len(messages) - limit} more")


def blockers(current, doing: str) -> bool:
    """Say what stops `doing` (e.g. 'solving'), with a link to where it is fixed; True if anything
    does. `current` is a state.Inputs or state.CoopInputs (both carry .tables and .scenarios)."""
    blocked = False
    if not current.tables.ok:
        st.error(f"The data has {len(current.tables.problems)} problem(s); fix them before {doing}.",
                 icon=":material/error:")
        st.page_link("views/assumptions.py", label="Fix them on the Assumptions page",
                     icon=":material/edit_note:")
        blocked = True
    if not current.scenarios.ok:
        st.error(f"The scenario set has problems; fix them before {doing}.", icon=":material/error:")
        problem_list(current.scenarios.messages, limit=5)
        st.page_link("views/scenarios.py", label="Fix them on the Scenarios page", icon=":material/event:")
        blocked = True
    return blocked


def not_optimal_notice(result) -> bool:
    """Say in plain words why no plan is shown; True if a solve of `result` was not optimal."""
    failed = planner.not_optimal(result)
    if failed:
        st.error("No plan is shown, because:", icon=":material/error:")
        problem_list(failed, limit=len(failed))
    return bool(failed)


CRISIS_HELP = ("What joint stock, crisis transfers and pooling save in the disruption scenarios, weighted by "
               "probability: the value of cooperation beyond calm pooling.")


def calm_help(total: float) -> str:
    return ("What buying together saves with no disruption at all (pooled supplier capacity, each cargo to "
            f"the nearer buyer). Value of cooperation in all: {total:,.1f}.")


def cost_metrics(money: dict) -> None:
    """Expected money cost joint and each member alone, and the crisis value of cooperation with
    calm pooling beside it (M USD), as available (money: planner.cost_summary)."""
    cols = st.columns(4)
    if money["joint"] is not None:
        cols[0].metric("Expected cost, joint (M USD)", f"{money['joint']:,.1f}")
    if money["alone"] is not None:
        cols[1].metric("Expected cost, each alone (M USD)", f"{money['alone']:,.1f}")
    if money["crisis"] is not None:
        cols[2].metric("Crisis value of cooperation (M USD)", f"{money['crisis']:,.1f}", help=CRISIS_HELP)
        cols[3].metric("Calm pooling (M USD)", f"{money['calm']:,.1f}", help=calm_help(money["total"]))


def drop_stale_choice(key: str, options: list) -> None:
    """Forget a keyed widget's choice that is not among its options now (another plan has other
    scenarios or solutions), so that the widget starts from its default instead of failing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def tonnes(value: float) -> str:
    """Tonnes as a planner reads them: whole above 100 t, one decimal above 1 t, else two."""
    return f"{value:,.0f} t" if value >= 100 else f"{value:,.1f} t" if value >= 1 else f"{value:,.2f} t"
