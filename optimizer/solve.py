"""Solve a built model with HiGHS through Pyomo, and say plainly how the solve ended."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

_PLAIN_WORDS = {
    TerminationCondition.convergenceCriteriaSatisfied: ("optimal", "HiGHS proved the plan optimal."),
    TerminationCondition.provenInfeasible: (
        "infeasible", "No plan satisfies every constraint. With shortfall always allowed this points to "
        "contradictory inputs, e.g. days-of-cover floors above the storage that can be built."),
    TerminationCondition.infeasibleOrUnbounded: (
        "infeasible_or_unbounded", "HiGHS found the model infeasible or unbounded; check floors and costs."),
    TerminationCondition.unbounded: (
        "unbounded", "The cost can fall without limit: a cost in the data is negative or missing."),
    TerminationCondition.maxTimeLimit: ("time_limit", "HiGHS stopped at the time limit before proving optimality."),
    TerminationCondition.iterationLimit: ("iteration_limit", "HiGHS stopped at its iteration limit."),
    TerminationCondition.objectiveLimit: ("objective_limit", "HiGHS stopped at an objective limit."),
    TerminationCondition.error: ("error", "HiGHS reported an error while solving."),
    TerminationCondition.unknown: ("unknown", "HiGHS ended without a known status."),
}


@dataclass
class SolveOutcome:
    status: str
    message: str
    objective: float | None  # in the model's money unit (see inputs.USD_PER_MODEL_MONEY)
    solver: str
    seconds: float
    warnings: list[str] = field(default_factory=list)
    duals: ComponentMap = field(default_factory=ComponentMap)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def solver_name() -> str:
    return "HiGHS " + ".".join(map(str, Highs().version()))


def solve_model(model: pyo.ConcreteModel, time_limit_s: float | None = None,
                highs_options: dict | None = None) -> SolveOutcome:
    """Solve; on optimality load primal values into the model and return the duals."""
    opt = Highs()
    started = time.perf_counter()
    results = opt.solve(model, load_solutions=False, raise_exception_on_nonoptimal_result=False,
                        time_limit=time_limit_s, solver_options=dict(highs_options or {}))
    seconds = time.perf_counter() - started
    status, message = _PLAIN_WORDS.get(results.termination_condition,
                                       ("unknown", f"HiGHS ended with {results.termination_condition}."))
    log = results.solver_log or ""
    warnings = [line.strip() for line in log.splitlines() if "WARNING" in line.upper()]
    outcome = SolveOutcome(status, message, None, solver_name(), seconds, warnings)
    if outcome.optimal:
        results.solution_loader.load_vars()
        outcome.duals = results.solution_loader.get_duals()
        outcome.objective = pyo.value(model.Total_Cost)
    return outcome
