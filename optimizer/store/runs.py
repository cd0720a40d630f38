"""Read runs back: list the index, load one run (its record and tables exactly as stored)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..case import Case
from ..scenarios import ScenarioSet
from . import index
from .blobs import get_blob
from .errors import StoreError
from .frames import read_frame
from .layout import RECORD_FILE
from .location import INDEX_FILE, store_path
from .snapshot import case_from_files, scenario_set_from_file

KINDS = ("solve", "coop", "sweep")


@dataclass
class StoredRun:
    """One run as the store keeps it: its index row, its record (record.json: options, code,
    solutions, inputs, table manifest) and its tables, part -> table name -> DataFrame (a part is
    a solution's label, 'run' for the run's own tables, 'headline' for the headline tables)."""

    store: Path
    row: dict
    record: dict
    tables: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.row["run_id"]

    @property
    def kind(self) -> str:
        return self.row["kind"]

    def solutions(self, role: str | None = "main") -> list[dict]:
        """The solutions' records (label, status, objective, solver, ...); role None: all."""
        return [s for s in self.record.get("solutions", []) if role is None or s["role"] == role]

    def table(self, name: str) -> pd.DataFrame:
        """One result table across the run's optimal solutions with a leading `solution` column, as
        RunResult.table gives it."""
        frames = [self.tables[s["label"]][name].assign(solution=s["label"]) for s in self.solutions()
                  if s["status"] == "optimal" and name in self.tables.get(s["label"], {})]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[["solution"] + [c for c in df.columns if c != "solution"]]

    def input_files(self, role: str | None = None) -> dict[str, bytes]:
        """file name -> content of the run's stored inputs ('data' CSVs, the 'scenario_set' YAML)."""
        return {entry["file"]: get_blob(self.store, entry["sha256"]) for entry in self.record.get("inputs", [])
                if role is None or entry["role"] == role}

    def case(self) -> Case:
        """The data the run was given, rebuilt from its stored CSVs."""
        files = self.input_files("data")
        if not files:
            raise StoreError(f"run {self.run_id} has no stored data")
        return case_from_files(files, origin=f"run {self.run_id}")

    def scenario_set(self, case: Case) -> ScenarioSet:
        """The scenario set the run was given (resolved: includes inlined), validated against case."""
        files = self.input_files("scenario_set")
        if len(files) != 1:
            raise StoreError(f"run {self.run_id} has no stored scenario set")
        [(file_name, data)] = files.items()
        return scenario_set_from_file(file_name, data, case)


def list_runs(store_dir: str | Path | None = None, *, kind: str | None = None, label: str | None = None,
              status: str | None = None, key: str | None = None, since_utc: str | None = None,
              limit: int | None = None) -> list[dict]:
    """Index rows, newest first, matching every filter given; [] when nothing is stored yet."""
    store = store_path(store_dir)
    if not (store / INDEX_FILE).exists():
        return []
    filters = {k: v for k, v in {"kind": kind, "label": label, "status": status, "store_key": key}.items()
               if v is not None}
    with index.connect(store) as conn:
        return index.select_runs(conn, filters, since_utc, limit)


def load_run(store_dir: str | Path | None, run_id: str, parts: Iterable[str] | None = None) -> StoredRun:
    """A run by id ('latest', or a unique prefix, will do), with its tables; parts: only these
    parts' tables (None: all). Raises RunNotFoundError or StoreError with a message for the user."""
    store = store_path(store_dir)
    with index.connect(store) as conn:
        full_id = index.resolve_run_id(conn, run_id, store)
        [row] = index.select_runs(conn, {"run_id": full_id})
    folder = store / row["folder"]
    try:
        record = json.loads((folder / RECORD_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"run {full_id}'s record in {folder} cannot be read: {exc}") from None
    wanted = None if parts is None else set(parts)
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    for entry in record["tables"]:
        if wanted is None or entry["part"] in wanted:
            tables.setdefault(entry["part"], {})[entry["name"]] = _read(folder / entry["file"], full_id)
    return StoredRun(store, row, record, tables)


def _read(path: Path, run_id: str) -> pd.DataFrame:
    try:
        return read_frame(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors or OSErrors
        raise StoreError(f"a table of run {run_id} cannot be read ({path}): {exc}") from None
