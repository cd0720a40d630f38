"""The cost items of the objective, declared once as (item, variable, coefficient) terms.

The objective's Pyomo expressions (Expected_Cost, and Scenario_Total_Cost for the CVaR rows) are
built from these terms, the result tables price a solution's column values with them, and the
scenario decomposition and the warm re-solve write derived LPs' costs from them
(optimizer/lp/template.py), so a cost is never written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..inputs import ModelInputs
from ..keys import Keys
from .sharing import HOLDING_SPLIT_SHARE

FIRST_STAGE_ITEMS = ("capital", "holding", "holding_split")
SCENARIO_ITEMS = ("procurement", "domestic", "freight", "extra_holding", "handling", "transfer", "swap",
                  "restraint", "shortfall", "replenishment", "sharing")
COST_ITEMS = FIRST_STAGE_ITEMS + SCENARIO_ITEMS
# not money: the prices the objective puts on an unequal shortfall and on holding a joint stock
# away from the members' shares (optimizer/model/sharing.py); money costs, and the value of
# cooperation, leave them out
POLICY_ITEMS = ("sharing", "holding_split")


def _per_commodity(name: str, dim: int) -> Callable[[ModelInputs, Keys], np.ndarray]:
    return lambda p, keys: keys.per_name(dim, getattr(p, name))


def _per_link(links: str, attribute: str) -> Callable[[ModelInputs, Keys], np.ndarray]:
    """A transfer or swap link's cost, keyed (s, c, from, to, t)."""
    def coefficients(p: ModelInputs, keys: Keys) -> np.ndarray:
        return keys.per_name((1, 2, 3), {(x.commodity, *_ends(x)): getattr(x, attribute) for x in getattr(p, links)})
    return coefficients


def _ends(link) -> tuple[str, str]:
    return (link.sender, link.receiver) if hasattr(link, "sender") else (link.lender, link.borrower)


def _route_commodity(p: ModelInputs, keys: Keys, index: dict) -> np.ndarray:
    return keys.positions(1, {r: index[x.commodity] for r, x in p.routes.items()})


def _import_prices(p: ModelInputs, keys: Keys) -> np.ndarray:
    return p.import_price.take(keys)


@dataclass(frozen=True)
class CostTerm:
    """item cost = sum over the variable's index of coefficient x variable[key] (k$). Coefficients
    and commodities are computed for many keys at once (optimizer.keys)."""

    item: str
    variable: str  # Var component name
    coefficients: Callable[[ModelInputs, Keys], np.ndarray]  # k$ per model unit, one per key
    first_stage: bool = False  # keyed (c, m); scenario terms are keyed (s, c, ...) unless noted
    # index[commodity] per key, given index (commodity -> place); default: from key[0] or key[1]
    commodities: Callable[[ModelInputs, Keys, dict], np.ndarray] | None = None
    varies_by_scenario: bool = False  # its coefficients read scenario-keyed inputs (e.g. import prices)

    def commodity_of(self, p: ModelInputs, keys: Keys, index: dict) -> np.ndarray:
        """index[the commodity of each key] (index: commodity -> its place in a list)."""
        if self.commodities is not None:
            return self.commodities(p, keys, index)
        return keys.positions(0 if self.first_stage else 1, index)


COST_TERMS = (
    CostTerm("capital", "New_Capacity", _per_commodity("capacity_cost", 0), first_stage=True),
    # the starting stock's carrying cost is committed for the risk window (docs/model.md)
    CostTerm("holding", "Initial_Stock", lambda p, keys: keys.per_name(0, p.holding_cost) * p.risk_window_months,
             first_stage=True),
    # not money: breaks ties in where a joint stock is held (optimizer/model/sharing.py)
    CostTerm("holding_split", "Holding_Above_Share",
             lambda p, keys: keys.per_name(0, p.holding_cost) * p.risk_window_months * HOLDING_SPLIT_SHARE,
             first_stage=True),
    CostTerm("procurement", "Import", _import_prices, commodities=_route_commodity, varies_by_scenario=True),
    CostTerm("domestic", "Domestic", lambda p, keys: keys.per_name((1, 2), p.domestic_cost)),
    CostTerm("freight", "Import", lambda p, keys: keys.per_name(1, {r: x.freight for r, x in p.routes.items()}),
             commodities=_route_commodity),
    CostTerm("extra_holding", "Stock_Above_Initial", _per_commodity("holding_cost", 1)),
    CostTerm("handling", "Release", _per_commodity("handling_cost", 1)),
    CostTerm("handling", "Fill", _per_commodity("handling_cost", 1)),
    CostTerm("transfer", "Transfer", _per_link("transfers", "cost")),
    CostTerm("swap", "Lend", _per_link("swaps", "fee")),
    CostTerm("restraint", "Restraint", _per_commodity("restraint_cost", 1)),
    CostTerm("shortfall", "Shortfall", _per_commodity("shortfall_penalty", 1)),
    CostTerm("replenishment", "Replenishment", lambda p, keys: keys.per_name((1, 2), p.replenishment_price)),
    CostTerm("sharing", "Shortfall_Above_Share", _per_commodity("sharing_penalty", 1)),
)


def variable_costs(p: ModelInputs, keys: dict[str, Keys],
                   weight: Callable[[str, Keys], np.ndarray | float] | None,
                   first_stage: bool) -> dict[str, np.ndarray]:
    """Objective coefficient per key of each variable in `keys`: the sum of its first-stage
    (first_stage=True) or scenario cost terms' coefficients, added in COST_TERMS order, each
    scenario term's times `weight(variable, keys)` (a number, or one per key: the probability of
    the node each key's decision belongs to, optimizer.model.timing.key_weights).

    The objective (optimizer/model/build.py) and the numbers written into derived LPs
    (optimizer/lp/template.py) both come from here, so a derived LP's costs are the built LP's bit
    for bit (the warm re-solve compares them exactly)."""
    costs: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray | float] = {}  # per variable: its terms share the keys
    for term in COST_TERMS:
        of = keys.get(term.variable)
        if term.first_stage != first_stage or of is None or not len(of):
            continue
        a = term.coefficients(p, of)
        if not first_stage:
            if term.variable not in weights:
                weights[term.variable] = weight(term.variable, of)
            a = weights[term.variable] * a
        costs[term.variable] = costs[term.variable] + a if term.variable in costs else a
    return costs
