"""Solve a case under a scenario set in joint and/or independent mode: the public entry point."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd

from .case import Case
from .decompose import lp_size, outcome_and_tables, solve_decomposed
from .errors import InputError, Problem, require
from .inputs import DEFAULT_HORIZON_MONTHS, MODEL_MONEY_PER_MUSD, ModelInputs, RunOptions, build_inputs, capacity_split
from .limits import size_problems
from .lp.assemble import assemble
from .lp.layout import LPLayout
from .model.costs import POLICY_ITEMS
from .results import extract_tables
from .riskmeasures import conditional_value_at_risk
from .scenarios import ScenarioSet
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

    def scenario_costs_musd(self, money: bool = False) -> pd.DataFrame:
        """Total cost (first stage + scenario) and probability of each scenario; money=True leaves
        out what is not money (the joint plans' sharing charges)."""
        costs = self.tables["costs"]
        if money:
            costs = costs[~costs["item"].isin(POLICY_ITEMS)]
        first = costs.loc[costs["stage"] == "first_stage", "cost_musd"].sum()
        per_s = costs[costs["stage"] == "scenario"].groupby("scenario", sort=False)["cost_musd"].sum()
        return pd.DataFrame({"scenario": self.inputs.scenarios,
                             "probability": [self.inputs.probability[s] for s in self.inputs.scenarios],
                             "cost_musd": [first + per_s.get(s, 0.0) for s in self.inputs.scenarios]})

    @property
    def expected_cost_musd(self) -> float:
        """The objective's value read from the cost table: money and the sharing charge."""
        df = self.scenario_costs_musd()
        return float((df["probability"] * df["cost_musd"]).sum())

    @property
    def sharing_charge_musd(self) -> float:
        """The part of the objective that is not money: the charge on unequal shortfalls that
        makes a joint plan share them (optimizer/model/sharing.py)."""
        costs = self.tables["costs"]
        return float(costs.loc[costs["item"].isin(POLICY_ITEMS), "expected_cost_musd"].sum())

    @property
    def money_cost_musd(self) -> float:
        """Expected cost in money: every cost item but the sharing charges."""
        df = self.scenario_costs_musd(money=True)
        return float((df["probability"] * df["cost_musd"]).sum())

    def cvar_musd(self, level: float = 0.95, money: bool = False) -> float:
        df = self.scenario_costs_musd(money)
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
    # mode both: the same run with no disruption at all (the set's calm reference), whose value of
    # cooperation is what pooling saves in calm conditions; None when the set has no event
    calm: RunResult | None = None

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
        return sum(s.money_cost_musd for s in self.independent.values())

    @property
    def value_of_cooperation_musd(self) -> float | None:
        """money cost(independent) - money cost(joint): what the members save together, in calm
        and crisis alike."""
        if self.joint is None or not self.joint.optimal or self.independent_cost_musd is None:
            return None
        return self.independent_cost_musd - self.joint.money_cost_musd

    @property
    def calm_pooling_musd(self) -> float | None:
        """What cooperating saves with no disruption at all: buying together (pooled supplier
        capacity, the nearer buyer for each cargo). A set without events is its own calm
        reference."""
        if self.calm is None:
            return self.value_of_cooperation_musd if not self.scenario_set.has_events() else None
        return self.calm.value_of_cooperation_musd

    @property
    def crisis_value_musd(self) -> float | None:
        """The crisis value of cooperation: the value of cooperation beyond calm pooling (joint
        stock, transfers, swaps and pooling in the disruption scenarios, weighted by probability)."""
        total, calm = self.value_of_cooperation_musd, self.calm_pooling_musd
        return None if total is None or calm is None else total - calm

    @property
    def inputs_hash(self) -> str:
        """SHA-256 of the data (overrides applied), scenario content, mode and options."""
        return inputs_key(self.case_fingerprint, self.scenario_set, self.mode, self.options)

    def tree(self) -> pd.DataFrame:
        """The scenario tree's nodes (optimizer.tree): which scenarios decide alike in which months."""
        solution = next((s for s in self.solutions), None)
        return pd.DataFrame() if solution is None else solution.inputs.tree.nodes()

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
    text = json.dumps([case_fingerprint, scenarios, scenario_set.risk_window_months, mode, str(options)], sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def resolved_options(scenario_set: ScenarioSet, options: RunOptions) -> RunOptions:
    """The options with the horizon a run will use: the option's, else the file's, else 24."""
    horizon = options.horizon_months or scenario_set.horizon_months or DEFAULT_HORIZON_MONTHS
    return replace(options, horizon_months=horizon)


def solve_case(case: Case, scenario_set: ScenarioSet, mode: str = "joint",
               options: RunOptions = RunOptions(), on_progress: Callable[[str], None] | None = None) -> RunResult:
    """Build and solve the LP(s) of docs/model.md. Non-optimal solves are reported, not raised.

    on_progress, if given, is called with a short label before each LP is solved. Wrongly shaped
    arguments, and an LP larger than this tool builds, are an InputError before anything is built."""
    _check_call(case, scenario_set, mode, options)
    return run_coalitions(case, scenario_set, mode, options, on_progress, _one_by_one)


def _check_call(case: Case, scenario_set: ScenarioSet, mode: str, options: RunOptions) -> None:
    require(case, Case, "solve_case", "case", "a Case (optimizer.load_case())")
    require(scenario_set, ScenarioSet, "solve_case", "scenario_set", "a ScenarioSet (optimizer.load_scenario_set())")
    require(options, RunOptions, "solve_case", "options", "a RunOptions")
    if mode not in MODES:
        raise InputError([Problem("solve_case()", None, "mode", f"'{mode}' is not a mode; valid: {', '.join(MODES)}")])
    problems = size_problems(case, scenario_set, resolved_options(scenario_set, options).horizon_months)
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Coalition:
    """One LP of a run: its members and the options and supplier-capacity share they face."""

    label: str  # "joint" or "KR alone" (+ " (no disruption)" for the calm reference)
    members: tuple[str, ...]
    options: RunOptions
    capacity_share: dict | None = None  # (c, k) -> share of the supplier's capacity; None: all of it
    joint: bool = True

    @property
    def progress(self) -> str:
        return self.label.replace("joint", "joint plan", 1) if self.joint else self.label


CALM_SUFFIX = " (no disruption)"


def coalitions(case: Case, mode: str, options: RunOptions, suffix: str = "") -> list[Coalition]:
    """The LPs a mode solves: the joint LP and/or each member's LP alone (no transfers or swaps,
    its baseline share of each supplier's capacity: capacity_split). suffix: added to the labels."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    runs = [Coalition("joint" + suffix, tuple(case.members), options)] if mode in ("joint", "both") else []
    if mode in ("independent", "both"):
        split = capacity_split(case)
        alone = replace(options, transfers=False, swaps=False)
        for member in case.members:
            share = {(c, k): v for (c, k, m), v in split.items() if m == member}
            runs.append(Coalition(f"{member} alone{suffix}", (member,), alone, share, joint=False))
    return runs


def run_coalitions(case: Case, scenario_set: ScenarioSet, mode: str, options: RunOptions,
                   on_progress: Callable[[str], None] | None, solve_all: Callable[..., Iterable[Solution]],
                   suffix: str = "") -> RunResult:
    """The joint LP and/or each member's LP alone, solved by
    solve_all(case, scenario_set, coalitions, progress): one Solution per coalition, in order.
    Mode both also solves the set's calm reference (the same with no events), whose value of
    cooperation is the calm pooling the crisis value is measured against."""
    progress = on_progress or (lambda label: None)
    options = resolved_options(scenario_set, options)
    overridden = scenario_set.apply_to(case)
    result = RunResult(scenario_set, options, mode, overridden.fingerprint())
    runs = coalitions(overridden, mode, options, suffix)
    for coalition, solution in zip(runs, solve_all(overridden, scenario_set, runs, progress)):
        if coalition.joint:
            result.joint = solution
        else:
            result.independent[coalition.members[0]] = solution
    if mode == "both" and not suffix and scenario_set.has_events():
        result.calm = run_coalitions(case, scenario_set.calm(), mode, options, progress, solve_all, CALM_SUFFIX)
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
    """Decompose over the tree only when the objective is risk-neutral (CVaR couples the
    scenarios) and every leaf is feasible whatever the master decides (swaps owed when a leaf
    starts may be impossible to repay, so sets with swaps are solved as one LP)."""
    if inputs.cvar_weight > 0 or len(inputs.scenarios) < 2 or inputs.swaps:
        return False
    return options.decompose if options.decompose is not None else len(inputs.scenarios) >= DECOMPOSE_MIN_SCENARIOS


def _solve_by_decomposition(inputs: ModelInputs, options: RunOptions, label: str, members: list[str],
                            started: float) -> Solution:
    build_seconds = time.perf_counter() - started  # the scenario LPs are built inside the method
    workers = options.workers or 1
    try:
        decomposed = solve_decomposed(inputs, HIGHS_OPTIONS, workers, options.scheduler)
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
