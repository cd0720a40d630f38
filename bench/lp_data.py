"""ModelInputs (plain dicts keyed by tuples) as dense numpy arrays, for the matrix and linopy builds.

Both non-Pyomo builds start from the same ModelInputs the Pyomo core reads, and read it here, the
same way, so that their build times compare like with like. Each dict is read with one C-level
pass (np.fromiter over itertools.product keys), never by the dicts' insertion order, which
optimizer/inputs.py does not promise.

Index order: scenarios as p.scenarios, pairs (commodity, member) with the member varying fastest,
routes as p.routes, months 1..T stored at 0..T-1.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import product

import numpy as np

from optimizer.inputs import GROUP_SEPARATOR, ModelInputs
from optimizer.scenario_table import ScenarioTable


@dataclass
class SupplyPattern:
    """Every Supplier_Capacity_Constraint row of one (commodity, supplier, member group)."""

    commodity: str
    supplier: str
    group: str
    route_index: np.ndarray  # routes of this supplier to a member of the group
    route_lead_months: np.ndarray
    scenario_index: np.ndarray  # one entry per row key (s, d)
    departure_month: np.ndarray
    share: np.ndarray  # availability 1 - severity
    capacity_units_per_month: float


@dataclass
class LpData:
    scenarios: list[str]
    pairs: list[tuple[str, str]]
    routes: list[str]
    n_months: int
    probability: np.ndarray  # [S]
    demand: np.ndarray  # [S, P, T] units/month
    import_cost: np.ndarray  # [S, R, T] k$/unit, price + freight
    closed: np.ndarray  # [S, R, T] bool
    route_pair: np.ndarray  # [R] pair index of each route's (commodity, member)
    existing_capacity: np.ndarray  # [P] units
    floor: np.ndarray | None  # [P] units, None when floors are off
    pair_param: dict[str, np.ndarray]  # per-commodity parameters spread over pairs, [P] each
    transfers: list[tuple[int, int, int, float, float]]  # (sender pair, receiver pair, lag, max, cost)
    supply: list[SupplyPattern]

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.scenarios), len(self.pairs), self.n_months


def _dense(values, *axes) -> np.ndarray:
    """values[(a, b, ...)] for the product of the axes, as an array of that shape (a
    ScenarioTable on these axes already holds it so)."""
    if isinstance(values, ScenarioTable) and [values.scenarios, *values.levels] == [list(a) for a in axes]:
        return values.values.reshape([len(a) for a in axes]).copy()
    keys = product(*axes)
    count = int(np.prod([len(a) for a in axes]))
    return np.fromiter(map(values.__getitem__, keys), dtype=float, count=count).reshape(
        [len(a) for a in axes])


def lp_data(p: ModelInputs) -> LpData:
    """Arrays of every parameter of docs/model.md for the LP described by `p`."""
    _refuse_unknown_extensions(p)
    pairs = [(c, m) for c in p.commodities for m in p.members]
    pair_index = {pair: i for i, pair in enumerate(pairs)}
    routes = list(p.routes)
    months = p.months
    import_cost = _dense(p.import_price, p.scenarios, routes, months)
    import_cost += np.array([p.routes[r].freight for r in routes])[None, :, None]
    commodity = [c for c, _ in pairs]
    per_pair = {name: np.array([getattr(p, name)[c] for c in commodity]) for name in (
        "holding_cost", "capacity_cost", "release_share", "handling_cost", "restraint_share",
        "restraint_cost", "shortfall_penalty")}
    return LpData(
        scenarios=list(p.scenarios), pairs=pairs, routes=routes, n_months=len(months),
        probability=np.array([p.probability[s] for s in p.scenarios]),
        demand=_dense(p.demand, p.scenarios, p.commodities, p.members, months).reshape(
            len(p.scenarios), len(pairs), len(months)),
        import_cost=import_cost, closed=_closed(p, routes),
        route_pair=np.array([pair_index[(p.routes[r].commodity, p.routes[r].member)] for r in routes]),
        existing_capacity=np.array([p.existing_capacity[k] for k in pairs]),
        floor=np.array([p.floor[k] for k in pairs]) if p.floor else None,
        pair_param=per_pair,
        transfers=[(pair_index[(x.commodity, x.sender)], pair_index[(x.commodity, x.receiver)],
                    x.lag_months, x.max_per_month, x.cost) for x in p.transfers],
        supply=_supply_patterns(p, routes),
    )


def _refuse_unknown_extensions(p: ModelInputs) -> None:
    """The bench rebuilds the LP of docs/model.md only; extensions added to the core later (e.g.
    swaps or a CVaR term) must be off, or the optima would differ for a reason that is no bug."""
    if getattr(p, "swaps", None) or getattr(p, "cvar_weight", 0.0):
        raise NotImplementedError("bench LP builds cover docs/model.md without swaps or CVaR")


def _closed(p: ModelInputs, routes: list[str]) -> np.ndarray:
    s_index = {s: i for i, s in enumerate(p.scenarios)}
    r_index = {r: i for i, r in enumerate(routes)}
    closed = np.zeros((len(p.scenarios), len(routes), len(p.months)), dtype=bool)
    if p.closed:
        s, r, t = zip(*p.closed)
        closed[[s_index[x] for x in s], [r_index[x] for x in r], np.array(t) - 1] = True
    return closed


def _supply_patterns(p: ModelInputs, routes: list[str]) -> list[SupplyPattern]:
    s_index = {s: i for i, s in enumerate(p.scenarios)}
    rows = defaultdict(list)
    for (s, c, k, g, d), share in p.supply_rows.items():
        rows[(c, k, g)].append((s_index[s], d, share))
    patterns = []
    for (c, k, g), entries in rows.items():
        members = g.split(GROUP_SEPARATOR)
        mine = [i for i, r in enumerate(routes) if p.routes[r].commodity == c
                and p.routes[r].supplier == k and p.routes[r].member in members]
        table = np.array(entries, dtype=float)
        patterns.append(SupplyPattern(
            c, k, g, np.array(mine, dtype=np.int64),
            np.array([p.routes[routes[i]].lead_months for i in mine], dtype=np.int64),
            table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2],
            p.supplier_capacity[(c, k)]))
    return patterns
