"""Load and validate the input tables of a case (data/*.csv) into a typed, immutable Case."""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .csvtext import CsvText, read_csv_bytes
from .errors import InputError, Problem, os_problem, require
from .locations import DEFAULT_DATA_DIR
from .schema import TABLES, TABLES_BY_NAME, Column, Table

__all__ = ["DEFAULT_DATA_DIR", "Case", "CaseCheck", "Names", "case_from_tables", "check_case", "load_case"]

_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SHARE_SUM_TOLERANCE = 1e-6
_TABLE_OF_FILE = {table.file: table.name for table in TABLES}


@dataclass(frozen=True)
class Names:
    """The names a scenario file may use, as far as the tables could be read: None where the
    table that defines them has problems, so that scenario files are still checked for the rest."""

    members: tuple[str, ...] | None = None
    commodities: tuple[str, ...] | None = None
    chokepoints: tuple[str, ...] | None = None
    suppliers_by_commodity: dict[str, tuple[str, ...]] | None = None

    def suppliers(self, commodity: str) -> tuple[str, ...] | None:
        if self.suppliers_by_commodity is None:
            return None
        return self.suppliers_by_commodity.get(commodity, ())


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

    def names(self) -> Names:
        return _names(self.tables)

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


@dataclass
class CaseCheck:
    """What validating a data folder found: the Case when there is no problem, every problem, and
    the names that could be read either way (scenario files are checked against them)."""

    case: Case | None
    problems: list[Problem]
    names: Names


@dataclass
class _Cells:
    """One table's text cells before typing, with the line of the file each row starts on."""

    header: list[str]
    columns: dict[str, list]
    lines: list[int]  # lines[i]: the line data row i starts on (the header is on header_line)
    header_line: int = 1
    bad_rows: set[int] = field(default_factory=set)  # rows the reader already found problems in

    def line(self, i: int) -> int:
        return self.lines[i]


def load_case(data_dir: str | Path | None = None) -> Case:
    """Read data_dir/*.csv (default: the shipped data/) and validate it; raise InputError."""
    check = check_case(data_dir)
    if check.problems:
        raise InputError(check.problems)
    return check.case


def check_case(data_dir: str | Path | None = None) -> CaseCheck:
    """Read and validate data_dir/*.csv, collecting every problem: a missing or unreadable file
    does not keep the other tables' cells from being checked."""
    require(data_dir, (str, os.PathLike, type(None)), "load_case", "data_dir", "a folder path or None")
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    problem = _folder_problem(folder)
    if problem is not None:
        return CaseCheck(None, [problem], Names())
    problems: list[Problem] = []
    cells: dict[str, _Cells] = {}
    for table in TABLES:
        text, read_problem = _read_table_file(folder, table)
        if read_problem is not None:
            problems.append(read_problem)
            continue
        problems += text.problems
        if text.readable:
            columns: dict[str, list] = {}
            for j, name in enumerate(text.header):  # a repeated column is said by the reader; the first counts
                columns.setdefault(name, [row[j] for row in text.rows])
            cells[table.name] = _Cells(text.header, columns, text.row_lines, text.header_line, set(text.bad_rows))
    return _validate(cells, str(folder), problems, reported=set(TABLES_BY_NAME))


def _folder_problem(folder: Path) -> Problem | None:
    try:
        if folder.is_dir():
            return None
        return Problem(str(folder), None, None, "data folder not found" if not folder.exists()
                       else "is not a folder; give the folder that holds the data CSV files")
    except OSError as exc:
        return os_problem(str(folder), exc, "read the data folder")


def _read_table_file(folder: Path, table: Table) -> tuple[CsvText | None, Problem | None]:
    path = folder / table.file
    try:
        if not path.is_file():
            return None, Problem(table.file, None, None, f"file missing from {folder}")
        data = path.read_bytes()
    except OSError as exc:
        return None, os_problem(table.file, exc, "read the file")
    return read_csv_bytes(data, table.file), None


def case_from_tables(raw: dict[str, pd.DataFrame], origin: str = "<memory>") -> Case:
    """Validate tables of text or typed cells; return a Case or raise InputError listing all problems."""
    require(raw, dict, "case_from_tables", "raw", "a dict of table name -> pandas DataFrame")
    problems, cells = [], {}
    for name, df in raw.items():
        if name not in TABLES_BY_NAME:
            continue  # not a table of the case (the caller may carry others)
        if not isinstance(df, pd.DataFrame):
            problems.append(Problem(f"{name}.csv", None, None,
                                    f"is {type(df).__name__}; it must be a pandas DataFrame"))
            continue
        cells[name], header_problems = _cells_of_frame(TABLES_BY_NAME[name], df)
        problems += header_problems
    check = _validate(cells, str(origin), problems, reported={name for name in raw if name in TABLES_BY_NAME})
    if check.problems:
        raise InputError(check.problems)
    return check.case


def _cells_of_frame(table: Table, df: pd.DataFrame) -> tuple[_Cells, list[Problem]]:
    """A DataFrame's cells; its rows are numbered as in the CSV file it would be (header line 1)."""
    header = [str(c).strip() for c in df.columns]
    problems = [Problem(table.file, 1, name, "this column appears twice in the header; keep one")
                for name in sorted({n for n in header if header.count(n) > 1})]
    columns = {}
    for j, name in enumerate(header):
        columns.setdefault(name, df.iloc[:, j].tolist())
    return _Cells(header, columns, list(range(2, len(df) + 2))), problems


def _validate(cells: dict[str, _Cells], origin: str, problems: list[Problem], reported: set[str]) -> CaseCheck:
    """Type every table, then check references and the rules across tables on what could be read,
    so that one report lists every problem. A reference is checked on rows whose cells parsed,
    against a table that parsed whole; a rule across tables runs when every table it reads parsed
    whole and its references hold. reported: tables whose absence was already said."""
    problems = list(problems)
    typed: dict[str, pd.DataFrame] = {}
    bad_rows: dict[str, set[int]] = {}
    lines = {name: c.lines for name, c in cells.items()}
    for table in TABLES:
        if table.name not in cells:
            if table.name not in reported:
                problems.append(Problem(table.file, None, None, "table missing"))
            continue
        df, table_problems, bad, readable = _parse_table(table, cells[table.name])
        problems += table_problems
        if readable:
            typed[table.name] = df
            bad_rows[table.name] = bad | cells[table.name].bad_rows
    references = _check_references(typed, bad_rows, lines)
    problems += references
    clean = {name for name, rows in bad_rows.items() if not rows} - {_TABLE_OF_FILE[p.file] for p in references}
    problems += _check_consistency(typed, clean, lines)
    names = _names({name: typed[name] for name in clean if name in typed})
    return CaseCheck(None if problems else Case(tables=typed, origin=origin), problems, names)


def _names(tables: dict[str, pd.DataFrame]) -> Names:
    def column(table: str, name: str) -> tuple[str, ...] | None:
        return tuple(tables[table][name]) if table in tables else None

    suppliers = None
    if "suppliers" in tables:
        df = tables["suppliers"]
        suppliers = {c: tuple(df.loc[df["commodity"] == c, "supplier"]) for c in dict.fromkeys(df["commodity"])}
    return Names(column("members", "member"), column("commodities", "commodity"),
                 column("chokepoints", "chokepoint"), suppliers)


def _parse_table(table: Table, cells: _Cells) -> tuple[pd.DataFrame, list[Problem], set[int], bool]:
    """(typed table, problems, rows with a bad cell or key, whether the header could be read)."""
    problems: list[Problem] = []
    expected = table.column_names
    missing = [c for c in expected if c not in cells.columns]
    unknown = [c or "(blank)" for c in cells.header if c not in expected]
    if missing:
        problems.append(Problem(table.file, cells.header_line, ",".join(missing),
                                f"missing column(s); the header must be: {','.join(expected)}"))
    if unknown:
        problems.append(Problem(table.file, cells.header_line, ",".join(unknown),
                                f"unknown column(s); valid columns are: {','.join(expected)}"))
    if missing:
        return pd.DataFrame(columns=expected), problems, set(), False
    out, bad = {}, set()
    for column in table.columns:
        values = []
        for i, cell in enumerate(cells.columns[column.name]):
            value, message = _parse_cell(column, cell)
            if message and i not in cells.bad_rows:  # a row the reader rejected is said once
                problems.append(Problem(table.file, cells.line(i), column.name, message))
            if message:
                bad.add(i)
            values.append(value)
        out[column.name] = values
    typed = pd.DataFrame(out, columns=expected)
    if not problems and not cells.bad_rows:
        duplicates = _duplicate_rows(table, typed)
        problems += [_duplicate_problem(table, typed, i, cells.line(i)) for i in duplicates]
        bad |= set(duplicates)
    return typed, problems, bad, True


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
        return text, None if ok else f"'{_shown(text)}' is not a valid name (letter first, then letters, digits, _)"
    if column.kind == "choice":
        ok = text in column.choices
        return text, None if ok else f"'{_shown(text)}' is not one of: {', '.join(column.choices)}"
    return _parse_number(column, text)


def _shown(text: str) -> str:
    """A cell as it may be quoted in a one-line message: line breaks shown, long text cut."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_idlist(cell: object) -> tuple[tuple[str, ...], str | None]:
    """'a;b' (from a CSV) or an already parsed tuple -> ('a', 'b'); empty -> ()."""
    if isinstance(cell, (tuple, list)):
        parts = [str(item) for item in cell]
    else:
        blank = cell is None or (isinstance(cell, float) and math.isnan(cell))
        parts = [] if blank else str(cell).split(";")
    items = tuple(part.strip() for part in parts if part.strip())
    bad = [item for item in items if not _ID_PATTERN.match(item)]
    return items, (f"'{_shown(';'.join(bad))}' is not a valid name (letters, digits, _)" if bad else None)


def _parse_number(column: Column, text: str) -> tuple[object, str | None]:
    try:
        number = float(text)
    except ValueError:
        return None, f"'{_shown(text)}' is not a number"
    if not math.isfinite(number):
        return None, f"'{_shown(text)}' is not a finite number"
    if column.kind == "integer":
        if number != int(number):
            return None, f"'{_shown(text)}' is not a whole number"
        number = int(number)
    if column.positive and number <= 0:
        return number, f"{_shown(text)} must be greater than 0"
    if column.low is not None and number < column.low:
        return number, f"{_shown(text)} is below the smallest valid value {column.low:g}"
    if column.high is not None and number > column.high:
        why = f" ({column.why})" if column.why else ""
        return number, f"{_shown(text)} is above the largest valid value {column.high:g}{why}"
    return number, None


def _duplicate_rows(table: Table, df: pd.DataFrame) -> list[int]:
    """Positions of rows whose key an earlier row already has."""
    return [int(i) for i in df.index[df.duplicated(subset=list(table.key), keep="first")]]


def _duplicate_problem(table: Table, df: pd.DataFrame, i: int, line: int) -> Problem:
    key = ", ".join(f"{k}={df.at[i, k]}" for k in table.key)
    return Problem(table.file, line, ",".join(table.key), f"duplicate row for {key}; each must appear once")


def _check_references(typed: dict[str, pd.DataFrame], bad_rows: dict[str, set[int]],
                      lines: dict[str, list[int]]) -> list[Problem]:
    problems = []
    for table in TABLES:
        if table.name not in typed:
            continue
        df = typed[table.name]
        for ref in table.references:
            if ref.table not in typed or bad_rows[ref.table]:  # no reliable list to check against
                continue
            valid = set(typed[ref.table][list(ref.target_columns)].itertuples(index=False, name=None))
            columns = [df[c].tolist() for c in ref.columns]
            for i, row in enumerate(zip(*columns)):
                if i in bad_rows[table.name]:
                    continue
                for key in _reference_keys(row):
                    if key not in valid:
                        problems.append(_unknown_reference(table, lines[table.name][i], ref, key, valid))
    return problems


def _reference_keys(row: tuple) -> list[tuple]:
    if len(row) == 1 and isinstance(row[0], tuple):  # an idlist column
        return [(item,) for item in row[0]]
    return [row]


def _unknown_reference(table: Table, line: int, ref, key: tuple, valid: set) -> Problem:
    target = TABLES_BY_NAME[ref.table]
    shown = sorted({"/".join(map(str, v)) for v in valid})
    return Problem(table.file, line, ",".join(ref.columns),
                   f"'{'/'.join(map(str, key))}' is not defined in {target.file}; "
                   f"valid: {', '.join(shown[:20])}{' ...' if len(shown) > 20 else ''}")


def _check_consistency(typed: dict[str, pd.DataFrame], clean: set[str],
                       lines: dict[str, list[int]]) -> list[Problem]:
    """Rules across tables, each run when every table it reads is clean (parsed whole, its
    references hold): every member x commodity is described, shares sum to 1, routes exist."""
    problems = []
    for tables, rule in _RULES:
        if set(tables) <= clean:
            problems += rule(typed, lines)
    return problems


def _check_described(typed: dict[str, pd.DataFrame], lines: dict[str, list[int]]) -> list[Problem]:
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


def _check_shares(typed: dict[str, pd.DataFrame], lines: dict[str, list[int]]) -> list[Problem]:
    problems = []
    df = typed["import_shares"]
    demand = typed["demand"].set_index(["member", "commodity"])["demand_t_per_year"]
    for (m, c), group in df.groupby(["member", "commodity"], sort=False):
        total = group["import_share"].sum()
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            rows = ", ".join(str(lines["import_shares"][i]) for i in group.index)
            problems.append(Problem("import_shares.csv", None, "import_share",
                                    f"shares of member {m}, commodity {c} (rows {rows}) sum to {total:.6g}; "
                                    "they must sum to 1"))
    have = set(zip(df["member"], df["commodity"]))
    for (m, c), d in demand.items():
        if d > 0 and (m, c) not in have:
            problems.append(Problem("import_shares.csv", None, "member,commodity",
                                    f"member {m} imports {c} but has no import shares; add rows summing to 1"))
    return problems


def _check_restraint_cheaper_than_shortfall(typed: dict[str, pd.DataFrame],
                                            lines: dict[str, list[int]]) -> list[Problem]:
    df = typed["demand_response"]
    return [Problem("demand_response.csv", lines["demand_response"][int(i)], "restraint_cost_usd_per_t",
                    f"{row.restraint_cost_usd_per_t:g} must be below the shortfall penalty "
                    f"{row.shortfall_penalty_usd_per_t:g}: restraint is the cheaper last resort")
            for i, row in df.iterrows()
            if row.restraint_max_share > 0 and row.restraint_cost_usd_per_t >= row.shortfall_penalty_usd_per_t]


def _check_routes(typed: dict[str, pd.DataFrame], lines: dict[str, list[int]]) -> list[Problem]:
    routes = typed["routes"]
    served = set(zip(routes["member"], routes["commodity"]))
    demand = typed["demand"]
    return [Problem("routes.csv", None, "member,commodity",
                    f"member {m} has demand for {c} but no route brings it; add a route")
            for m, c, d in zip(demand["member"], demand["commodity"], demand["demand_t_per_year"])
            if d > 0 and (m, c) not in served]


def _check_transfers(typed: dict[str, pd.DataFrame], lines: dict[str, list[int]]) -> list[Problem]:
    problems = []
    for name, sender, receiver in (("transfers", "from_member", "to_member"), ("swaps", "lender", "borrower")):
        df = typed[name]
        problems += [Problem(f"{name}.csv", lines[name][int(i)], receiver,
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
