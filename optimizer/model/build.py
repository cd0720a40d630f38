"""Assemble the blocks into one LP whose objective is the expected total cost (k$)."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.util import quicksum

from ..inputs import ModelInputs
from . import market, risk, stockpile, supply, swaps, transfers
from .costs import COST_TERMS, FIRST_STAGE_ITEMS, SCENARIO_ITEMS, key_columns



def build_model(p: ModelInputs) -> pyo.ConcreteModel:
    """The LP of docs/model.md for the coalition and scenario set described by `p`."""
    m = pyo.ConcreteModel(name="kj_stockpile")
    with PauseGC():  # building creates many small objects; collection cycles only slow it down
        supply.add_components(m, p)
        stockpile.add_components(m, p)
        transfers.add_components(m, p)
        swaps.add_components(m, p)
        market.add_components(m, p)
        _add_costs(m, p)
        risk.add_components(m, p)
        _add_objective(m, p)
    return m


def _add_costs(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    """First_Stage_Cost[item, c] and Scenario_Cost[item, c, s] from COST_TERMS, and each scenario's total."""
    first = {(item, c): [] for c in p.commodities for item in FIRST_STAGE_ITEMS}
    per_scenario = {(item, c, s): [] for s in p.scenarios for c in p.commodities for item in SCENARIO_ITEMS}
    for term in COST_TERMS:
        var = getattr(m, term.variable)
        keys = list(var.keys())
        columns = key_columns(keys)
        coefficients = term.coefficients(p, columns).tolist() if keys else []
        for key, a, c in zip(keys, coefficients, term.commodity_of(p, columns) if keys else []):
            if term.first_stage:
                first[(term.item, c)].append(a * var[key])
            else:
                per_scenario[(term.item, c, key[0])].append(a * var[key])
    m.First_Stage_Cost = pyo.Expression(list(first), rule=lambda m, item, c: quicksum(first[(item, c)]))
    m.Scenario_Cost = pyo.Expression(list(per_scenario),
                                     rule=lambda m, item, c, s: quicksum(per_scenario[(item, c, s)]))
    first_total = quicksum(m.First_Stage_Cost[k] for k in first)
    m.Scenario_Total_Cost = pyo.Expression(
        p.scenarios, rule=lambda m, s: first_total + quicksum(m.Scenario_Cost[k] for k in per_scenario if k[2] == s))
    m.Expected_Cost = pyo.Expression(expr=first_total + quicksum(
        p.probability[k[2]] * m.Scenario_Cost[k] for k in per_scenario))


def _add_objective(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    """Expected cost, or (1 - w) x expected cost + w x CVaR when a risk weight w is set."""
    w = p.cvar_weight
    expr = m.Expected_Cost if w == 0 else (1 - w) * m.Expected_Cost + w * m.CVaR
    m.Total_Cost = pyo.Objective(expr=expr, sense=pyo.minimize)
