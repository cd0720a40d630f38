"""Monthly market balance per member: imports, stock, transfers, restraint and shortfall meet demand."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from ..inputs import ModelInputs
from . import stockpile, supply, swaps, transfers


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    index = list(p.demand)  # (s, c, mem, t)
    m.Restraint = pyo.Var(index, domain=pyo.NonNegativeReals,
                          bounds=lambda m, *key: (0.0, restraint_upper(p, key)),
                          doc="demand restrained or substituted (units/month)")
    m.Shortfall = pyo.Var(index, domain=pyo.NonNegativeReals, bounds=lambda m, *key: (0.0, shortfall_upper(p, key)),
                          doc="demand left unmet (units/month)")
    routes_in = defaultdict(list)
    for r, route in p.routes.items():
        routes_in[(route.commodity, route.member)].append(r)

    def market_balance_rule(m, s, c, mem, t):
        """arrivals + release - fill + transfers and swaps in - out + restraint + shortfall = demand
        (dual: the local price)"""
        return (supply.arrivals(m, p, routes_in[(c, mem)], s, t)
                + stockpile.net_release(m, s, c, mem, t)
                + transfers.net_inflow(m, p, s, c, mem, t)
                + swaps.net_inflow(m, p, s, c, mem, t)
                + m.Restraint[s, c, mem, t] + m.Shortfall[s, c, mem, t] == balance_rhs(p, (s, c, mem, t)))

    m.Market_Balance_Constraint = pyo.Constraint(index, rule=market_balance_rule)


def balance_rhs(p: ModelInputs, key: tuple) -> float:
    """Market_Balance_Constraint[s, c, m, t]'s right-hand side: demand."""
    return p.demand[key]


def restraint_upper(p: ModelInputs, key: tuple) -> float:
    """Restraint[s, c, m, t] <= restraint share x demand."""
    return p.restraint_share[key[1]] * p.demand[key]


def shortfall_upper(p: ModelInputs, key: tuple) -> float:
    """Shortfall[s, c, m, t] <= (1 - restraint share) x demand. Restraint is cheaper than shortfall
    (checked on input), so it is used up first; this bound keeps restraint + shortfall within
    demand without an extra row."""
    return (1 - p.restraint_share[key[1]]) * p.demand[key]
