"""Compare any two stored runs: what differs in their inputs, their headline answers, and every
table they share. Differences are b - a (what changed going from run a to run b)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .diff import ATOL, RTOL, table_diff
from .headline import HEADLINE_PART
from .runs import StoredRun, load_run

HEADLINE_NUMBERS = (("expected_cost_musd", "expected cost (M USD)"), ("objective_musd", "objective (M USD)"),
                    ("crisis_value_musd", "crisis value of cooperation (M USD)"),
                    ("calm_pooling_musd", "calm pooling (M USD)"),
                    ("value_of_cooperation_musd", "value of cooperation (M USD)"))
# headline table -> (the columns that name a row, the column compared)
HEADLINE_VALUES = {"stock_days": (["solution", "commodity", "member"], "days_of_cover"),
                   "expected_cost": (["solution"], "expected_cost_musd"),
                   "shortfall": (["solution", "commodity", "member"], "shortfall_pct")}


@dataclass
class Comparison:
    """a, b: the two runs' index rows. inputs: what, a, b for each input that differs (data
    file, scenario set, option, code). numbers: quantity, a, b, difference. stock_days,
    expected_cost, shortfall: the headline tables side by side (a, b, difference). tables: per
    (part, table) present in either run, table_diff's summary."""

    a: dict
    b: dict
    inputs: pd.DataFrame
    numbers: pd.DataFrame
    stock_days: pd.DataFrame
    expected_cost: pd.DataFrame
    shortfall: pd.DataFrame
    tables: pd.DataFrame

    def headline(self) -> dict[str, pd.DataFrame]:
        return {"stock_days": self.stock_days, "expected_cost": self.expected_cost, "shortfall": self.shortfall}


def compare_runs(store_dir: str | Path | None, a_id: str, b_id: str, rtol: float = RTOL,
                 atol: float = ATOL) -> Comparison:
    """Load runs a and b (ids, 'latest' or unique prefixes) and compare them."""
    return compare_loaded(load_run(store_dir, a_id), load_run(store_dir, b_id), rtol, atol)


def compare_loaded(a: StoredRun, b: StoredRun, rtol: float = RTOL, atol: float = ATOL) -> Comparison:
    headline = {name: _side_by_side(a.tables.get(HEADLINE_PART, {}).get(name),
                                    b.tables.get(HEADLINE_PART, {}).get(name), keys, value)
                for name, (keys, value) in HEADLINE_VALUES.items()}
    return Comparison(a.row, b.row, input_differences(a, b), headline_numbers(a, b), headline["stock_days"],
                      headline["expected_cost"], headline["shortfall"], table_differences(a, b, rtol, atol))


def headline_numbers(a: StoredRun, b: StoredRun) -> pd.DataFrame:
    rows = []
    for key, text in HEADLINE_NUMBERS:
        va, vb = a.record.get(key), b.record.get(key)
        rows.append({"quantity": text, "a": va, "b": vb,
                     "difference": vb - va if va is not None and vb is not None else None})
    return pd.DataFrame(rows, columns=["quantity", "a", "b", "difference"]).astype(
        {"a": float, "b": float, "difference": float})


def _side_by_side(a: pd.DataFrame | None, b: pd.DataFrame | None, keys: list[str], value: str) -> pd.DataFrame:
    """keys, a, b, difference: one row per key in either table (NaN where a run lacks it)."""
    columns = keys + ["a", "b", "difference"]
    frames = [df[keys + [value]].astype({k: str for k in keys}) if df is not None and len(df) else
              pd.DataFrame({**{k: pd.Series(dtype=str) for k in keys}, value: pd.Series(dtype=float)})
              for df in (a, b)]
    merged = pd.merge(frames[0], frames[1], on=keys, how="outer", suffixes=("_a", "_b"), sort=False)
    merged = merged.rename(columns={f"{value}_a": "a", f"{value}_b": "b"})
    merged["a"], merged["b"] = merged["a"].astype(float), merged["b"].astype(float)
    merged["difference"] = merged["b"] - merged["a"]
    return merged[columns].reset_index(drop=True)


def input_differences(a: StoredRun, b: StoredRun) -> pd.DataFrame:
    """what, a, b for every input that is not the same in both runs: data files and the scenario
    set (by content hash), each option, and the code (package version, source hash)."""
    rows = []
    files_a = {(e["role"], e["file"]): e["sha256"] for e in a.record.get("inputs", [])}
    files_b = {(e["role"], e["file"]): e["sha256"] for e in b.record.get("inputs", [])}
    for role, file in sorted(set(files_a) | set(files_b)):
        sa, sb = files_a.get((role, file)), files_b.get((role, file))
        if sa != sb:
            rows.append({"what": f"{role} {file}", "a": _short(sa), "b": _short(sb)})
    options_a, options_b = a.record.get("options", {}), b.record.get("options", {})
    for name in sorted(set(options_a) | set(options_b)):
        if options_a.get(name) != options_b.get(name):
            rows.append({"what": f"option {name}", "a": json.dumps(options_a.get(name)),
                         "b": json.dumps(options_b.get(name))})
    for what, key in (("kind", "kind"), ("mode", "mode"), ("scenario set", "label")):
        if a.row.get(key) != b.row.get(key):
            rows.append({"what": what, "a": str(a.row.get(key)), "b": str(b.row.get(key))})
    for name in ("package", "source_sha256", "highspy", "pyomo"):
        ca, cb = a.record["code"].get(name), b.record["code"].get(name)
        if ca != cb:
            rows.append({"what": f"code {name}", "a": _short(ca), "b": _short(cb)})
    return pd.DataFrame(rows, columns=["what", "a", "b"])


def _short(digest: str | None) -> str:
    return "-" if digest is None else digest[:12]


def table_differences(a: StoredRun, b: StoredRun, rtol: float = RTOL, atol: float = ATOL) -> pd.DataFrame:
    """One row per (part, table) of either run: table_diff's numbers, or which run lacks it."""
    names = list(dict.fromkeys([(p, t) for run in (a, b) for p, ts in run.tables.items() for t in ts]))
    rows = []
    for part, name in names:
        ta, tb = a.tables.get(part, {}).get(name), b.tables.get(part, {}).get(name)
        if ta is None or tb is None:
            rows.append({"part": part, "table": name, "same": False,
                         "note": f"only in {'a' if tb is None else 'b'}"})
        else:
            rows.append({"part": part, "table": name, **table_diff(ta, tb, rtol, atol)})
    columns = ["part", "table", "same", "rows_a", "rows_b", "only_in_a", "only_in_b", "changed_cells",
               "max_abs_difference", "largest_in", "note"]
    return pd.DataFrame(rows, columns=columns)
