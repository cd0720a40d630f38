"""Run the benchmark: ``python -m bench.run [--sizes 24x1,120x50] [--json out.json] [--quick]``.

Every measurement runs in its own process (bench/measure.py), one after another, each capped by
--timeout seconds; a measurement that hits the cap is reported as a timeout with the steps it
finished. Prints the tables of bench/report.py and writes the same figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from . import report

ROOT = Path(__file__).absolute().parents[1]  # not resolve(): keep a symlinked checkout
DEFAULT_SIZES = "24x1,24x8,60x10,120x10,120x50,120x200"
QUICK_SIZES = "24x1,24x8,60x10"
# also pyomo-compiler and pyomo-contrib: the whole model handed over by Pyomo's other interfaces
APPROACH_NAMES = ("pyomo-core", "pyomo-whole", "pyomo-decomposed", "pyomo-decomposed-2w")
SETTINGS = {  # HiGHS options on the extensive form; "default" is HiGHS's LP default (dual simplex)
    "default": {},
    "ipm+crossover": {"solver": "ipm", "run_crossover": "on"},
    "ipm-no-crossover": {"solver": "ipm", "run_crossover": "off"},
    "simplex-parallel-2": {"solver": "simplex", "parallel": "on", "threads": 2},
    "presolve-off": {"presolve": "off"},
    "primal-simplex": {"solver": "simplex", "simplex_strategy": 4},
}
RESOLVERS = ("pyomo-core-warm", "pyomo-core-warm-data", "pyomo-core-warm-both",
             "pyomo-compiler-rows", "pyomo-persistent-targeted", "pyomo-persistent-default")
# The re-solve needs a scenario with an export ban to strengthen (bench/resolve.py): 24x1, the calm
# scenario alone, has none, so the smallest generated re-solve size is 24x8.
DEFAULT_RESOLVE_SIZES, QUICK_RESOLVE_SIZES = "ui,24x8,120x50", "ui,24x8,60x10"
UI_DEFAULT = {"months": 24, "scenarios": 8, "shipped": "stochastic"}  # the planner UI's first run


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'24x1,120x50' -> [(24, 1), (120, 50)] as (months, scenarios); 'none' -> []."""
    return [tuple(int(x) for x in item.lower().split("x")) for item in text.split(",") if item and item != "none"]


def resolve_tasks(text: str, approaches: list[str], seed: int) -> list[dict]:
    """Re-solve tasks; the size 'ui' is the planner UI's default case (the shipped stochastic set)."""
    sizes = [UI_DEFAULT if item == "ui" else dict(zip(("months", "scenarios"), parse_sizes(item)[0]))
             for item in text.split(",") if item and item != "none"]
    return [{"kind": "resolve", "approach": name, "seed": seed, **size} for size in sizes for name in approaches]


def measure(task: dict, timeout_s: float) -> dict:
    """Run one task in a fresh process; collect its JSON lines, even from a process that timed out."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    load_before = os.getloadavg()[0]  # other work on the machine inflates the timings: keep it on record
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "bench.measure", json.dumps(task)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout_s)
        outcome, stdout, stderr = ("ok" if proc.returncode == 0 else "error"), proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        outcome = "timeout"
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = ""
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    record = task | {"outcome": outcome, "wall_seconds": time.perf_counter() - started,
                     "load_average_1min": [load_before, os.getloadavg()[0]],
                     "events": lines, "peak_rss_mb": max((e["peak_rss_mb"] for e in lines), default=None)}
    if outcome == "error":
        record["error"] = stderr.strip().splitlines()[-1] if stderr.strip() else "exit code != 0"
    return record


def machine() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lscpu if line.startswith("Model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def _log(record: dict) -> None:
    done = next((e for e in record["events"] if e.get("event") == "done"), {})
    what = record.get("approach") or record.get("setting")
    size = "ui" if record.get("shipped") else f"{record['months']}x{record['scenarios']}"
    print(f"  {record['kind']:8} {what:26} {size:>9} {record['outcome']:8} "
          f"{record['wall_seconds']:8.1f} s  objective {done.get('objective')}",
          file=sys.stderr, flush=True)


def commit() -> str:
    """The checkout's commit, marked dirty if files differ from it (what the figures measured)."""
    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def run(args) -> dict:
    out = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit(),
           "seed": args.seed, "timeout_s": args.timeout, "grid": [], "settings": [], "resolve": []}
    for months, scenarios in parse_sizes(args.sizes):
        for name in args.approaches.split(","):
            task = {"kind": "grid", "approach": name, "months": months, "scenarios": scenarios, "seed": args.seed}
            out["grid"].append(measure(task, args.timeout))
            _log(out["grid"][-1])
    if args.settings_size != "none":
        (months, scenarios), = parse_sizes(args.settings_size)
        for name in args.settings.split(","):
            options = SETTINGS[name]
            task = {"kind": "setting", "setting": name, "highs_options": options, "months": months,
                    "scenarios": scenarios, "seed": args.seed}
            out["settings"].append(measure(task, args.settings_timeout))
            _log(out["settings"][-1])
    for task in resolve_tasks(args.resolve_sizes, args.resolvers.split(","), args.seed):
        out["resolve"].append(measure(task, args.timeout))
        _log(out["resolve"][-1])
    out["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return out


def merge(runs: list[dict]) -> dict:
    """One result from runs made one after another on the same machine (e.g. the largest size
    run apart): measurements are concatenated, later runs last."""
    out = dict(runs[0])
    for key in ("grid", "settings", "resolve"):
        out[key] = [record for run in runs for record in run[key]]
    out["finished"] = runs[-1].get("finished")
    out["parts"] = [{k: run.get(k) for k in ("started", "finished", "timeout_s", "commit")} for run in runs]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help=f"months x scenarios, default {DEFAULT_SIZES}; 'none' to skip")
    parser.add_argument("--approaches", default=",".join(APPROACH_NAMES))
    parser.add_argument("--settings-size", default=None, help="size for the HiGHS settings (default 120x50; 'none' to skip)")
    parser.add_argument("--resolve-sizes", default=None,
                        help="sizes for the re-solve, 'ui' = the planner's default case (default "
                             f"{DEFAULT_RESOLVE_SIZES}; 'none' to skip)")
    parser.add_argument("--resolvers", default=",".join(RESOLVERS), help="re-solve approaches (bench/resolve.py)")
    parser.add_argument("--quick", action="store_true",
                        help=f"sizes {QUICK_SIZES}; settings at 60x10, re-solve at "
                             f"{QUICK_RESOLVE_SIZES}")
    parser.add_argument("--seed", type=int, default=0, help="scenario generator seed")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per grid or re-solve process")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="HiGHS settings to measure")
    parser.add_argument("--settings-timeout", type=float, default=600.0,
                        help="seconds per HiGHS-settings process (a slow setting is reported as a timeout)")
    parser.add_argument("--json", default="bench_results.json", help="where to write the figures")
    parser.add_argument("--from-json", default=None,
                        help="comma-separated JSON files of earlier runs: merge them, print the tables, run nothing")
    args = parser.parse_args(argv)
    if args.from_json:
        merged = merge([json.loads(Path(f).read_text()) for f in args.from_json.split(",")])
        merged["summary"] = report.summarise(merged)
        if args.json != parser.get_default("json"):
            Path(args.json).write_text(json.dumps(merged, indent=1, default=str))
        print(report.render(merged))
        return
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    args.settings_size = args.settings_size or ("60x10" if args.quick else "120x50")
    resolve_default = QUICK_RESOLVE_SIZES if args.quick else DEFAULT_RESOLVE_SIZES
    args.resolve_sizes = args.resolve_sizes or resolve_default
    results = run(args)
    results["summary"] = report.summarise(results)
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    print(report.render(results))
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
