"""Solve a case under a scenario set in joint and/or independent mode: the public entry point."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd

from .assemble import assemble
from .case import Case
from .inputs import DEFAULT_HORIZON_MONTHS, MODEL_MONEY_PER_MUSD, ModelInputs, RunOptions, build_inputs, capacity_split
from .results import extract_tables
from .riskmeasures import conditional_value_at_risk
from .scenarios import ScenarioSet
from .decompose import lp_size, outcome_and_tables, solve_decomposed
from .layout import LPLayout
from .solve import SolveOutcome, solve_compiled, solver_name

MODES = ("joint", "independent", "both")
DECOMPOSE_MIN_SCENARIOS = 16  # below, the single LP: it also prices storage capacity, and takes ~2 s at 120x8 (bench/)
HIGHS_OPTIONS: dict = {}  # HiGHS defaults (dual simplex with presolve); see bench/ for the measurements


@dataclass
class Solution:
    """One LP: a coalition of members (all of them in joint mode, one in independent mode)."""

    label: str  # "joint" or "KR alone"
    members: list[str]
    outcome: SolveOutcome
    tables: dict[str, pd.DataFrame]
    size: dict[str, int]
    build_seconds: float
    inputs: ModelInputs = field(repr=False)

    @property
    def optimal(self) -> bool:
        return self.outcome.optimal

    def scenario_costs_musd(self) -> pd.DataFrame:
        """Total cost (first stage + scenario) and probability of each scenario."""
        costs = self.tables["costs"]
        first = costs.loc[costs["stage"] == "first_stage", "cost_musd"].sum()
        per_s = costs[costs["stage"] == "scenario"].groupby("scenario", sort=False)["cost_musd"].sum()
        return pd.DataFrame({"scenario": self.inputs.scenarios,
                             "probability": [self.inputs.probability[s] for s in self.inputs.scenarios],
                             "cost_musd": [first + per_s.get(s, 0.0) for s in self.inputs.scenarios]})

    @property
    def expected_cost_musd(self) -> float:
        df = self.scenario_costs_musd()
        return float((df["probability"] * df["cost_musd"]).sum())

    def cvar_musd(self, level: float = 0.95) -> float:
        df = self.scenario_costs_musd()
        return conditional_value_at_risk(list(df["cost_musd"]), list(df["probability"]), level)

    @property
    def objective_musd(self) -> float | None:
        objective = self.outcome.objective
        return None if objective is None else objective / MODEL_MONEY_PER_MUSD


@dataclass
class RunResult:
    scenario_set: ScenarioSet
    options: RunOptions
    mode: str
    case_fingerprint: str
    joint: Solution | None = None
    independent: dict[str, Solution] = field(default_factory=dict)

    @property
    def solutions(self) -> list[Solution]:
        return ([self.joint] if self.joint else []) + list(self.independent.values())

    @property
    def optimal(self) -> bool:
        return all(s.optimal for s in self.solutions)

    @property
    def independent_cost_musd(self) -> float | None:
        if not self.independent or not all(s.optimal for s in self.independent.values()):
            return None
        return sum(s.objective_musd for s in self.independent.values())

    @property
    def value_of_cooperation_musd(self) -> float | None:
        """cost(independent) - cost(joint): what the two members save together by cooperating."""
        if self.joint is None or not self.joint.optimal or self.independent_cost_musd is None:
            return None
        return self.independent_cost_musd - self.joint.objective_musd

    @property
    def inputs_hash(self) -> str:
        """SHA-256 of the data (overrides applied), scenario content, mode and options."""
        return inputs_key(self.case_fingerprint, self.scenario_set, self.mode, self.options)

    def table(self, name: str) -> pd.DataFrame:
        """One result table across all solutions, with a leading `solution` column."""
        frames = [s.tables[name].assign(solution=s.label) for s in self.solutions if s.optimal]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[["solution"] + [c for c in df.columns if c != "solution"]]


def inputs_key(case_fingerprint: str, scenario_set: ScenarioSet, mode: str, options: RunOptions) -> str:
    """Equal for equal inputs: data (overrides applied), scenario content, mode and options. The
    options' horizon must be resolved (resolved_options) for equal runs to get equal keys."""
    scenarios = [(s.name, s.probability, [e.model_dump() for e in s.events]) for s in scenario_set.scenarios]
    text = json.dumps([case_fingerprint, scenarios, mode, str(options)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def resolved_options(scenario_set: ScenarioSet, options: RunOptions) -> RunOptions:
    """The options with the horizon a run will use: the option's, else the file's, else 24."""
    horizon = options.horizon_months or scenario_set.horizon_months or DEFAULT_HORIZON_MONTHS
    return replace(options, horizon_months=horizon)


def solve_case(case: Case, scenario_set: ScenarioSet, mode: str = "joint",
               options: RunOptions = RunOptions(), on_progress: Callable[[str], None] | None = None) -> RunResult:
    """Build and solve the LP(s) of docs/model.md. Non-optimal solves are reported, not raised.

    on_progress, if given, is called with a short label before each LP is solved."""
    return run_coalitions(case, scenario_set, mode, options, on_progress, _one_by_one)


@dataclass(frozen=True)
class Coalition:
    """One LP of a run: its members and the options and supplier-capacity share they face."""

    label: str  # "joint" or "KR alone"
    members: tuple[str, ...]
    options: RunOptions
    capacity_share: dict | None = None  # (c, k) -> share of the supplier's capacity; None: all of it

    @property
    def progress(self) -> str:
        return "joint plan" if self.label == "joint" else self.label


def coalitions(case: Case, mode: str, options: RunOptions) -> list[Coalition]:
    """The LPs a mode solves: the joint LP and/or each member's LP alone (no transfers or swaps,
    its baseline share of each supplier's capacity: capacity_split)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    runs = [Coalition("joint", tuple(case.members), options)] if mode in ("joint", "both") else []
    if mode in ("independent", "both"):
        split = capacity_split(case)
        alone = replace(options, transfers=False, swaps=False)
        for member in case.members:
            share = {(c, k): v for (c, k, m), v in split.items() if m == member}
            runs.append(Coalition(f"{member} alone", (member,), alone, share))
    return runs


def run_coalitions(case: Case, scenario_set: ScenarioSet, mode: str, options: RunOptions,
                   on_progress: Callable[[str], None] | None, solve_all: Callable[..., Iterable[Solution]]
                   ) -> RunResult:
    """The joint LP and/or each member's LP alone, solved by
    solve_all(case, scenario_set, coalitions, progress): one Solution per coalition, in order."""
    options = resolved_options(scenario_set, options)
    case = scenario_set.apply_to(case)
    result = RunResult(scenario_set, options, mode, case.fingerprint())
    runs = coalitions(case, mode, options)
    for coalition, solution in zip(runs, solve_all(case, scenario_set, runs, on_progress or (lambda label: None))):
        if coalition.label == "joint":
            result.joint = solution
        else:
            result.independent[coalition.members[0]] = solution
    return result


def _one_by_one(case: Case, scenario_set: ScenarioSet, runs: list[Coalition],
                progress: Callable[[str], None]) -> Iterator[Solution]:
    for coalition in runs:
        progress(coalition.progress)
        yield solve_coalition(case, scenario_set, coalition.options, list(coalition.members), coalition.label,
                              coalition.capacity_share)


def solve_coalition(case: Case, scenario_set: ScenarioSet, options: RunOptions, members: list[str],
                    label: str, capacity_share: dict | None = None) -> Solution:
    started = time.perf_counter()
    inputs = build_inputs(case, scenario_set, options, members, capacity_share)
    if _use_decomposition(inputs, options):
        return _solve_by_decomposition(inputs, options, label, members, started)
    compiled, layout = assemble(inputs)
    build_seconds = time.perf_counter() - started
    outcome = solve_compiled(compiled, options.time_limit_s, HIGHS_OPTIONS)
    return solution_from(layout, inputs, outcome, label, members, build_seconds)


def _use_decomposition(inputs: ModelInputs, options: RunOptions) -> bool:
    """Decompose by scenario only when the objective is risk-neutral: CVaR couples the scenarios."""
    if inputs.cvar_weight > 0 or len(inputs.scenarios) < 2:
        return False
    return options.decompose if options.decompose is not None else len(inputs.scenarios) >= DECOMPOSE_MIN_SCENARIOS


def _solve_by_decomposition(inputs: ModelInputs, options: RunOptions, label: str, members: list[str],
                            started: float) -> Solution:
    build_seconds = time.perf_counter() - started  # the scenario LPs are built inside the method
    workers = options.workers or 1
    try:
        decomposed = solve_decomposed(inputs, HIGHS_OPTIONS, workers)
    except RuntimeError as exc:
        outcome = SolveOutcome("error", f"Scenario decomposition failed: {exc}", None, solver_name(),
                               time.perf_counter() - started)
        return Solution(label, members, outcome, {}, {}, build_seconds, inputs)
    outcome, tables = outcome_and_tables(decomposed, inputs)
    return Solution(label, members, outcome, tables if outcome.optimal else {}, lp_size(decomposed),
                    build_seconds, inputs)


def solution_from(layout: LPLayout, inputs: ModelInputs, outcome: SolveOutcome, label: str, members: list[str],
                  build_seconds: float) -> Solution:
    tables = extract_tables(inputs, layout, outcome) if outcome.optimal else {}
    size = {"variables": layout.size("columns"), "constraints": layout.size("rows")}
    return Solution(label, members, outcome, tables, size, build_seconds, inputs)
