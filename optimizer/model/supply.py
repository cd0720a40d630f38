"""Imports by supplier x route x member, supplier export capacity, chokepoint closures."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import GROUP_SEPARATOR, ModelInputs


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    index = [(s, r, t) for s in p.scenarios for r in p.routes for t in p.months]
    m.Import = pyo.Var(index, domain=pyo.NonNegativeReals,
                       doc="arrivals by route in month t, shipped in t - lead (units/month)")
    for key in p.closed:
        m.Import[key].setub(import_upper(p, key))

    by_supplier = defaultdict(list)
    for r, route in p.routes.items():
        by_supplier[(route.commodity, route.supplier)].append(route)

    def supplier_capacity_rule(m, s, c, k, group, d):
        """sum_{m in group, r: k->m} Import[s, r, d + L_r] <= capacity[c,k] * availability[s,c,k,group,d]"""
        members = group.split(GROUP_SEPARATOR)
        terms = [m.Import[s, route.name, d + route.lead_months] for route in by_supplier[(c, k)]
                 if route.member in members and 1 <= d + route.lead_months <= p.horizon]
        if not terms:
            return pyo.Constraint.Skip
        return quicksum(terms) <= capacity_row_upper(p, (s, c, k, group, d))

    m.Supplier_Capacity_Constraint = pyo.Constraint(list(p.supply_rows), rule=supplier_capacity_rule)


def import_upper(p: ModelInputs, key: tuple) -> float | None:
    """Import[s, r, t]'s upper bound: a closed chokepoint shuts the route for shipments leaving
    that month (0), else none."""
    return 0.0 if key in p.closed else None


def capacity_row_upper(p: ModelInputs, key: tuple) -> float:
    """Supplier_Capacity_Constraint[s, c, k, group, d]'s right-hand side: capacity x availability
    (1 for a row that no ban of scenario s touches: a scenario LP derived from another scenario's
    may carry such a row, optimizer.decompose)."""
    return p.supplier_capacity[key[1:3]] * p.supply_rows.get(key, 1.0)


def arrivals(m: pyo.ConcreteModel, p: ModelInputs, routes_in: list[str], s: str, t: int):
    return quicksum(m.Import[s, r, t] for r in routes_in)
