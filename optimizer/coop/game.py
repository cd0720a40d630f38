"""Cooperation analytics: coalition costs, fair cost shares, swaps versus transfers, cost-risk frontier.

Every coalition's optimum is solved once (solve_coalitions) and reused by every measure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import combinations
from math import factorial

import pandas as pd
import pyomo.environ as pyo

from ..case import Case
from ..inputs import DAYS_PER_YEAR, RunOptions, capacity_split
from ..model.costs import POLICY_ITEMS
from ..run import Solution, solve_coalition
from ..scenarios import ScenarioSet
from ..solve import solve_model

STOCKPILE_ITEMS = ("capital", "holding", "extra_holding", "handling")
DEFAULT_RISK_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class NotOptimalError(Exception):
    """A coalition's LP did not reach optimality, so no fair split can be computed from it."""


@dataclass
class CoalitionGame:
    """The cost game: v(S) = expected money cost (M USD) of coalition S's optimal plan, acting alone."""

    members: tuple[str, ...]
    solutions: dict[frozenset, Solution]

    def value(self, coalition) -> float:
        coalition = frozenset(coalition)
        return 0.0 if not coalition else self.solutions[coalition].money_cost_musd

    @property
    def grand(self) -> Solution:
        return self.solutions[frozenset(self.members)]

    def coalitions(self) -> list[frozenset]:
        return [frozenset(c) for n in range(1, len(self.members) + 1) for c in combinations(self.members, n)]


def coalition_label(coalition) -> str:
    return "+".join(sorted(coalition))


def coalition_capacity_share(split: dict, coalition) -> dict[tuple[str, str], float]:
    """(c, k) -> the coalition's share of supplier k's capacity: its members' baseline shares
    (split: capacity_split of the case, (c, k, m) -> share)."""
    return {(c, k): sum(v for (c2, k2, m), v in split.items() if (c2, k2) == (c, k) and m in coalition)
            for c, k in {(c, k) for c, k, _ in split}}


def solve_coalitions(case: Case, scenario_set: ScenarioSet, options: RunOptions,
                     on_progress: Callable[[str], None] = lambda label: None) -> CoalitionGame:
    """Solve every non-empty coalition once: its members' share of supplier capacity (by baseline
    imports, as in independent mode) and transfers/swaps only among its members."""
    case = scenario_set.apply_to(case)
    split = capacity_split(case)
    members = tuple(case.members)
    game = CoalitionGame(members, {})
    for coalition in CoalitionGame(members, {}).coalitions():
        share = coalition_capacity_share(split, coalition)
        on_progress(f"coalition {coalition_label(coalition)}")
        solution = solve_coalition(case, scenario_set, options, [m for m in members if m in coalition],
                                   coalition_label(coalition), share)
        if not solution.optimal:
            raise NotOptimalError(f"coalition {coalition_label(coalition)}: {solution.outcome.message}")
        game.solutions[coalition] = solution
    return game


def shapley(game: CoalitionGame) -> dict[str, float]:
    """phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! x (v(S + i) - v(S))."""
    n = len(game.members)
    shares = {}
    for i in game.members:
        others = [m for m in game.members if m != i]
        total = 0.0
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for group in combinations(others, size):
                total += weight * (game.value(set(group) | {i}) - game.value(group))
        shares[i] = total
    return shares


def core_violations(game: CoalitionGame, allocation: dict[str, float], tol_musd: float = 1e-6) -> list[dict]:
    """Coalitions that would pay less alone than the allocation asks of them (a cost game's core
    requires sum_{i in S} x_i <= v(S) for every S)."""
    rows = []
    for coalition in game.coalitions():
        allocated = sum(allocation[m] for m in coalition)
        if allocated > game.value(coalition) + tol_musd:
            rows.append({"coalition": coalition_label(coalition), "allocated_musd": allocated,
                         "alone_musd": game.value(coalition)})
    return rows


def least_core(game: CoalitionGame) -> tuple[dict[str, float], float]:
    """An allocation minimising the largest excess e: sum_{i in S} x_i <= v(S) + e for every proper
    coalition, sum x = v(N). e <= 0 means the core is not empty and the allocation is in it."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(game.members)
    m.excess = pyo.Var()
    proper = [c for c in game.coalitions() if len(c) < len(game.members)]
    m.Coalition_Constraint = pyo.Constraint(
        range(len(proper)), rule=lambda m, k: sum(m.x[i] for i in proper[k]) - m.excess <= game.value(proper[k]))
    m.Budget_Constraint = pyo.Constraint(expr=sum(m.x[i] for i in game.members) == game.value(game.members))
    m.Total_Cost = pyo.Objective(expr=m.excess)
    outcome = solve_model(m)
    if not outcome.optimal:
        raise NotOptimalError(f"least-core LP: {outcome.message}")
    return {i: pyo.value(m.x[i]) for i in game.members}, pyo.value(m.excess)


def iea_shares(case: Case, game: CoalitionGame) -> dict[str, float]:
    """The IEA rule: the coalition cost split in proportion to consumption, valued at reference
    prices so that tonnes of different commodities can be added."""
    demand = case.table("demand").merge(case.table("commodities"), on="commodity")
    value = (demand["demand_t_per_year"] * demand["reference_price_usd_per_t"]).groupby(demand["member"]).sum()
    total = sum(value[m] for m in game.members)
    return {m: game.value(game.members) * value[m] / total for m in game.members}


def _expected_by_commodity_item(solution: Solution) -> pd.Series:
    """Expected money cost by commodity and item (the sharing charge is not money)."""
    costs = solution.tables["costs"]
    costs = costs[~costs["item"].isin(POLICY_ITEMS)]
    return costs.groupby(["commodity", "item"])["expected_cost_musd"].sum()


def savings_breakdown(game: CoalitionGame) -> pd.DataFrame:
    """Saving of the coalition over its members alone, by commodity and cost item (M USD)."""
    alone = sum(_expected_by_commodity_item(game.solutions[frozenset([m])]) for m in game.members)
    joint = _expected_by_commodity_item(game.grand)
    df = pd.DataFrame({"alone_musd": alone, "joint_musd": joint}).fillna(0.0).reset_index()
    df["saving_musd"] = df["alone_musd"] - df["joint_musd"]
    return df


def _stock_t(solution: Solution, commodity: str) -> float:
    plan = solution.tables["stockpile_plan"]
    return float(plan.loc[plan["commodity"] == commodity, "initial_stock_t"].sum())


def cover_per_dollar(game: CoalitionGame) -> pd.DataFrame:
    """Per commodity: days of cover held by all members together, the expected stockpiling cost
    (capital, holding, handling) and days per million USD, alone versus together."""
    rows = []
    for c in game.grand.inputs.commodities:
        entry = {"commodity": c}
        for label, sols in (("alone", [game.solutions[frozenset([m])] for m in game.members]),
                            ("joint", [game.grand])):
            stock_t = sum(_stock_t(s, c) for s in sols)
            daily_t = sum(s.inputs.demand_per_year[(c, m)] * s.inputs.tonnes_per_unit[c]
                          for s in sols for m in s.members) / DAYS_PER_YEAR
            spend = sum(_expected_by_commodity_item(s).loc[c].reindex(STOCKPILE_ITEMS, fill_value=0.0).sum()
                        for s in sols)
            entry[f"{label}_days"] = stock_t / daily_t if daily_t > 0 else 0.0
            entry[f"{label}_stockpile_cost_musd"] = spend
            entry[f"{label}_days_per_musd"] = entry[f"{label}_days"] / spend if spend > 0 else float("nan")
        entry["days_gained"] = entry["joint_days"] - entry["alone_days"]
        rows.append(entry)
    return pd.DataFrame(rows)


def exchange_comparison(case: Case, scenario_set: ScenarioSet, options: RunOptions, game: CoalitionGame,
                        on_progress: Callable[[str], None] = lambda label: None) -> pd.DataFrame:
    """The coalition's cost with no exchange between members (pooled supply only), with one-way
    transfers, with swaps repaid in kind, and with both; and the members alone."""
    case = scenario_set.apply_to(case)
    full_share = None  # the whole coalition uses all of each supplier's capacity
    rows = [{"arrangement": "members alone", "cost_musd": sum(game.value([m]) for m in game.members)}]
    for label, transfers, swaps in (("pooled supply, no exchange", False, False),
                                    ("one-way transfers", True, False), ("swaps repaid in kind", False, True),
                                    ("transfers and swaps", True, True)):
        if (transfers, swaps) == (options.transfers, options.swaps):
            cost = game.grand.money_cost_musd
        else:
            on_progress(label)
            sol = solve_coalition(case, scenario_set, replace(options, transfers=transfers, swaps=swaps),
                                  list(game.members), label, full_share)
            if not sol.optimal:
                raise NotOptimalError(f"{label}: {sol.outcome.message}")
            cost = sol.money_cost_musd
        rows.append({"arrangement": label, "cost_musd": cost})
    df = pd.DataFrame(rows)
    df["saving_vs_alone_musd"] = df.loc[0, "cost_musd"] - df["cost_musd"]
    return df


def risk_frontier(case: Case, scenario_set: ScenarioSet, options: RunOptions, members: list[str],
                  weights=DEFAULT_RISK_WEIGHTS, level: float = 0.95,
                  on_progress: Callable[[str], None] = lambda label: None) -> pd.DataFrame:
    """Expected cost and CVaR of the coalition's optimum as the objective weighs CVaR more:
    minimise (1 - w) x expected cost + w x CVaR_level, for each weight w."""
    case = scenario_set.apply_to(case)
    rows = []
    for w in weights:
        on_progress(f"risk weight {w:g}")
        sol = solve_coalition(case, scenario_set, replace(options, cvar_weight=w, cvar_level=level),
                              members, f"risk weight {w:g}")
        if not sol.optimal:
            raise NotOptimalError(f"risk weight {w:g}: {sol.outcome.message}")
        plan = sol.tables["stockpile_plan"]
        rows.append({"weight": w, "expected_cost_musd": sol.money_cost_musd,
                     "cvar_musd": sol.cvar_musd(level, money=True), "objective_musd": sol.objective_musd,
                     "stock_value_musd": float((plan["initial_stock_t"] * plan["commodity"].map(
                         _reference_price(case))).sum() / 1e6)})
    return pd.DataFrame(rows)


def _reference_price(case: Case) -> dict[str, float]:
    return dict(case.table("commodities")[["commodity", "reference_price_usd_per_t"]].itertuples(index=False))


@dataclass
class CooperationReport:
    scenario_set: ScenarioSet
    options: RunOptions
    game: CoalitionGame
    shapley_musd: dict[str, float]
    iea_musd: dict[str, float]
    core_violations: list[dict]
    least_core_musd: dict[str, float]
    least_core_excess_musd: float
    savings: pd.DataFrame
    cover: pd.DataFrame
    exchanges: pd.DataFrame
    frontier: pd.DataFrame
    calm: CoalitionGame | None = None  # the same game with no disruption (None: the set has no event)
    risk_level: float = 0.95
    notes: list[str] = field(default_factory=list)

    def shares(self) -> pd.DataFrame:
        """Per member: cost alone, Shapley share, IEA share, least-core share, and their savings."""
        rows = []
        for m in self.game.members:
            alone = self.game.value([m])
            rows.append({"member": m, "alone_musd": alone, "shapley_musd": self.shapley_musd[m],
                         "shapley_saving_musd": alone - self.shapley_musd[m], "iea_musd": self.iea_musd[m],
                         "iea_saving_musd": alone - self.iea_musd[m], "least_core_musd": self.least_core_musd[m]})
        return pd.DataFrame(rows)

    @property
    def value_of_cooperation_musd(self) -> float:
        return _saving(self.game)

    @property
    def calm_pooling_musd(self) -> float:
        """What cooperating saves with no disruption at all (the calm reference's value)."""
        return _saving(self.calm or self.game)

    @property
    def crisis_value_musd(self) -> float:
        """The value of cooperation beyond calm pooling: what joint stock, transfers, swaps and
        pooling save in the disruption scenarios, weighted by probability."""
        return self.value_of_cooperation_musd - self.calm_pooling_musd

    def coalitions(self) -> pd.DataFrame:
        return pd.DataFrame([{"coalition": coalition_label(c), "members": len(c), "cost_musd": self.game.value(c)}
                             for c in self.game.coalitions()])


def cooperation_report(case: Case, scenario_set: ScenarioSet, options: RunOptions = RunOptions(),
                       risk_weights=DEFAULT_RISK_WEIGHTS, risk_level: float = 0.95,
                       on_progress: Callable[[str], None] = lambda label: None) -> CooperationReport:
    """Everything `stockpile coop` reports, from one solve per coalition plus the comparisons.
    on_progress is called with a short label before each LP."""
    game = solve_coalitions(case, scenario_set, options, on_progress)
    calm = None
    if scenario_set.has_events():
        calm = solve_coalitions(case, scenario_set.calm(), options,
                                lambda label: on_progress(f"{label} (no disruption)"))
    shapley_musd = shapley(game)
    least, excess = least_core(game)
    frontier = risk_frontier(case, scenario_set, options, list(game.members), risk_weights, risk_level,
                             on_progress)
    return CooperationReport(
        scenario_set, options, game, shapley_musd, iea_shares(scenario_set.apply_to(case), game),
        core_violations(game, shapley_musd), least, excess, savings_breakdown(game), cover_per_dollar(game),
        exchange_comparison(case, scenario_set, options, game, on_progress), frontier, calm, risk_level)


def _saving(game: CoalitionGame) -> float:
    """sum of the members' costs alone - the grand coalition's cost."""
    return sum(game.value([m]) for m in game.members) - game.value(game.members)
