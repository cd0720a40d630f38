"""The run store under stress: two processes recording at once, a recording killed half-way,
and stores that are corrupt, newer than this code or missing parts - each a clear StoreError,
never a traceback, never a half-visible run."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer import solve_case
from optimizer.store import (RunNotFoundError, StoreError, index, layout, list_runs, load_run, record_result,
                             result_from_run, solve_with_store)
from optimizer.store.index import SCHEMA_VERSION
from optimizer.store.location import INDEX_FILE, RUNS_DIR, STAGING_DIR
from store_fixtures import ban_month_1, one_member

WORKER = Path(__file__).parent / "store_worker.py"
ROOT = Path(__file__).resolve().parents[1]


def start_worker(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"worker ended early: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("worker never reached the point to kill it at")
        time.sleep(0.02)


def record_one(store: Path) -> str:
    case = one_member()
    return record_result(store, solve_case(case, ban_month_1(case), "joint"), case)


def test_two_processes_recording_at_once_into_a_new_store(tmp_path):
    """Both create the store and record 6 runs each, released together: 12 complete runs, every
    one listed and loadable, and SQLite's integrity check passes."""
    store, go = tmp_path / "store", tmp_path / "go"
    workers = [start_worker(store, "record", f"6:{go}") for _ in range(2)]
    time.sleep(0.5)
    go.touch()
    outputs = [w.communicate(timeout=180) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    recorded = {line for out, _ in outputs for line in out.split()}
    rows = list_runs(store)
    assert len(recorded) == 12 and {r["run_id"] for r in rows} == recorded
    for row in rows:
        assert load_run(store, row["run_id"]).tables["joint"]["stockpile_plan"].shape == (1, 11)
    with sqlite3.connect(store / INDEX_FILE) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not any((store / STAGING_DIR).iterdir())


@pytest.mark.parametrize("stage, leftover_dir", [("hang-in-tables", STAGING_DIR), ("hang-before-index", RUNS_DIR)])
def test_a_recording_killed_half_way_leaves_no_visible_run(tmp_path, monkeypatch, stage, leftover_dir):
    """Killed while writing its tables, or with its folder complete but not yet indexed: the run
    is in no listing and cannot be loaded; the next recording, once the leftover is old enough,
    removes it."""
    store, ready = tmp_path / "store", tmp_path / "ready"
    kept = record_one(store)
    worker = start_worker(store, stage, ready)
    wait_for(ready, worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    leftovers = [p for p in (store / leftover_dir).iterdir() if p.name != kept]
    assert len(leftovers) == 1
    assert [r["run_id"] for r in list_runs(store)] == [kept]
    with pytest.raises(RunNotFoundError):
        load_run(store, leftovers[0].name)
    monkeypatch.setattr(layout, "ABANDONED_AFTER_S", 0.0)
    if leftover_dir == RUNS_DIR:  # nothing staged to hint at a killed run: tidy as a user would
        with index.connect(store) as conn:
            layout.tidy_store(store, conn)
    newest = record_one(store)
    assert not leftovers[0].exists()
    assert [r["run_id"] for r in list_runs(store)] == [newest, kept]


def test_a_store_from_a_newer_version_is_refused_clearly(tmp_path):
    store = tmp_path / "store"
    record_one(store)
    with sqlite3.connect(store / INDEX_FILE) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match=f"newer kj-stockpile \\(schema version {SCHEMA_VERSION + 1}; "
                                         f"this one reads up to {SCHEMA_VERSION}\\)"):
        list_runs(store)
    with pytest.raises(StoreError, match="newer"):
        record_one(store)
    case = one_member()
    answer = solve_with_store(store, case, ban_month_1(case), "joint")  # the solve still goes on
    assert answer.answer.optimal and not answer.recalled and "newer" in answer.store_error


def test_a_corrupt_index_is_refused_clearly(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / INDEX_FILE).write_bytes(b"this is not a database\n" * 200)
    with pytest.raises(StoreError, match="corrupt or not a run store.*move the folder"):
        list_runs(store)
    with pytest.raises(StoreError, match="corrupt"):
        record_one(store)


def test_missing_or_damaged_run_files_are_reported_not_raised_raw(tmp_path):
    store = tmp_path / "store"
    run_id = record_one(store)
    table = next((store / RUNS_DIR / run_id).rglob("*.parquet"))
    table.write_bytes(b"not parquet")
    with pytest.raises(StoreError, match=f"a table of run {run_id} cannot be read"):
        load_run(store, run_id)
    for blob in (store / "blobs").rglob("*"):
        if blob.is_file() and blob.parent.name != "cases":
            blob.write_bytes(b"changed")
    with pytest.raises(StoreError, match="corrupt"):
        load_run(store, run_id, parts=[]).case()
    (store / RUNS_DIR / run_id / "record.json").unlink()
    with pytest.raises(StoreError, match=f"run {run_id}'s record"):
        load_run(store, run_id)


def test_run_ids_unknown_ambiguous_or_abbreviated(tmp_path):
    store = tmp_path / "store"
    with pytest.raises(StoreError, match="no run store at"):
        load_run(store, "latest")
    first, second = record_one(store), record_one(store)
    assert load_run(store, "latest").run_id == second
    assert load_run(store, second[:-2]).run_id == second  # a unique start of the id will do
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        load_run(store, "nope")
    common = os.path.commonprefix([first, second])  # both start with the date
    assert common
    with pytest.raises(RunNotFoundError, match="several run ids"):
        load_run(store, common)


def test_a_run_recorded_with_other_options_still_loads_but_is_not_revived(tmp_path):
    """A run whose record has an option this version lacks (an older or newer kj-stockpile) is
    still listed, loaded and compared; turning it back into a RunResult says why it cannot."""
    store = tmp_path / "store"
    run_id = record_one(store)
    record_file = store / RUNS_DIR / run_id / "record.json"
    record = json.loads(record_file.read_text())
    record["options"]["retired_option"] = 1
    record_file.write_text(json.dumps(record))
    run = load_run(store, run_id)
    assert run.tables["joint"]["stockpile_plan"].shape == (1, 11)
    with pytest.raises(StoreError, match="options this version does not have"):
        result_from_run(run)
