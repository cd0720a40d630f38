"""Apply a scenario set and run options to a case: the scaled parameters the LP is built from.

Quantities are in each commodity's model unit (t, kt or Mt: commodities.csv) and money in
thousand USD (k$), so that the LP's coefficients stay inside HiGHS's comfort range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import itemgetter

import numpy as np

from .case import Case
from .scenario_table import ScenarioTable
from .scenarios import ChokepointClosure, DemandShock, ExportBan, PriceShock, ScenarioSet
from .schema import TONNES_PER_MODEL_UNIT
from .margin import calm_marginal_price
from .tree import ScenarioTree

USD_PER_MODEL_MONEY = 1e3  # the LP's money unit is thousand USD (k$); results are in M USD
MODEL_MONEY_PER_MUSD = 1e6 / USD_PER_MODEL_MONEY
DAYS_PER_YEAR = 365.0
DEFAULT_HORIZON_MONTHS = 24
SHARING_RULES = ("proportional", "cost-min")  # how a joint plan shares an unavoidable shortfall


@dataclass(frozen=True)
class RunOptions:
    horizon_months: int | None = None  # None: the scenario file's horizon, else DEFAULT_HORIZON_MONTHS
    cover_floors: bool = False  # enforce the days-of-cover targets of stockpiles.csv
    transfers: bool = True  # one-way crisis transfers between members (off when a member is alone)
    swaps: bool = False  # crisis swaps repaid in kind (swaps.csv); off by default
    cvar_weight: float = 0.0  # w in (1 - w) x expected cost + w x CVaR; 0 = risk-neutral
    cvar_level: float = 0.95  # CVaR level a: the mean cost of the worst 1 - a of outcomes
    # joint plans: "proportional" shares a shortfall in proportion to the members' normal demand
    # (the IEA principle, docs/model.md "Sharing a shortfall"); "cost-min" leaves it to cost
    sharing: str = "proportional"
    time_limit_s: float | None = None  # HiGHS time limit per LP; None: no limit
    decompose: bool | None = None  # scenario decomposition; None: when it pays (many scenarios, no CVaR)
    # worker processes for the decomposition's scenario LPs (None: 1, in this process). More than
    # one starts a Dask LocalCluster by 'spawn': a script using them needs `if __name__ == "__main__":`.
    workers: int | None = None
    # a Dask scheduler's address (tcp://host:8786): the decomposition's scenario LPs then run on
    # that cluster's workers. Left out of repr, and so of run.inputs_key: where the LPs are solved
    # does not change the plan, and a run's hash must not depend on it
    scheduler: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Route:
    name: str
    commodity: str
    supplier: str
    member: str
    lead_months: int
    freight: float  # k$ per unit
    chokepoints: tuple[str, ...]


@dataclass(frozen=True)
class Transfer:
    commodity: str
    sender: str
    receiver: str
    lag_months: int
    max_per_month: float  # units per month
    cost: float  # k$ per unit


@dataclass(frozen=True)
class Swap:
    commodity: str
    lender: str
    borrower: str
    payback_months: int
    max_per_month: float  # units per month
    fee: float  # k$ per unit lent


@dataclass
class ModelInputs:
    """Plain, scaled data for one LP: a member coalition facing one scenario set."""

    members: list[str]
    commodities: list[str]
    months: list[int]
    scenarios: list[str]
    probability: dict[str, float]
    tree: ScenarioTree  # who can be told apart when (optimizer.tree)
    risk_window_months: int  # the months the probabilities speak of; carrying cost is charged for them
    tonnes_per_unit: dict[str, float]
    routes: dict[str, Route]
    supplier_capacity: dict[tuple[str, str], float]  # (c, k) -> units per month
    supplier_price: dict[tuple[str, str], float]  # (c, k) -> k$ per unit, before price shocks
    import_price: ScenarioTable  # (s, route, arrival month) -> k$ per unit; levels (routes, months)
    closed: set[tuple[str, str, int]]  # (s, route, arrival month) that cannot carry anything
    # (s, c, k, member, departure) -> share of normal exports still allowed, for every member a ban
    # of scenario s on (c, k) targets and every departure month (1.0 while no ban is active)
    ban_rows: dict[tuple[str, str, str, str, int], float]
    normal_imports: dict[tuple[str, str, str], float]  # (c, k, m) -> units per month, baseline
    domestic_capacity: dict[tuple[str, str], float]  # (c, m) -> units per month of domestic output/recycling
    domestic_cost: dict[tuple[str, str], float]  # (c, m) -> k$ per unit
    demand: ScenarioTable  # (s, c, m, t) -> units per month; levels (commodities, members, months)
    demand_per_year: dict[tuple[str, str], float]  # (c, m) -> units per year, no shocks
    existing_capacity: dict[tuple[str, str], float]
    current_stock: dict[tuple[str, str], float]
    target_days: dict[tuple[str, str], float]
    floor: dict[tuple[str, str], float]  # (c, m) -> units; only when floors are on
    holding_cost: dict[str, float]  # k$ per unit-month
    capacity_cost: dict[str, float]  # k$ per unit of new capacity over the horizon
    release_share: dict[str, float]
    release_lead: dict[str, int]  # months from a release decision to the market
    handling_cost: dict[str, float]  # k$ per unit put into or taken out of stock
    restraint_share: dict[str, float]
    restraint_cost: dict[str, float]
    shortfall_penalty: dict[str, float]
    # (c, m) -> k$ per unit bought back after the horizon: the calm margin + handling (optimizer.margin)
    replenishment_price: dict[tuple[str, str], float]
    sharing_penalty: dict[str, float]  # k$ per unit of a member's shortfall above the common share
    sharing: bool = False  # proportional sharing rows (joint plans of two members or more)
    transfers: list[Transfer] = field(default_factory=list)
    swaps: list[Swap] = field(default_factory=list)
    cvar_weight: float = 0.0
    cvar_level: float = 0.95

    @property
    def horizon(self) -> int:
        return len(self.months)


def imports_per_year(case: Case) -> dict[tuple[str, str], float]:
    """(m, c) -> tonnes a year member m imports of c normally: its demand less its domestic output."""
    domestic = case.table("domestic_supply").set_index(["member", "commodity"])["supply_t_per_year"]
    return {(m, c): max(0.0, float(d) - float(domestic.get((m, c), 0.0)))
            for m, c, d in case.table("demand")[["member", "commodity", "demand_t_per_year"]].itertuples(index=False)}


def capacity_split(case: Case) -> dict[tuple[str, str, str], float]:
    """Each member's share (c, k, m) of a supplier's capacity in independent mode.

    Shares follow the members' baseline imports from that supplier (import_share x imports); a
    supplier none of them buys from today is split by the members' demand for the commodity,
    and equally when that is zero too.
    """
    demand = case.table("demand").set_index(["member", "commodity"])["demand_t_per_year"]
    imports = imports_per_year(case)
    shares = case.table("import_shares").set_index(["member", "commodity", "supplier"])["import_share"]
    split = {}
    for c, k in case.table("suppliers")[["commodity", "supplier"]].itertuples(index=False):
        volume = {m: shares.get((m, c, k), 0.0) * imports.get((m, c), 0.0) for m in case.members}
        if sum(volume.values()) <= 0:
            volume = {m: demand.get((m, c), 0.0) for m in case.members}
        if sum(volume.values()) <= 0:
            volume = {m: 1.0 for m in case.members}
        total = sum(volume.values())
        split.update({(c, k, m): v / total for m, v in volume.items()})
    return split


def build_inputs(case: Case, scenario_set: ScenarioSet, options: RunOptions = RunOptions(),
                 members: list[str] | None = None,
                 capacity_share: dict[tuple[str, str], float] | None = None,
                 previous: ModelInputs | None = None) -> ModelInputs:
    """Scaled parameters for a coalition of `members` (default all) facing `scenario_set`.

    capacity_share (c, k) -> fraction of each supplier's capacity the coalition may use (default 1).
    previous: inputs built for the same scenarios (the same events) from other data, e.g. before a
    planner's data edit: its scenario-keyed parameters are reused where the data they are
    computed from is unchanged (the result equals a fresh build, key order included).
    """
    if options.sharing not in SHARING_RULES:
        raise ValueError(f"sharing must be one of {SHARING_RULES}, not {options.sharing!r}")
    members = list(members or case.members)
    horizon = options.horizon_months or scenario_set.horizon_months or DEFAULT_HORIZON_MONTHS
    window = scenario_set.window_months(horizon)
    months = list(range(1, horizon + 1))
    unit = {c: TONNES_PER_MODEL_UNIT[u] for c, u in
            case.table("commodities")[["commodity", "model_unit"]].itertuples(index=False)}
    commodities = case.commodities
    routes = _routes(case, members, unit)
    supplier_price = {(c, k): float(p) * unit[c] / USD_PER_MODEL_MONEY for c, k, p in
                      case.table("suppliers")[["commodity", "supplier", "price_usd_per_t"]].itertuples(index=False)}
    inputs = ModelInputs(
        members=members, commodities=commodities, months=months, scenarios=[], probability={},
        tree=ScenarioTree.of([], horizon), risk_window_months=window,
        tonnes_per_unit=unit, routes=routes,
        supplier_capacity=_supplier_capacity(case, unit, capacity_share),
        supplier_price=supplier_price,
        import_price=_empty_table(), closed=set(), ban_rows={},
        normal_imports=_normal_imports(case, members, unit),
        **_domestic(case, members, unit),
        demand=_empty_table(), demand_per_year={},
        **_stock_parameters(case, members, unit, window, options.cover_floors),
        **_demand_response(case, unit),
        replenishment_price={},  # the calm margin, below (it reads the other parameters)
        transfers=_transfers(case, members, unit) if options.transfers else [],
        swaps=_swaps(case, members, unit) if options.swaps else [],
        cvar_weight=options.cvar_weight, cvar_level=options.cvar_level,
        sharing=options.sharing == "proportional" and len(members) > 1,
    )
    demand = case.table("demand").set_index(["member", "commodity"])["demand_t_per_year"]
    inputs.demand_per_year = {(c, m): demand[(m, c)] / unit[c] for c in commodities for m in members}
    _as_python_floats(inputs)
    inputs.replenishment_price = {key: price + inputs.handling_cost[key[0]]
                                  for key, price in calm_marginal_price(inputs).items()}
    if previous is not None and _reusable(previous, inputs, scenario_set.scenarios):
        return _with_scenarios_of(inputs, previous, scenario_set.scenarios)
    return with_scenarios(inputs, scenario_set.scenarios)


def with_scenarios(base: ModelInputs, scenarios) -> ModelInputs:
    """`base` (its data and options) facing `scenarios` instead of its own: only the
    scenario-keyed parameters and the tree are computed."""
    names = [s.name for s in scenarios]
    inputs = replace(base, scenarios=names, probability={s.name: s.probability for s in scenarios},
                     tree=ScenarioTree.of(scenarios, base.horizon),
                     import_price=_price_table(base, scenarios), closed=set(), ban_rows={},
                     demand=_demand_table(base, scenarios))
    for scenario in scenarios:
        _scenario_closures(inputs, scenario, inputs.routes)
        _ban_rows(inputs, scenario)
    return inputs


def _empty_table() -> ScenarioTable:
    return ScenarioTable([], (), np.zeros((0, 1)))


def _demand_table(base: ModelInputs, scenarios) -> ScenarioTable:
    return ScenarioTable.of_rows([s.name for s in scenarios], (base.commodities, base.members, base.months),
                                 [_scenario_demand(base, s) for s in scenarios])


def _price_table(base: ModelInputs, scenarios) -> ScenarioTable:
    return ScenarioTable.of_rows([s.name for s in scenarios], (list(base.routes), base.months),
                                 [[x for r in base.routes for x in _scenario_prices(base, s, base.routes[r])]
                                  for s in scenarios])


def _reusable(previous: ModelInputs, inputs: ModelInputs, scenarios) -> bool:
    """Whether `previous`'s scenario-keyed parameters have `inputs`'s keys: same scenarios,
    months, members and route names (what they are keyed by)."""
    return (previous.scenarios == [s.name for s in scenarios] and previous.months == inputs.months
            and previous.members == inputs.members and list(previous.routes) == list(inputs.routes))


def _with_scenarios_of(base: ModelInputs, previous: ModelInputs, scenarios) -> ModelInputs:
    """with_scenarios(base, scenarios), each scenario-keyed parameter taken from `previous`
    (built for the same scenarios) unless the data it is computed from differs: demand from
    the yearly demand; prices route by route from the route's supplier, lead time and that
    supplier's price; closures route by route from its lead time and chokepoints; ban rows
    from the routes' suppliers, members and lead times."""
    inputs = replace(base, scenarios=list(previous.scenarios),
                     probability={s.name: s.probability for s in scenarios},
                     tree=ScenarioTree.of(scenarios, base.horizon),
                     import_price=previous.import_price, closed=previous.closed,
                     ban_rows=previous.ban_rows, demand=previous.demand)
    if base.demand_per_year != previous.demand_per_year:
        inputs.demand = _demand_table(base, scenarios)
    priced = _changed_routes(base, previous, _price_shape)
    if priced:  # rewritten in a copy, route by route
        inputs.import_price = previous.import_price.part(previous.scenarios)
        for r, route in priced.items():
            inputs.import_price.set_first(r, [_scenario_prices(base, s, route) for s in scenarios])
    blocked = _changed_routes(base, previous, lambda p, route: (route.lead_months, route.chokepoints))
    if blocked:
        inputs.closed = {key for key in previous.closed if key[1] not in blocked}
        for scenario in scenarios:
            _scenario_closures(inputs, scenario, blocked)
    if _supply_shape(base) != _supply_shape(previous):
        inputs.ban_rows = {}
        for scenario in scenarios:
            _ban_rows(inputs, scenario)
    return inputs


def _changed_routes(base: ModelInputs, previous: ModelInputs, shape: Callable) -> dict[str, Route]:
    """The routes of `base` whose shape(inputs, route) differs from `previous`'s."""
    return {r: x for r, x in base.routes.items() if shape(base, x) != shape(previous, previous.routes[r])}


def _price_shape(p: ModelInputs, route: Route) -> tuple:
    """What a route's import prices are computed from, besides the scenarios' price shocks."""
    return route.commodity, route.supplier, route.lead_months, p.supplier_price[(route.commodity, route.supplier)]


def _supply_shape(p: ModelInputs) -> list:
    """What the ban rows are computed from, besides the scenarios' bans."""
    return [(x.commodity, x.supplier, x.member, x.lead_months) for x in p.routes.values()]


def _as_python_floats(inputs: ModelInputs) -> None:
    """numpy scalars (from pandas) times a Pyomo variable take numpy's slow ufunc path; plain
    floats build the LP several times faster. (The scenario-keyed parameters are computed by
    with_scenarios from values already converted here.)"""
    for name in _KEYED_BY_COMMODITY:  # (months stay whole numbers)
        setattr(inputs, name, {k: v if isinstance(v, int) else float(v) for k, v in getattr(inputs, name).items()})
    inputs.routes = {r: replace(x, freight=float(x.freight)) for r, x in inputs.routes.items()}
    inputs.transfers = [replace(x, max_per_month=float(x.max_per_month), cost=float(x.cost)) for x in inputs.transfers]
    inputs.swaps = [replace(x, max_per_month=float(x.max_per_month), fee=float(x.fee)) for x in inputs.swaps]


def lead_time_months(transit_days: int) -> int:
    """Monthly lead time of a voyage: 0-14 days arrive the same month, 15-44 the next, ..."""
    return (int(transit_days) + 15) // 30


def _routes(case: Case, members: list[str], unit: dict[str, float]) -> dict[str, Route]:
    routes = {}
    for row in case.table("routes").itertuples(index=False):
        if row.member in members:
            routes[row.route] = Route(row.route, row.commodity, row.supplier, row.member,
                                      lead_time_months(row.transit_days),
                                      row.freight_usd_per_t * unit[row.commodity] / USD_PER_MODEL_MONEY,
                                      tuple(row.chokepoints))
    return routes


def _supplier_capacity(case: Case, unit: dict[str, float],
                       share: dict[tuple[str, str], float] | None) -> dict[tuple[str, str], float]:
    df = case.table("suppliers")
    return {(c, k): cap / 12.0 / unit[c] * (1.0 if share is None else share.get((c, k), 0.0))
            for c, k, cap in df[["commodity", "supplier", "export_capacity_t_per_year"]]
            .itertuples(index=False)}


def _normal_imports(case: Case, members: list[str], unit: dict[str, float]) -> dict[tuple[str, str, str], float]:
    """(c, k, m) -> member m's baseline imports of c from supplier k (import share x imports),
    units per month: what an export ban withholds a share of."""
    imports = imports_per_year(case)
    return {(c, k, m): share * imports[(m, c)] / 12.0 / unit[c]
            for m, c, k, share in case.table("import_shares")[["member", "commodity", "supplier", "import_share"]]
            .itertuples(index=False) if m in members}


def _domestic(case: Case, members: list[str], unit: dict[str, float]) -> dict:
    """Domestic output and recycling per (c, m): units per month, and its cost in k$ per unit."""
    table = case.table("domestic_supply").set_index(["commodity", "member"])
    keys = [(c, m) for c in case.commodities for m in members]
    supply = table["supply_t_per_year"] if len(table) else {}
    cost = table["cost_usd_per_t"] if len(table) else {}
    return dict(
        domestic_capacity={k: float(supply.get(k, 0.0)) / 12.0 / unit[k[0]] for k in keys},
        domestic_cost={k: float(cost.get(k, 0.0)) * unit[k[0]] / USD_PER_MODEL_MONEY for k in keys})


def _stock_parameters(case: Case, members: list[str], unit: dict[str, float], window: int,
                      floors: bool) -> dict:
    """Stock, storage and their costs; storage's capital cost is charged for the risk window."""
    stock = case.table("stockpiles").set_index(["commodity", "member"])
    costs = case.table("stockpile_costs").set_index("commodity")
    demand = case.table("demand").set_index(["commodity", "member"])["demand_t_per_year"]
    price = case.table("commodities").set_index("commodity")["reference_price_usd_per_t"]
    keys = [(c, m) for c in case.commodities for m in members]
    return dict(
        existing_capacity={k: stock.at[k, "existing_capacity_t"] / unit[k[0]] for k in keys},
        current_stock={k: stock.at[k, "current_stock_t"] / unit[k[0]] for k in keys},
        target_days={k: float(stock.at[k, "target_days"]) for k in keys},
        floor={k: stock.at[k, "target_days"] * demand[k] / DAYS_PER_YEAR / unit[k[0]]
               for k in keys} if floors else {},
        holding_cost={c: costs.at[c, "holding_cost_share_per_year"] / 12.0 * price[c] * unit[c]
                      / USD_PER_MODEL_MONEY for c in case.commodities},
        capacity_cost={c: costs.at[c, "capacity_cost_usd_per_t_year"] * unit[c] / USD_PER_MODEL_MONEY
                       * window / 12.0 for c in case.commodities},
        release_share={c: costs.at[c, "release_max_share_per_month"] for c in case.commodities},
        release_lead={c: lead_time_months(costs.at[c, "release_lead_days"]) for c in case.commodities},
        handling_cost={c: costs.at[c, "handling_cost_usd_per_t"] * unit[c] / USD_PER_MODEL_MONEY
                       for c in case.commodities},
    )


def _demand_response(case: Case, unit: dict[str, float]) -> dict:
    df = case.table("demand_response").set_index("commodity")
    scale = {c: unit[c] / USD_PER_MODEL_MONEY for c in case.commodities}
    return dict(
        restraint_share={c: df.at[c, "restraint_max_share"] for c in case.commodities},
        restraint_cost={c: df.at[c, "restraint_cost_usd_per_t"] * scale[c] for c in case.commodities},
        shortfall_penalty={c: df.at[c, "shortfall_penalty_usd_per_t"] * scale[c] for c in case.commodities},
        sharing_penalty={c: df.at[c, "sharing_penalty_share"] * df.at[c, "shortfall_penalty_usd_per_t"] * scale[c]
                         for c in case.commodities},
    )


def _transfers(case: Case, members: list[str], unit: dict[str, float]) -> list[Transfer]:
    return [Transfer(r.commodity, r.from_member, r.to_member, int(r.lag_months),
                     r.max_t_per_month / unit[r.commodity],
                     r.cost_usd_per_t * unit[r.commodity] / USD_PER_MODEL_MONEY)
            for r in case.table("transfers").itertuples(index=False)
            if r.from_member in members and r.to_member in members]


def _swaps(case: Case, members: list[str], unit: dict[str, float]) -> list[Swap]:
    return [Swap(r.commodity, r.lender, r.borrower, int(r.payback_months),
                 r.max_t_per_month / unit[r.commodity], r.fee_usd_per_t * unit[r.commodity] / USD_PER_MODEL_MONEY)
            for r in case.table("swaps").itertuples(index=False)
            if r.lender in members and r.borrower in members]


def _scenario_demand(inputs: ModelInputs, scenario) -> list[float]:
    """Monthly demand in `scenario`, its demand shocks applied: one value per (commodity, member,
    month) in that order."""
    shocks = [e for e in scenario.events if isinstance(e, DemandShock)]
    row = []
    for c in inputs.commodities:
        for m in inputs.members:
            per_year = inputs.demand_per_year[(c, m)]
            mine = [e for e in shocks if e.commodity == c and (e.members is None or m in e.members)]
            for t in inputs.months:
                changes = [e.change for e in mine if e.active(t)]
                change = max(changes, key=abs) if changes else 0.0
                row.append(per_year / 12.0 * (1.0 + change))
    return row


def _scenario_prices(inputs: ModelInputs, scenario, route: Route) -> list[float]:
    """Import prices of `route` by arrival month in `scenario`, its price shocks applied."""
    # the shocks that can touch this route, found once (most routes have none)
    mine = [e for e in scenario.events if isinstance(e, PriceShock) and e.commodity == route.commodity
            and (e.suppliers is None or route.supplier in e.suppliers)]
    base_price = inputs.supplier_price[(route.commodity, route.supplier)]
    # departure month t - lead; before month 1, no event has begun
    return [base_price * max((e.multiplier for e in mine if e.active(t - route.lead_months)), default=1.0)
            for t in inputs.months]


def _scenario_closures(inputs: ModelInputs, scenario, routes: dict[str, Route]) -> None:
    """The arrival months of `routes` whose departure month a chokepoint closure of `scenario` blocks."""
    s = scenario.name
    closures = [e for e in scenario.events if isinstance(e, ChokepointClosure)]
    for r, route in routes.items():
        blocked = [e for e in closures if e.chokepoint in route.chokepoints]
        if blocked:
            inputs.closed.update((s, r, t) for t in inputs.months
                                 if any(e.active(t - route.lead_months) for e in blocked))


def _ban_rows(inputs: ModelInputs, scenario) -> None:
    """For every member a ban of `scenario` on (c, k) targets (and k reaches by a route), the share
    of its normal imports from k still allowed, per departure month (1.0 while no ban is
    active): the strongest ban on that member applies."""
    s, bans = scenario.name, [e for e in scenario.events if isinstance(e, ExportBan)]
    lead: dict[tuple[str, str], int] = {}
    served: dict[tuple[str, str], list[str]] = {}
    for route in inputs.routes.values():
        key = (route.commodity, route.supplier)
        lead[key] = max(lead.get(key, 0), route.lead_months)
        served.setdefault(key, [])
        if route.member not in served[key]:
            served[key].append(route.member)
    for (c, k), max_lead in lead.items():
        mine = [b for b in bans if b.commodity == c and b.supplier == k]
        for m in [m for m in inputs.members if m in served[(c, k)]]:
            on_m = [b for b in mine if b.members is None or m in b.members]
            if not on_m:
                continue
            for d in range(1 - max_lead, inputs.horizon + 1):
                cut = max((b.severity for b in on_m if b.active(d)), default=0.0)
                inputs.ban_rows[(s, c, k, m, d)] = 1.0 - cut


# ------------------------------------------------------------------ parts of a ModelInputs

SCENARIO_KEYED = ("import_price", "closed", "ban_rows", "demand")  # keyed (s, ...)
SCENARIO_TABLES = ("import_price", "demand")  # ScenarioTables; closed is a set, ban_rows a dict
_ROUTE_KEYED = ("import_price", "closed")  # keyed (s, route, ...); the others (s, c, ...)
_KEYED_BY_COMMODITY = ("supplier_capacity", "supplier_price", "demand_per_year", "existing_capacity", "current_stock",
                       "target_days", "floor", "tonnes_per_unit", "holding_cost", "capacity_cost",
                       "release_share", "handling_cost", "restraint_share", "restraint_cost",
                       "shortfall_penalty", "normal_imports", "replenishment_price",
                       "sharing_penalty", "domestic_capacity", "domestic_cost",
                       "release_lead")  # keyed c or (c, ...)


def restrict(p: ModelInputs, scenarios: list[str], commodities: list[str]) -> ModelInputs:
    """The part of `p` for some scenarios and commodities (probabilities kept as they are)."""
    keep_s, keep_c = set(scenarios), set(commodities)
    routes = {r: x for r, x in p.routes.items() if x.commodity in keep_c}

    def in_part(name: str, key: tuple) -> bool:
        return key[0] in keep_s and _slice_of(p, name, key)[1] in keep_c

    part = {"ban_rows": {k: v for k, v in p.ban_rows.items() if in_part("ban_rows", k)},
            "demand": p.demand.part([s for s in p.demand.scenarios if s in keep_s],
                                    [c for c in p.demand.levels[0] if c in keep_c]),
            "import_price": p.import_price.part([s for s in p.import_price.scenarios if s in keep_s], list(routes))}
    part.update({name: {k: v for k, v in getattr(p, name).items() if (k[0] if isinstance(k, tuple) else k) in keep_c}
                 for name in _KEYED_BY_COMMODITY})
    names = [s for s in p.scenarios if s in keep_s]
    return replace(p, scenarios=names, tree=p.tree if names == p.scenarios else p.tree.restrict(names),
                   commodities=[c for c in p.commodities if c in keep_c],
                   probability={s: p.probability[s] for s in p.scenarios if s in keep_s}, routes=routes,
                   closed={k for k in p.closed if in_part("closed", k)},
                   transfers=[x for x in p.transfers if x.commodity in keep_c],
                   swaps=[x for x in p.swaps if x.commodity in keep_c], **part)


def merge_scenarios(base: ModelInputs, part: ModelInputs, scenarios) -> ModelInputs:
    """`base` with the scenarios of `part` (rebuilt from the same data and options) taken from `part`;
    `scenarios`: every scenario of the merged set (its tree is rebuilt from their events)."""
    mine = set(part.scenarios)
    merged = {}
    for name in SCENARIO_KEYED:
        old, new = getattr(base, name), getattr(part, name)
        if name in SCENARIO_TABLES:
            merged[name] = old.with_rows(new)
        elif isinstance(old, set):
            merged[name] = {k for k in old if k[0] not in mine} | new
        else:  # old's order kept (a rebuilt LP keeps its pattern); groupby runs in C over the keys
            merged[name] = {**old, **new}
            for s, run in groupby(old, key=itemgetter(0)):
                if s in mine:
                    for key in [key for key in run if key not in new]:
                        del merged[name][key]
    probability = {s: part.probability.get(s, base.probability[s]) for s in base.scenarios}
    return replace(base, probability=probability, tree=ScenarioTree.of(scenarios, base.horizon), **merged)


def changed_slices(old: ModelInputs, new: ModelInputs) -> set[tuple[str, str]] | None:
    """The (scenario, commodity) slices of the LP whose numbers differ between `old` and `new`,
    or None when the LP's structure may differ (other sets, tree, routes, links, ban rows, floors,
    sharing rule) or a risk weight couples the slices. A probability or risk-window change
    reaches every slice (node probabilities weigh the costs of every scenario sharing a node)."""
    if (old.members, old.commodities, old.months, old.scenarios, old.sharing) != \
            (new.members, new.commodities, new.months, new.scenarios, new.sharing) \
            or old.cvar_weight or new.cvar_weight or old.cvar_level != new.cvar_level \
            or old.floor.keys() != new.floor.keys() or not _same_structure(old, new) \
            or not old.tree.same_partition(new.tree):
        return None
    every = {c: {(s, c) for s in new.scenarios} for c in new.commodities}
    changed = set()
    if old.ban_rows is not new.ban_rows:  # (not reused by build_inputs(previous=...))
        if old.ban_rows.keys() != new.ban_rows.keys():
            return None
        changed |= {_slice_of(new, "ban_rows", k) for k, v in old.ban_rows.items() if new.ban_rows[k] != v}
    for name in SCENARIO_TABLES:
        a, b = getattr(old, name), getattr(new, name)
        keys = set() if a is b else a.changed(b)  # (s, first level element): what _slice_of reads
        if keys is None:
            return None
        changed |= {_slice_of(new, name, k) for k in keys}
    if old.closed is not new.closed:
        changed |= {_slice_of(new, "closed", k) for k in old.closed ^ new.closed}
    if old.probability != new.probability or old.risk_window_months != new.risk_window_months:
        changed |= {pair for pairs in every.values() for pair in pairs}
    for name in _KEYED_BY_COMMODITY:
        a, b = getattr(old, name), getattr(new, name)
        for k in a.keys() | b.keys():
            if a.get(k) != b.get(k):
                changed |= every[k[0] if isinstance(k, tuple) else k]
    for x, y in zip(list(old.routes.values()) + old.transfers + old.swaps,
                    list(new.routes.values()) + new.transfers + new.swaps):
        if x != y:
            changed |= every[y.commodity]
    return changed


def _slice_of(p: ModelInputs, name: str, key: tuple) -> tuple[str, str]:
    """(scenario, commodity) of a key of one of the SCENARIO_KEYED dicts."""
    return key[0], p.routes[key[1]].commodity if name in _ROUTE_KEYED else key[1]


def _same_structure(old: ModelInputs, new: ModelInputs) -> bool:
    """Routes, transfer and swap links with the same ends, lead times, lags and payback periods."""
    def shape(p: ModelInputs) -> list:
        return ([(r, x.commodity, x.supplier, x.member, x.lead_months) for r, x in p.routes.items()]
                + [(x.commodity, x.sender, x.receiver, x.lag_months) for x in p.transfers]
                + [(x.commodity, x.lender, x.borrower, x.payback_months) for x in p.swaps])
    return shape(old) == shape(new)
