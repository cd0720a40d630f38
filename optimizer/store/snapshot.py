"""A run's inputs as files that reproduce it: the data tables as CSV and the scenario set as YAML.

The data are written from the Case the run was given (before the set's overrides), one CSV per
table as in data/ (id lists as 'a;b'), so that loading them gives a Case with the same
fingerprint. The scenario set is written resolved: includes inlined, overrides kept, the events
as validated; `stockpile solve <set>.yaml --data <folder>` solves the same LP again.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import yaml

from ..case import Case, case_from_tables
from ..errors import InputError
from ..scenarios import ScenarioSet, scenario_set_from_dict
from ..schema import TABLES
from .blobs import blob_path, put_blob, write_atomically
from .location import BLOBS_DIR
from .errors import StoreError

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 20x faster on a large set


def data_files(case: Case) -> dict[str, bytes]:
    """data/ file name -> CSV bytes, for every table of the case."""
    files = {}
    for table in TABLES:
        df = case.tables[table.name].copy()
        for column in table.columns:
            if column.kind == "idlist":
                df[column.name] = [";".join(v) if isinstance(v, (tuple, list)) else v for v in df[column.name]]
        files[table.file] = df.to_csv(index=False, lineterminator="\n").encode()
    return files


def scenario_file(scenario_set: ScenarioSet) -> tuple[str, bytes]:
    """(file name, YAML bytes) of the resolved set; the name is <set name>.yaml, as the loader wants."""
    spec = {
        "name": scenario_set.name, "title": scenario_set.title, "description": scenario_set.description,
        "horizon_months": scenario_set.horizon_months, "risk_window_months": scenario_set.risk_window_months,
        "overrides": [{"table": e.table, "where": dict(e.where), "set": dict(e.values)}
                      for e in scenario_set.overrides],
        "scenarios": [{"name": s.name, "probability": s.probability,
                       "events": [e.model_dump(mode="json", exclude_none=True) for e in s.events]}
                      for s in scenario_set.scenarios],
    }
    spec = {k: v for k, v in spec.items() if v is not None}
    text = yaml.dump(spec, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    return f"{scenario_set.name}.yaml", text.encode()


def case_from_files(files: dict[str, bytes], origin: str) -> Case:
    """The Case data_files wrote."""
    raw = {}
    for table in TABLES:
        if table.file not in files:
            raise StoreError(f"the stored inputs of {origin} lack {table.file}")
        raw[table.name] = pd.read_csv(io.BytesIO(files[table.file]), dtype=str, keep_default_na=False)
    try:
        return case_from_tables(raw, origin=origin)
    except InputError as exc:  # a table added to the schema since the run was stored
        raise StoreError(f"the stored data of {origin} no longer validate:\n{exc.report()}") from None


def scenario_set_from_file(file_name: str, data: bytes, case: Case) -> ScenarioSet:
    """The ScenarioSet scenario_file wrote, validated against case."""
    try:
        return scenario_set_from_dict(yaml.safe_load(data), case, file=file_name)
    except InputError as exc:
        raise StoreError(f"the stored scenario set {file_name} no longer validates:\n{exc.report()}") from None


def store_inputs(store: Path, case: Case | None, scenario_set: ScenarioSet | None) -> list[dict]:
    """Keep the run's input files as blobs; return their entries (role, file, sha256, bytes).
    The data's entries are remembered under the case's fingerprint (blobs/cases/), so a case
    already stored is not written out again."""
    entries = _stored_case(store, case) if case is not None else []
    if scenario_set is not None:
        file_name, data = scenario_file(scenario_set)
        entries.append({"role": "scenario_set", "file": file_name, "sha256": put_blob(store, data), "bytes": len(data)})
    return entries


def _stored_case(store: Path, case: Case) -> list[dict]:
    manifest = store / BLOBS_DIR / "cases" / f"{case.fingerprint()}.json"
    try:
        entries = json.loads(manifest.read_text())
        if all(blob_path(store, e["sha256"]).exists() for e in entries):
            return entries
    except (OSError, ValueError):
        pass  # not stored yet (or a manifest cut short by a kill): store it now
    entries = [{"role": "data", "file": f, "sha256": put_blob(store, data), "bytes": len(data)}
               for f, data in data_files(case).items()]
    write_atomically(manifest, json.dumps(entries).encode())
    return entries
