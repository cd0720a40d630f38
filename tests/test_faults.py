"""Faults while results are written (issue 17): a writer killed at any instant, an interrupt, two
writers into one folder. At every check the results folder is the complete earlier result or
the complete new one, and no staging folder outlives the run that owned it.

The folder-level tests fork writers that replace one folder in a loop and kill them at random
instants (seeded), on both ways of replacing (one atomic exchange; moving the old folder aside
where the system has no exchange). The command-level tests do the same to `stockpile solve`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer import output
from optimizer.output import TABLES, remove_stale, staged_folder

FILES = 40  # per generation: enough that a kill lands inside the writing as often as in the swap
FORK = multiprocessing.get_context("fork")
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks writers and sends POSIX signals")


def write_generations(target: str, label: str, count: int, exchange: bool) -> None:
    """Replace target `count` times (forever if 0), each time with FILES files holding
    '<label>-<generation>'. Runs in a forked process."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # pytest may run with SIGINT ignored (a background job)
    if not exchange:
        output._RENAMEAT2 = None  # as on a system without renameat2: move the old folder aside
    generation = 0
    while count == 0 or generation < count:
        with staged_folder(target) as staging:
            for i in range(FILES):
                (staging / f"f{i:02d}.txt").write_text(f"{label}-{generation}")
        generation += 1


def complete_generation(folder: Path) -> str:
    """The one generation every file of folder holds; fails if a file is missing or they differ."""
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"f{i:02d}.txt" for i in range(FILES)], names
    contents = {(folder / name).read_text() for name in names}
    assert len(contents) == 1, contents
    return contents.pop()


def staging_left(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".stockpile-" in p.name)


def start(target: Path, label: str, count: int, exchange: bool):
    process = FORK.Process(target=write_generations, args=(str(target), label, count, exchange))
    process.start()
    return process


def wait_for_first_result(target: Path, label: str) -> None:
    """Until target holds a result of this writer: it then runs its loop, with its handlers set."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if (target / "f00.txt").read_text().startswith(f"{label}-"):
                return
        except OSError:  # the folder is being swapped right now
            pass
        time.sleep(0.001)
    raise AssertionError(f"writer {label} wrote nothing in 30 s")


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "move-aside"])
def test_a_writer_killed_at_any_instant_leaves_a_complete_result(tmp_path, exchange):
    """25 kills -9 at random instants of a writer that replaces the folder in a loop. With the
    atomic exchange the folder is complete right after every kill; moving aside, a kill between
    the two renames leaves the complete old result aside, which the next run puts back. Either
    way the next run removes the dead writer's staging folders."""
    rng = random.Random(17)
    target = tmp_path / "out" / "set"
    for trial in range(25):
        writer = start(target, f"t{trial}", 0, exchange)
        wait_for_first_result(target, f"t{trial}")
        time.sleep(rng.uniform(0, 0.03))
        writer.kill()
        writer.join(timeout=30)
        if exchange:
            complete_generation(target)
        remove_stale(target)  # what the next run does first
        complete_generation(target)
        assert staging_left(target.parent) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "move-aside"])
def test_two_writers_into_one_folder_both_succeed_and_the_last_wins(tmp_path, exchange):
    """Two processes replace the same folder 40 times each, at once: both finish without an error
    (once, 2 of 50 pairs failed with 'Directory not empty'), the folder is complete, and it holds
    the last generation of one of them."""
    target = tmp_path / "out" / "set"
    writers = [start(target, label, 40, exchange) for label in ("a", "b")]
    for writer in writers:
        writer.join(timeout=60)
        assert writer.exitcode == 0
    assert complete_generation(target) in {"a-39", "b-39"}
    assert staging_left(target.parent) == []


def test_an_interrupted_writer_removes_its_staging_folder(tmp_path):
    """SIGINT at random instants: KeyboardInterrupt unwinds through staged_folder, which removes
    its staging folder; the folder is the old or the new result."""
    rng = random.Random(130)
    target = tmp_path / "out" / "set"
    for trial in range(15):
        writer = start(target, f"t{trial}", 0, True)
        wait_for_first_result(target, f"t{trial}")
        time.sleep(rng.uniform(0, 0.03))
        os.kill(writer.pid, signal.SIGINT)
        writer.join(timeout=30)
        assert writer.exitcode is not None, "the writer ignored SIGINT"
        complete_generation(target)
        assert staging_left(target.parent) == []


# -- the command itself --------------------------------------------------------------------------

RESULT_FILES = sorted([*(f"{name}.csv" for name in TABLES), "scenario_tree.csv", "run_record.json", "summary.json"])


def stockpile() -> list[str]:
    script = Path(sys.executable).with_name("stockpile")
    return [str(script)] if script.exists() else [sys.executable, "-m", "optimizer.cli"]


def solve_command(out: Path) -> list[str]:
    return [*stockpile(), "solve", "baseline", "--horizon", "2", "--out", str(out)]


def start_solve(out: Path) -> subprocess.Popen:
    """`stockpile solve` with Ctrl-C's default action, as from a terminal (a background job
    started by a script would inherit SIGINT ignored)."""
    return subprocess.Popen(solve_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def assert_complete_result(folder: Path) -> str:
    """Every file of a results folder is there and readable; returns when it was made."""
    assert sorted(p.name for p in folder.iterdir()) == RESULT_FILES
    for name in RESULT_FILES:
        assert (folder / name).stat().st_size > 0, name
    json.loads((folder / "summary.json").read_text())
    return json.loads((folder / "run_record.json").read_text())["created_utc"]


@pytest.fixture(scope="module")
def earlier_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "out"
    subprocess.run(solve_command(out), check=True, capture_output=True)
    return out


def test_stockpile_killed_or_interrupted_at_random_instants(earlier_result):
    """kill -9, Ctrl-C and SIGTERM at random instants of `stockpile solve --out` over an earlier
    result: the folder is always complete (old or new); an interrupt says one line and exits 130
    (SIGTERM 143) unless the run had already finished (0); the next run removes what a killed
    run left."""
    rng = random.Random(2026)
    out = earlier_result
    for signum in (signal.SIGKILL, signal.SIGINT, signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
        process = start_solve(out)
        time.sleep(rng.uniform(0.05, 3.0))
        process.send_signal(signum)
        stderr = process.communicate(timeout=60)[1]
        assert "Traceback" not in stderr, stderr
        if signum == signal.SIGINT:
            assert process.returncode in (0, 130), stderr
        if signum == signal.SIGTERM:
            assert process.returncode in (0, 143), stderr
        if process.returncode in (130, 143):
            assert stderr.strip().splitlines()[-1].startswith("stockpile: "), stderr
            assert staging_left(out) == []
        assert_complete_result(out / "baseline")
    subprocess.run(solve_command(out), check=True, capture_output=True)
    assert staging_left(out) == []


def test_two_stockpile_runs_into_one_folder_both_succeed(earlier_result):
    first, second = start_solve(earlier_result), start_solve(earlier_result)
    for process in (first, second):
        stderr = process.communicate(timeout=60)[1]
        assert process.returncode == 0, stderr
    assert_complete_result(earlier_result / "baseline")
    assert staging_left(earlier_result) == []
