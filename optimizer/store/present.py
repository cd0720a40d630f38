"""The run store's answers as terminal text (`stockpile runs list|show|compare`)."""

from __future__ import annotations

import pandas as pd

from ..report import indent_block
from .compare import Comparison
from .headline import HEADLINE_PART
from .runs import StoredRun

FMT = {"index": False, "float_format": lambda v: f"{v:,.2f}"}
SHOWN_OPTIONS = ("horizon_months", "cover_floors", "sharing", "transfers", "swaps", "cvar_weight", "cvar_level",
                 "time_limit_s", "decompose", "workers")


def runs_text(runs: pd.DataFrame, store: str) -> str:
    if runs.empty:
        return f"no runs in the store at {store}"
    shown = runs[["run_id", "created_utc", "kind", "label", "mode", "status", "expected_cost_musd",
                  "crisis_value_musd"]].copy()
    shown["created_utc"] = shown["created_utc"].str.slice(0, 19).str.replace("T", " ")
    shown["mode"] = shown["mode"].fillna("")
    shown = shown.rename(columns={"created_utc": "recorded (UTC)", "label": "scenario set / sweep",
                                  "expected_cost_musd": "expected cost (M USD)",
                                  "crisis_value_musd": "crisis value (M USD)"})
    return f"{len(runs)} run(s) in {store}, newest first:\n" + shown.to_string(na_rep="-", **FMT)


def run_text(run: StoredRun) -> str:
    r, rec = run.row, run.record
    mode = f" (mode {r['mode']})" if r.get("mode") else ""
    code = rec["code"]
    lines = [f"run {r['run_id']}: {r['kind']} of {r['label']}{mode}, {r['status']}",
             f"   {r['title']}" if r.get("title") else None,
             f"   recorded {r['created_utc'][:19].replace('T', ' ')} UTC by: {r['command'] or '(Python API)'}",
             f"   code: kj-stockpile {code['package']}, commit {(code.get('commit') or '-')[:12]}, source "
             f"{code['source_sha256'][:12]}; highspy {code.get('highspy')}, pyomo {code.get('pyomo')}",
             "   options: " + ", ".join(f"{k} {rec['options'][k]}" for k in SHOWN_OPTIONS if k in rec["options"])
             if rec.get("options") else None,
             "   inputs: " + ", ".join(f"{e['file']} ({e['sha256'][:8]})" for e in rec.get("inputs", [])
                                       if e["role"] == "scenario_set")
             + f"; {sum(e['role'] == 'data' for e in rec.get('inputs', []))} data file(s)",
             f"   key {r['store_key'][:16]}...: identical inputs, options and code are answered from this run"
             if r.get("store_key") and r["kind"] != "sweep" else None]
    lines = [line for line in lines if line is not None]
    lines += _numbers(rec) + _solutions(run) + _headline(run) + _metadata(rec) + _table_list(run)
    return "\n".join(lines)


def _numbers(rec: dict) -> list[str]:
    names = (("expected_cost_musd", "expected cost"), ("crisis_value_musd", "crisis value of cooperation"),
             ("calm_pooling_musd", "calm pooling"), ("value_of_cooperation_musd", "value of cooperation in all"))
    found = [f"{text} {rec[k]:,.1f} M USD" for k, text in names if rec.get(k) is not None]
    return ["   " + "; ".join(found)] if found else []


def _solutions(run: StoredRun) -> list[str]:
    sols = run.solutions(role=None)
    if not sols:
        return []
    df = pd.DataFrame([{"solution": s["label"], "status": s["status"], "objective_musd": s["objective_musd"],
                        "solver": s["solver"], "solve_s": s["seconds"], "variables": s["size"].get("variables"),
                        "constraints": s["size"].get("constraints")} for s in sols])
    return ["", "-- solutions:", indent_block(df.to_string(na_rep="-", **FMT))]


def _headline(run: StoredRun) -> list[str]:
    tables = run.tables.get(HEADLINE_PART, {})
    lines = []
    stock = tables.get("stock_days")
    if stock is not None and len(stock):
        pivot = stock.pivot_table(index=["commodity", "member"], columns="solution", values="days_of_cover",
                                  sort=False)
        lines += ["", "-- stock to hold at the start (days of cover):", indent_block(
            pivot.reset_index().to_string(**FMT))]
    short = tables.get("shortfall")
    if short is not None and len(short):
        short = short[short["shortfall_pct"] > 0.005]
        lines += ["", "-- expected shortfall (% of demand, probability-weighted):",
                  indent_block(short[["solution", "commodity", "member", "shortfall_pct"]].to_string(**FMT))
                  if len(short) else "   none"]
    return lines


def _metadata(rec: dict) -> list[str]:
    meta = rec.get("metadata")
    if not meta:
        return []
    return ["", "-- sweep metadata:"] + [f"   {k}: {v}" for k, v in meta.items()]


def _table_list(run: StoredRun) -> list[str]:
    parts: dict[str, list[str]] = {}
    for entry in run.record.get("tables", []):
        parts.setdefault(entry["part"], []).append(f"{entry['name']} ({entry['rows']})")
    return ["", "-- stored tables (rows):"] + [f"   {part}: {', '.join(names)}" for part, names in parts.items()]


def comparison_text(c: Comparison, all_tables: bool = False) -> str:
    a, b = c.a, c.b
    lines = [f"== a = {a['run_id']} ({a['kind']} {a['label']}{' ' + a['mode'] if a.get('mode') else ''})",
             f"   b = {b['run_id']} ({b['kind']} {b['label']}{' ' + b['mode'] if b.get('mode') else ''})",
             "   differences are b - a"]
    lines += ["", "-- inputs that differ:",
              indent_block(c.inputs.to_string(index=False)) if len(c.inputs) else "   none: same data, scenario "
              "set, options and code"]
    lines += ["", "-- headline:", indent_block(c.numbers.to_string(na_rep="-", **FMT))]
    for title, df in (("stock to hold (days of cover)", c.stock_days), ("expected cost (M USD)", c.expected_cost),
                      ("expected shortfall (% of demand)", c.shortfall)):
        differs = df[(df["difference"].abs() > 1e-6) | (df["a"].isna() != df["b"].isna())]
        lines += ["", f"-- {title}, where a and b differ:",
                  indent_block(differs.to_string(na_rep="-", **FMT)) if len(differs) else "   no difference"]
    tables = c.tables if all_tables else c.tables[~c.tables["same"].astype(bool)]
    lines += ["", "-- tables" + ("" if all_tables else " that differ") + ":",
              indent_block(tables.to_string(na_rep="-", index=False)) if len(tables) else "   none"]
    return "\n".join(lines)
