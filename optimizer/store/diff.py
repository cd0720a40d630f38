"""The difference between two tables of the same name, summarised in numbers one can check by hand.

Rows are matched on the key columns (every column the two tables share that does not hold
floats: names, months, nodes) when those identify rows in both tables, else by position. Float
columns are then compared cell by cell: a cell has changed when |b - a| > atol + rtol x |a|
(NaN equal to NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_float_dtype

RTOL, ATOL = 1e-9, 1e-9  # below this, two solutions' numbers are the same number


def table_diff(a: pd.DataFrame, b: pd.DataFrame, rtol: float = RTOL, atol: float = ATOL) -> dict:
    """same (bool), rows_a, rows_b, only_in_a, only_in_b (unmatched rows), changed_cells,
    max_abs_difference (over matched float cells; NaN if none), largest_in (its column) and a
    note (columns in one table only, or how rows were matched)."""
    shared = [c for c in a.columns if c in b.columns]
    values = [c for c in shared if is_float_dtype(a[c]) and is_float_dtype(b[c])]
    keys = [c for c in shared if c not in values]
    notes = _column_notes(a, b)
    if not keys or a.duplicated(keys).any() or b.duplicated(keys).any():
        keys, a, b = ["_row"], a.assign(_row=np.arange(len(a))), b.assign(_row=np.arange(len(b)))
        notes.append("rows matched by position")
    merged = pd.merge(_as_text(a[keys + values], keys), _as_text(b[keys + values], keys), on=keys, how="outer",
                      suffixes=("_a", "_b"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    changed, largest, where = 0, float("nan"), None
    for column in values:
        left, right = both[f"{column}_a"].to_numpy(float), both[f"{column}_b"].to_numpy(float)
        differs = ~np.isclose(right, left, rtol=rtol, atol=atol, equal_nan=True)
        changed += int(differs.sum())
        gaps = np.abs(right - left)
        gaps = gaps[~np.isnan(gaps)]
        if gaps.size and (where is None or gaps.max() > largest):
            largest, where = float(gaps.max()), column
    only_a, only_b = int((merged["_merge"] == "left_only").sum()), int((merged["_merge"] == "right_only").sum())
    columns_differ = len(shared) != len(a.columns) or len(shared) != len(b.columns)
    return {"same": not (only_a or only_b or changed or columns_differ), "rows_a": len(a), "rows_b": len(b),
            "only_in_a": only_a, "only_in_b": only_b, "changed_cells": changed, "max_abs_difference": largest,
            "largest_in": where, "note": "; ".join(notes)}


def _as_text(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Keys as text, so that an empty table's object keys still match the other's typed ones."""
    return df.assign(**{k: df[k].astype(str) for k in keys})


def _column_notes(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    notes = []
    only_a = [str(c) for c in a.columns if c not in b.columns]
    only_b = [str(c) for c in b.columns if c not in a.columns]
    if only_a:
        notes.append(f"columns only in a: {', '.join(only_a)}")
    if only_b:
        notes.append(f"columns only in b: {', '.join(only_b)}")
    return notes

