"""Load and validate the input tables of a case (data/*.csv) into a typed, immutable Case."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError, Problem
from .schema import TABLES, TABLES_BY_NAME, Column, Table

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SHARE_SUM_TOLERANCE = 1e-6
_TABLE_OF_FILE = {table.file: table.name for table in TABLES}


@dataclass(frozen=True)
class Case:
    """All input tables, validated and typed. Build one with load_case or case_from_tables."""

    tables: dict[str, pd.DataFrame]
    origin: str

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def members(self) -> list[str]:
        return list(self.tables["members"]["member"])

    @property
    def commodities(self) -> list[str]:
        return list(self.tables["commodities"]["commodity"])

    @property
    def chokepoints(self) -> list[str]:
        return list(self.tables["chokepoints"]["chokepoint"])

    def suppliers(self, commodity: str) -> list[str]:
        df = self.tables["suppliers"]
        return list(df.loc[df["commodity"] == commodity, "supplier"])

    def fingerprint(self) -> str:
        """SHA-256 of every table's canonical CSV text: equal inputs give equal hashes. A Case is
        never changed in place (edits make a new one), so the hash is computed once."""
        if "_fingerprint" not in self.__dict__:
            digest = hashlib.sha256()
            for table in TABLES:
                digest.update(table.name.encode())
                digest.update(self.tables[table.name].to_csv(index=False).encode())
            object.__setattr__(self, "_fingerprint", digest.hexdigest())
        return self.__dict__["_fingerprint"]


def load_case(data_dir: str | Path | None = None) -> Case:
    """Read data_dir/*.csv (default: the shipped data/) and validate it; raise InputError."""
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, None, "data folder not found")])
    for table in TABLES:
        path = folder / table.file
        if not path.is_file():
            problems.append(Problem(table.file, None, None, f"file missing from {folder}"))
            continue
        try:
            raw[table.name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            problems.append(Problem(table.file, None, None, f"not a readable CSV file: {exc}"))
    if problems:
        raise InputError(problems)
    return case_from_tables(raw, origin=str(folder))


def case_from_tables(raw: dict[str, pd.DataFrame], origin: str = "<memory>") -> Case:
    """Validate tables of text or typed cells; return a Case or raise InputError listing all problems."""
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    bad_rows: dict[str, set[int]] = {}  # table -> 0-based rows with a bad cell or key
    for table in TABLES:
        if table.name not in raw:
            problems.append(Problem(table.file, None, None, "table missing"))
            continue
        df, table_problems = _parse_table(table, raw[table.name])
        problems += table_problems
        if any(p.row == 1 for p in table_problems):  # a bad header: nothing in it can be read
            continue
        typed[table.name] = df
        bad_rows[table.name] = {p.row - 2 for p in table_problems if p.row is not None}
    # every later check runs on what could be read, so that one report lists every problem: a
    # reference is checked on rows whose cells parsed, against a table that parsed whole; a rule
    # across tables runs when every table it reads parsed whole and its references hold
    references = _check_references(typed, bad_rows)
    problems += references
    clean = {name for name, rows in bad_rows.items() if not rows} - {_TABLE_OF_FILE[p.file] for p in references}
    problems += _check_consistency(typed, clean)
    if problems:
        raise InputError(problems)
    return Case(tables=typed, origin=origin)


def _parse_table(table: Table, df: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    expected = table.column_names
    missing = [c for c in expected if c not in df.columns]
    unknown = [c for c in df.columns if c not in expected]
    if missing:
        problems.append(Problem(table.file, 1, ",".join(missing),
                                f"missing column(s); the header must be: {','.join(expected)}"))
    if unknown:
        problems.append(Problem(table.file, 1, ",".join(map(str, unknown)),
                                f"unknown column(s); valid columns are: {','.join(expected)}"))
    if missing:
        return df, problems
    out = {}
    for column in table.columns:
        values = []
        for i, cell in enumerate(df[column.name].tolist()):
            value, message = _parse_cell(column, cell)
            if message:
                problems.append(Problem(table.file, i + 2, column.name, message))
            values.append(value)
        out[column.name] = values
    typed = pd.DataFrame(out, columns=expected)
    if not problems:
        problems += _check_key(table, typed)
    return typed, problems


def _parse_cell(column: Column, cell: object) -> tuple[object, str | None]:
    if column.kind == "idlist":
        return _parse_idlist(cell)
    text = "" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell).strip()
    if not text:
        return ("" if column.kind == "text" else None), (None if column.optional else "is empty; write a value")
    if column.kind == "text":
        return text, None
    if column.kind == "id":
        ok = _ID_PATTERN.match(text)
        return text, None if ok else f"'{text}' is not a valid name (letter first, then letters, digits, _)"
    if column.kind == "choice":
        ok = text in column.choices
        return text, None if ok else f"'{text}' is not one of: {', '.join(column.choices)}"
    return _parse_number(column, text)


def _parse_idlist(cell: object) -> tuple[tuple[str, ...], str | None]:
    """'a;b' (from a CSV) or an already parsed tuple -> ('a', 'b'); empty -> ()."""
    if isinstance(cell, (tuple, list)):
        parts = [str(item) for item in cell]
    else:
        blank = cell is None or (isinstance(cell, float) and math.isnan(cell))
        parts = [] if blank else str(cell).split(";")
    items = tuple(part.strip() for part in parts if part.strip())
    bad = [item for item in items if not _ID_PATTERN.match(item)]
    return items, (f"'{';'.join(bad)}' is not a valid name (letters, digits, _)" if bad else None)


def _parse_number(column: Column, text: str) -> tuple[object, str | None]:
    try:
        number = float(text)
    except ValueError:
        return None, f"'{text}' is not a number"
    if not math.isfinite(number):
        return None, f"'{text}' is not a finite number"
    if column.kind == "integer":
        if number != int(number):
            return None, f"'{text}' is not a whole number"
        number = int(number)
    if column.positive and number <= 0:
        return number, f"{text} must be greater than 0"
    if column.low is not None and number < column.low:
        return number, f"{text} is below the smallest valid value {column.low:g}"
    if column.high is not None and number > column.high:
        return number, f"{text} is above the largest valid value {column.high:g}"
    return number, None


def _check_key(table: Table, df: pd.DataFrame) -> list[Problem]:
    problems = []
    duplicated = df.duplicated(subset=list(table.key), keep="first")
    for i in df.index[duplicated]:
        key = ", ".join(f"{k}={df.at[i, k]}" for k in table.key)
        problems.append(Problem(table.file, int(i) + 2, ",".join(table.key),
                                f"duplicate row for {key}; each must appear once"))
    return problems


def _check_references(typed: dict[str, pd.DataFrame], bad_rows: dict[str, set[int]]) -> list[Problem]:
    problems = []
    for table in TABLES:
        if table.name not in typed:
            continue
        df = typed[table.name]
        for ref in table.references:
            if ref.table not in typed or bad_rows[ref.table]:  # no reliable list to check against
                continue
            target = typed[ref.table]
            valid = set(map(tuple, target[list(ref.target_columns)].itertuples(index=False)))
            for i, row in df.iterrows():
                if i in bad_rows[table.name]:
                    continue
                for key in _reference_keys(row, ref.columns):
                    if key not in valid:
                        problems.append(_unknown_reference(table, int(i), ref, key, valid))
    return problems


def _reference_keys(row: pd.Series, columns: tuple[str, ...]) -> list[tuple]:
    if len(columns) == 1 and isinstance(row[columns[0]], tuple):  # an idlist column
        return [(item,) for item in row[columns[0]]]
    return [tuple(row[c] for c in columns)]


def _unknown_reference(table: Table, i: int, ref, key: tuple, valid: set) -> Problem:
    target = TABLES_BY_NAME[ref.table]
    shown = sorted({"/".join(map(str, v)) for v in valid})
    return Problem(table.file, i + 2, ",".join(ref.columns),
                   f"'{'/'.join(map(str, key))}' is not defined in {target.file}; "
                   f"valid: {', '.join(shown[:20])}{' ...' if len(shown) > 20 else ''}")


def _check_consistency(typed: dict[str, pd.DataFrame], clean: set[str]) -> list[Problem]:
    """Rules across tables, each run when every table it reads is clean (parsed whole, its
    references hold): every member x commodity is described, shares sum to 1, routes exist."""
    problems = []
    for tables, rule in _RULES:
        if set(tables) <= clean:
            problems += rule(typed)
    return problems


def _check_described(typed: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    members = list(typed["members"]["member"])
    commodities = list(typed["commodities"]["commodity"])
    pairs = {(m, c) for m in members for c in commodities}
    for name in ("demand", "stockpiles"):
        have = set(zip(typed[name]["member"], typed[name]["commodity"]))
        for m, c in sorted(pairs - have):
            problems.append(Problem(f"{name}.csv", None, "member,commodity",
                                    f"no row for member {m}, commodity {c}; add one"))
    for name in ("stockpile_costs", "demand_response"):
        for c in sorted(set(commodities) - set(typed[name]["commodity"])):
            problems.append(Problem(f"{name}.csv", None, "commodity", f"no row for commodity {c}; add one"))
    return problems


def _check_shares(typed: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    df = typed["import_shares"]
    demand = typed["demand"].set_index(["member", "commodity"])["demand_t_per_year"]
    for (m, c), group in df.groupby(["member", "commodity"], sort=False):
        total = group["import_share"].sum()
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            rows = ", ".join(str(i + 2) for i in group.index)
            problems.append(Problem("import_shares.csv", None, "import_share",
                                    f"shares of member {m}, commodity {c} (rows {rows}) sum to {total:.6g}; "
                                    "they must sum to 1"))
    have = set(zip(df["member"], df["commodity"]))
    for (m, c), d in demand.items():
        if d > 0 and (m, c) not in have:
            problems.append(Problem("import_shares.csv", None, "member,commodity",
                                    f"member {m} imports {c} but has no import shares; add rows summing to 1"))
    return problems


def _check_restraint_cheaper_than_shortfall(typed: dict[str, pd.DataFrame]) -> list[Problem]:
    df = typed["demand_response"]
    return [Problem("demand_response.csv", int(i) + 2, "restraint_cost_usd_per_t",
                    f"{row.restraint_cost_usd_per_t:g} must be below the shortfall penalty "
                    f"{row.shortfall_penalty_usd_per_t:g}: restraint is the cheaper last resort")
            for i, row in df.iterrows()
            if row.restraint_max_share > 0 and row.restraint_cost_usd_per_t >= row.shortfall_penalty_usd_per_t]


def _check_routes(typed: dict[str, pd.DataFrame]) -> list[Problem]:
    routes = typed["routes"]
    served = set(zip(routes["member"], routes["commodity"]))
    demand = typed["demand"]
    return [Problem("routes.csv", None, "member,commodity",
                    f"member {m} has demand for {c} but no route brings it; add a route")
            for m, c, d in zip(demand["member"], demand["commodity"], demand["demand_t_per_year"])
            if d > 0 and (m, c) not in served]


def _check_transfers(typed: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    for name, sender, receiver in (("transfers", "from_member", "to_member"), ("swaps", "lender", "borrower")):
        df = typed[name]
        problems += [Problem(f"{name}.csv", int(i) + 2, receiver,
                             f"must be another member than {sender} {row[sender]}")
                     for i, row in df.iterrows() if row[sender] == row[receiver]]
    return problems


_RULES = (  # (the tables a rule reads, the rule)
    (("members", "commodities", "demand", "stockpiles", "stockpile_costs", "demand_response"), _check_described),
    (("import_shares", "demand"), _check_shares),
    (("demand_response",), _check_restraint_cheaper_than_shortfall),
    (("routes", "demand"), _check_routes),
    (("transfers", "swaps"), _check_transfers),
)
