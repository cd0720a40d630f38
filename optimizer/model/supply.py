"""Imports by supplier x route x member, supplier export capacity, export bans, chokepoint closures,
and domestic output and recycling."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import ModelInputs
from ..keys import Keys


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    tree = p.tree
    # an import is decided in the month it ships (arrival - lead): the owner of that month's node has it
    index = [(s, r, t) for s in p.scenarios for r, route in p.routes.items() for t in p.months
             if tree.owns(s, t - route.lead_months)]
    m.Import = pyo.Var(index, domain=pyo.NonNegativeReals,
                       doc="arrivals by route in month t, shipped in t - lead (units/month)")
    closed = [key for key in p.closed if key in m.Import]
    for key, upper in zip(closed, import_upper(p, Keys.of(closed)).tolist()):
        m.Import[key].setub(upper)

    by_supplier = defaultdict(list)
    for route in p.routes.values():
        by_supplier[(route.commodity, route.supplier)].append(route)

    def shipped(s, c, k, d, member=None):
        """Imports leaving supplier k in month d (for `member` only, if given)."""
        return [m.Import[s, route.name, d + route.lead_months] for route in by_supplier[(c, k)]
                if (member is None or route.member == member) and 1 <= d + route.lead_months <= p.horizon]

    rows = [(s, c, k, d) for s in p.scenarios for (c, k), routes in by_supplier.items()
            for d in range(1 - max(x.lead_months for x in routes), p.horizon + 1) if tree.owns(s, d)]
    row_upper = dict(zip(rows, capacity_row_upper(p, Keys.of(rows)).tolist()))

    def supplier_capacity_rule(m, s, c, k, d):
        """sum_{r: k->M} Import[s, r, d + L_r] <= capacity[c, k]"""
        terms = shipped(s, c, k, d)
        return quicksum(terms) <= row_upper[(s, c, k, d)] if terms else pyo.Constraint.Skip

    m.Supplier_Capacity_Constraint = pyo.Constraint(rows, rule=supplier_capacity_rule)

    bans = [key for key in p.ban_rows if tree.owns(key[0], key[4])]
    ban_upper = dict(zip(bans, ban_row_upper(p, Keys.of(bans)).tolist()))

    def export_ban_rule(m, s, c, k, member, d):
        """sum_{r: k->member} Import[s, r, d + L_r] <= (1 - severity) x normal imports (capacity
        while no ban is active)"""
        terms = shipped(s, c, k, d, member)
        return quicksum(terms) <= ban_upper[(s, c, k, member, d)] if terms else pyo.Constraint.Skip

    m.Export_Ban_Constraint = pyo.Constraint(bans, rule=export_ban_rule)

    owned = [key for key in p.demand  # (s, c, member, t), for members with domestic supply
             if p.domestic_capacity[key[1:3]] > 0 and tree.owns(key[0], key[3])]
    upper = dict(zip(owned, domestic_upper(p, Keys.of(owned)).tolist()))
    m.Domestic = pyo.Var(owned, domain=pyo.NonNegativeReals, bounds=lambda m, *key: (0.0, upper[key]),
                         doc="domestic output and recycling used in month t (units/month)")


# The numbers below are computed for many keys at once: the blocks and optimizer.lp.template (which
# writes a scenario's numbers straight into an LP's arrays) both call them, so each is written once.

def import_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Import[s, r, t]'s upper bound per key: a closed chokepoint shuts the route for shipments
    leaving that month (0), else none (nan)."""
    if not p.closed:  # most scenarios close no chokepoint
        return np.full(len(keys), np.nan)
    closed = np.fromiter(map(p.closed.__contains__, keys.tuples()), dtype=bool, count=len(keys))
    return np.where(closed, 0.0, np.nan)


def capacity_row_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Supplier_Capacity_Constraint[s, c, k, d]'s right-hand side per key: the supplier's export
    capacity (its share of it when a member plans alone)."""
    return keys.per_name((1, 2), p.supplier_capacity)


def ban_row_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Export_Ban_Constraint[s, c, k, m, d]'s right-hand side per key: the share of member m's
    normal imports from k still allowed while a ban is active; the supplier's capacity (the row is
    then implied by the supplier's row) in the other months, and for a row of a member no ban of
    scenario s targets (a scenario LP derived from another's may carry such a row, optimizer.lp.template)."""
    share = np.fromiter(map(p.ban_rows.get, keys.tuples(), [1.0] * len(keys)), dtype=float, count=len(keys))
    normal = keys.per_name((1, 2, 3), lambda ckm: p.normal_imports.get(ckm, 0.0))
    capacity = keys.per_name((1, 2), p.supplier_capacity)
    return np.where(share < 1.0, share * normal, capacity)


def domestic_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Domestic[s, c, m, t] <= the member's domestic output and recycling per month (export bans
    do not reach it)."""
    return keys.per_name((1, 2), p.domestic_capacity)


def arrivals(m: pyo.ConcreteModel, p: ModelInputs, routes_in: list[str], s: str, c: str, mem: str, t: int):
    """Supply reaching member mem in month t of scenario s: each route's import, read from the
    owner of its shipping month, and domestic output and recycling where the member has any."""
    imports = [m.Import[p.tree.owner_of(s, t - p.routes[r].lead_months), r, t] for r in routes_in]
    return quicksum(imports + ([m.Domestic[s, c, mem, t]] if p.domestic_capacity[(c, mem)] > 0 else []))
