"""Answer identical inputs from the store: a stored run turned back into the RunResult or
CooperationReport it was recorded from, and the solve-or-recall entry points for the CLI.

The tables, statuses, objectives and solver records come from the store; only the ModelInputs
of each LP (the scaled parameters the report functions read: scenarios, probabilities, units)
are rebuilt from the data, which takes milliseconds and no solve. Only optimal runs are recalled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..case import Case
from ..coop.game import (DEFAULT_RISK_WEIGHTS, CoalitionGame, CooperationReport, coalition_capacity_share,
                         cooperation_report)
from ..inputs import RunOptions, build_inputs, capacity_split
from ..run import Coalition, RunResult, Solution, run_coalitions, solve_case
from ..scenarios import ScenarioSet
from ..solve import SolveOutcome
from .errors import StoreError
from .identity import store_key
from .record import RUN_PART, coalition_names, coop_key_extra, record_cooperation, record_result
from .runs import StoredRun, list_runs, load_run


def result_from_run(run: StoredRun, case: Case | None = None, scenario_set: ScenarioSet | None = None) -> RunResult:
    """The RunResult a stored solve was recorded from. case/scenario_set: the run's inputs if
    already at hand (else rebuilt from the stored files)."""
    if run.kind != "solve":
        raise StoreError(f"run {run.run_id} is a {run.kind} run, not a solve")
    case = case or run.case()
    scenario_set = scenario_set or run.scenario_set(case)
    by_label = {s["label"]: s for s in run.solutions(role=None)}

    def from_store(case_: Case, ss: ScenarioSet, coalitions: list[Coalition], progress) -> Iterator[Solution]:
        for c in coalitions:
            inputs = build_inputs(case_, ss, c.options, list(c.members), c.capacity_share)
            yield _solution(run, by_label, c.label, inputs)

    return run_coalitions(case, scenario_set, run.record["mode"], _options(run), None, from_store)


def _options(run: StoredRun) -> RunOptions:
    """The run's RunOptions; a run recorded by a version with other options cannot be revived."""
    try:
        return RunOptions(**run.record["options"])
    except TypeError as exc:
        raise StoreError(f"run {run.run_id} was recorded with options this version does not have ({exc}); "
                         "its tables can still be loaded, shown, compared and exported") from None


def _solution(run: StoredRun, by_label: dict, label: str, inputs) -> Solution:
    if label not in by_label:
        raise StoreError(f"run {run.run_id} has no solution '{label}'")
    s = by_label[label]
    outcome = SolveOutcome(s["status"], s["message"], s["objective"], s["solver"], s["seconds"],
                           list(s["warnings"]), timings=dict(s["timings"]))
    return Solution(s["solution_label"], list(s["members"]), outcome, dict(run.tables.get(label, {})), dict(s["size"]),
                    s["build_seconds"], inputs)


def cooperation_from_run(run: StoredRun, case: Case | None = None,
                         scenario_set: ScenarioSet | None = None) -> CooperationReport:
    """The CooperationReport a stored coop run was recorded from."""
    if run.kind != "coop":
        raise StoreError(f"run {run.run_id} is a {run.kind} run, not a coop run")
    case = case or run.case()
    scenario_set = scenario_set or run.scenario_set(case)
    options, coop = _options(run), run.record["coop"]
    members = tuple(coop["members"])
    game = _game(run, case, scenario_set, options, members, "")
    calm = _game(run, case, scenario_set.calm(), options, members, " (no disruption)") \
        if run.solutions("calm") else None
    t = run.tables[RUN_PART]
    shares = t["shares"].set_index("member")
    return CooperationReport(
        scenario_set, options, game, shares["shapley_musd"].to_dict(), shares["iea_musd"].to_dict(),
        t["core_violations"].to_dict("records"), shares["least_core_musd"].to_dict(),
        coop["least_core_excess_musd"], t["savings"], t["cover_per_dollar"], t["exchanges"], t["risk_frontier"],
        calm, coop["risk_level"], list(coop["notes"]))


def _game(run: StoredRun, case: Case, scenario_set: ScenarioSet, options: RunOptions, members: tuple[str, ...],
          suffix: str) -> CoalitionGame:
    """The coalition game with each coalition's stored solution, its inputs built as
    optimizer.coop.game.solve_coalitions builds them (its members' share of supplier capacity)."""
    case = scenario_set.apply_to(case)
    split = capacity_split(case)
    by_label = {s["label"]: s for s in run.solutions(role=None)}
    game = CoalitionGame(members, {})
    for coalition, name in coalition_names(members).items():
        share = coalition_capacity_share(split, coalition)
        inputs = build_inputs(case, scenario_set, options, [m for m in members if m in coalition], share)
        game.solutions[coalition] = _solution(run, by_label, name + suffix, inputs)
    return game


def recall_result(store_dir: str | Path | None, case: Case, scenario_set: ScenarioSet, mode: str,
                  options: RunOptions) -> tuple[RunResult, str] | None:
    """(the stored RunResult, its run id) of the newest optimal solve with identical inputs,
    options and code (identity.store_key), or None."""
    key = store_key("solve", case, scenario_set, mode, options)
    rows = list_runs(store_dir, kind="solve", key=key, status="optimal", limit=1)
    if not rows:
        return None
    run = load_run(store_dir, rows[0]["run_id"])
    return result_from_run(run, case, scenario_set), run.run_id


def recall_cooperation(store_dir: str | Path | None, case: Case, scenario_set: ScenarioSet, options: RunOptions,
                       risk_weights=DEFAULT_RISK_WEIGHTS, risk_level: float = 0.95
                       ) -> tuple[CooperationReport, str] | None:
    """(the stored CooperationReport, its run id) of the newest identical coop run, or None."""
    key = store_key("coop", case, scenario_set, "joint", options, coop_key_extra(risk_weights, risk_level))
    rows = list_runs(store_dir, kind="coop", key=key, limit=1)
    if not rows:
        return None
    run = load_run(store_dir, rows[0]["run_id"])
    return cooperation_from_run(run, case, scenario_set), run.run_id


@dataclass
class StoreAnswer:
    """What solve_with_store / cooperation_with_store did: the answer, the run id it is stored
    under, whether it came from the store, and the store's problem if it could not be used (the
    answer is then freshly computed and not recorded)."""

    answer: RunResult | CooperationReport
    run_id: str | None
    recalled: bool
    store_error: str | None = None


def solve_with_store(store_dir: str | Path | None, case: Case, scenario_set: ScenarioSet, mode: str = "joint",
                     options: RunOptions = RunOptions(), command: str = "",
                     on_progress: Callable[[str], None] | None = None, solve: Callable = solve_case) -> StoreAnswer:
    """solve(...) (solve_case by default), answered from the store when an identical optimal run
    is there, else solved and recorded. A store that cannot be read or written never stops the solve."""
    return _with_store(lambda: recall_result(store_dir, case, scenario_set, mode, options),
                       lambda: solve(case, scenario_set, mode, options, on_progress),
                       lambda result: record_result(store_dir, result, case, command))


def cooperation_with_store(store_dir: str | Path | None, case: Case, scenario_set: ScenarioSet,
                           options: RunOptions = RunOptions(), risk_weights=DEFAULT_RISK_WEIGHTS,
                           risk_level: float = 0.95, command: str = "",
                           on_progress: Callable[[str], None] = lambda label: None,
                           compute: Callable = cooperation_report) -> StoreAnswer:
    """compute(...) (cooperation_report by default), answered from the store or computed and
    recorded. NotOptimalError propagates as from cooperation_report (nothing is recorded then)."""
    return _with_store(lambda: recall_cooperation(store_dir, case, scenario_set, options, risk_weights, risk_level),
                       lambda: compute(case, scenario_set, options, risk_weights, risk_level, on_progress),
                       lambda report: record_cooperation(store_dir, report, case, command))


def _with_store(recall, compute, record) -> StoreAnswer:
    try:
        found = recall()
    except StoreError as exc:
        return StoreAnswer(compute(), None, False, str(exc))
    if found is not None:
        return StoreAnswer(found[0], found[1], True)
    answer = compute()
    try:
        return StoreAnswer(answer, record(answer), False)
    except StoreError as exc:
        return StoreAnswer(answer, None, False, str(exc))
