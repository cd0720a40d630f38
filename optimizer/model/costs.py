"""The cost items of the objective, declared once as (item, variable, coefficient) terms.

The Pyomo expressions First_Stage_Cost and Scenario_Cost are built from these terms, the result
tables price a solution's column values with them, and the scenario decomposition sets derived
scenario LPs' costs from them (optimizer/template.py), so a cost is never written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..inputs import ModelInputs

FIRST_STAGE_ITEMS = ("capital", "holding")
SCENARIO_ITEMS = ("procurement", "freight", "extra_holding", "handling", "transfer", "swap", "restraint",
                  "shortfall")
COST_ITEMS = FIRST_STAGE_ITEMS + SCENARIO_ITEMS


def _per_commodity(name: str, dim: int) -> Callable[[ModelInputs, list], list[float]]:
    return lambda p, keys: [getattr(p, name)[k[dim]] for k in keys]


def _per_link(links: str, attribute: str) -> Callable[[ModelInputs, list], list[float]]:
    """A transfer or swap link's cost, keyed (s, c, from, to, t)."""
    def coefficients(p: ModelInputs, keys: list) -> list[float]:
        value = {(x.commodity, *_ends(x)): getattr(x, attribute) for x in getattr(p, links)}
        return [value[k[1:4]] for k in keys]
    return coefficients


def _ends(link) -> tuple[str, str]:
    return (link.sender, link.receiver) if hasattr(link, "sender") else (link.lender, link.borrower)


def _route_commodity(p: ModelInputs, keys: list) -> list[str]:
    return [p.routes[k[1]].commodity for k in keys]


@dataclass(frozen=True)
class CostTerm:
    """item cost = sum over the variable's index of coefficient(p, key) x variable[key] (k$)."""

    item: str
    variable: str  # Var component name
    coefficients: Callable[[ModelInputs, list], list[float]]  # k$ per model unit, one per key
    first_stage: bool = False  # keyed (c, m); scenario terms are keyed (s, c, ...) unless noted
    commodities: Callable[[ModelInputs, list], list[str]] | None = None  # default: key[0] or key[1]
    varies_by_scenario: bool = False  # its coefficients read scenario-keyed inputs (e.g. import prices)

    def commodity_of(self, p: ModelInputs, keys: list) -> list[str]:
        if self.commodities is not None:
            return self.commodities(p, keys)
        dim = 0 if self.first_stage else 1
        return [k[dim] for k in keys]


COST_TERMS = (
    CostTerm("capital", "New_Capacity", _per_commodity("capacity_cost", 0), first_stage=True),
    # the starting stock's carrying cost is committed for the whole horizon (docs/model.md)
    CostTerm("holding", "Initial_Stock", lambda p, keys: [p.holding_cost[k[0]] * p.horizon for k in keys],
             first_stage=True),
    CostTerm("procurement", "Import", lambda p, keys: [p.import_price[k] for k in keys],
             commodities=_route_commodity, varies_by_scenario=True),
    CostTerm("freight", "Import", lambda p, keys: [p.routes[k[1]].freight for k in keys],
             commodities=_route_commodity),
    CostTerm("extra_holding", "Stock_Above_Initial", _per_commodity("holding_cost", 1)),
    CostTerm("handling", "Release", _per_commodity("handling_cost", 1)),
    CostTerm("handling", "Fill", _per_commodity("handling_cost", 1)),
    CostTerm("transfer", "Transfer", _per_link("transfers", "cost")),
    CostTerm("swap", "Lend", _per_link("swaps", "fee")),
    CostTerm("restraint", "Restraint", _per_commodity("restraint_cost", 1)),
    CostTerm("shortfall", "Shortfall", _per_commodity("shortfall_penalty", 1)),
)
