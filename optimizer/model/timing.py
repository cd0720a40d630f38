"""The month whose information each decision (column) or row of the LP uses.

The scenario tree (optimizer.tree) says which scenario owns a node at a month; a component's key
exists in the LP only for the scenario that owns its decision month, and every other scenario of
the node reads the owner's. An import is decided when it ships (arrival month minus lead time);
a replenishment and the end-of-horizon row at the horizon; everything else in the month its key
names (its last element). The first stage (storage built, stock held) and the risk rows are not
in the tree.
"""

from __future__ import annotations

import numpy as np

from ..inputs import ModelInputs
from ..keys import Keys

FIRST_STAGE = frozenset({"New_Capacity", "Initial_Stock", "Initial_Stock_Capacity_Constraint",
                         "Cover_Floor_Constraint", "Holding_Above_Share", "Holding_Split_Constraint"})
PER_SCENARIO = frozenset({"Cost_Threshold", "Cost_Excess", "CVaR_Excess_Constraint"})  # risk rows
AT_HORIZON = frozenset({"End_Stock_Constraint", "Replenishment"})


def in_tree(name: str) -> bool:
    """Whether a component's keys are scenario-keyed decisions placed in the tree."""
    return name not in FIRST_STAGE and name not in PER_SCENARIO


def decision_months(p: ModelInputs, name: str, keys: Keys) -> np.ndarray:
    """The decision month of each key (s, ..., month) of component `name`."""
    if name in AT_HORIZON:
        return np.full(len(keys), p.horizon, dtype=np.int64)
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    months = np.asarray(keys.columns[-1], dtype=np.int64)
    if name == "Import":  # (s, route, arrival month): shipped lead months earlier
        return months - keys.per_name(1, {r: x.lead_months for r, x in p.routes.items()}, dtype=np.int64)
    return months


def key_weights(p: ModelInputs, name: str, keys: Keys) -> np.ndarray:
    """The probability of the node each key's decision belongs to: what its cost is weighted by."""
    return p.tree.weights(keys.positions(0, p.tree.index), decision_months(p, name, keys))


def decided(p: ModelInputs, name: str, key: tuple, month: int) -> tuple:
    """The key of the column that scenario key[0] reads for component `name` decided in `month`:
    the same key under the owner of its node."""
    return (p.tree.owner_of(key[0], month), *key[1:])
