"""Interactive re-solve: a planner changes one number and waits for the new optimum.

The scenario edit (scenario_edit) must change numbers in the LP, not its structure: the warm
runner then takes its `warm-numbers` path (optimizer.warm; the paths it took are reported). A new
ban on a (commodity, supplier, member) that the edited scenario has no Export_Ban_Constraint rows
for would add rows, so the edit always strengthens a ban the scenario already has:

- the planner's default case (size `ui`, the shipped `stochastic` set): scenario
  heavy_rare_earth_2025 gets a second export ban on the target of its first one (same commodity,
  supplier and members), severity 0.8 for shipments leaving in months 1-6 (UI_SEVERITY,
  UI_MONTHS). In the shipped data of commit a57f3cb that first ban is China's rare earths to KR
  and JP at severity 0.35 for 12 months from month 1; the strongest ban applies, so the upper
  bound of the rows Export_Ban_Constraint[heavy_rare_earth_2025, rare_earths, china, m, d],
  m in {KR, JP}, d = 1..6, falls from 0.65 to 0.2 x m's normal imports from China
  (ban_row_upper in optimizer/model/supply.py): twelve row sides, nothing else. Deriving the
  target from the file keeps the edit numbers-only when the shipped scenario is revised;
- a generated set (bench/scenario_generator.py): the last scenario, in file order, with an
  export ban of severity below 1 on a supplier that is the largest normal source of that commodity
  for a member the ban targets (else, if there is none, on any supplier); of that scenario's such
  bans the last one gets its severity raised by SEVERITY_STEP (at most to 1). The rows
  Export_Ban_Constraint[s, c, k, m, d] of its targets get a lower upper bound in the months the
  ban is active and s owns (where no stronger ban of s applies). A main source is preferred
  because a ban on a minor one may not bind: at 120x50 (seed 0) the last ban of all is on
  Mozambique's graphite, 0.05-0.15 kt/month of normal imports, and raising it leaves the optimum
  where it was, so HiGHS has nothing to do.

The scenario's ban rows do not change, nor, in these sets, do the tree's nodes: the edited
scenario already differs from every other one from the ban's announcement on (a generated set in
which two scenarios differ only in that ban's severity would part them later; none at the sizes
run). tests/test_bench_agree.py checks the warm-numbers path at ui and 24x8, and every re-solve
reports the paths its runner took. edited_rows gives the rows that change and their new upper
bounds.

The data edit (data_edit, pyomo-core-warm-data): China's rare-earth price in suppliers.csv times
PRICE_FACTOR = 60 000 / 69 000 (69 000 -> 60 000 USD/t in the data of commit a57f3cb); the import
costs of every rare-earth route from China change in every scenario.

Each resolver builds and cold-solves the LP (reported, not the point), applies the edit the
cheapest way its interface allows, re-solves warm and reads the new solution back, and reports the
time from the edit to the new optimum, split into where it goes. Then (untimed) the edited inputs'
extensive form is solved cold (optimizer.lp.assemble, a fresh HiGHS): its objective is the reference
the warm objective is checked against.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

import highspy
import numpy as np
from pyomo.common.timing import HierarchicalTimer
from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

from optimizer import Case, ScenarioSet
from optimizer.lp.assemble import assemble
from optimizer.edits import CellEdit, apply_edits
from optimizer.inputs import ModelInputs, build_inputs, with_scenarios
from optimizer.keys import Keys
from optimizer.model import build_model
from optimizer.model.supply import ban_row_upper
from optimizer.scenarios import ExportBan, Scenario
from optimizer.solve import solve_compiled
from optimizer.warm import WarmRunner

from .approaches import _CompiledRun

DATA_EDIT_ROW = {"commodity": "rare_earths", "supplier": "china"}  # of suppliers.csv
PRICE_FACTOR = 60_000 / 69_000  # the earlier runs' price edit, as a share of the price
UI_SET, UI_SCENARIO = "stochastic", "heavy_rare_earth_2025"
UI_SEVERITY, UI_MONTHS = 0.8, (1, 6)  # first and last departure month
SEVERITY_STEP = 0.3


@dataclass(frozen=True)
class ScenarioEdit:
    """The edited scenario (name, probability, events after the edit) and the edit in words."""

    scenario: Scenario
    description: str


def scenario_edit(sset: ScenarioSet, p: ModelInputs) -> ScenarioEdit:
    """The edit of the module docstring for this set (p: its inputs, for the members' normal
    imports): a ban added for the planner's default case, else a raised severity. Raises ValueError
    when the set has no ban that can be strengthened (e.g. a set of one calm scenario): any other
    scenario edit would change the LP's structure."""
    if sset.name == UI_SET:
        return _added_ban(sset)
    for main_source_only in (True, False):
        for scenario in reversed(sset.scenarios):
            bans = [i for i, e in enumerate(scenario.events)
                    if isinstance(e, ExportBan) and e.severity < 1.0
                    and (not main_source_only or _on_a_main_source(e, p))]
            if bans:
                return _raised_severity(scenario, bans[-1])
    raise ValueError(f"scenario set {sset.name} has no export ban below severity 1 to strengthen: "
                     "a new ban would change the LP's structure, not its numbers")


def _on_a_main_source(ban: ExportBan, p: ModelInputs) -> bool:
    """Whether the ban's supplier is the largest normal source of its commodity for a member it
    targets."""
    for member in ban.members or p.members:
        sources = {k: v for (c, k, m), v in p.normal_imports.items()
                   if c == ban.commodity and m == member}
        if sources and max(sources, key=sources.get) == ban.supplier:
            return True
    return False


def _raised_severity(scenario: Scenario, i: int) -> ScenarioEdit:
    """The scenario with its i-th event (an export ban) raised by SEVERITY_STEP, at most to 1."""
    ban = scenario.events[i]
    severity = round(min(1.0, ban.severity + SEVERITY_STEP), 2)
    raised = ban.model_copy(update={"severity": severity})
    events = scenario.events[:i] + (raised,) + scenario.events[i + 1:]
    targets = ",".join(ban.members) if ban.members else "all members"
    return ScenarioEdit(replace(scenario, events=events),
                        f"{scenario.name}: export ban {ban.commodity}/{ban.supplier} on {targets}, "
                        f"months {ban.start_month}-{ban.end_month - 1}, "
                        f"severity {ban.severity} -> {severity}")


def _added_ban(sset: ScenarioSet) -> ScenarioEdit:
    """A ban of UI_SEVERITY in UI_MONTHS added to UI_SCENARIO, on the target of its first export
    ban: the scenario has Export_Ban_Constraint rows for that target already."""
    scenario = next(s for s in sset.scenarios if s.name == UI_SCENARIO)
    first = next((e for e in scenario.events if isinstance(e, ExportBan)), None)
    if first is None:
        raise ValueError(f"{UI_SCENARIO} has no export ban: a new one would change the LP's "
                         "structure, not its numbers")
    start, last = UI_MONTHS
    ban = ExportBan(type="export_ban", commodity=first.commodity, supplier=first.supplier,
                    members=first.members, start_month=start, duration_months=last - start + 1,
                    severity=UI_SEVERITY)
    targets = ",".join(ban.members) if ban.members else "all members"
    return ScenarioEdit(replace(scenario, events=scenario.events + (ban,)),
                        f"{scenario.name}: + export ban {ban.commodity}/{ban.supplier} on "
                        f"{targets}, months {start}-{last}, severity {ban.severity}")


def edited_scenario_set(sset: ScenarioSet, edit: ScenarioEdit) -> ScenarioSet:
    """The scenario set with the edit made (what a planner would type)."""
    name = edit.scenario.name
    return replace(sset, scenarios=tuple(edit.scenario if s.name == name else s
                                         for s in sset.scenarios))


def edited_rows(p: ModelInputs, edit: ScenarioEdit) -> dict[tuple, float]:
    """Export_Ban_Constraint key -> new upper bound, for every row of the edited scenario (one it
    owns) whose upper bound the edit changes. A row with no import in its sum is not in the LP:
    callers skip the keys their LP does not have."""
    edited = with_scenarios(p, [edit.scenario])
    keys = [key for key in edited.ban_rows if p.tree.owns(key[0], key[4])]
    if not keys:
        return {}
    before, after = ban_row_upper(p, Keys.of(keys)), ban_row_upper(edited, Keys.of(keys))
    return {key: new for key, old, new in zip(keys, before.tolist(), after.tolist()) if new != old}


def data_edit(case: Case) -> tuple[CellEdit, str]:
    """China's rare-earth price times PRICE_FACTOR, and the edit in words."""
    df = case.table("suppliers")
    row = (df[list(DATA_EDIT_ROW)] == list(DATA_EDIT_ROW.values())).all(axis=1)
    price = float(df.loc[row, "price_usd_per_t"].iloc[0])
    new = round(price * PRICE_FACTOR, 2)
    return (CellEdit("suppliers", DATA_EDIT_ROW, {"price_usd_per_t": new}),
            f"suppliers.csv: rare_earths/china price_usd_per_t {price:g} -> {new:g}")


def edited_case(setup, kind: str) -> tuple[Case, ScenarioSet]:
    """The case and scenario set after the edit of `kind` ("scenario" or "data")."""
    if kind == "data":
        return apply_edits(setup.case, [data_edit(setup.case)[0]], "bench"), setup.scenario_set
    sset = setup.scenario_set
    return setup.case, edited_scenario_set(sset, scenario_edit(sset, setup.inputs))


def reference_objective(setup, kind: str) -> float | None:
    """The edited inputs' extensive form solved cold (assemble, a fresh HiGHS): the objective
    every warm re-solve must reach."""
    case, sset = edited_case(setup, kind)
    compiled, _ = assemble(build_inputs(sset.apply_to(case), sset, setup.options))
    return solve_compiled(compiled).objective


def _timed(call: Callable) -> tuple[object, float]:
    started = time.perf_counter()
    out = call()
    return out, time.perf_counter() - started


def _edit_pyomo_rows(model, p: ModelInputs, edit: ScenarioEdit) -> list:
    """Set the new upper bound on each edited Export_Ban_Constraint row the model has."""
    cons = []
    family = model.Export_Ban_Constraint
    for key, upper in edited_rows(p, edit).items():
        if key in family:
            con = family[key]
            con.set_value((None, con.body, upper))
            cons.append(con)
    return cons


_AUTO_UPDATES = ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective",
                 "update_constraints", "update_vars", "update_parameters",
                 "update_named_expressions", "update_objective")


def _persistent(setup, emit, targeted: bool) -> dict:
    """pyomo.contrib.solver's persistent Highs: `default` lets solve() find the change itself
    (it scans every constraint and variable); `targeted` turns those scans off and removes and
    re-adds just the edited rows."""
    p = setup.inputs
    edit = scenario_edit(setup.scenario_set, p)
    model = build_model(p)
    opt = ContribHighs()
    res, cold = _timed(lambda: opt.solve(model, load_solutions=False))
    emit(event="step", step="cold_solve", seconds=cold,
         iterations=opt._solver_model.getInfo().simplex_iteration_count)
    before = res.incumbent_objective
    if targeted:
        for flag in _AUTO_UPDATES:
            setattr(opt.config.auto_updates, flag, False)
    started = time.perf_counter()
    cons = _edit_pyomo_rows(model, p, edit)
    if targeted:
        opt.remove_constraints(cons)
        opt.add_constraints(cons)
    edit_seconds = time.perf_counter() - started
    timer = HierarchicalTimer()
    res, solve = _timed(lambda: opt.solve(model, load_solutions=False, timer=timer))
    _, load = _timed(res.solution_loader.load_vars)
    info = opt._solver_model.getInfo()
    breakdown = {"edit_and_row_update": edit_seconds, "update_scan": timer.get_total_time("update"),
                 "highs_run": timer.get_total_time("optimize"),
                 "postsolve": timer.get_total_time("load solution"), "load_vars": load}
    in_solve = ("update_scan", "highs_run", "postsolve")
    breakdown["other"] = solve - sum(v for k, v in breakdown.items() if k in in_solve)
    return dict(cold_seconds=cold, objective_before=before, objective=res.incumbent_objective,
                status=res.termination_condition.name, iterations=info.simplex_iteration_count,
                rows_edited=len(cons), resolve_seconds=edit_seconds + solve + load,
                breakdown=breakdown)


def resolve_compiler_rows(setup, emit) -> dict:
    """The whole Pyomo model handed over by the standard-form compiler; the edited constraints
    are mapped to their HiGHS rows (kept from the compiler), then changed with changeRowsBounds."""
    p = setup.inputs
    edit = scenario_edit(setup.scenario_set, p)
    run = _CompiledRun(p).hand_off({})
    _, cold = _timed(run.highs.run)
    before = run.highs.getInfo().objective_function_value
    emit(event="step", step="cold_solve", seconds=cold,
         iterations=run.highs.getInfo().simplex_iteration_count)
    row_of = {id(con): i for i, (con, _) in enumerate(run.rows)}
    started = time.perf_counter()
    cons = _edit_pyomo_rows(run.model, p, edit)
    rows = np.array([row_of[id(con)] for con in cons], dtype=np.int32)
    upper = np.array([con.upper for con in cons], dtype=float)
    run.highs.changeRowsBounds(len(rows), rows, np.full(len(rows), -highspy.kHighsInf), upper)
    change = time.perf_counter() - started
    _, solve = _timed(run.highs.run)
    sol, _ = _timed(run.highs.getSolution)
    _, load = _timed(lambda: [v.set_value(x, skip_validation=True)
                              for v, x in zip(run.columns, sol.col_value)])
    info = run.highs.getInfo()
    return dict(cold_seconds=cold, objective_before=before, objective=info.objective_function_value,
                status=run.highs.modelStatusToString(run.highs.getModelStatus()),
                iterations=info.simplex_iteration_count, rows_edited=len(cons),
                resolve_seconds=change + solve + load,
                breakdown={"edit_and_row_bounds": change, "highs_run": solve, "load_vars": load})


def _warm_resolve(setup, emit, mode: str, kind: str) -> dict:
    """Cold solve, then the edit, re-solved warm by a WarmRunner in `mode`; then the edit undone
    (a second edit: one-time costs of the first are behind). The breakdown is the runner's: its
    LPs brought up to date (inputs rebuilt, numbers written and sent), HiGHS's runs (wall time:
    several LPs run at once), and the tables (solutions read included); in mode both each step
    adds up over the run's LPs and then its calm reference's (which an edit leaves unchanged)."""
    runner = WarmRunner()
    case, sset = edited_case(setup, kind)

    def solve(case, scenario_set):
        return runner.solve(case, scenario_set, mode, setup.options)

    cold_result, cold = _timed(lambda: solve(setup.case, setup.scenario_set))
    emit(event="step", step="cold_solve", seconds=cold, iterations=None)
    result, total = _timed(lambda: solve(case, sset))
    seconds = runner.last_seconds
    breakdown = {"inputs_slices_sent": seconds["prepare"], "highs_runs": seconds["highs_runs"],
                 "result_tables": seconds["tables"]}
    breakdown["other"] = total - sum(breakdown.values())
    paths = dict(runner.last_paths)
    # a planner's next edit: undo this one
    _, undo = _timed(lambda: solve(setup.case, setup.scenario_set))
    solutions = result.solutions + (result.calm.solutions if result.calm else [])
    runner.close()
    return dict(cold_seconds=cold, objective_before=cold_result.solutions[0].outcome.objective,
                objective=result.solutions[0].outcome.objective,
                status=" / ".join(s.outcome.status for s in solutions), path=paths,
                lps=len(solutions), resolve_seconds=total, breakdown=breakdown,
                second_edit_seconds=undo)


# name -> (resolver, which edit it makes: "scenario" or "data")
RESOLVERS: dict[str, tuple[Callable, str]] = {
    # the project's interactive path on the joint LP (optimizer.warm): the edited scenario's
    # inputs rebuilt, its numbers written into the LP HiGHS holds (no Pyomo build), the
    # differences sent, HiGHS restarted from its basis, tables from HiGHS's arrays
    "pyomo-core-warm": (lambda setup, emit: _warm_resolve(setup, emit, "joint", "scenario"),
                        "scenario"),
    # the same for the data edit: the import prices of China's rare-earth routes recomputed
    "pyomo-core-warm-data": (lambda setup, emit: _warm_resolve(setup, emit, "joint", "data"),
                             "data"),
    # what the planner UI does (mode both): the joint LP and each member's alone brought up to
    # date one by one and re-solved at once, then the calm reference's (unchanged by the edit)
    "pyomo-core-warm-both": (lambda setup, emit: _warm_resolve(setup, emit, "both", "scenario"),
                             "scenario"),
    "pyomo-compiler-rows": (resolve_compiler_rows, "scenario"),
    "pyomo-persistent-default": (lambda setup, emit: _persistent(setup, emit, targeted=False),
                                 "scenario"),
    "pyomo-persistent-targeted": (lambda setup, emit: _persistent(setup, emit, targeted=True),
                                  "scenario"),
}


def run_resolver(name: str, setup, emit) -> None:
    """One resolver, then the untimed check: the cold objective of the edited extensive form."""
    resolver, kind = RESOLVERS[name]
    if kind == "data":
        description = data_edit(setup.case)[1]
    else:
        description = scenario_edit(setup.scenario_set, setup.inputs).description
    result = resolver(setup, emit)
    reference = reference_objective(setup, kind)
    emit(event="done", edit=kind, edit_description=description, reference_objective=reference,
         **result)
