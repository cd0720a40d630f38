"""Turn an optimal solve into tidy DataFrames, in tonnes and US dollars (data's units).

Values and duals are read from HiGHS's arrays through the LP's layout (optimizer.layout), and
costs are priced with the objective's own terms (optimizer.model.costs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import DAYS_PER_YEAR, MODEL_MONEY_PER_MUSD, USD_PER_MODEL_MONEY, ModelInputs
from .layout import LPLayout
from .model.costs import COST_TERMS, FIRST_STAGE_ITEMS, SCENARIO_ITEMS
from .solve import SolveOutcome

NONZERO_T = 1e-9  # flows below this many model units are omitted from the flow tables
ROUND_OFF = 1e-9  # model units; solver round-off below zero that is shown as 0


class _Solved:
    """An optimal solve seen through its layout: values and duals per component, in key order."""

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

    def values_at(self, name: str, keys: list) -> np.ndarray:
        """A variable's values in the order of `keys` (its index set, possibly built in another order)."""
        return _aligned(self.layout.column(name).keys, self.values(name), keys, 0.0)

    def duals_at(self, name: str, keys: list) -> np.ndarray:
        return _aligned(self.layout.row(name).keys, self.duals(name), keys, np.nan)


def _aligned(own_keys: list, values: np.ndarray, keys: list, missing: float) -> np.ndarray:
    if own_keys == keys:
        return values
    where = dict(zip(own_keys, values))
    return np.array([where.get(k, missing) for k in keys], dtype=float)


def extract_tables(p: ModelInputs, layout: LPLayout, outcome: SolveOutcome) -> dict[str, pd.DataFrame]:
    """Every result table of an optimal solve, keyed by the CSV name it is written under."""
    x = _Solved(layout, outcome)
    return {
        "stockpile_plan": _stockpile_plan(x, p),
        "stock_trajectory": _stock_trajectory(x, p),
        "flows": _flows(x, p),
        "transfers": _transfers(x, p),
        "swaps": _swaps(x, p),
        "shortfalls": _shortfalls(x, p),
        "costs": _costs(x, p),
        "scarcity_prices": _scarcity_prices(x, p),
    }


def _capacity_value(x: _Solved, p: ModelInputs) -> dict[tuple[str, str], float]:
    """Expected saving (k$ per unit) from one more unit of existing storage over the horizon: minus
    the duals of every row the capacity appears in (stock <= capacity, release <= share x capacity)."""
    total = {(c, m): 0.0 for c in p.commodities for m in p.members}
    for name, weight, pair in (("Initial_Stock_Capacity_Constraint", lambda c: 1.0, lambda k: k),
                               ("Stock_Capacity_Constraint", lambda c: 1.0, lambda k: k[1:3]),
                               ("Release_Limit_Constraint", lambda c: p.release_share[c], lambda k: k[1:3])):
        for key, dual in zip(x.layout.row(name).keys, np.nan_to_num(x.duals(name))):
            c, m = pair(key)
            total[(c, m)] += weight(c) * dual
    return {k: -v for k, v in total.items()}


def _stockpile_plan(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    stock = dict(zip(x.keys("Initial_Stock"), x.values("Initial_Stock")))
    new_capacity = dict(zip(x.keys("New_Capacity"), x.values("New_Capacity")))
    value = _capacity_value(x, p)
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


def _in_tonnes(p: ModelInputs, commodities: pd.Series, values: np.ndarray) -> np.ndarray:
    return values * _per_row(commodities, p.tonnes_per_unit)


def _per_row(names: pd.Series, value: dict) -> np.ndarray:
    """value[name] for each row (a lookup per distinct name: faster than Series.map on strings)."""
    codes, distinct = pd.factorize(names)
    return np.array([value[name] for name in distinct], dtype=float)[codes]


def _key_frame(keys: list, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(keys, columns=columns) if keys else pd.DataFrame(columns=columns)


def _stock_trajectory(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    keys = x.keys("Stock")
    df = _key_frame(keys, ["scenario", "commodity", "member", "month"])
    for column, name in (("stock_t", "Stock"), ("release_t", "Release"), ("fill_t", "Fill")):
        df[column] = _in_tonnes(p, df["commodity"], x.values_at(name, keys))
    return df


def _flows(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    values, keys = x.values("Import"), x.keys("Import")
    moving = np.flatnonzero(values > NONZERO_T)
    used = [keys[i] for i in moving]
    route = {r: (y.commodity, y.supplier, y.member, y.lead_months, y.freight, ";".join(y.chokepoints),
                 p.tonnes_per_unit[y.commodity]) for r, y in p.routes.items()}
    info = [route[k[1]] for k in used]
    tonnes = np.array([i[6] for i in info], dtype=float)
    arrival = np.array([k[2] for k in used], dtype=int)
    return pd.DataFrame({
        "scenario": [k[0] for k in used], "commodity": [i[0] for i in info], "supplier": [i[1] for i in info],
        "route": [k[1] for k in used], "member": [i[2] for i in info],
        "departure_month": arrival - np.array([i[3] for i in info], dtype=int), "arrival_month": arrival,
        "quantity_t": values[moving] * tonnes,
        "price_usd_per_t": np.array([p.import_price[k] for k in used], dtype=float) * USD_PER_MODEL_MONEY / tonnes,
        "freight_usd_per_t": np.array([i[4] for i in info], dtype=float) * USD_PER_MODEL_MONEY / tonnes,
        "chokepoints": [i[5] for i in info]})


def _transfers(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    lag = {(t.commodity, t.sender, t.receiver): t.lag_months for t in p.transfers}
    values, keys = x.values("Transfer"), x.keys("Transfer")
    rows = [(s, c, i, j, t, t + lag[(c, i, j)], values[n] * p.tonnes_per_unit[c])
            for n in np.flatnonzero(values > NONZERO_T) for s, c, i, j, t in [keys[n]]]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "from_member", "to_member",
                                       "departure_month", "arrival_month", "quantity_t"])


def _swaps(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    keys = x.keys("Lend")
    units = np.column_stack([x.values_at(name, keys) for name in ("Lend", "Repay", "Owed")]) \
        if keys else np.zeros((0, 3))
    moving = units.max(axis=1) > NONZERO_T
    df = _key_frame([k for k, keep in zip(keys, moving) if keep],
                    ["scenario", "commodity", "lender", "borrower", "month"])
    for n, column in enumerate(("lent_t", "repaid_t", "owed_t")):
        df[column] = _in_tonnes(p, df["commodity"], units[moving, n])
    return df


def _shortfalls(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    keys = list(p.demand)
    df = _key_frame(keys, ["scenario", "commodity", "member", "month"])
    df["demand_t"] = _in_tonnes(p, df["commodity"], np.fromiter(p.demand.values(), float, len(keys)))
    df["restraint_t"] = _in_tonnes(p, df["commodity"], x.values_at("Restraint", keys))
    df["shortfall_t"] = _in_tonnes(p, df["commodity"], x.values_at("Shortfall", keys))
    return df


def _costs(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    """Cost by stage, item, commodity and scenario (first-stage rows have an empty scenario),
    priced with the objective's own terms."""
    groups = [(c, s) for c in p.commodities for s in [""] + p.scenarios]
    code = {group: n for n, group in enumerate(groups)}
    total = {}
    for term in COST_TERMS:
        values, keys = x.values(term.variable), x.keys(term.variable)
        used = [keys[i] for i in np.flatnonzero(values)]
        amounts = values[values != 0] * np.array(term.coefficients(p, used), dtype=float)
        scenarios = [""] * len(used) if term.first_stage else [k[0] for k in used]
        at = np.fromiter((code[g] for g in zip(term.commodity_of(p, used), scenarios)), dtype=np.int64,
                         count=len(used))
        sums = np.bincount(at, weights=amounts, minlength=len(groups))
        for (c, s), amount in zip(groups, sums):
            total[(term.item, c, s)] = total.get((term.item, c, s), 0.0) + amount
    rows = [("first_stage", item, c, "", 1.0, total.get((item, c, ""), 0.0) / MODEL_MONEY_PER_MUSD)
            for c in p.commodities for item in FIRST_STAGE_ITEMS]
    rows += [("scenario", item, c, s, p.probability[s], total.get((item, c, s), 0.0) / MODEL_MONEY_PER_MUSD)
             for s in p.scenarios for c in p.commodities for item in SCENARIO_ITEMS]
    df = pd.DataFrame(rows, columns=["stage", "item", "commodity", "scenario", "probability", "cost_musd"])
    df["expected_cost_musd"] = df["probability"] * df["cost_musd"]
    return df


def _scarcity_prices(x: _Solved, p: ModelInputs) -> pd.DataFrame:
    """Duals divided by the scenario's probability: USD per tonne in that scenario's own terms."""
    keys = list(p.demand)
    df = _key_frame(keys, ["scenario", "commodity", "member", "month"])
    weight = _per_row(df["scenario"], p.probability)
    with np.errstate(divide="ignore", invalid="ignore"):
        usd = np.where(weight > 0, USD_PER_MODEL_MONEY / _in_tonnes(p, df["commodity"], weight), np.nan)
    df["stock_value_usd_per_t"] = x.duals_at("Stock_Balance_Constraint", keys) * usd
    df["market_price_usd_per_t"] = x.duals_at("Market_Balance_Constraint", keys) * usd
    df["capacity_value_usd_per_t"] = -x.duals_at("Stock_Capacity_Constraint", keys) * usd
    return df
