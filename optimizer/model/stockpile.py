"""Stockpile capacity and starting stock (here-and-now), stock, release and refill by month, and the
terminal rule: stock still drawn down at the horizon is bought back afterwards."""

from __future__ import annotations

import pyomo.environ as pyo

from ..inputs import ModelInputs


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    tree = p.tree
    pairs = [(c, mem) for c in p.commodities for mem in p.members]
    monthly = [(s, c, mem, t) for s in p.scenarios for c, mem in pairs for t in p.months if tree.owns(s, t)]
    final = [(s, c, mem) for s in p.scenarios for c, mem in pairs if tree.owns(s, p.horizon)]
    m.New_Capacity = pyo.Var(pairs, domain=pyo.NonNegativeReals, doc="storage built (units)")
    m.Initial_Stock = pyo.Var(pairs, domain=pyo.NonNegativeReals, doc="stock held at the start (units)")
    m.Stock = pyo.Var(monthly, domain=pyo.NonNegativeReals, doc="stock at the end of month t (units)")
    m.Release = pyo.Var(monthly, domain=pyo.NonNegativeReals, doc="stock released in month t")
    m.Fill = pyo.Var(monthly, domain=pyo.NonNegativeReals, doc="stock refilled in month t")
    m.Stock_Above_Initial = pyo.Var(monthly, domain=pyo.NonNegativeReals,
                                     doc="stock above the starting level, which pays extra holding")
    m.Replenishment = pyo.Var(final, domain=pyo.NonNegativeReals,
                              doc="stock bought back after the horizon to restore the starting level (units)")

    def capacity(c, mem):
        return p.existing_capacity[(c, mem)] + m.New_Capacity[c, mem]

    def previous(s, c, mem, t):
        return m.Initial_Stock[c, mem] if t == 1 else m.Stock[tree.owner_of(s, t - 1), c, mem, t - 1]

    def stock_balance_rule(m, s, c, mem, t):
        """Stock[t-1] + Fill[t] - Release[t] - Stock[t] = 0 (dual: value of a unit in stock)"""
        return previous(s, c, mem, t) + m.Fill[s, c, mem, t] - m.Release[s, c, mem, t] \
            - m.Stock[s, c, mem, t] == 0

    def stock_capacity_rule(m, s, c, mem, t):
        """Stock[t] <= existing capacity + New_Capacity"""
        return m.Stock[s, c, mem, t] - m.New_Capacity[c, mem] <= p.existing_capacity[(c, mem)]

    def release_limit_rule(m, s, c, mem, t):
        """Release[t] <= release share x (existing capacity + New_Capacity)"""
        return m.Release[s, c, mem, t] <= p.release_share[c] * capacity(c, mem)

    def end_stock_rule(m, s, c, mem):
        """Stock[T] + Replenishment >= Initial_Stock: what is still drawn at the horizon is bought back"""
        return m.Stock[s, c, mem, p.horizon] + m.Replenishment[s, c, mem] >= m.Initial_Stock[c, mem]

    def stock_above_initial_rule(m, s, c, mem, t):
        """Stock_Above_Initial[t] >= Stock[t] - Initial_Stock"""
        return m.Stock_Above_Initial[s, c, mem, t] - m.Stock[s, c, mem, t] + m.Initial_Stock[c, mem] >= 0

    m.Stock_Balance_Constraint = pyo.Constraint(monthly, rule=stock_balance_rule)
    m.Stock_Above_Initial_Constraint = pyo.Constraint(monthly, rule=stock_above_initial_rule)
    m.Stock_Capacity_Constraint = pyo.Constraint(monthly, rule=stock_capacity_rule)
    m.Initial_Stock_Capacity_Constraint = pyo.Constraint(
        pairs, rule=lambda m, c, mem: m.Initial_Stock[c, mem] - m.New_Capacity[c, mem]
        <= p.existing_capacity[(c, mem)])
    m.Release_Limit_Constraint = pyo.Constraint(monthly, rule=release_limit_rule)
    m.End_Stock_Constraint = pyo.Constraint(final, rule=end_stock_rule)
    m.Cover_Floor_Constraint = pyo.Constraint(
        list(p.floor), rule=lambda m, c, mem: m.Initial_Stock[c, mem] >= p.floor[(c, mem)])


def net_release(m: pyo.ConcreteModel, p: ModelInputs, s: str, c: str, mem: str, t: int):
    """Stock reaching the market in month t (released release-lead months earlier, by the owner of
    that month's node) minus stock filled in t."""
    sent = t - p.release_lead[c]
    released = m.Release[p.tree.owner_of(s, sent), c, mem, sent] if sent >= 1 else 0.0
    return released - m.Fill[s, c, mem, t]
