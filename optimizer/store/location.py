"""Where runs are kept: --store DIR, else $KJ_STOCKPILE_STORE, else the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

STORE_ENV_VAR = "KJ_STOCKPILE_STORE"
INDEX_FILE = "index.sqlite"  # the SQLite index (optimizer/store/index.py)
RUNS_DIR = "runs"  # one folder of Parquet tables + record.json per run
BLOBS_DIR = "blobs"  # content-addressed copies of the data and scenario files
STAGING_DIR = "staging"  # runs being written; moved into runs/ only once complete


def default_store_dir() -> Path:
    """$KJ_STOCKPILE_STORE if set, else $XDG_DATA_HOME/kj-stockpile/runs, else
    ~/.local/share/kj-stockpile/runs (the XDG default: user data that outlives a session)."""
    configured = os.environ.get(STORE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "kj-stockpile" / "runs"


def store_path(store_dir: str | Path | None) -> Path:
    """The store folder to use: the one given, else the default."""
    return Path(store_dir).expanduser() if store_dir is not None else default_store_dir()
