"""The assumptions table (data/assumptions.csv): every number in data/ that is not a sourced fact,
with where it lives, its value, a plausible low and high, the reasoning and the source.

`stockpile validate` checks it against the case (each row names cells that exist and hold its
value, and low <= value <= high); the sensitivity work re-runs a result at the ends of each range
(`Assumption.edits`); docs/data.md shows it (`markdown_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .case import DEFAULT_DATA_DIR, Case
from .csvtext import read_csv_bytes
from .edits import CellEdit
from .errors import InputError, Problem, os_problem
from .schema import TABLES_BY_NAME

FILE = "assumptions.csv"
COLUMNS = ("assumption", "table", "where", "field", "value", "low", "high", "unit", "reasoning", "source")
REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Assumption:
    """One assumed number: the cells of `table` whose key columns match `where` (all rows when
    empty; 'supplier=a|b' names either), in column `field`, all holding `value`; plausible from
    `low` to `high`."""

    name: str
    table: str
    where: dict[str, str]
    field: str
    value: float
    low: float
    high: float
    unit: str
    reasoning: str
    source: str

    def edits(self, value: float, case: Case) -> list[CellEdit]:
        """The cell edits that set this assumption to `value` in `case`, one per row it names, plus
        what keeps the tables' own rules: a member's other import shares of the commodity scaled so
        that they still sum to 1, and storage raised to a starting stock that no longer fits."""
        schema = TABLES_BY_NAME[self.table]
        table = case.table(self.table)
        out = []
        for _, row in matching_rows(table, self.where).iterrows():
            key = {k: row[k] for k in schema.key}
            values = {self.field: value}
            if self.table == "stockpiles" and self.field == "current_stock_t":
                values["existing_capacity_t"] = max(float(row["existing_capacity_t"]), value)
            out.append(CellEdit(self.table, key, values))
            if self.table == "import_shares":
                out += _rebalanced_shares(table, row, value)
        return out


def _rebalanced_shares(table: pd.DataFrame, row: pd.Series, share: float) -> list[CellEdit]:
    """The member's other suppliers of the commodity, scaled to hold 1 - share between them."""
    others = table[(table["member"] == row["member"]) & (table["commodity"] == row["commodity"])
                   & (table["supplier"] != row["supplier"])]
    rest = float(others["import_share"].sum())
    scale = (1.0 - share) / rest if rest > 0 else 0.0
    return [CellEdit("import_shares", {"member": o["member"], "commodity": o["commodity"], "supplier": o["supplier"]},
                     {"import_share": float(o["import_share"]) * scale}) for _, o in others.iterrows()]


def matching_rows(df: pd.DataFrame, where: dict[str, str]) -> pd.DataFrame:
    """Rows whose column equals the value, or one of the '|'-separated values, for every column."""
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column].astype(str).isin(value.split("|"))
    return df[mask]


def _where(text: str) -> dict[str, str]:
    """'commodity=gallium;supplier=china' -> {'commodity': 'gallium', 'supplier': 'china'}."""
    pairs = [part.split("=", 1) for part in str(text).split(";") if part.strip()]
    return {k.strip(): v.strip() for k, v in pairs}


def load_assumptions(case: Case, data_dir: str | Path | None = None) -> list[Assumption]:
    """Read data_dir/assumptions.csv and check it against `case`; raise InputError listing every
    problem (file, row, field, what would be valid)."""
    path = Path(data_dir or DEFAULT_DATA_DIR) / FILE
    try:
        text = read_csv_bytes(path.read_bytes(), FILE)
    except FileNotFoundError:
        raise InputError([Problem(FILE, None, None, f"file missing from {path.parent}")]) from None
    except OSError as exc:
        raise InputError([os_problem(FILE, exc, "read the file")]) from None
    if not text.readable:
        raise InputError(text.problems)
    missing = [c for c in COLUMNS if c not in text.header]
    if missing:
        raise InputError([Problem(FILE, text.header_line, ",".join(missing),
                                  f"missing column(s); the header must be: {','.join(COLUMNS)}")])
    problems, out = list(text.problems), []
    df = pd.DataFrame(text.rows, columns=text.header, dtype=str)
    for i, row in df.iterrows():
        if i in text.bad_rows:
            continue
        assumption, row_problems = _parse(row, text.row_lines[i], case)
        problems += row_problems
        if assumption is not None:
            out.append(assumption)
    names = [a.name for a in out]
    problems += [Problem(FILE, None, "assumption", f"'{n}' is used twice") for n in sorted({n for n in names
                                                                                         if names.count(n) > 1})]
    if problems:
        raise InputError(problems)
    return out


def _parse(row: pd.Series, line: int, case: Case) -> tuple[Assumption | None, list[Problem]]:
    problems = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(FILE, line, field, message))

    numbers = {}
    for field in ("value", "low", "high"):
        try:
            numbers[field] = float(row[field])
            if not math.isfinite(numbers[field]):
                raise ValueError
        except ValueError:
            bad(field, f"'{row[field]}' is not a finite number")
    for field in ("assumption", "reasoning", "source", "unit"):
        if not str(row[field]).strip():
            bad(field, "is empty; write it")
    schema = TABLES_BY_NAME.get(row["table"])
    if schema is None:
        bad("table", f"unknown table '{row['table']}'; valid: {', '.join(sorted(TABLES_BY_NAME))}")
        return None, problems
    if row["field"] not in schema.column_names or row["field"] in schema.key:
        settable = [c for c in schema.column_names if c not in schema.key and c != "source"]
        bad("field", f"'{row['field']}' is not a value column of {schema.file}; valid: {', '.join(settable)}")
    where = _where(row["where"])
    unknown = [k for k in where if k not in schema.key]
    if unknown:
        bad("where", f"'{';'.join(unknown)}' is not a key column of {schema.file}; valid: {', '.join(schema.key)}")
    if problems:
        return None, problems
    if not numbers["low"] <= numbers["value"] <= numbers["high"]:
        bad("low,high", f"the range {numbers['low']:g}..{numbers['high']:g} must hold the value {numbers['value']:g}")
    cells = matching_rows(case.table(row["table"]), where)
    if cells.empty:
        bad("where", f"no row of {schema.file} matches '{row['where']}'")
    for value in cells[row["field"]].tolist():
        if not math.isclose(float(value), numbers["value"], rel_tol=REL_TOLERANCE, abs_tol=1e-12):
            bad("value", f"{numbers['value']:g} but {schema.file} holds {float(value):g} at '{row['where']}' "
                         f"(field {row['field']}); the two must agree")
            break
    if problems:
        return None, problems
    return Assumption(str(row["assumption"]).strip(), row["table"], where, row["field"], numbers["value"],
                      numbers["low"], numbers["high"], str(row["unit"]).strip(), str(row["reasoning"]).strip(),
                      str(row["source"]).strip()), []


def markdown_table(assumptions: list[Assumption]) -> str:
    """The assumptions as the table docs/data.md shows."""
    lines = ["| assumption | where | value | low | high | unit | reasoning | source |",
             "|---|---|---|---|---|---|---|---|"]
    for a in assumptions:
        where = f"{a.table}.csv " + (", ".join(f"{k}={v}" for k, v in a.where.items()) or "all rows") + f": `{a.field}`"
        lines.append(f"| {a.name} | {where} | {a.value:g} | {a.low:g} | {a.high:g} | {a.unit} | "
                     f"{a.reasoning.replace('|', '/')} | {a.source.replace('|', '/')} |")
    return "\n".join(lines)


DOCS_START, DOCS_END = "<!-- assumptions:start -->", "<!-- assumptions:end -->"


def docs_with_table(text: str, assumptions: list[Assumption]) -> str:
    """`text` (docs/data.md) with the block between the assumption markers replaced by the table."""
    head, rest = text.split(DOCS_START, 1)
    _, tail = rest.split(DOCS_END, 1)
    return f"{head}{DOCS_START}\n{markdown_table(assumptions)}\n{DOCS_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """`python -m optimizer.assumptions [--check]`: write (or check) the table in docs/data.md."""
    from .case import load_case

    docs = Path(__file__).resolve().parents[1] / "docs" / "data.md"
    case = load_case()
    wanted = docs_with_table(docs.read_text(), load_assumptions(case))
    if argv and "--check" in argv:
        current = docs.read_text() == wanted
        print(f"{docs} {'is up to date' if current else 'differs from data/assumptions.csv'}")
        return 0 if current else 1
    docs.write_text(wanted)
    print(f"wrote the assumptions table into {docs}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
