"""One measurement in a fresh process: ``python -m bench.measure '<task as JSON>'``.

bench/run.py starts one process per measurement so that each starts cold (no cached model, no
warmed allocator) and its peak memory is its own. The process prints one JSON line per finished
step (so a measurement killed at its time limit still reports the steps it finished) and a last
line with ``"event": "done"``. Peak memory is the kernel's high-water mark of this process's
resident set (VmHWM in /proc/self/status), taken after each step.

Task kinds: ``grid`` (one approach at one size), ``setting`` (HiGHS options on the project's
extensive form, optimizer.lp.assemble), ``resolve`` (one edit, then a warm re-solve, then the edited
LP solved cold as the reference; see bench/resolve.py).
"""

from __future__ import annotations

import json
import sys
import time

from dataclasses import dataclass

import highspy

from optimizer import Case, RunOptions, ScenarioSet, load_case, load_scenario_set
from optimizer.lp.assemble import assemble
from optimizer.inputs import ModelInputs, build_inputs

from .scenario_generator import generate_scenario_set


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def emit(**fields) -> None:
    print(json.dumps(fields | {"peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)


@dataclass
class Setup:
    case: Case
    scenario_set: ScenarioSet
    options: RunOptions
    inputs: ModelInputs


def make_setup(task: dict) -> Setup:
    """The shipped case facing a generated scenario set of the task's size (common to all
    approaches, so timed apart as `inputs`)."""
    started = time.perf_counter()
    case = load_case()
    if task.get("shipped"):  # a shipped scenario set (the planner UI's default case)
        sset = load_scenario_set(task["shipped"], case)
    else:
        sset = generate_scenario_set(case, task["scenarios"], task["months"], task.get("seed", 0))
    options = RunOptions(horizon_months=task["months"], cover_floors=task.get("floors", False))
    inputs = build_inputs(sset.apply_to(case), sset, options)
    emit(event="step", step="inputs", seconds=time.perf_counter() - started,
         commodities=len(inputs.commodities), members=len(inputs.members),
         suppliers=len(inputs.supplier_capacity), routes=len(inputs.routes))
    return Setup(case, sset, options, inputs)


def run_grid(task: dict) -> None:
    from .approaches import APPROACHES

    approach = APPROACHES[task["approach"]]
    inputs = make_setup(task).inputs
    steps = {"build": 0.0, "hand_off": 0.0, "solve": 0.0, "extract": 0.0}
    state = None
    for step, call in (("build", lambda s: approach.build(inputs)),
                       ("hand_off", lambda s: approach.hand_off(s, task.get("highs_options", {}))),
                       ("solve", lambda s: (approach.solve(s), s)[1])):
        started = time.perf_counter()
        state = call(state)
        steps[step] = time.perf_counter() - started
        emit(event="step", step=step, seconds=steps[step])
    started = time.perf_counter()
    result = approach.extract(state)
    steps["extract"] = time.perf_counter() - started
    if hasattr(state, "rebalance"):
        state.rebalance(steps)
    n_var, n_con, nnz = approach.size(state)
    emit(event="done", steps=steps, objective=result.objective, status=result.status,
         solver_seconds=result.solver_seconds, iterations=result.iterations,
         variables=n_var, constraints=n_con, nonzeros=nnz)


def run_setting(task: dict) -> None:
    """HiGHS with the task's options on the extensive form (optimizer.lp.assemble.assemble), as
    solve_coalition hands it over (CompiledLP.pass_to); only HiGHS's run is timed."""
    compiled, _ = assemble(make_setup(task).inputs)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    for key, value in task.get("highs_options", {}).items():
        highs.setOptionValue(key, value)
    compiled.pass_to(highs)
    emit(event="step", step="built", seconds=0.0)
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    info = highs.getInfo()
    emit(event="done", seconds=seconds, status=highs.modelStatusToString(highs.getModelStatus()),
         objective=info.objective_function_value,
         simplex_iterations=info.simplex_iteration_count, ipm_iterations=info.ipm_iteration_count,
         max_primal_infeasibility=info.max_primal_infeasibility,
         max_dual_infeasibility=info.max_dual_infeasibility,
         primal_dual_objective_error=getattr(info, "primal_dual_objective_error", None))


def run_resolve(task: dict) -> None:
    from .resolve import run_resolver

    run_resolver(task["approach"], make_setup(task), emit)


def main(argv: list[str]) -> None:
    task = json.loads(argv[0])
    {"grid": run_grid, "setting": run_setting, "resolve": run_resolve}[task["kind"]](task)


if __name__ == "__main__":
    main(sys.argv[1:])
