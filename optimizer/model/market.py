"""Monthly market balance per member: imports, stock, transfers, restraint and shortfall meet demand."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

import pyomo.environ as pyo

from ..inputs import ModelInputs
from ..keys import Keys
from . import stockpile, supply, swaps, transfers


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    index = [key for key in p.demand if p.tree.owns(key[0], key[3])]  # (s, c, mem, t) its node's owner decides
    keys = Keys.of(index)
    restraint = dict(zip(index, restraint_upper(p, keys).tolist()))
    shortfall = dict(zip(index, shortfall_upper(p, keys).tolist()))
    rhs = dict(zip(index, balance_rhs(p, keys).tolist()))
    m.Restraint = pyo.Var(index, domain=pyo.NonNegativeReals, bounds=lambda m, *key: (0.0, restraint[key]),
                          doc="demand restrained or substituted (units/month)")
    m.Shortfall = pyo.Var(index, domain=pyo.NonNegativeReals, bounds=lambda m, *key: (0.0, shortfall[key]),
                          doc="demand left unmet (units/month)")
    routes_in = defaultdict(list)
    for r, route in p.routes.items():
        routes_in[(route.commodity, route.member)].append(r)

    def market_balance_rule(m, s, c, mem, t):
        """arrivals + domestic + release arriving - fill + transfers and swaps in - out + restraint
        + shortfall >= demand (a surplus forced by cargoes already shipped is discarded; dual: the
        local price)"""
        return (supply.arrivals(m, p, routes_in[(c, mem)], s, c, mem, t)
                + stockpile.net_release(m, p, s, c, mem, t)
                + transfers.net_inflow(m, p, s, c, mem, t)
                + swaps.net_inflow(m, p, s, c, mem, t)
                + m.Restraint[s, c, mem, t] + m.Shortfall[s, c, mem, t] >= rhs[(s, c, mem, t)])

    m.Market_Balance_Constraint = pyo.Constraint(index, rule=market_balance_rule)


# Computed for many keys (s, c, m, t) at once, for the blocks and for optimizer.lp.template.

def balance_rhs(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Market_Balance_Constraint[s, c, m, t]'s lower side: demand."""
    return p.demand.take(keys)


def restraint_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Restraint[s, c, m, t] <= restraint share x demand."""
    return keys.per_name(1, p.restraint_share) * p.demand.take(keys)


def shortfall_upper(p: ModelInputs, keys: Keys) -> np.ndarray:
    """Shortfall[s, c, m, t] <= (1 - restraint share) x demand. Restraint is cheaper than shortfall
    (checked on input), so it is used up first; this bound keeps restraint + shortfall within
    demand without an extra row."""
    return (1 - keys.per_name(1, p.restraint_share)) * p.demand.take(keys)
