"""The store's index: one SQLite file listing every complete run (docs/store.md, "Schema").

SQLite, not DuckDB: several processes (two `stockpile solve` at once, sweep workers) record into
one store, and SQLite lets any number of processes open the file and serialises their writes
(WAL journal, BEGIN IMMEDIATE, a busy timeout), whereas DuckDB lets one process at a time open a
database for writing. The index is small (a row per run); the tables themselves are Parquet.
A run's row is inserted in one transaction after its folder is complete, so a run is visible
whole or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import RunNotFoundError, StoreError
from .location import INDEX_FILE

SCHEMA_VERSION = 1  # PRAGMA user_version; raise it (with a migration) whenever the schema changes
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another's transaction before giving up
LATEST = "latest"  # the run id that means the newest run

RUN_COLUMNS = ("run_id", "kind", "created_utc", "label", "title", "mode", "status", "objective_musd",
               "expected_cost_musd", "crisis_value_musd", "store_key", "inputs_hash", "case_fingerprint",
               "solver", "code_package", "code_source_sha256", "code_commit", "command", "options_json", "folder")
INPUT_COLUMNS = ("run_id", "role", "file", "sha256", "bytes")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_utc TEXT NOT NULL, label TEXT NOT NULL,
        title TEXT NOT NULL, mode TEXT, status TEXT NOT NULL, objective_musd REAL, expected_cost_musd REAL,
        crisis_value_musd REAL, store_key TEXT, inputs_hash TEXT, case_fingerprint TEXT, solver TEXT,
        code_package TEXT, code_source_sha256 TEXT, code_commit TEXT, command TEXT NOT NULL,
        options_json TEXT NOT NULL, folder TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS runs_by_key ON runs (store_key)",
    "CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_utc)",
    """CREATE TABLE IF NOT EXISTS run_inputs (
        run_id TEXT NOT NULL REFERENCES runs (run_id), role TEXT NOT NULL, file TEXT NOT NULL,
        sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (run_id, role, file))""",
)


@contextmanager
def connect(store: Path, create: bool = False) -> Iterator[sqlite3.Connection]:
    """An open index with the current schema. create=False: a missing store is an error."""
    path = store / INDEX_FILE
    if not path.exists() and not create:
        raise StoreError(f"no run store at {store}: nothing has been recorded there yet")
    try:
        store.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open the run store at {store}: {exc}") from None
    try:
        _prepare(conn, path)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise StoreError(_explain(path, exc)) from None
    finally:
        conn.close()


def _explain(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return (f"the run store index {path} is corrupt or not a run store ({text}); move the folder "
                f"{path.parent} away to start a new store, or point --store elsewhere")
    return f"the run store index {path} cannot be used: {text}"


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a newer schema; create the tables in a new store (once, whoever comes first)."""
    version = _schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(f"the run store at {path.parent} was written by a newer kj-stockpile (schema version "
                         f"{version}; this one reads up to {SCHEMA_VERSION}): upgrade kj-stockpile, or use "
                         "another --store folder")
    conn.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: safe against a killed process
    if version == SCHEMA_VERSION:
        return
    conn.execute("PRAGMA journal_mode = WAL")  # persistent: readers never block the writer
    with transaction(conn):
        if _schema_version(conn) == 0:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock first, so two writers queue instead of
    failing when one would upgrade a read to a write."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def insert_run(conn: sqlite3.Connection, run: dict, inputs: list[dict]) -> None:
    """The run's row and its input files' rows, in one transaction."""
    with transaction(conn):
        conn.execute(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
                     [run[c] for c in RUN_COLUMNS])
        conn.executemany(f"INSERT INTO run_inputs ({', '.join(INPUT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                         [[row[c] for c in INPUT_COLUMNS] for row in inputs])


def select_runs(conn: sqlite3.Connection, filters: dict[str, object] | None = None,
                since_utc: str | None = None, limit: int | None = None) -> list[dict]:
    """Rows of runs, newest first; filters: column -> value (equality)."""
    clauses, params = [], []
    for column, value in (filters or {}).items():
        if column not in RUN_COLUMNS:
            raise ValueError(f"no column {column!r} in runs")
        clauses.append(f"{column} = ?")
        params.append(value)
    if since_utc is not None:
        clauses.append("created_utc >= ?")
        params.append(since_utc)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    cursor = conn.execute(f"SELECT * FROM runs{where} ORDER BY created_utc DESC, run_id DESC{tail}", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def select_inputs(conn: sqlite3.Connection, run_id: str) -> list[dict]:
    cursor = conn.execute("SELECT * FROM run_inputs WHERE run_id = ? ORDER BY role, file", (run_id,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def resolve_run_id(conn: sqlite3.Connection, text: str, store: Path) -> str:
    """A full run id, 'latest', or a prefix of exactly one run id."""
    text = text.strip()
    if text == LATEST:
        row = conn.execute("SELECT run_id FROM runs ORDER BY created_utc DESC, run_id DESC LIMIT 1").fetchone()
        if row is None:
            raise RunNotFoundError(f"no runs in the store at {store}")
        return row[0]
    if conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (text,)).fetchone():
        return text
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = [r[0] for r in conn.execute("SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\' LIMIT 3",
                                          (escaped + "%",))] if text else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RunNotFoundError(f"no run '{text}' in the store at {store}; `stockpile runs list` shows the runs")
    raise RunNotFoundError(f"'{text}' is the start of several run ids ({', '.join(matches[:2])}, ...); "
                           "give more of the id")
