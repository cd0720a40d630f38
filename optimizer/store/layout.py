"""Writing a run into the store: its folder of Parquet tables first, then its index row.

A run is staged in staging/<run id>/ (tables, record.json; input files go to blobs/), renamed
into runs/<run id>/ once complete, and only then inserted into the index in one transaction. A
process killed at any point leaves no visible run: a staged folder or an unindexed run folder is
invisible to every reader and is removed by tidy_store.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import index
from .errors import StoreError
from .frames import write_frame
from .location import RUNS_DIR, STAGING_DIR

RECORD_FILE = "record.json"
ABANDONED_AFTER_S = 3600.0  # a staged or unindexed folder this old belongs to a killed process


def new_run_id(now: datetime | None = None) -> str:
    """UTC time to the second + 6 random hex digits: sorts by time, unique across processes."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def commit_run(store: Path, record: dict, parts: dict[str, dict[str, pd.DataFrame]],
               store_inputs: Callable[[], list[dict]], row: dict) -> str:
    """Store a run: parts (part -> table name -> DataFrame), its input files (store_inputs()
    keeps them as blobs and returns their entries: role, file, sha256, bytes), the record
    (record.json) and the index row (index.RUN_COLUMNS less run_id and folder). Returns the run
    id. Raises StoreError, leaving nothing visible, if any step fails."""
    try:
        with index.connect(store, create=True) as conn:
            if (store / STAGING_DIR).is_dir() and any((store / STAGING_DIR).iterdir()):
                tidy_store(store, conn)
            run_id = new_run_id()
            record["inputs"] = store_inputs()
            folder = _stage_and_move(store, run_id, record, parts)
            try:
                index.insert_run(conn, {**row, "run_id": run_id, "folder": f"{RUNS_DIR}/{run_id}"},
                                 [{"run_id": run_id, **entry} for entry in record["inputs"]])
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
    except OSError as exc:
        raise StoreError(f"cannot record the run in {store}: {exc.strerror or exc}") from None
    return run_id


def _stage_and_move(store: Path, run_id: str, record: dict, parts: dict[str, dict[str, pd.DataFrame]]) -> Path:
    staging = store / STAGING_DIR / run_id
    staging.mkdir(parents=True)
    try:
        record["run_id"] = run_id
        record["tables"] = _write_parts(staging, parts)
        (staging / RECORD_FILE).write_text(json.dumps(record, indent=1, default=str))
        final = store / RUNS_DIR / run_id
        final.parent.mkdir(exist_ok=True)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_parts(folder: Path, parts: dict[str, dict[str, pd.DataFrame]]) -> list[dict]:
    """Write every table under folder/<part slug>/<table slug>.parquet; return the manifest."""
    manifest = []
    for p, (part, tables) in enumerate(parts.items()):
        part_dir = folder / f"{p:02d}_{_slug(part)}"
        part_dir.mkdir()
        for t, (name, df) in enumerate(tables.items()):
            file = part_dir / f"{t:02d}_{_slug(name)}.parquet"
            write_frame(df, file, f"'{name}' of '{part}'")
            manifest.append({"part": part, "name": name, "file": file.relative_to(folder).as_posix(),
                             "rows": len(df), "columns": [str(c) for c in df.columns]})
    return manifest


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:60] or "_"


def tidy_store(store: Path, conn) -> list[Path]:
    """Remove what killed recordings left (staged folders, run folders with no index row) once
    older than ABANDONED_AFTER_S; return what was removed."""
    cutoff = time.time() - ABANDONED_AFTER_S
    indexed = {row[0] for row in conn.execute("SELECT run_id FROM runs")}
    leftovers = [p for p in (store / STAGING_DIR).glob("*")]
    leftovers += [p for p in (store / RUNS_DIR).glob("*") if p.name not in indexed]
    removed = []
    for path in leftovers:
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        except FileNotFoundError:  # another process tidied it first
            continue
    return removed
