"""Joint plans' sharing rules, in proportion to the members' normal demand (the IEA principle).

Sharing a shortfall: Common_Share[s, c, t] is the coalition's shortfall as a share of its normal
monthly demand; a member's shortfall above that share of its own normal demand is
Shortfall_Above_Share, charged a sharing penalty (a share of the shortfall penalty). The plan
therefore shares a shortfall in proportion to demand wherever reallocating pooled supply or
transferring costs less than that penalty, and never makes a member short when that helps no
other member.

Holding the joint stock: where a joint stock is held is often a tie (either member's stock can
serve either member through pooled supply). Stock a member holds above its share of the joint
stock (by normal demand) is Holding_Above_Share, charged HOLDING_SPLIT_SHARE of the stock's
holding cost: the tie goes to holding in proportion to demand, and any real cost difference
larger than that still decides.

Both are built only for joint plans of two members or more with the proportional rule, and
neither is money (docs/model.md, "Joint plans").
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from ..inputs import ModelInputs


HOLDING_SPLIT_SHARE = 1e-3  # of the holding cost over the risk window, per unit held above the share


def normal_monthly_demand(p: ModelInputs, c: str, member: str) -> float:
    return p.demand_per_year[(c, member)] / 12.0


def demand_share(p: ModelInputs, c: str, member: str) -> float:
    """The member's share of the coalition's normal demand for c."""
    return p.demand_per_year[(c, member)] / sum(p.demand_per_year[(c, x)] for x in p.members)


def add_components(m: pyo.ConcreteModel, p: ModelInputs) -> None:
    if not p.sharing:
        return
    shared = [c for c in p.commodities if sum(normal_monthly_demand(p, c, x) for x in p.members) > 0]
    common = [(s, c, t) for s in p.scenarios for c in shared for t in p.months if p.tree.owns(s, t)]
    above = [(s, c, mem, t) for s, c, t in common for mem in p.members]
    m.Common_Share = pyo.Var(common, domain=pyo.NonNegativeReals,
                             doc="the coalition's shortfall as a share of its normal demand")
    m.Shortfall_Above_Share = pyo.Var(above, domain=pyo.NonNegativeReals,
                                      doc="a member's shortfall above the common share of its normal demand")

    def common_share_rule(m, s, c, t):
        """sum_m Shortfall[m] - (sum_m normal demand[m]) x Common_Share = 0"""
        total = sum(normal_monthly_demand(p, c, x) for x in p.members)
        return quicksum(m.Shortfall[s, c, x, t] for x in p.members) - total * m.Common_Share[s, c, t] == 0

    def proportional_rule(m, s, c, mem, t):
        """Shortfall[m] - normal demand[m] x Common_Share - Shortfall_Above_Share[m] <= 0"""
        return (m.Shortfall[s, c, mem, t] - normal_monthly_demand(p, c, mem) * m.Common_Share[s, c, t]
                - m.Shortfall_Above_Share[s, c, mem, t] <= 0)

    m.Common_Share_Constraint = pyo.Constraint(common, rule=common_share_rule)
    m.Proportional_Sharing_Constraint = pyo.Constraint(above, rule=proportional_rule)

    pairs = [(c, mem) for c in shared for mem in p.members]
    m.Holding_Above_Share = pyo.Var(pairs, domain=pyo.NonNegativeReals,
                                    doc="stock a member holds above its share of the joint stock (units)")

    def holding_split_rule(m, c, mem):
        """Initial_Stock[m] - share[m] x sum_m' Initial_Stock[m'] - Holding_Above_Share[m] <= 0"""
        share = demand_share(p, c, mem)
        return (m.Initial_Stock[c, mem] - quicksum(share * m.Initial_Stock[c, x] for x in p.members)
                - m.Holding_Above_Share[c, mem] <= 0)

    m.Holding_Split_Constraint = pyo.Constraint(pairs, rule=holding_split_rule)
