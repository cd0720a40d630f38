"""The cost items of the objective, declared once as (item, variable, coefficient) terms.

The objective's Pyomo expressions (Expected_Cost, and Scenario_Total_Cost for the CVaR rows) are
built from these terms, the result tables price a solution's column values with them, and the
scenario decomposition and the warm re-solve write derived LPs' costs from them
(optimizer/template.py), so a cost is never written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs import ModelInputs

FIRST_STAGE_ITEMS = ("capital", "holding")
SCENARIO_ITEMS = ("procurement", "freight", "extra_holding", "handling", "transfer", "swap", "restraint",
                  "shortfall")
COST_ITEMS = FIRST_STAGE_ITEMS + SCENARIO_ITEMS


Columns = list  # a variable's keys column-wise: one sequence per key element (names or months)


def per_name(names, value: dict) -> np.ndarray:
    """value[name] for each entry of `names` (one lookup per distinct name)."""
    codes, distinct = pd.factorize(np.asarray(names, dtype=object) if isinstance(names, (list, tuple)) else names)
    return np.array([value[name] for name in distinct], dtype=float)[codes]


def key_columns(keys: list) -> Columns:
    """Tuple keys column-wise."""
    return [list(column) for column in zip(*keys)]


def _tuples(columns: Columns) -> list:
    return list(zip(*(c.tolist() if hasattr(c, "tolist") else c for c in columns)))


def _per_commodity(name: str, dim: int) -> Callable[[ModelInputs, Columns], np.ndarray]:
    return lambda p, cols: per_name(cols[dim], getattr(p, name))


def _per_link(links: str, attribute: str) -> Callable[[ModelInputs, Columns], np.ndarray]:
    """A transfer or swap link's cost, keyed (s, c, from, to, t)."""
    def coefficients(p: ModelInputs, cols: Columns) -> np.ndarray:
        value = {(x.commodity, *_ends(x)): getattr(x, attribute) for x in getattr(p, links)}
        return np.array([value[k] for k in _tuples(cols[1:4])], dtype=float)
    return coefficients


def _ends(link) -> tuple[str, str]:
    return (link.sender, link.receiver) if hasattr(link, "sender") else (link.lender, link.borrower)


def _route_commodity(p: ModelInputs, cols: Columns) -> np.ndarray:
    codes, routes = pd.factorize(np.asarray(cols[1], dtype=object) if isinstance(cols[1], (list, tuple)) else cols[1])
    return np.array([p.routes[r].commodity for r in routes], dtype=object)[codes]


def _import_prices(p: ModelInputs, cols: Columns) -> np.ndarray:
    keys = _tuples(cols)
    return np.fromiter(map(p.import_price.__getitem__, keys), dtype=float, count=len(keys))


@dataclass(frozen=True)
class CostTerm:
    """item cost = sum over the variable's index of coefficient x variable[key] (k$). Coefficients
    and commodities are computed for many keys at once, given column-wise (key_columns)."""

    item: str
    variable: str  # Var component name
    coefficients: Callable[[ModelInputs, Columns], np.ndarray]  # k$ per model unit, one per key
    first_stage: bool = False  # keyed (c, m); scenario terms are keyed (s, c, ...) unless noted
    commodities: Callable[[ModelInputs, Columns], np.ndarray] | None = None  # default: key[0] or key[1]
    varies_by_scenario: bool = False  # its coefficients read scenario-keyed inputs (e.g. import prices)

    def commodity_of(self, p: ModelInputs, cols: Columns):
        if self.commodities is not None:
            return self.commodities(p, cols)
        return cols[0 if self.first_stage else 1]


COST_TERMS = (
    CostTerm("capital", "New_Capacity", _per_commodity("capacity_cost", 0), first_stage=True),
    # the starting stock's carrying cost is committed for the whole horizon (docs/model.md)
    CostTerm("holding", "Initial_Stock", lambda p, cols: per_name(cols[0], p.holding_cost) * p.horizon,
             first_stage=True),
    CostTerm("procurement", "Import", _import_prices, commodities=_route_commodity, varies_by_scenario=True),
    CostTerm("freight", "Import", lambda p, cols: per_name(cols[1], {r: x.freight for r, x in p.routes.items()}),
             commodities=_route_commodity),
    CostTerm("extra_holding", "Stock_Above_Initial", _per_commodity("holding_cost", 1)),
    CostTerm("handling", "Release", _per_commodity("handling_cost", 1)),
    CostTerm("handling", "Fill", _per_commodity("handling_cost", 1)),
    CostTerm("transfer", "Transfer", _per_link("transfers", "cost")),
    CostTerm("swap", "Lend", _per_link("swaps", "fee")),
    CostTerm("restraint", "Restraint", _per_commodity("restraint_cost", 1)),
    CostTerm("shortfall", "Shortfall", _per_commodity("shortfall_penalty", 1)),
)


def variable_costs(p: ModelInputs, columns: dict[str, Columns], weight: Callable[[Columns], np.ndarray | float] | None,
                   first_stage: bool) -> dict[str, np.ndarray]:
    """Objective coefficient per key of each variable in `columns` (its keys column-wise): the sum
    of its first-stage (first_stage=True) or scenario cost terms' coefficients, added in
    COST_TERMS order, each scenario term's times `weight(columns)` (a number, or one per key).

    The objective (optimizer/model/build.py) and the numbers written into derived LPs
    (optimizer/template.py) both come from here, so a derived LP's costs are the built LP's bit
    for bit (the warm re-solve compares them exactly)."""
    costs: dict[str, np.ndarray] = {}
    for term in COST_TERMS:
        cols = columns.get(term.variable)
        if term.first_stage != first_stage or not cols or not len(cols[0]):
            continue
        a = term.coefficients(p, cols)
        if not first_stage:
            a = weight(cols) * a
        costs[term.variable] = costs[term.variable] + a if term.variable in costs else a
    return costs
