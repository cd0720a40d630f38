"""Imports by supplier x route x member, supplier export capacity, chokepoint closures."""

from __future__ import annotations

from collections import defaultdict
from itertools import repeat

import numpy as np

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import GROUP_SEPARATOR, ModelInputs
from ..keys import Keys


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    index = [(s, r, t) for s in p.scenarios for r in p.routes for t in p.months]
    m.Import = pyo.Var(index, domain=pyo.NonNegativeReals,
                       doc="arrivals by route in month t, shipped in t - lead (units/month)")
    closed = list(p.closed)
    for key, upper in zip(closed, import_upper(p, Keys.of(closed)).tolist()):
        m.Import[key].setub(upper)

    by_supplier = defaultdict(list)
    for r, route in p.routes.items():
        by_supplier[(route.commodity, route.supplier)].append(route)
    rows = list(p.supply_rows)
    row_upper = dict(zip(rows, capacity_row_upper(p, Keys.of(rows)).tolist()))

    def supplier_capacity_rule(m, s, c, k, group, d):
        """sum_{m in group, r: k->m} Import[s, r, d + L_r] <= capacity[c,k] * availability[s,c,k,group,d]"""
        members = group.split(GROUP_SEPARATOR)
        terms = [m.Import[s, route.name, d + route.lead_months] for route in by_supplier[(c, k)]
                 if route.member in members and 1 <= d + route.lead_months <= p.horizon]
        if not terms:
            return pyo.Constraint.Skip
        return quicksum(terms) <= row_upper[(s, c, k, group, d)]

    m.Supplier_Capacity_Constraint = pyo.Constraint(rows, rule=supplier_capacity_rule)


# The numbers below are computed for many keys at once: the blocks and optimizer.template (which
# writes a scenario's numbers straight into an LP's arrays) both call them, so each is written once.

def import_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Import[s, r, t]'s upper bound per key: a closed chokepoint shuts the route for shipments
    leaving that month (0), else none (nan)."""
    if not p.closed:  # most scenarios close no chokepoint
        return np.full(len(keys), np.nan)
    closed = np.fromiter(map(p.closed.__contains__, keys.tuples()), dtype=bool, count=len(keys))
    return np.where(closed, 0.0, np.nan)


def capacity_row_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Supplier_Capacity_Constraint[s, c, k, group, d]'s right-hand side per key: capacity x
    availability (1 for a row that no ban of scenario s touches: a scenario LP derived from
    another scenario's may carry such a row, optimizer.decompose)."""
    capacity = keys.per_name((1, 2), p.supplier_capacity)
    return capacity * np.fromiter(map(p.supply_rows.get, keys.tuples(), repeat(1.0)), dtype=float, count=len(keys))


def arrivals(m: pyo.ConcreteModel, p: ModelInputs, routes_in: list[str], s: str, t: int):
    return quicksum(m.Import[s, r, t] for r in routes_in)
