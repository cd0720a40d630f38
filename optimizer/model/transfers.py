"""Crisis transfers between members: cost, lag and a monthly limit."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import ModelInputs


def transfer_index(p: ModelInputs, scenarios: list[str] | None = None) -> list[tuple]:
    """(s, c, sender, receiver, t) for transfers leaving in month t and arriving by the horizon,
    for the scenario that owns month t's node."""
    return [(s, x.commodity, x.sender, x.receiver, t) for s in scenarios or p.scenarios
            for x in p.transfers for t in p.months if t + x.lag_months <= p.horizon and p.tree.owns(s, t)]


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    limit = {(x.commodity, x.sender, x.receiver): x.max_per_month for x in p.transfers}
    m.Transfer = pyo.Var(transfer_index(p), domain=pyo.NonNegativeReals,
                         bounds=lambda m, s, c, i, j, t: (0.0, limit[(c, i, j)]),
                         doc="units sent from member i to member j in month t")


def net_inflow(m: pyo.ConcreteModel, p: ModelInputs, s: str, c: str, mem: str, t: int):
    """Transfers arriving at `mem` in month t minus those it sends in month t (scenario s owns t)."""
    terms = []
    for x in p.transfers:
        if x.commodity != c:
            continue
        if x.receiver == mem and t - x.lag_months >= 1:
            sent = t - x.lag_months
            terms.append(m.Transfer[p.tree.owner_of(s, sent), c, x.sender, mem, sent])
        if x.sender == mem and t + x.lag_months <= p.horizon:
            terms.append(-m.Transfer[s, c, mem, x.receiver, t])
    return quicksum(terms)
