"""A sweep killed mid-way resumes where it stopped: a real `python -m optimizer.sweep.cli` process is
killed (SIGKILL) after some samples are recorded, then resumed; no sample is computed twice and the
result equals an uninterrupted run's."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from builders import ban, tiny_case
from optimizer.sweep.store import DB_FILE, SampleStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 120
KILL_AFTER = 10  # samples recorded before the kill


def write_inputs(folder: Path) -> tuple[Path, Path, Path]:
    """The probability-threshold case (tests/test_fixtures.py) as CSV files, its scenario set and a
    sweep file with two ranges (holding share and price): what a sweep reads from disk."""
    case = tiny_case()
    data = folder / "data"
    data.mkdir()
    for name, table in case.tables.items():
        table.map(lambda v: ";".join(v) if isinstance(v, tuple) else v).to_csv(data / f"{name}.csv", index=False)
    scenario_dir = folder / "scenarios"
    scenario_dir.mkdir()
    (scenario_dir / "threshold.yaml").write_text(yaml.safe_dump({
        "name": "threshold", "title": "one-month ban", "horizon_months": 12,
        "scenarios": [{"name": "base", "probability": 0.98, "events": []},
                      {"name": "ban", "probability": 0.02, "events": [ban(1, 1)]}]}))
    sweep_file = folder / "sweep.yaml"
    sweep_file.write_text(yaml.safe_dump({"parameters": [
        dict(name="holding", table="stockpile_costs", where={"commodity": "x"},
             field="holding_cost_share_per_year", low=0.06, high=0.24),
        dict(name="price", table="suppliers", where={"commodity": "x", "supplier": "a"},
             field="price_usd_per_t", low=500, high=1500)]}))
    return data, scenario_dir, sweep_file


def command(folder: Path, out: Path, *extra: str) -> list[str]:
    data, scenario_dir, sweep_file = folder / "data", folder / "scenarios", folder / "sweep.yaml"
    return [sys.executable, "-m", "optimizer.sweep.cli", "threshold", "--data", str(data), "--scenario-dir",
            str(scenario_dir), "--file", str(sweep_file), "--method", "mc", "--samples", str(SAMPLES),
            "--mode", "joint", "--quiet", "--out", str(out), *extra]


def recorded(out: Path) -> int:
    if not (out / DB_FILE).is_file():
        return 0
    with sqlite3.connect(out / DB_FILE, timeout=5) as db:
        return db.execute("SELECT count(*) FROM samples").fetchone()[0]


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "killed"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command(tmp_path, out), cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # a loaded machine may take long to start the process
    while recorded(out) < KILL_AFTER and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = recorded(out)
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    assert KILL_AFTER <= before < SAMPLES, "the kill must land mid-sweep"

    resumed = subprocess.run(command(tmp_path, out, "--resume"), cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    straight = subprocess.run(command(tmp_path, tmp_path / "straight"), cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
    assert straight.returncode == 0, straight.stderr

    store = SampleStore(out)
    samples, answers = store.samples(), store.answers()
    store.close()
    # every sample once (its id is the primary key: a second insert would have failed the run);
    # the first session's samples kept, the second computed exactly the rest
    assert sorted(samples["sample_id"]) == list(range(SAMPLES))
    by_session = samples.groupby("session")["sample_id"].apply(set)
    assert list(by_session.index) == [1, 2] and len(by_session[1]) == before
    assert by_session[1].isdisjoint(by_session[2]) and len(by_session[2]) == SAMPLES - before

    other = SampleStore(tmp_path / "straight")
    reference = other.answers()
    other.close()
    key = ["sample_id", "quantity", "solution", "member", "commodity"]
    merged = answers.merge(reference, on=key, how="outer", suffixes=("", "_straight"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert merged["value"].to_numpy() == pytest.approx(merged["value_straight"].to_numpy(), rel=1e-9, abs=1e-9)
