"""Change cells of a case's tables: a pure function, used by scenario overrides and by the UI."""

from __future__ import annotations

from dataclasses import dataclass

from .case import Case, case_from_tables
from .errors import InputError, Problem
from .schema import TABLES_BY_NAME


@dataclass(frozen=True)
class CellEdit:
    """Set `values` on the one row of `table` whose key columns equal `where`."""

    table: str
    where: dict[str, object]
    values: dict[str, object]


def apply_edits(case: Case, edits: list[CellEdit] | tuple[CellEdit, ...], origin: str) -> Case:
    """A new, re-validated Case with the edits applied; the given case is left untouched.

    Raises InputError naming `origin` and the edit for every edit that does not fit the tables,
    and the usual file/row/field problems if the edited values are invalid."""
    if not edits:
        return case
    tables = {name: df.copy() for name, df in case.tables.items()}
    problems = []
    for i, edit in enumerate(edits):
        problems += _apply_one(tables, edit, origin, f"overrides[{i}]")
    if problems:
        raise InputError(problems)
    try:
        return case_from_tables(tables, origin=f"{case.origin} + {origin}")
    except InputError as exc:
        raise InputError([Problem(p.file, p.row, p.field, f"{p.message} (after the edits of {origin})")
                          for p in exc.problems]) from None


def _apply_one(tables: dict, edit: CellEdit, origin: str, where: str) -> list[Problem]:
    schema = TABLES_BY_NAME.get(edit.table)
    if schema is None:
        return [Problem(origin, None, f"{where}.table",
                        f"unknown table '{edit.table}'; valid: {', '.join(sorted(TABLES_BY_NAME))}")]
    if set(edit.where) != set(schema.key):
        return [Problem(origin, None, f"{where}.where",
                        f"must name exactly the key columns of {schema.file}: {', '.join(schema.key)}")]
    bad = [c for c in edit.values if c not in schema.column_names or c in schema.key]
    if bad or not edit.values:
        settable = [c for c in schema.column_names if c not in schema.key]
        return [Problem(origin, None, f"{where}.set", f"columns that can be set in {schema.file}: "
                                                      f"{', '.join(settable)}")]
    df = tables[edit.table]
    mask = (df[list(schema.key)] == [edit.where[k] for k in schema.key]).all(axis=1)
    if mask.sum() != 1:
        key = ", ".join(f"{k}={v}" for k, v in edit.where.items())
        return [Problem(origin, None, f"{where}.where", f"no row of {schema.file} has {key}")]
    row = df.index[mask][0]
    df[list(edit.values)] = df[list(edit.values)].astype(object)
    for column, value in edit.values.items():
        df.at[row, column] = value
    return []
