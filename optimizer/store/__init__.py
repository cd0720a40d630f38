"""The run store: every solve, coop run and sweep recorded under one folder, listed, reopened,
compared and exported; identical inputs answered from it (docs/store.md).

A SQLite index (index.py) over one folder per run of Parquet tables (frames.py, layout.py) and
content-addressed input files (blobs.py, snapshot.py). record.py writes runs, runs.py reads them,
recall.py answers identical inputs (identity.py says what identical means), compare.py and
diff.py compare two runs, export.py writes one out, history.py serves a UI page, cli.py is
`stockpile runs`.
"""

from .compare import Comparison, compare_runs
from .errors import RunNotFoundError, StoreError
from .export import export_run
from .identity import code_version, store_key
from .location import STORE_ENV_VAR, default_store_dir
from .recall import (StoreAnswer, cooperation_from_run, cooperation_with_store, recall_cooperation, recall_result,
                     result_from_run, solve_with_store)
from .record import command_line, record_cooperation, record_result, record_sweep
from .runs import StoredRun, list_runs, load_run

__all__ = [
    "STORE_ENV_VAR", "Comparison", "RunNotFoundError", "StoreAnswer", "StoreError", "StoredRun", "code_version",
    "command_line", "compare_runs", "cooperation_from_run", "cooperation_with_store", "default_store_dir",
    "export_run", "list_runs", "load_run", "recall_cooperation", "recall_result", "record_cooperation",
    "record_result", "record_sweep", "result_from_run", "solve_with_store", "store_key",
]
