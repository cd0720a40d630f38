"""Export a stored run as a folder of CSVs + JSON, or the same as a zip file.

Layout: record.json (what was run, options, code, solutions, the index row), tables/<part>/
<table>.csv for every stored table, manifest.csv (part, table, file, rows), and inputs/ with
data/*.csv and scenarios/<set>.yaml, from which `stockpile solve inputs/scenarios/<set>.yaml
--data inputs/data` solves the same LP again.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from ..output import staged_folder
from .errors import StoreError
from .runs import load_run


def export_files(store_dir: str | Path | None, run_id: str) -> dict[str, bytes]:
    """relative path -> content of everything an export holds."""
    run = load_run(store_dir, run_id)
    files = {"record.json": json.dumps({"index": run.row, **run.record}, indent=1, default=str).encode()}
    manifest, used = [], set()
    for part, tables in run.tables.items():
        for name, df in tables.items():
            path = _unique(f"tables/{_slug(part)}/{_slug(name)}.csv", used)
            files[path] = df.to_csv(index=_keeps_index(df)).encode()
            manifest.append({"part": part, "table": name, "file": path, "rows": len(df)})
    files["manifest.csv"] = pd.DataFrame(manifest, columns=["part", "table", "file", "rows"]).to_csv(
        index=False).encode()
    for role, folder in (("data", "inputs/data"), ("scenario_set", "inputs/scenarios")):
        for file_name, data in run.input_files(role).items():
            files[f"{folder}/{file_name}"] = data
    return files


def export_run(store_dir: str | Path | None, run_id: str, target: str | Path, as_zip: bool = False) -> Path:
    """Write the export to target (a new folder, or a new .zip file when as_zip); the target
    appears only once complete. Raises StoreError if target exists (nothing is overwritten)."""
    target = Path(target)
    if target.exists() and (target.is_file() or any(target.iterdir())):
        raise StoreError(f"{target} already exists; export into a new {'file' if as_zip else 'folder'}")
    files = export_files(store_dir, run_id)
    try:
        if as_zip:
            _write_zip(files, target)
        else:
            with staged_folder(target) as staging:
                for path, data in files.items():
                    (staging / path).parent.mkdir(parents=True, exist_ok=True)
                    (staging / path).write_bytes(data)
    except OSError as exc:
        raise StoreError(f"cannot export to {target}: {exc.strerror or exc}") from None
    return target


def _write_zip(files: dict[str, bytes], target: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _keeps_index(df: pd.DataFrame) -> bool:
    """Write the index only when it says something (not the default 0..n-1)."""
    return not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
                and df.index.name is None)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "_"


def _unique(path: str, used: set[str]) -> str:
    stem, n = path[:-4], 2
    while path in used:
        path, n = f"{stem}-{n}.csv", n + 1
    used.add(path)
    return path
