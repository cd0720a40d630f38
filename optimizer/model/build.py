"""Assemble the blocks into one LP whose objective is the expected total cost (k$)."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.util import quicksum

from ..inputs import ModelInputs
from . import market, stockpile, supply, transfers

FIRST_STAGE_ITEMS = ("capital", "holding")
SCENARIO_ITEMS = ("extra_holding", "handling", "procurement", "freight", "transfer", "restraint", "shortfall")
COST_ITEMS = FIRST_STAGE_ITEMS + SCENARIO_ITEMS


def build_model(p: ModelInputs) -> pyo.ConcreteModel:
    """The LP of docs/model.md for the coalition and scenario set described by `p`."""
    m = pyo.ConcreteModel(name="kj_stockpile")
    with PauseGC():  # building creates many small objects; collection cycles only slow it down
        supply.add_components(m, p)
        stockpile.add_components(m, p)
        transfers.add_components(m, p)
        market.add_components(m, p)
        _add_objective(m, p)
    return m


def _add_objective(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    first = stockpile.first_stage_costs(m, p)
    m.First_Stage_Cost = pyo.Expression(FIRST_STAGE_ITEMS, rule=lambda m, item: first[item])
    per_scenario = {}
    for s in p.scenarios:
        for block in (supply, stockpile, transfers, market):
            for item, expr in block.scenario_costs(m, p, s).items():
                per_scenario[(item, s)] = expr
    m.Scenario_Cost = pyo.Expression(list(per_scenario), rule=lambda m, item, s: per_scenario[(item, s)])
    m.Total_Cost = pyo.Objective(
        expr=quicksum(m.First_Stage_Cost[i] for i in FIRST_STAGE_ITEMS)
        + quicksum(p.probability[s] * m.Scenario_Cost[i, s] for i, s in per_scenario),
        sense=pyo.minimize)
