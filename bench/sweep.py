"""Sweep throughput and the decomposition on Dask: ``python -m bench.sweep [--quick] [--json out.json]``.

Every measurement runs in its own fresh process (``python -m bench.sweep --task '<JSON>'``), one
after another, and prints one JSON line; the driver collects them, prints the tables and the
targets, and writes the figures as JSON. Ratios compare measurements of the same run only; with
--repeat N the throughput and decomposition measurements run N interleaved rounds and the tables
show the fastest of each (the least disturbed by other jobs on a shared machine). `cores used` is
the CPU time of the measurement's processes over its wall time: what the machine gave it.

The case is the planner's default: the shipped `stochastic` set, 24 months, mode `both` (the joint
plan, each member alone, and the calm reference: six LPs per sample, as the UI solves them). The
samples are one Latin hypercube (seed 0) over every assumption of data/assumptions.csv and every
scenario probability but the baseline's (x0.5 to x1.5; the baseline takes the rest), the same
samples for every engine:

- `loop`: the lower bound, a plain in-process loop over the samples: the sample's inputs
  (SampleInputs), WarmRunner.solve and the headline answers, no scheduling, no storage;
- `sweep-inprocess`: run_sweep with one worker in this process (the command's default);
- `sweep-dask-1w`, `sweep-dask-2w`: run_sweep on a LocalCluster of 1 or 2 worker processes (tasks,
  scattered context, outcomes sent back and stored). The cluster is started, and its workers
  import the optimizer, before the clock starts (reported as `startup`): the throughput is the
  samples' own;
- `large`: a 1,000-sample sweep (same design, larger) on a 2-worker LocalCluster, from the start
  of the cluster to the last sample stored, with the peak memory of every process of the run
  (this one, the scheduler's, the workers' and their nannies'), sampled every 0.5 s;
- `decompose-pool`, `decompose-dask`: the decomposition of a generated set (default 120x200, seed 0)
  with 2 workers: the retired process pool (bench/legacy_pool.py) against the Dask actors
  (optimizer/decompose.py), each from a fresh process, worker start included (the pool starts its
  processes in the call; so does the LocalCluster in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
THROUGHPUT_SAMPLES, LARGE_SAMPLES, DECOMPOSE_SIZE = 60, 1000, "120x200"
QUICK = {"throughput": 12, "large": 60, "decompose": "60x40"}
TARGETS = {"sweep one worker / loop, time per sample": 1.1, "throughput 2 workers / 1 worker": 1.6,
           "decomposition dask / pool, 2 workers": 1.1}


def default_plan(samples: int):
    """The sweep plan every throughput task solves: the default case, all assumptions and
    probabilities, a Latin hypercube of `samples` (seed 0)."""
    from optimizer import load_case, load_scenario_set
    from optimizer.sweep import command_line_spec, plan_sweep, sweep_parameters
    from optimizer.case import DEFAULT_DATA_DIR

    case = load_case()
    stochastic = load_scenario_set("stochastic", case)
    spec = command_line_spec(None, "all", True, DEFAULT_DATA_DIR)
    parameters = sweep_parameters(case, stochastic, None, spec)
    return plan_sweep(case, stochastic, parameters, "lhs", samples, seed=0, mode="both")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


def tree_cpu_seconds() -> float:
    """CPU time (user + system) of this process and its live descendants (the cluster's scheduler,
    nannies and workers): over a measurement, divided by its wall time, the cores it had. On a
    shared machine this says whether 2 workers got 2 cores."""
    import psutil

    total = 0.0
    root = psutil.Process()
    for process in [root] + root.children(recursive=True):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


class TreeMemory:
    """Peak resident memory of this process and all its descendants, summed, sampled every 0.5 s."""

    def __init__(self):
        import psutil

        self.root, self.peak_mb, self._stop = psutil.Process(), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.5):
            total = 0
            for process in [self.root] + self.root.children(recursive=True):
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def task_loop(task: dict) -> dict:
    from optimizer.sweep.headline import headline_answers
    from optimizer.sweep.sample_inputs import SampleInputs
    from optimizer.warm import WarmRunner

    plan = default_plan(task["samples"])
    context = plan.context
    inputs = SampleInputs(context.case, context.scenario_set, list(context.parameters))
    runner, optimal, cpu, started = WarmRunner(), 0, tree_cpu_seconds(), time.perf_counter()
    for values in plan.design.values:
        result = runner.solve(inputs.case_for(values), inputs.scenario_set_for(values), context.mode, context.options)
        if result.optimal and (result.calm is None or result.calm.optimal):
            optimal += 1
            headline_answers(result)
    return {"seconds": time.perf_counter() - started, "samples": plan.design.size, "optimal": optimal,
            "cpu_seconds": tree_cpu_seconds() - cpu}


def task_sweep(task: dict) -> dict:
    from optimizer.sweep import run_sweep, sweep_summary
    from optimizer.cluster import local_client

    plan = default_plan(task["samples"])
    scheduler, startup = None, 0.0
    if task["engine"] == "dask":  # its address: one worker on a cluster, not in this process
        started = time.perf_counter()
        client = local_client(task["workers"])
        client.run(lambda: __import__("optimizer.sweep.evaluate"))
        scheduler, startup = client.scheduler.address, time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        cpu, started = tree_cpu_seconds(), time.perf_counter()
        run = run_sweep(plan, Path(folder) / "s", scheduler=scheduler, show_progress=False)
        seconds, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu
        optimal = sweep_summary(run.folder)["samples"]["optimal"]
    return {"seconds": seconds, "startup": startup, "samples": run.computed, "optimal": optimal, "cpu_seconds": cpu}


def task_large(task: dict) -> dict:
    from optimizer.sweep import run_sweep, sweep_summary

    memory, cpu = TreeMemory(), tree_cpu_seconds()
    started = time.perf_counter()
    plan = default_plan(task["samples"])
    with tempfile.TemporaryDirectory() as folder:
        run = run_sweep(plan, Path(folder) / "s", task["workers"], show_progress=False)
        seconds, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu
        summary = sweep_summary(run.folder)
    return {"seconds": seconds, "samples": run.computed, "optimal": summary["samples"]["optimal"],
            "failed": summary["samples"]["failed"], "peak_tree_mb": memory.stop(), "cpu_seconds": cpu}


def task_decompose(task: dict) -> dict:
    from bench.legacy_pool import process_pool
    from bench.scenario_generator import generate_scenario_set
    from optimizer import RunOptions, load_case
    from optimizer.decompose import solve_decomposed
    from optimizer.inputs import build_inputs

    months, scenarios = (int(x) for x in task["size"].split("x"))
    case = load_case()
    scenario_set = generate_scenario_set(case, scenarios, months, seed=0)
    p = build_inputs(scenario_set.apply_to(case), scenario_set, RunOptions(horizon_months=months))
    memory, cpu = TreeMemory(), tree_cpu_seconds()
    started = time.perf_counter()
    pool = process_pool(task["workers"]) if task["engine"] == "pool" else None
    decomposed = solve_decomposed(p, {}, workers=task["workers"], pool=pool)
    seconds = time.perf_counter() - started
    # the pool's processes have ended by now: their CPU time is the reaped children's
    cpu = tree_cpu_seconds() - cpu + (os.times().children_user + os.times().children_system)
    return {"seconds": seconds, "objective": decomposed.objective, "iterations": decomposed.iterations,
            "timings": decomposed.timings, "peak_tree_mb": memory.stop(), "cpu_seconds": cpu}


TASKS = {"loop": task_loop, "sweep": task_sweep, "large": task_large, "decompose": task_decompose}


def run_task(task: dict, timeout_s: float) -> dict:
    """One task in a fresh process; its JSON line, with the machine's load around it."""
    load_before = os.getloadavg()[0]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "bench.sweep", "--task", json.dumps(task)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout_s)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if proc.returncode == 0 and lines else \
            {"error": (proc.stderr.strip().splitlines() or ["exit code != 0"])[-1]}
    except subprocess.TimeoutExpired:
        result = {"error": f"timeout after {timeout_s:.0f} s"}
    record = task | result | {"wall_seconds": time.perf_counter() - started,
                              "load_average_1min": [load_before, os.getloadavg()[0]]}
    print(f"  {describe(task):32} {record.get('seconds', float('nan')):8.1f} s  "
          f"{record.get('error', '')}", file=sys.stderr, flush=True)
    return record


def describe(task: dict) -> str:
    if task["kind"] == "sweep":
        return f"sweep-{task['engine']}-{task['workers']}w x{task['samples']}"
    if task["kind"] == "decompose":
        return f"decompose-{task['engine']} {task['size']} {task['workers']}w"
    return f"{task['kind']} x{task['samples']}"


def plan_tasks(throughput: int, large: int, size: str, repeat: int = 1) -> list[dict]:
    """The throughput measurements `repeat` times, interleaved (loop, in process, 1 worker, 2
    workers, then again), so that a change of load on a shared machine falls on every engine
    alike; the large sweep once; the decomposition's pool and Dask runs `repeat` times, interleaved."""
    one_round = [{"kind": "loop", "samples": throughput},
                 {"kind": "sweep", "engine": "inprocess", "workers": 1, "samples": throughput},
                 {"kind": "sweep", "engine": "dask", "workers": 1, "samples": throughput},
                 {"kind": "sweep", "engine": "dask", "workers": 2, "samples": throughput}]
    decompose = [{"kind": "decompose", "engine": engine, "workers": 2, "size": size} for engine in ("pool", "dask")]
    return ([task | {"round": r} for r in range(repeat) for task in one_round]
            + [{"kind": "large", "workers": 2, "samples": large}]
            + [task | {"round": r} for r in range(repeat) for task in decompose])


def fastest(records: list[dict]) -> dict[str, dict]:
    """Per measurement (its name without the sample count), the record of the fastest of its
    repeats: on a machine shared with other jobs, the one they disturbed least."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        if "seconds" in r:
            groups.setdefault(describe(r).split(" x")[0].split(" ")[0], []).append(r)
    return {name: min(rs, key=lambda r: r["seconds"]) for name, rs in groups.items()}


def report(records: list[dict]) -> str:
    """The throughput table, the large sweep, the decomposition and the targets."""
    by = fastest(records)
    lines = ["| measurement | samples | seconds | s per sample | samples/s | cores used | startup s | optimal "
             "| load 1 min |", "|---|---|---|---|---|---|---|---|---|"]
    for r in by.values():
        if r["kind"] in ("loop", "sweep", "large"):
            cores = f"{r['cpu_seconds'] / r['seconds']:.2f}" if "cpu_seconds" in r else "-"
            lines.append(f"| {describe(r)} | {r['samples']} | {r['seconds']:.1f} | {r['seconds'] / r['samples']:.3f} | "
                         f"{r['samples'] / r['seconds']:.2f} | {cores} | {r.get('startup', 0):.1f} | {r['optimal']} | "
                         f"{r['load_average_1min'][0]:.1f}-{r['load_average_1min'][1]:.1f} |")
    large = by.get("large")
    if large and "seconds" in large:
        lines.append(f"\n{large['samples']:,}-sample sweep: {large['seconds']:.0f} s wall "
                     f"({large['seconds'] / 60:.1f} min), "
                     f"{large['failed']} failed, peak memory of all its processes {large['peak_tree_mb']:.0f} MB")
    pool, dask = by.get("decompose-pool"), by.get("decompose-dask")
    if pool and dask and "seconds" in pool and "seconds" in dask:
        gap = abs(pool["objective"] - dask["objective"]) / abs(pool["objective"])
        lines.append(f"decomposition {pool['size']}, 2 workers: pool {pool['seconds']:.1f} s, "
                     f"Dask {dask['seconds']:.1f} s "
                     f"(objectives differ by {gap:.1e}; peak memory {pool['peak_tree_mb']:.0f} / "
                     f"{dask['peak_tree_mb']:.0f} MB)")
    lines += ["", "| target | measured | limit | |", "|---|---|---|---|"]
    for name, measured, limit, better in targets(by):
        verdict = "-" if measured is None else ("met" if better(measured, limit) else "MISSED")
        shown = "-" if measured is None else f"{measured:.3f}"
        lines.append(f"| {name} | {shown} | {limit} | {verdict} |")
    return "\n".join(lines)


def targets(by: dict) -> list[tuple]:
    def per_sample(name):
        r = by.get(name)
        return r["seconds"] / r["samples"] if r and "seconds" in r else None

    def ratio(a, b):
        return None if a is None or b is None else a / b

    loop = per_sample("loop")
    pool, dask = by.get("decompose-pool", {}), by.get("decompose-dask", {})
    at_most, at_least = (lambda m, lim: m <= lim), (lambda m, lim: m >= lim)
    name_1w, name_2w, name_dec = TARGETS
    return [(f"{name_1w} (in process)", ratio(per_sample("sweep-inprocess-1w"), loop), TARGETS[name_1w], at_most),
            (f"{name_1w} (LocalCluster, 1 worker)", ratio(per_sample("sweep-dask-1w"), loop), TARGETS[name_1w],
             at_most),
            (f"{name_2w} (LocalCluster)", ratio(per_sample("sweep-dask-1w"), per_sample("sweep-dask-2w")),
             TARGETS[name_2w], at_least),
            (name_dec, ratio(dask.get("seconds"), pool.get("seconds")), TARGETS[name_dec], at_most)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help=f"smaller sizes: {QUICK}")
    parser.add_argument("--throughput-samples", type=int, default=THROUGHPUT_SAMPLES)
    parser.add_argument("--large-samples", type=int, default=LARGE_SAMPLES)
    parser.add_argument("--decompose-size", default=DECOMPOSE_SIZE, help="months x scenarios of the generated set")
    parser.add_argument("--only", help="comma-separated kinds to run: loop,sweep,large,decompose")
    parser.add_argument("--repeat", type=int, default=1,
                        help="interleaved rounds of the throughput and decomposition measurements (fastest shown)")
    parser.add_argument("--from-json", help="print the tables of an earlier run's JSON file, run nothing")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per measurement")
    parser.add_argument("--json", default="bench_sweep.json")
    args = parser.parse_args(argv)
    if args.task:
        task = json.loads(args.task)
        print(json.dumps(TASKS[task["kind"]](task) | {"peak_rss_mb": peak_rss_mb()}, default=str), flush=True)
        return
    if args.quick:
        args.throughput_samples, args.large_samples, args.decompose_size = QUICK.values()
    if args.from_json:
        print(report(json.loads(Path(args.from_json).read_text())["records"]))
        return
    tasks = plan_tasks(args.throughput_samples, args.large_samples, args.decompose_size, args.repeat)
    if args.only:
        tasks = [t for t in tasks if t["kind"] in args.only.split(",")]
    from bench.run import commit, machine

    out = {"machine": machine(), "commit": commit(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "records": [run_task(task, args.timeout) for task in tasks]}
    out["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    print(report(out["records"]))
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
