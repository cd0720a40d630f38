"""Record a solve, a cooperation report or a sweep in the store (docs/store.md, "Recording").

Each function builds the run's record (what was run, with which options and code, how each LP
ended), its tables by part (one part per solution, plus the run's own tables and the headline)
and its input files, and hands them to layout.commit_run, which makes the run visible only once
it is complete.
"""

from __future__ import annotations

import json
import shlex
import sys
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

import pandas as pd

from ..case import Case
from ..coop.game import CooperationReport, coalition_label
from ..coop.report import report_tables
from ..inputs import RunOptions
from ..run import RunResult, Solution, resolved_options
from ..scenarios import ScenarioSet
from .headline import HEADLINE_PART, headline_tables
from .identity import code_version, options_record, store_key
from .layout import commit_run
from .location import store_path
from .snapshot import store_inputs

RUN_PART = "run"  # the part holding a run's own tables (scenario tree, coop report, sweep tables)
MAIN, CALM = "main", "calm"  # roles of a solution: the run's, or its calm reference's


def command_line() -> str:
    """How this process was started, as a user would type it (`stockpile solve ...`)."""
    return shlex.join(["stockpile", *sys.argv[1:]])


def record_result(store_dir: str | Path | None, result: RunResult, case: Case, command: str = "") -> str:
    """Record a solve_case result. case: the Case given to solve_case (before the scenario set's
    overrides). Returns the run id."""
    ss = result.scenario_set
    if not ss.overrides and case.fingerprint() != result.case_fingerprint:
        raise ValueError("record_result: case is not the case this result was solved from")
    main = {s.label: s for s in result.solutions}
    calm = {s.label: s for s in result.calm.solutions} if result.calm else {}
    code = code_version()
    record = _base_record("solve", ss, resolved_options(ss, result.options), code, command)
    record.update(mode=result.mode, inputs_hash=result.inputs_hash, case_fingerprint=case.fingerprint(),
                  store_key=store_key("solve", case, ss, result.mode, result.options, code=code),
                  solutions=[_solution_record(label, s, MAIN) for label, s in main.items()]
                  + [_solution_record(label, s, CALM) for label, s in calm.items()],
                  **_solve_headline_numbers(result))
    parts = {label: s.tables for label, s in {**main, **calm}.items()}
    parts[RUN_PART] = {"scenario_tree": result.tree()}
    parts[HEADLINE_PART] = headline_tables(main)
    return _commit(store_dir, record, parts, case, ss)


def _solve_headline_numbers(result: RunResult) -> dict:
    joint = result.joint
    if joint is not None:
        objective = joint.objective_musd
        cost = joint.money_cost_musd if joint.optimal else None
    else:
        alone = [s.objective_musd for s in result.independent.values()]
        objective = None if None in alone else sum(alone)
        cost = result.independent_cost_musd
    return {"status": "optimal" if result.optimal else "not_optimal", "objective_musd": objective,
            "expected_cost_musd": cost, "crisis_value_musd": result.crisis_value_musd,
            "calm_pooling_musd": result.calm_pooling_musd,
            "value_of_cooperation_musd": result.value_of_cooperation_musd}


def coalition_names(members: tuple[str, ...]) -> dict[frozenset, str]:
    """The solve's names for a cooperation game's coalitions: the grand coalition is 'joint', a
    member alone '<member> alone', any other 'A+B' (coalition_label)."""
    def name(coalition: frozenset) -> str:
        if len(coalition) == len(members):
            return "joint"
        return f"{next(iter(coalition))} alone" if len(coalition) == 1 else coalition_label(coalition)
    return {frozenset(c): name(frozenset(c)) for n in range(1, len(members) + 1) for c in combinations(members, n)}


def record_cooperation(store_dir: str | Path | None, report: CooperationReport, case: Case,
                       command: str = "") -> str:
    """Record a cooperation_report. case: the Case given to cooperation_report. Returns the run id."""
    ss, game = report.scenario_set, report.game
    names = coalition_names(game.members)
    main = {names[c]: s for c, s in game.solutions.items()}
    calm = {f"{names[c]} (no disruption)": s for c, s in report.calm.solutions.items()} if report.calm else {}
    code = code_version()
    options = resolved_options(ss, report.options)
    record = _base_record("coop", ss, options, code, command)
    record.update(mode=None, case_fingerprint=case.fingerprint(), inputs_hash=None,
                  store_key=store_key("coop", case, ss, "joint", report.options, coop_key_extra(report), code),
                  solutions=[_solution_record(label, s, MAIN) for label, s in main.items()]
                  + [_solution_record(label, s, CALM) for label, s in calm.items()],
                  status="optimal", objective_musd=game.grand.objective_musd,
                  expected_cost_musd=game.value(game.members), crisis_value_musd=report.crisis_value_musd,
                  calm_pooling_musd=report.calm_pooling_musd,
                  value_of_cooperation_musd=report.value_of_cooperation_musd,
                  coop={"members": list(game.members), "risk_level": report.risk_level,
                        "risk_weights": [float(w) for w in report.frontier["weight"]],
                        "least_core_excess_musd": report.least_core_excess_musd, "notes": list(report.notes),
                        "coalitions": {names[c]: sorted(c) for c in game.solutions}})
    parts = {label: s.tables for label, s in {**main, **calm}.items()}
    parts[RUN_PART] = report_tables(report)
    parts[HEADLINE_PART] = headline_tables(main)
    return _commit(store_dir, record, parts, case, ss)


def coop_key_extra(report_or_weights, risk_level: float | None = None) -> dict:
    """What a coop run's key adds to a solve's: the frontier's CVaR weights and level."""
    if isinstance(report_or_weights, CooperationReport):
        weights = list(report_or_weights.frontier["weight"])
        risk_level = report_or_weights.risk_level
    else:
        weights = list(report_or_weights)
    return {"risk_weights": [float(w) for w in weights], "risk_level": float(risk_level)}


def record_sweep(store_dir: str | Path | None, sweep_id: str, metadata: dict, tables: dict[str, pd.DataFrame], *,
                 case: Case | None = None, scenario_set: ScenarioSet | None = None, command: str = "",
                 status: str = "complete", title: str = "", key: str | None = None) -> str:
    """Record a sweep's summary: its id (the run's label), metadata (any JSON-able dict: method,
    samples, ranges, timings, ...) and tables. case/scenario_set, if given, are kept as the
    sweep's inputs; key, if given, is stored as the run's key for find_runs(key=...). Returns the
    run id."""
    record = {"kind": "sweep", "created_utc": _now(), "command": command, "label": sweep_id, "title": title,
              "mode": None, "options": {}, "code": code_version(), "status": status, "store_key": key,
              "inputs_hash": None, "case_fingerprint": None, "solutions": [],
              "objective_musd": None, "expected_cost_musd": None, "crisis_value_musd": None,
              "metadata": json.loads(json.dumps(metadata, default=str))}
    if case is not None:
        record["case_fingerprint"] = case.fingerprint()
    return _commit(store_dir, record, {RUN_PART: dict(tables)}, case, scenario_set)


def _base_record(kind: str, ss: ScenarioSet, options: RunOptions, code: dict, command: str) -> dict:
    return {"kind": kind, "created_utc": _now(), "command": command, "label": ss.name, "title": ss.title,
            "options": options_record(options), "code": code}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _solution_record(label: str, solution: Solution, role: str) -> dict:
    """label: the solution's part in the store; solution_label: its own label (a coop game's
    coalitions are labelled 'JP+KR', 'KR', ... in the crisis and the calm game alike)."""
    o = solution.outcome
    return {"label": label, "solution_label": solution.label, "role": role, "members": list(solution.members),
            "status": o.status, "message": o.message, "objective": o.objective,
            "objective_musd": solution.objective_musd, "solver": o.solver, "seconds": o.seconds,
            "warnings": list(o.warnings), "timings": dict(o.timings), "size": dict(solution.size),
            "build_seconds": solution.build_seconds}


def _commit(store_dir, record: dict, parts: dict, case: Case | None, ss: ScenarioSet | None) -> str:
    store = store_path(store_dir)
    solvers = sorted({s["solver"] for s in record["solutions"]})
    code = record["code"]
    row = {"kind": record["kind"], "created_utc": record["created_utc"], "label": record["label"],
           "title": record["title"], "mode": record["mode"], "status": record["status"],
           "objective_musd": record["objective_musd"], "expected_cost_musd": record["expected_cost_musd"],
           "crisis_value_musd": record["crisis_value_musd"], "store_key": record["store_key"],
           "inputs_hash": record["inputs_hash"], "case_fingerprint": record["case_fingerprint"],
           "solver": ", ".join(solvers) or None, "code_package": code["package"],
           "code_source_sha256": code["source_sha256"], "code_commit": code["commit"],
           "command": record["command"], "options_json": json.dumps(record["options"], sort_keys=True)}
    return commit_run(store, record, parts, lambda: store_inputs(store, case, ss), row)
