"""Interactive re-solve: a planner changes one number and waits for the new optimum.

The edit (EDIT): in the last scenario of the set, China's rare-earth exports to every member are
cut by 80 % for shipments leaving in months 1-6 (an export ban of severity 0.8 added to that
scenario). In the LP this lowers the upper bound of the six Supplier_Capacity_Constraint rows
(rare_earths, china, every member group, departure months 1-6) of that scenario to capacity x
min(old share, 0.2) (the strongest ban applies) and changes nothing else, so a solver that keeps
its basis can restart from the previous optimum.

The data edit (DATA_EDIT, pyomo-core-warm-data): China's rare-earth price in suppliers.csv, 69 000
-> 60 000 USD/t; the import costs of every rare-earth route from China change in every scenario.

Each resolver builds and cold-solves the model (reported, not the point), applies the edit the
cheapest way its interface allows, re-solves warm and reads the new solution back, and reports the
time from the edit to the new optimum, split into where it goes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

import highspy
import numpy as np
from pyomo.common.timing import HierarchicalTimer
from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

from optimizer.edits import CellEdit, apply_edits
from optimizer.inputs import ModelInputs
from optimizer.model import build_model
from optimizer.scenarios import ExportBan
from optimizer.warm import WarmRunner

from .approaches import _CompiledRun
from .lp_matrix import build_matrix_lp, pass_to_highs, solution_arrays, supply_row_index

DATA_EDIT = CellEdit("suppliers", {"commodity": "rare_earths", "supplier": "china"}, {"price_usd_per_t": 60000.0})
EDIT = ExportBan(type="export_ban", commodity="rare_earths", supplier="china", start_month=1,
                 duration_months=6, severity=0.8)


def edited_rows(p: ModelInputs) -> dict[tuple, float]:
    """Supplier_Capacity_Constraint key -> new upper bound, for every row the edit lowers."""
    s = p.scenarios[-1]
    capacity = p.supplier_capacity[(EDIT.commodity, EDIT.supplier)]
    return {key: capacity * min(share, 1.0 - EDIT.severity) for key, share in p.supply_rows.items()
            if key[:3] == (s, EDIT.commodity, EDIT.supplier) and EDIT.active(key[4])}


def edited_scenario_set(sset):
    """The scenario set with the edit added to its last scenario (what a planner would type)."""
    last = sset.scenarios[-1]
    return replace(sset, scenarios=sset.scenarios[:-1] + (replace(last, events=last.events + (EDIT,)),))


def _timed(call: Callable) -> tuple[object, float]:
    started = time.perf_counter()
    out = call()
    return out, time.perf_counter() - started


def resolve_matrix(setup, emit) -> None:
    p = setup.inputs
    lp = build_matrix_lp(p)
    highs = pass_to_highs(lp)
    _, cold = _timed(highs.run)
    before = highs.getInfo().objective_function_value
    emit(event="step", step="cold_solve", seconds=cold, iterations=highs.getInfo().simplex_iteration_count)
    edits = edited_rows(p)
    rows = np.array([supply_row_index(lp, *key) for key in edits], dtype=np.int32)
    upper = np.array(list(edits.values()))
    _, change = _timed(lambda: highs.changeRowsBounds(len(rows), rows, np.full(len(rows), -highspy.kHighsInf),
                                                       upper))
    _, run = _timed(highs.run)
    _, read = _timed(lambda: solution_arrays(lp, highs))
    info = highs.getInfo()
    emit(event="done", cold_seconds=cold, objective_before=before, objective=info.objective_function_value,
         status=highs.modelStatusToString(highs.getModelStatus()), iterations=info.simplex_iteration_count,
         resolve_seconds=change + run + read,
         breakdown={"change_row_bounds": change, "highs_run": run, "read_solution": read})


def _edit_pyomo_rows(model, p: ModelInputs) -> list:
    cons = []
    for key, upper in edited_rows(p).items():
        con = model.Supplier_Capacity_Constraint[key]
        con.set_value((None, con.body, upper))
        cons.append(con)
    return cons


def _persistent(setup, emit, targeted: bool) -> None:
    """pyomo.contrib.solver's persistent Highs: `default` lets solve() find the change itself
    (it scans every constraint and variable); `targeted` turns those scans off and removes and
    re-adds just the edited rows."""
    p = setup.inputs
    model = build_model(p)
    opt = ContribHighs()
    res, cold = _timed(lambda: opt.solve(model, load_solutions=False))
    emit(event="step", step="cold_solve", seconds=cold,
         iterations=opt._solver_model.getInfo().simplex_iteration_count)
    before = res.incumbent_objective
    if targeted:
        for flag in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                     "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                     "update_vars", "update_parameters", "update_named_expressions", "update_objective"):
            setattr(opt.config.auto_updates, flag, False)
    started = time.perf_counter()
    cons = _edit_pyomo_rows(model, p)
    if targeted:
        opt.remove_constraints(cons)
        opt.add_constraints(cons)
    edit = time.perf_counter() - started
    timer = HierarchicalTimer()
    res, solve = _timed(lambda: opt.solve(model, load_solutions=False, timer=timer))
    _, load = _timed(res.solution_loader.load_vars)
    info = opt._solver_model.getInfo()
    breakdown = {"edit_and_row_update": edit, "update_scan": timer.get_total_time("update"),
                 "highs_run": timer.get_total_time("optimize"),
                 "postsolve": timer.get_total_time("load solution"), "load_vars": load}
    breakdown["other"] = solve - sum(v for k, v in breakdown.items() if k in ("update_scan", "highs_run",
                                                                               "postsolve"))
    emit(event="done", cold_seconds=cold, objective_before=before, objective=res.incumbent_objective,
         status=res.termination_condition.name, iterations=info.simplex_iteration_count,
         resolve_seconds=edit + solve + load, breakdown=breakdown)


def resolve_compiler_rows(setup, emit) -> None:
    """The Pyomo model handed over by the standard-form compiler; the edited constraints are
    mapped to their HiGHS rows once, then changed with changeRowsBounds like the lower bound."""
    p = setup.inputs
    run = _CompiledRun(p).hand_off({})
    _, cold = _timed(run.highs.run)
    before = run.highs.getInfo().objective_function_value
    emit(event="step", step="cold_solve", seconds=cold, iterations=run.highs.getInfo().simplex_iteration_count)
    row_of = {id(con): i for i, (con, _) in enumerate(run.rows)}
    started = time.perf_counter()
    cons = _edit_pyomo_rows(run.model, p)
    rows = np.array([row_of[id(con)] for con in cons], dtype=np.int32)
    upper = np.array([con.upper for con in cons], dtype=float)
    run.highs.changeRowsBounds(len(rows), rows, np.full(len(rows), -highspy.kHighsInf), upper)
    change = time.perf_counter() - started
    _, solve = _timed(run.highs.run)
    sol, _ = _timed(run.highs.getSolution)
    _, load = _timed(lambda: [v.set_value(x, skip_validation=True) for v, x in zip(run.columns, sol.col_value)])
    info = run.highs.getInfo()
    emit(event="done", cold_seconds=cold, objective_before=before, objective=info.objective_function_value,
         status=run.highs.modelStatusToString(run.highs.getModelStatus()),
         iterations=info.simplex_iteration_count, resolve_seconds=change + solve + load,
         breakdown={"edit_and_row_bounds": change, "highs_run": solve, "load_vars": load})


def _warm_resolve(setup, emit, runner, mode: str, edited_case, edited_set, edit: str = "event") -> None:
    """Cold solve, then the edit, re-solved warm by the WarmRunner in `mode`; then the edit undone
    (a second edit: one-time costs of the first are behind). The breakdown is the runner's: its
    LPs brought up to date (inputs rebuilt, numbers written and sent), HiGHS's runs (wall time:
    several LPs run at once), and the tables (solutions read included)."""
    def solve(case, scenario_set):
        return runner.solve(case, scenario_set, mode, setup.options)

    cold_result, cold = _timed(lambda: solve(setup.case, setup.scenario_set))
    emit(event="step", step="cold_solve", seconds=cold, iterations=None)
    result, total = _timed(lambda: solve(edited_case, edited_set))
    breakdown = {"inputs_slices_sent": runner.last_seconds["prepare"], "highs_runs": runner.last_seconds["highs_runs"],
                 "result_tables": runner.last_seconds["tables"]}
    breakdown["other"] = total - sum(breakdown.values())
    path = runner.last_paths
    _, undo = _timed(lambda: solve(setup.case, setup.scenario_set))  # a planner's next edit: undo this one
    emit(event="done", cold_seconds=cold, objective_before=cold_result.solutions[0].outcome.objective,
         objective=result.solutions[0].outcome.objective,
         status=" / ".join(s.outcome.status for s in result.solutions), path=path,
         lps=len(result.solutions), edit=edit, resolve_seconds=total, breakdown=breakdown,
         second_edit_seconds=undo)


def resolve_core_warm(setup, emit) -> None:
    """The project's interactive path (optimizer.warm, joint LP): the edited scenario's inputs are
    rebuilt, its numbers written into the LP HiGHS holds (no Pyomo build) and the differences
    sent; HiGHS restarts from its basis; tables from HiGHS's arrays."""
    _warm_resolve(setup, emit, WarmRunner(), "joint", setup.case, edited_scenario_set(setup.scenario_set))


def resolve_core_warm_data(setup, emit) -> None:
    """As pyomo-core-warm, for a data edit instead (DATA_EDIT): China's rare-earth price changes,
    so the import prices of its rare-earth routes are recomputed in every scenario and written."""
    _warm_resolve(setup, emit, WarmRunner(), "joint", apply_edits(setup.case, [DATA_EDIT], "bench"), setup.scenario_set,
                  edit="data")


def resolve_core_warm_both(setup, emit) -> None:
    """What the planner UI does after an edit (optimizer.warm.WarmRunner, mode both): the joint LP
    and each member's LP alone, brought up to date after EDIT one by one, then re-solved warm at
    once (one thread each)."""
    _warm_resolve(setup, emit, WarmRunner(), "both", setup.case, edited_scenario_set(setup.scenario_set))


RESOLVERS = {
    "pyomo-core-warm": resolve_core_warm,
    "pyomo-core-warm-data": resolve_core_warm_data,
    "pyomo-core-warm-both": resolve_core_warm_both,
    "lp-matrix": resolve_matrix,
    "pyomo-persistent-default": lambda setup, emit: _persistent(setup, emit, targeted=False),
    "pyomo-persistent-targeted": lambda setup, emit: _persistent(setup, emit, targeted=True),
    "pyomo-compiler-rows": resolve_compiler_rows,
}
