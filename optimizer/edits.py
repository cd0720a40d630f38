"""Change cells of a case's tables: a pure function, used by scenario overrides and by the UI."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .case import Case, case_from_tables
from .errors import InputError, Problem, require
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
    require(case, Case, "apply_edits", "case", "a Case (from load_case or case_from_tables)")
    require(edits, (list, tuple), "apply_edits", "edits", "a list of CellEdit")
    require(origin, str, "apply_edits", "origin", "a name for the edits (str)")
    shape = [p for i, edit in enumerate(edits) for p in _shape_problems(edit, origin, f"overrides[{i}]")]
    if shape:
        raise InputError(shape)
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


def _shape_problems(edit: object, origin: str, where: str) -> list[Problem]:
    """A wrongly shaped edit (from Python: where=None, a list for a key) is an input problem too."""
    if not isinstance(edit, CellEdit):
        return [Problem(origin, None, where, f"is {type(edit).__name__}; it must be a CellEdit(table, where, values)")]
    problems = []
    if not isinstance(edit.table, str):
        problems.append(Problem(origin, None, f"{where}.table", "must be a table name (str)"))
    for name in ("where", "values"):
        value = getattr(edit, name)
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            problems.append(Problem(origin, None, f"{where}.{name}", f"must be a dict of column name -> value, "
                                                                    f"not {type(value).__name__}"))
        elif not all(_cell_shaped(v, lists=name == "values") for v in value.values()):
            problems.append(Problem(origin, None, f"{where}.{name}", "each value must be text or a number"
                                    + (" (or a list of names, for a column of names)" if name == "values" else "")))
    return problems


def _cell_shaped(value: object, lists: bool) -> bool:
    """Text or a number (numpy's too) for a key; a value may also be empty (None) or a list of
    names, as an idlist column holds."""
    if isinstance(value, (str, numbers.Real)):
        return True
    return lists and (value is None or isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value))


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
