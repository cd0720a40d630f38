"""Assemble the blocks into one LP whose objective is the expected total cost (k$)."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression

from ..inputs import ModelInputs
from ..keys import Keys
from . import market, risk, sharing, stockpile, supply, swaps, transfers
from .costs import COST_TERMS, variable_costs
from .timing import decision_months, key_weights


def build_model(p: ModelInputs) -> pyo.ConcreteModel:
    """The LP of docs/model.md for the coalition and scenario set described by `p`."""
    m = pyo.ConcreteModel(name="kj_stockpile")
    with PauseGC():  # building creates many small objects; collection cycles only slow it down
        supply.add_components(m, p)
        stockpile.add_components(m, p)
        transfers.add_components(m, p)
        swaps.add_components(m, p)
        market.add_components(m, p)
        sharing.add_components(m, p)
        _add_costs(m, p)
        risk.add_components(m, p)
        _add_objective(m, p)
    return m


def _add_costs(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    """Expected_Cost, and with a risk weight each scenario's Scenario_Total_Cost[s], from COST_TERMS
    as flat linear expressions: one coefficient per variable, the sum of its terms' coefficients,
    each scenario term's times the probability of the node its decision belongs to, added in
    COST_TERMS order (as optimizer.lp.template writes them). Pyomo's compiler reads a flat sum much
    faster than nested named sums (they were 40 % of the hand-off)."""
    m.Expected_Cost = pyo.Expression(expr=_linear(
        [pair for name, (keys, a) in _cost_coefficients(m, p, lambda name, keys: key_weights(p, name, keys)).items()
         for pair in zip(map(getattr(m, name).__getitem__, keys), a.tolist())]))
    if p.cvar_weight == 0:
        return  # only the CVaR rows read a scenario's total
    first, per_scenario = [], {s: [] for s in p.scenarios}
    for name, (keys, a) in _cost_coefficients(m, p, lambda name, keys: 1.0).items():
        var = getattr(m, name)
        if name in FIRST_STAGE_VARIABLES:
            first += zip(map(var.__getitem__, keys), a.tolist())
            continue
        for key, month, coefficient in zip(keys, decision_months(p, name, Keys.of(keys)).tolist(), a.tolist()):
            for s in p.tree.members(key[0], month):  # every scenario of the node pays the owner's decision
                per_scenario[s].append((var[key], coefficient))
    m.Scenario_Total_Cost = pyo.Expression(p.scenarios, rule=lambda m, s: _linear(first + per_scenario[s]))


FIRST_STAGE_VARIABLES = frozenset(term.variable for term in COST_TERMS if term.first_stage)


def _cost_coefficients(m: pyo.ConcreteModel, p: ModelInputs, weight) -> dict[str, tuple]:
    """Variable name -> (its keys, its objective coefficient per key), scenario terms weighted by
    weight(variable, keys)."""
    keys = {term.variable: list(getattr(m, term.variable).keys()) for term in COST_TERMS
            if hasattr(m, term.variable)}
    of = {name: Keys.of(k) for name, k in keys.items() if k}
    costs = {**variable_costs(p, of, None, first_stage=True),
             **variable_costs(p, of, weight, first_stage=False)}
    return {name: (keys[name], costs[name]) for name in keys if name in costs}


def _linear(pairs: list[tuple]) -> LinearExpression:
    """sum of coefficient x variable over (variable, coefficient) pairs."""
    return LinearExpression(linear_coefs=[a for _, a in pairs], linear_vars=[v for v, _ in pairs])


def _add_objective(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    """Expected cost, or (1 - w) x expected cost + w x CVaR when a risk weight w is set."""
    w = p.cvar_weight
    expr = m.Expected_Cost if w == 0 else (1 - w) * m.Expected_Cost + w * m.CVaR
    m.Total_Cost = pyo.Objective(expr=expr, sense=pyo.minimize)
