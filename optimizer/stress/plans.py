"""The here-and-now decisions a stress test holds fixed: stock to hold at the start and storage
built, per member x commodity, in tonnes. Today's (stockpiles.csv), an earlier run's
(stockpile_plan.csv) or one typed in a CSV file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..case import Case
from ..errors import InputError, Problem

PLAN_COLUMNS = ("commodity", "member", "initial_stock_t")  # new_capacity_t is optional (0 if absent)


@dataclass(frozen=True)
class Plan:
    """Stock held at the start and new storage, in tonnes, per (commodity, member)."""

    name: str
    stock_t: dict[tuple[str, str], float]
    new_capacity_t: dict[tuple[str, str], float]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([dict(commodity=c, member=m, initial_stock_t=t, new_capacity_t=self.new_capacity_t.get((c, m), 0.0))
                             for (c, m), t in self.stock_t.items()])


def current_plan(case: Case) -> Plan:
    """Today's stockpile: the stock and storage of stockpiles.csv, no new storage."""
    df = case.table("stockpiles")
    stock = {(r.commodity, r.member): float(r.current_stock_t) for r in df.itertuples()}
    return Plan("current", stock, dict.fromkeys(stock, 0.0))


def plan_from_solution(solution, name: str) -> Plan:
    """The starting stock and new storage an optimal solution chose (its stockpile_plan table)."""
    return plan_from_table(solution.tables["stockpile_plan"], name)


def plan_from_table(stockpile_plan: pd.DataFrame, name: str) -> Plan:
    """A plan from a solution's stockpile_plan table (a stored run's, for one)."""
    return _from_frame(stockpile_plan, name)


def load_plan(path: str | Path, case: Case) -> Plan:
    """A plan from a CSV file with columns commodity, member, initial_stock_t and optionally
    new_capacity_t (a run's stockpile_plan.csv is one). Every member x commodity of the case must
    appear once; problems are reported all at once, with row and field."""
    path = Path(path)
    label = path.name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError([Problem(label, None, None, f"no such file: {path}")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError([Problem(label, None, None, f"not a readable CSV file: {exc}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in PLAN_COLUMNS if c not in df.columns]
    if missing:
        raise InputError([Problem(label, 1, ",".join(missing),
                                  f"missing column(s); needed: {', '.join(PLAN_COLUMNS)} (and optionally new_capacity_t)")])
    problems = []
    rows = {}
    for i, row in df.iterrows():
        line = int(i) + 2
        key = (row["commodity"].strip(), row["member"].strip())
        if key[0] not in case.commodities:
            problems.append(Problem(label, line, "commodity", f"unknown commodity '{key[0]}'; valid: {', '.join(case.commodities)}"))
        if key[1] not in case.members:
            problems.append(Problem(label, line, "member", f"unknown member '{key[1]}'; valid: {', '.join(case.members)}"))
        if key in rows:
            problems.append(Problem(label, line, "commodity,member", f"{key[0]}/{key[1]} appears twice"))
        values = {}
        for field in ("initial_stock_t", "new_capacity_t"):
            text = row.get(field, "0") or "0"
            try:
                values[field] = float(text)
                if not math.isfinite(values[field]) or values[field] < 0:
                    raise ValueError
            except ValueError:
                problems.append(Problem(label, line, field, f"'{text}' is not a non-negative number of tonnes"))
        rows[key] = values
    absent = [f"{c}/{m}" for c in case.commodities for m in case.members if (c, m) not in rows]
    if absent:
        problems.append(Problem(label, None, "commodity,member", f"no row for {', '.join(absent)}; give every member x commodity"))
    if problems:
        raise InputError(problems)
    return Plan(str(path), {k: v.get("initial_stock_t", 0.0) for k, v in rows.items()},
                {k: v.get("new_capacity_t", 0.0) for k, v in rows.items()})


def _from_frame(df: pd.DataFrame, name: str) -> Plan:
    stock = {(r.commodity, r.member): float(r.initial_stock_t) for r in df.itertuples()}
    new = {(r.commodity, r.member): float(r.new_capacity_t) for r in df.itertuples()}
    return Plan(name, stock, new)
