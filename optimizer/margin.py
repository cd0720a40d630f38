"""What one more tonne costs a member in a calm month: the margin of normal supply.

The terminal rule buys back stock still drawn at the horizon at this price (plus handling). Extra
volume comes from the cheapest source that still has capacity once the coalition's normal demand
is served, so the price is the calm market's marginal cost, not any supplier's list price: a refill
inside the horizon costs the same, and the stock a plan holds does not depend on how many months
are left to refill it (docs/model.md, "The terminal rule").

Per commodity it is a one-month allocation (a transportation LP): the members' normal demand met
from domestic supply and the suppliers' capacities (the coalition's share of them) at the cheapest
delivered price. Beyond every capacity a member buys at its dearest delivered price (the backstop):
when no source has room, stock cannot be refilled inside the horizon either, so buying back after
it is the only refill and the dearest source is its price, not the shortfall penalty. A member's
marginal price is the cost of raising its demand a little (DELTA of it), divided by that: the right
derivative, which stays defined where the LP's duals are not unique.
"""

from __future__ import annotations

import highspy
import numpy as np

DELTA = 1e-3  # share of a member's monthly demand by which it is raised to read its marginal cost


def calm_marginal_price(p) -> dict[tuple[str, str], float]:
    """(c, m) -> k$ per unit of one more unit for member m in a calm month (p: ModelInputs)."""
    out = {}
    for c in p.commodities:
        out.update(_commodity_margins(p, c))
    return out


def _commodity_margins(p, c: str) -> dict[tuple[str, str], float]:
    members = p.members
    delivered: dict[tuple[str, str], float] = {}  # (supplier, member) -> cheapest delivered price
    for route in p.routes.values():
        if route.commodity == c:
            key = (route.supplier, route.member)
            price = p.supplier_price[(c, route.supplier)] + route.freight
            delivered[key] = min(delivered.get(key, price), price)
    suppliers = sorted({k for k, _ in delivered})
    pairs = sorted(delivered)
    demand = np.array([p.demand_per_year[(c, m)] / 12.0 for m in members])
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    # columns: one per (supplier, member) pair, then domestic and backstop per member
    costs = [delivered[pair] for pair in pairs] + [p.domestic_cost[(c, m)] for m in members] \
        + [_backstop(delivered, m, p.shortfall_penalty[c]) for m in members]
    upper = [highspy.kHighsInf] * len(pairs) + [p.domestic_capacity[(c, m)] for m in members] \
        + [highspy.kHighsInf] * len(members)
    n = len(costs)
    highs.addVars(n, np.zeros(n), np.array(upper, dtype=float))
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(costs, dtype=float))
    for i, m in enumerate(members):  # demand: sum of supply to m >= its normal demand
        cols = [j for j, (_, x) in enumerate(pairs) if x == m] + [len(pairs) + i, len(pairs) + len(members) + i]
        highs.addRow(demand[i], highspy.kHighsInf, len(cols), np.array(cols, dtype=np.int32), np.ones(len(cols)))
    for k in suppliers:  # capacity: the coalition's share of the supplier's monthly capacity
        cols = [j for j, (x, _) in enumerate(pairs) if x == k]
        highs.addRow(-highspy.kHighsInf, p.supplier_capacity[(c, k)], len(cols), np.array(cols, dtype=np.int32),
                     np.ones(len(cols)))
    base = _solve(highs)
    out = {}
    for i, m in enumerate(members):
        delta = DELTA * max(demand[i], demand.mean(), 1e-9)
        highs.changeRowBounds(i, demand[i] + delta, highspy.kHighsInf)
        out[(c, m)] = (_solve(highs) - base) / delta
        highs.changeRowBounds(i, demand[i], highspy.kHighsInf)
    return out


def _backstop(delivered: dict[tuple[str, str], float], member: str, penalty: float) -> float:
    """Price beyond every capacity: the member's dearest delivered price, else the commodity's, else
    the shortfall penalty (a commodity nobody can import cannot be bought back)."""
    own = [price for (_, m), price in delivered.items() if m == member]
    return max(own or list(delivered.values()) or [penalty])


def _solve(highs: highspy.Highs) -> float:
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # the backstop keeps it feasible
        raise RuntimeError(f"calm allocation: {highs.modelStatusToString(highs.getModelStatus())}")
    return highs.getInfo().objective_function_value
