"""Pure helpers for a run-history page (no Streamlit here): list runs with filters, label them for
a picker, reopen one's headline, compare two with only what differs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .compare import compare_runs
from .headline import HEADLINE_PART
from .record import RUN_PART
from .runs import list_runs, load_run

LIST_COLUMNS = ["run_id", "created_utc", "kind", "label", "mode", "status", "expected_cost_musd",
                "crisis_value_musd", "objective_musd", "command"]


def runs_table(store_dir: str | Path | None = None, *, kind: str | None = None, label: str | None = None,
               status: str | None = None, since_utc: str | None = None, text: str | None = None,
               limit: int | None = None) -> pd.DataFrame:
    """The runs, newest first, one row each (LIST_COLUMNS); text: kept if it occurs (any case)
    in the run id, scenario set or sweep id, title or command. Empty (with the columns) when the
    store holds nothing yet."""
    rows = list_runs(store_dir, kind=kind, label=label, status=status, since_utc=since_utc,
                     limit=None if text else limit)
    if text:
        needle = text.lower()
        rows = [r for r in rows if any(needle in str(r.get(c) or "").lower()
                                       for c in ("run_id", "label", "title", "command"))]
        rows = rows[:limit] if limit is not None else rows
    return pd.DataFrame([{c: r.get(c) for c in LIST_COLUMNS} for r in rows], columns=LIST_COLUMNS)


def run_choice(row: dict | pd.Series) -> str:
    """One line naming a run for a picker: time, kind, set, mode, status, expected cost."""
    cost = row.get("expected_cost_musd")
    money = f", {cost:,.1f} M USD" if cost is not None and cost == cost else ""
    mode = f" ({row['mode']})" if row.get("mode") else ""
    when = str(row["created_utc"])[:19].replace("T", " ")
    return f"{when} UTC · {row['kind']} {row['label']}{mode} · {row['status']}{money} · {row['run_id']}"


def reopen(store_dir: str | Path | None, run_id: str) -> dict:
    """What a history page shows of one run: its index row, its record, its headline tables
    (stock_days, expected_cost, shortfall) and its run tables (scenario tree, coop report or
    sweep tables)."""
    run = load_run(store_dir, run_id, parts=[HEADLINE_PART, RUN_PART])
    return {"row": run.row, "record": run.record, "headline": run.tables.get(HEADLINE_PART, {}),
            "tables": run.tables.get(RUN_PART, {})}


def compare_for_page(store_dir: str | Path | None, a_id: str, b_id: str,
                     only_differences: bool = True) -> dict[str, pd.DataFrame]:
    """inputs, numbers, stock_days, expected_cost, shortfall and tables of compare_runs; with
    only_differences, the rows where a and b differ (numbers whose difference is not 0)."""
    c = compare_runs(store_dir, a_id, b_id)
    frames = {"inputs": c.inputs, "numbers": c.numbers, **c.headline(), "tables": c.tables}
    if not only_differences:
        return frames
    out = {}
    for name, df in frames.items():
        if name == "tables":
            out[name] = df[~df["same"].astype(bool)].reset_index(drop=True)
        elif "difference" in df.columns:
            differs = df["difference"].abs().gt(1e-9) | (df["a"].isna() != df["b"].isna())
            out[name] = df[differs].reset_index(drop=True)
        else:
            out[name] = df
    return out
