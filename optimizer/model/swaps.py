"""Crisis swaps: a member lends stock or supply to another, to be repaid in kind within a set time."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import ModelInputs


def swap_index(p: ModelInputs, scenarios: list[str] | None = None) -> list[tuple]:
    """(s, c, lender, borrower, t) for every swap link and month owned by scenario s."""
    return [(s, x.commodity, x.lender, x.borrower, t) for s in scenarios or p.scenarios
            for x in p.swaps for t in p.months if p.tree.owns(s, t)]


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    index = swap_index(p)
    link = {(x.commodity, x.lender, x.borrower): x for x in p.swaps}
    owner = p.tree.owner_of
    m.Lend = pyo.Var(index, domain=pyo.NonNegativeReals,
                     bounds=lambda m, s, c, i, j, t: (0.0, link[(c, i, j)].max_per_month),
                     doc="units lent by i to j in month t")
    m.Repay = pyo.Var(index, domain=pyo.NonNegativeReals, doc="units j repays to i in month t")
    m.Owed = pyo.Var(index, domain=pyo.NonNegativeReals, doc="units j owes i at the end of month t")
    for s, c, i, j, t in index:
        if t == p.horizon:  # every loan is settled within the horizon
            m.Owed[s, c, i, j, t].setub(0.0)

    def balance_rule(m, s, c, i, j, t):
        """Owed[t] = Owed[t-1] + Lend[t] - Repay[t]"""
        before = m.Owed[owner(s, t - 1), c, i, j, t - 1] if t > 1 else 0.0
        return m.Owed[s, c, i, j, t] - before - m.Lend[s, c, i, j, t] + m.Repay[s, c, i, j, t] == 0

    def payback_rule(m, s, c, i, j, t):
        """Owed[t] <= sum of Lend over the last P months: older loans are repaid"""
        window = range(max(1, t - link[(c, i, j)].payback_months + 1), t + 1)
        return m.Owed[s, c, i, j, t] - quicksum(m.Lend[owner(s, u), c, i, j, u] for u in window) <= 0

    m.Swap_Balance_Constraint = pyo.Constraint(index, rule=balance_rule)
    m.Swap_Payback_Constraint = pyo.Constraint(index, rule=payback_rule)


def net_inflow(m: pyo.ConcreteModel, p: ModelInputs, s: str, c: str, mem: str, t: int):
    """Loans received and repayments received by `mem` minus loans given and repayments made
    (scenario s owns month t)."""
    terms = []
    for x in p.swaps:
        if x.commodity != c:
            continue
        key = (s, c, x.lender, x.borrower, t)
        if x.borrower == mem:
            terms += [m.Lend[key], -m.Repay[key]]
        if x.lender == mem:
            terms += [-m.Lend[key], m.Repay[key]]
    return quicksum(terms)
