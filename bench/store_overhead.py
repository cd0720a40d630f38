"""What the run store adds to a single CLI solve: ``python -m bench.store_overhead [--reps 5]``.

Each repetition runs `stockpile solve SET` (default: the shipped stochastic set, mode joint) in a
fresh process in four ways, interleaved so that a change in the machine's load hits them alike:

- plain:  `stockpile solve --no-store`;
- cold:   `stockpile solve --store DIR` (look the inputs up, solve, record) into a new, empty store
          each time: the store is created and the data copied;
- warm:   the same into a store that already holds this data's files (the usual case: another
          run on the same data); its index is emptied before each repetition, so that the
          lookup finds nothing and the LP is solved and recorded every time;
- recall: identical inputs, answered from the store without solving.

Ratios (median of each over plain's median) are printed and written as JSON (--json), with the
seconds each process spent inside the store (look-up and recording, timed in the process), which
carry less of the machine's noise than a difference of two wall times. The target of issue 15:
cold and warm <= 1.05.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
WAYS = ("plain", "cold", "warm", "recall")
STORE_MARK = "store seconds: "  # the child's report of the time spent in the store


def child(way: str, store: str, cli_args: list[str]) -> None:
    """Run the real CLI in this process: plain with --no-store, the others with --store, timing
    what the store's look-up and recording take inside it."""
    import atexit

    import optimizer.cli as cli
    import optimizer.store.recall as recall
    spent = [0.0]  # seconds inside the store (look-up and recording), without the solve

    def timed(function):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started
        return run

    recall.recall_result, recall.record_result = timed(recall.recall_result), timed(recall.record_result)
    atexit.register(lambda: print(f"{STORE_MARK}{spent[0]:.6f}", file=sys.stderr))
    sys.argv = ["stockpile", *cli_args, *(["--no-store"] if way == "plain" else ["--store", store])]
    cli.main()


def forget_runs(store: Path) -> None:
    """Empty the store's index (its data blobs stay): the next solve is recorded, not recalled."""
    with sqlite3.connect(store / "index.sqlite") as conn:
        conn.execute("DELETE FROM run_inputs")
        conn.execute("DELETE FROM runs")


def time_process(way: str, store: Path, cli_args: list[str]) -> tuple[float, float]:
    """(wall seconds of the whole CLI process, seconds it spent in the store)."""
    command = [sys.executable, "-m", "bench.store_overhead", "--child", way, str(store), "--", *cli_args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{way} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    marks = [line for line in done.stderr.splitlines() if line.startswith(STORE_MARK)]
    return seconds, float(marks[-1][len(STORE_MARK):]) if marks else 0.0


def measure(reps: int, cli_args: list[str], work: Path) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per way: the wall seconds of each repetition, and the seconds spent in the store."""
    warm, recall = work / "warm", work / "recall"
    time_process("warm", warm, cli_args)  # the data blobs are in the warm store from here on
    time_process("recall", recall, cli_args)  # the run to recall
    if not (warm / "index.sqlite").is_file():
        raise SystemExit("`stockpile solve --store` recorded nothing")
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    in_store: dict[str, list[float]] = {way: [] for way in WAYS}
    for rep in range(reps):
        for way in WAYS:
            store = work / f"cold-{rep}" if way == "cold" else work / way
            if way == "warm":
                forget_runs(store)
            wall, spent = time_process(way, store, cli_args)
            times[way].append(wall)
            in_store[way].append(spent)
            print(f"  rep {rep + 1}/{reps} {way}: {wall:.3f} s ({spent:.3f} s in the store)", file=sys.stderr)
    return times, in_store


def summarise(times: dict[str, list[float]], in_store: dict[str, list[float]]) -> dict:
    """Per way: wall seconds (median, min, all), their median over plain's, and the seconds spent
    in the store, alone and over plain's median: the same overhead with less of the machine's
    noise in it."""
    base = statistics.median(times["plain"])
    return {way: {"median_s": statistics.median(ts), "min_s": min(ts), "all_s": ts,
                  "ratio_to_plain": statistics.median(ts) / base,
                  "store_median_s": statistics.median(in_store[way]),
                  "store_share_of_plain": statistics.median(in_store[way]) / base} for way, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--set", default="stochastic", help="scenario set to solve")
    parser.add_argument("--mode", default="joint")
    parser.add_argument("--json", default=None, help="write the figures here")
    args = parser.parse_args()
    cli_args = ["solve", args.set, "--mode", args.mode]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        times, in_store = measure(args.reps, cli_args, Path(folder))
    figures = {"command": "stockpile " + " ".join(cli_args), "reps": args.reps,
               "when_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "load_before": load_before, "load_after": os.getloadavg()},
               "ways": summarise(times, in_store)}
    for way, f in figures["ways"].items():
        print(f"{way:>7}: median {f['median_s']:.3f} s (min {f['min_s']:.3f}), {f['ratio_to_plain']:.3f}x plain; "
              f"{f['store_median_s']:.3f} s in the store = {100 * f['store_share_of_plain']:.1f} % of plain")
    print(f"load average {load_before[0]:.2f} before, {figures['machine']['load_after'][0]:.2f} after")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[5:])
    else:
        main()
