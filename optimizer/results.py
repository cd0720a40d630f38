"""Turn an optimal solve into tidy DataFrames, in tonnes and US dollars (data's units).

Values and duals are read from HiGHS's arrays through the LP's layout (optimizer.lp.layout), the
tables' key columns from its families' keys column-wise (no tuple per row), and costs are priced
with the objective's own terms (optimizer.model.costs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import DAYS_PER_YEAR, MODEL_MONEY_PER_MUSD, USD_PER_MODEL_MONEY, ModelInputs
from .lp.layout import Family, LPLayout, expanded
from .model.costs import COST_TERMS, FIRST_STAGE_ITEMS, SCENARIO_ITEMS
from .solve import SolveOutcome

NONZERO_T = 1e-9  # flows below this many model units are omitted from the flow tables
ROUND_OFF = 1e-9  # model units; solver round-off below zero that is shown as 0


class _Solved:
    """An optimal solve seen through a layout: values and duals per component, in key order."""

    def __init__(self, layout: LPLayout, outcome: SolveOutcome):
        self.layout, self.outcome = layout, outcome

    def values(self, name: str) -> np.ndarray:
        """A non-negative variable's values, without the solver's -0.0 and -1e-13 round-off (a
        larger negative value is kept, so that the invariant tests can catch it)."""
        v = self.layout.column(name).take(self.outcome.values)
        v[(v > -ROUND_OFF) & (v <= 0.0)] = 0.0
        return v

    def duals(self, name: str) -> np.ndarray:
        return self.layout.row(name).take(self.outcome.duals, missing=np.nan)

    def keys(self, name: str) -> list:
        return self.layout.column(name).keys

    def values_like(self, name: str, like: Family) -> np.ndarray:
        """A variable's values in the key order of `like` (its index set, possibly built in another order)."""
        return _aligned(self.layout.column(name), self.values(name), like, 0.0)

    def duals_like(self, name: str, like: Family) -> np.ndarray:
        return _aligned(self.layout.row(name), self.duals(name), like, np.nan)


def _aligned(own: Family, values: np.ndarray, like: Family, missing: float) -> np.ndarray:
    if _same_keys(own, like):
        return values
    where = dict(zip(own.keys, values))
    return np.array([where.get(k, missing) for k in like.keys], dtype=float)


def _same_keys(a: Family, b: Family) -> bool:
    if a is b:
        return True
    if len(a) != len(b):
        return False
    return all(np.array_equal(x, y) if isinstance(x, np.ndarray) else x.equals(y)
               for x, y in zip(a.columns(), b.columns()))


def _frame(family: Family, names: list[str], index: np.ndarray | None = None) -> pd.DataFrame:
    """The family's keys (at `index`, default all) as columns called `names`."""
    if not len(family):
        return pd.DataFrame(columns=names)
    columns = family.columns()
    return pd.DataFrame({name: column if index is None else column[index] for name, column in zip(names, columns)})


def extract_tables(p: ModelInputs, layout: LPLayout, outcome: SolveOutcome) -> dict[str, pd.DataFrame]:
    """Every result table of an optimal solve, keyed by the CSV name it is written under. Tables
    per scenario show every scenario's decisions, those it shares with others in a node of the
    tree included (layout.expanded); storage's value sums each row once (the LP's own layout)."""
    x = _Solved(expanded(layout, p), outcome)
    return {
        "stockpile_plan": _stockpile_plan(x, p, _Solved(layout, outcome)),
        "stock_trajectory": _stock_trajectory(x, p),
        "flows": _flows(x, p),
        "transfers": _transfers(x, p),
        "swaps": _swaps(x, p),
        "shortfalls": _shortfalls(x, p),
        "costs": _costs(x, p),
        "scarcity_prices": _scarcity_prices(x, p),
        "replenishment": _replenishment(x, p),
    }


def _capacity_value(x: _Solved, p: ModelInputs) -> dict[tuple[str, str], float]:
    """Expected saving (k$ per unit) from one more unit of existing storage over the horizon: minus
    the duals of every row the capacity appears in (stock <= capacity, release <= share x capacity)."""
    pairs = [(c, m) for c in p.commodities for m in p.members]
    total = np.zeros(len(pairs))
    for name, first, share in (("Initial_Stock_Capacity_Constraint", 0, False),
                               ("Stock_Capacity_Constraint", 1, False), ("Release_Limit_Constraint", 1, True)):
        family = x.layout.row(name)
        if not len(family):
            continue
        duals = np.nan_to_num(x.duals(name))
        if share:
            duals = duals * family.per_key(first, p.release_share)
        at = (family.per_key(first, _index(p.commodities)) * len(p.members)
              + family.per_key(first + 1, _index(p.members)))
        total += np.bincount(at.astype(np.int64), weights=duals, minlength=len(pairs))
    return {pair: -value for pair, value in zip(pairs, total)}


def _index(names: list) -> dict:
    return {name: n for n, name in enumerate(names)}


def _stockpile_plan(x: _Solved, p: ModelInputs, own: _Solved) -> pd.DataFrame:
    stock = dict(zip(x.keys("Initial_Stock"), x.values("Initial_Stock")))
    new_capacity = dict(zip(x.keys("New_Capacity"), x.values("New_Capacity")))
    value = _capacity_value(own, p)
    rows = []
    for c in p.commodities:
        u = p.tonnes_per_unit[c]
        for mem in p.members:
            daily = p.demand_per_year[(c, mem)] / DAYS_PER_YEAR
            held, new, current = stock.get((c, mem), 0.0), new_capacity.get((c, mem), 0.0), p.current_stock[(c, mem)]
            rows.append(dict(
                commodity=c, member=mem, initial_stock_t=held * u,
                days_of_cover=held / daily if daily > 0 else float("nan"),
                target_days=p.target_days[(c, mem)], current_stock_t=current * u,
                current_days=current / daily if daily > 0 else float("nan"),
                new_capacity_t=new * u, total_capacity_t=(p.existing_capacity[(c, mem)] + new) * u,
                capacity_value_usd_per_t=value[(c, mem)] * USD_PER_MODEL_MONEY / u,
                capacity_cost_usd_per_t=p.capacity_cost[c] * USD_PER_MODEL_MONEY / u))
    return pd.DataFrame(rows)


def _stock_trajectory(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    stock = x.layout.column("Stock")
    df = _frame(stock, ["scenario", "commodity", "member", "month"])
    tonnes = stock.per_key(1, p.tonnes_per_unit)
    df["stock_t"] = x.values("Stock") * tonnes
    for column, name in (("release_t", "Release"), ("fill_t", "Fill")):
        df[column] = x.values_like(name, stock) * tonnes
    return df


def _flows(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    family, values = x.layout.column("Import"), x.values("Import")
    moving = np.flatnonzero(values > NONZERO_T)
    df = _frame(family, ["scenario", "route", "arrival_month"], moving)
    if not len(moving):
        return pd.DataFrame(columns=["scenario", "commodity", "supplier", "route", "member", "departure_month",
                                     "arrival_month", "quantity_t", "price_usd_per_t", "freight_usd_per_t",
                                     "chokepoints"])
    codes, names = pd.factorize(df["route"])
    routes = [p.routes[r] for r in names]

    def per_route(value, dtype=None):
        if dtype == "str":
            return pd.array([value(y) for y in routes], dtype="str").take(codes)
        return np.array([value(y) for y in routes], dtype=dtype)[codes]

    tonnes = per_route(lambda y: p.tonnes_per_unit[y.commodity], float)
    arrival = df["arrival_month"].to_numpy()
    prices = p.import_price.take(family.as_keys(moving))
    return pd.DataFrame({
        "scenario": df["scenario"], "commodity": per_route(lambda y: y.commodity, "str"),
        "supplier": per_route(lambda y: y.supplier, "str"), "route": df["route"],
        "member": per_route(lambda y: y.member, "str"),
        "departure_month": arrival - per_route(lambda y: y.lead_months, int), "arrival_month": arrival,
        "quantity_t": values[moving] * tonnes,
        "price_usd_per_t": prices * USD_PER_MODEL_MONEY / tonnes,
        "freight_usd_per_t": per_route(lambda y: y.freight, float) * USD_PER_MODEL_MONEY / tonnes,
        "chokepoints": per_route(lambda y: ";".join(y.chokepoints), "str")})


def _transfers(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    lag = {(t.commodity, t.sender, t.receiver): t.lag_months for t in p.transfers}
    family, values = x.layout.column("Transfer"), x.values("Transfer")
    moving = np.flatnonzero(values > NONZERO_T)
    rows = [(s, c, i, j, t, t + lag[(c, i, j)], value * p.tonnes_per_unit[c])
            for (s, c, i, j, t), value in zip(family.as_keys(moving).tuples(), values[moving])]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "from_member", "to_member",
                                       "departure_month", "arrival_month", "quantity_t"])


def _swaps(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    lend = x.layout.column("Lend")
    units = np.column_stack([x.values("Lend")] + [x.values_like(name, lend) for name in ("Repay", "Owed")]) \
        if len(lend) else np.zeros((0, 3))
    moving = np.flatnonzero(units.max(axis=1) > NONZERO_T)
    df = _frame(lend, ["scenario", "commodity", "lender", "borrower", "month"], moving)
    for n, column in enumerate(("lent_t", "repaid_t", "owed_t")):
        df[column] = units[moving, n] * lend.per_key(1, p.tonnes_per_unit, moving)
    return df


def _shortfalls(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    shortfall = x.layout.column("Shortfall")  # indexed like demand
    df = _frame(shortfall, ["scenario", "commodity", "member", "month"])
    demand = p.demand.take(shortfall.as_keys())
    tonnes = shortfall.per_key(1, p.tonnes_per_unit)
    df["demand_t"] = demand * tonnes
    df["domestic_t"] = x.values_like("Domestic", shortfall) * tonnes
    df["restraint_t"] = x.values_like("Restraint", shortfall) * tonnes
    df["shortfall_t"] = x.values("Shortfall") * tonnes
    return df


def _costs(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    """Cost by stage, item, commodity and scenario (first-stage rows have an empty scenario),
    priced with the objective's own terms."""
    scenarios = [""] + p.scenarios  # "": the first stage
    total = {}  # item -> cost per (commodity, scenario), commodity-major
    for term in COST_TERMS:
        family, values = x.layout.column(term.variable), x.values(term.variable)
        used = np.flatnonzero(values)
        if not len(used):
            continue
        keys = family.as_keys(used)
        at = term.commodity_of(p, keys, _index(p.commodities)) * len(scenarios)
        if not term.first_stage:  # first-stage costs sit at scenario "" (0)
            at += keys.positions(0, _index(scenarios))
        sums = np.bincount(at, weights=values[used] * term.coefficients(p, keys),
                           minlength=len(p.commodities) * len(scenarios))
        total[term.item] = total.get(term.item, 0.0) + sums
    cost = {(item, c, s): sums[n * len(scenarios) + k] for item, sums in total.items()
            for n, c in enumerate(p.commodities) for k, s in enumerate(scenarios)}
    rows = [("first_stage", item, c, "", 1.0, cost.get((item, c, ""), 0.0) / MODEL_MONEY_PER_MUSD)
            for c in p.commodities for item in FIRST_STAGE_ITEMS]
    rows += [("scenario", item, c, s, p.probability[s], cost.get((item, c, s), 0.0) / MODEL_MONEY_PER_MUSD)
             for s in p.scenarios for c in p.commodities for item in SCENARIO_ITEMS]
    df = pd.DataFrame(rows, columns=["stage", "item", "commodity", "scenario", "probability", "cost_musd"])
    df["expected_cost_musd"] = df["probability"] * df["cost_musd"]
    return df


def _replenishment(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    """Per scenario, commodity and member: stock at the horizon, and what is bought back after it
    to restore the starting level (docs/model.md, terminal rule), at what price."""
    family = x.layout.column("Replenishment")
    df = _frame(family, ["scenario", "commodity", "member"])
    tonnes = family.per_key(1, p.tonnes_per_unit)
    stock = x.layout.column("Stock")
    at_end = np.flatnonzero(np.asarray(stock.columns()[3]) == p.horizon) if len(stock) else np.zeros(0, dtype=int)
    end = dict(zip(stock.as_keys(at_end).tuples(), x.values("Stock")[at_end]))
    df["end_stock_t"] = [end.get((s, c, m, p.horizon), 0.0) for s, c, m in family.as_keys().tuples()] * tonnes
    df["replenishment_t"] = x.values("Replenishment") * tonnes
    keys = family.as_keys()
    df["price_usd_per_t"] = keys.per_name((1, 2), p.replenishment_price) * USD_PER_MODEL_MONEY / tonnes
    return df


def _scarcity_prices(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    """Duals divided by the probability of the node the row belongs to: USD per tonne in that
    scenario's own terms, given what is known that month."""
    balance = x.layout.row("Market_Balance_Constraint")  # indexed like demand
    df = _frame(balance, ["scenario", "commodity", "member", "month"])
    keys = balance.as_keys()
    weight = p.tree.weights(keys.positions(0, p.tree.index), np.asarray(keys.columns[3], dtype=np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        usd = np.where(weight > 0, USD_PER_MODEL_MONEY / (weight * balance.per_key(1, p.tonnes_per_unit)), np.nan)
    df["stock_value_usd_per_t"] = x.duals_like("Stock_Balance_Constraint", balance) * usd
    df["market_price_usd_per_t"] = x.duals("Market_Balance_Constraint") * usd
    df["capacity_value_usd_per_t"] = -x.duals_like("Stock_Capacity_Constraint", balance) * usd
    return df
