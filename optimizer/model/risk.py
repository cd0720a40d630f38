"""Conditional value-at-risk of the scenario cost (Rockafellar-Uryasev), for a risk-weighted objective."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import ModelInputs


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    """CVaR_a = Cost_Threshold + 1/(1-a) sum_s prob_s Cost_Excess[s], Cost_Excess[s] >= cost_s - threshold.

    Built only when the objective weighs risk (cvar_weight > 0); at the optimum Cost_Threshold is
    the value-at-risk of the scenario cost at level a and CVaR the mean cost of the worst 1-a."""
    if p.cvar_weight == 0:
        return
    m.Cost_Threshold = pyo.Var(domain=pyo.Reals, doc="value-at-risk of the scenario cost (k$)")
    m.Cost_Excess = pyo.Var(p.scenarios, domain=pyo.NonNegativeReals, doc="scenario cost above it (k$)")
    m.CVaR_Excess_Constraint = pyo.Constraint(
        p.scenarios, rule=lambda m, s: m.Cost_Excess[s] - m.Scenario_Total_Cost[s] + m.Cost_Threshold >= 0)
    tail = 1.0 / (1.0 - p.cvar_level)
    m.CVaR = pyo.Expression(expr=m.Cost_Threshold + tail * quicksum(
        p.probability[s] * m.Cost_Excess[s] for s in p.scenarios))
