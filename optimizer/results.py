"""Turn a solved model into tidy DataFrames, in tonnes and US dollars (data's units)."""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from .inputs import DAYS_PER_YEAR, MODEL_MONEY_PER_MUSD, USD_PER_MODEL_MONEY, ModelInputs
from .solve import SolveOutcome

NONZERO_T = 1e-9  # flows below this many model units are omitted from the flow tables
ROUND_OFF = 1e-9  # model units; solver round-off below zero that is shown as 0


def _val(var) -> float:
    """A non-negative variable's value, without the solver's -0.0 and -1e-13 round-off (a larger
    negative value is kept, so that the invariant tests can catch it)."""
    value = var.value or 0.0
    return 0.0 if -ROUND_OFF < value <= 0.0 else value


def extract_tables(m: pyo.ConcreteModel, p: ModelInputs, outcome: SolveOutcome) -> dict[str, pd.DataFrame]:
    """Every result table of an optimal solve, keyed by the CSV name it is written under."""
    with PauseGC():
        return _tables(m, p, outcome)


def _tables(m: pyo.ConcreteModel, p: ModelInputs, outcome: SolveOutcome) -> dict[str, pd.DataFrame]:
    return {
        "stockpile_plan": _stockpile_plan(m, p, outcome),
        "stock_trajectory": _stock_trajectory(m, p),
        "flows": _flows(m, p),
        "transfers": _transfers(m, p),
        "swaps": _swaps(m, p),
        "shortfalls": _shortfalls(m, p),
        "costs": _costs(m, p),
        "scarcity_prices": _scarcity_prices(m, p, outcome),
    }


def _capacity_value(m, p: ModelInputs, outcome: SolveOutcome, c: str, mem: str) -> float:
    """Expected saving (k$ per unit) from one more unit of existing storage over the horizon: minus
    the duals of every row the capacity appears in (stock <= capacity, release <= share x capacity)."""
    dual = outcome.duals
    total = dual.get(m.Initial_Stock_Capacity_Constraint[c, mem], 0.0)
    for s in p.scenarios:
        for t in p.months:
            total += dual.get(m.Stock_Capacity_Constraint[s, c, mem, t], 0.0)
            total += p.release_share[c] * dual.get(m.Release_Limit_Constraint[s, c, mem, t], 0.0)
    return -total


def _stockpile_plan(m, p: ModelInputs, outcome: SolveOutcome) -> pd.DataFrame:
    rows = []
    for c in p.commodities:
        u = p.tonnes_per_unit[c]
        for mem in p.members:
            daily = p.demand_per_year[(c, mem)] / DAYS_PER_YEAR
            stock, new = _val(m.Initial_Stock[c, mem]), _val(m.New_Capacity[c, mem])
            current = p.current_stock[(c, mem)]
            rows.append(dict(
                commodity=c, member=mem, initial_stock_t=stock * u,
                days_of_cover=stock / daily if daily > 0 else float("nan"),
                target_days=p.target_days[(c, mem)], current_stock_t=current * u,
                current_days=current / daily if daily > 0 else float("nan"),
                new_capacity_t=new * u, total_capacity_t=(p.existing_capacity[(c, mem)] + new) * u,
                capacity_value_usd_per_t=_capacity_value(m, p, outcome, c, mem) * USD_PER_MODEL_MONEY / u,
                capacity_cost_usd_per_t=p.capacity_cost[c] * USD_PER_MODEL_MONEY / u))
    return pd.DataFrame(rows)


def _stock_trajectory(m, p: ModelInputs) -> pd.DataFrame:
    rows = [(s, c, mem, t, _val(m.Stock[s, c, mem, t]) * p.tonnes_per_unit[c],
             _val(m.Release[s, c, mem, t]) * p.tonnes_per_unit[c],
             _val(m.Fill[s, c, mem, t]) * p.tonnes_per_unit[c])
            for (s, c, mem, t) in m.Stock.index_set()]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "member", "month",
                                       "stock_t", "release_t", "fill_t"])


def _flows(m, p: ModelInputs) -> pd.DataFrame:
    rows = []
    for (s, r, t), var in m.Import.items():
        if (var.value or 0.0) > NONZERO_T:
            route = p.routes[r]
            usd = USD_PER_MODEL_MONEY / p.tonnes_per_unit[route.commodity]
            rows.append((s, route.commodity, route.supplier, r, route.member, t - route.lead_months, t,
                         _val(var) * p.tonnes_per_unit[route.commodity], p.import_price[(s, r, t)] * usd,
                         route.freight * usd, ";".join(route.chokepoints)))
    return pd.DataFrame(rows, columns=["scenario", "commodity", "supplier", "route", "member",
                                       "departure_month", "arrival_month", "quantity_t",
                                       "price_usd_per_t", "freight_usd_per_t", "chokepoints"])


def _transfers(m, p: ModelInputs) -> pd.DataFrame:
    lag = {(x.commodity, x.sender, x.receiver): x.lag_months for x in p.transfers}
    rows = [(s, c, i, j, t, t + lag[(c, i, j)], _val(var) * p.tonnes_per_unit[c])
            for (s, c, i, j, t), var in m.Transfer.items() if (var.value or 0.0) > NONZERO_T]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "from_member", "to_member",
                                       "departure_month", "arrival_month", "quantity_t"])


def _swaps(m, p: ModelInputs) -> pd.DataFrame:
    rows = [(s, c, i, j, t, _val(m.Lend[k]) * p.tonnes_per_unit[c], _val(m.Repay[k]) * p.tonnes_per_unit[c],
             _val(m.Owed[k]) * p.tonnes_per_unit[c])
            for k in m.Lend.index_set() for s, c, i, j, t in [k]
            if max(_val(m.Lend[k]), _val(m.Repay[k]), _val(m.Owed[k])) > NONZERO_T]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "lender", "borrower", "month",
                                       "lent_t", "repaid_t", "owed_t"])


def _shortfalls(m, p: ModelInputs) -> pd.DataFrame:
    rows = [(s, c, mem, t, d * p.tonnes_per_unit[c], _val(m.Restraint[s, c, mem, t]) * p.tonnes_per_unit[c],
             _val(m.Shortfall[s, c, mem, t]) * p.tonnes_per_unit[c])
            for (s, c, mem, t), d in p.demand.items()]
    return pd.DataFrame(rows, columns=["scenario", "commodity", "member", "month",
                                       "demand_t", "restraint_t", "shortfall_t"])


def _costs(m, p: ModelInputs) -> pd.DataFrame:
    """Cost by stage, item, commodity and scenario (first-stage rows have an empty scenario)."""
    rows = [("first_stage", item, c, "", 1.0, pyo.value(expr) / MODEL_MONEY_PER_MUSD)
            for (item, c), expr in m.First_Stage_Cost.items()]
    rows += [("scenario", item, c, s, p.probability[s], pyo.value(expr) / MODEL_MONEY_PER_MUSD)
             for (item, c, s), expr in m.Scenario_Cost.items()]
    df = pd.DataFrame(rows, columns=["stage", "item", "commodity", "scenario", "probability", "cost_musd"])
    df["expected_cost_musd"] = df["probability"] * df["cost_musd"]
    return df


def _scarcity_prices(m, p: ModelInputs, outcome: SolveOutcome) -> pd.DataFrame:
    """Duals divided by the scenario's probability: USD per tonne in that scenario's own terms."""
    rows = []
    for (s, c, mem, t) in p.demand:
        weight = p.probability[s]
        usd = USD_PER_MODEL_MONEY / p.tonnes_per_unit[c] / weight if weight > 0 else float("nan")
        stock_dual = outcome.duals.get(m.Stock_Balance_Constraint[s, c, mem, t], float("nan"))
        market_dual = outcome.duals.get(m.Market_Balance_Constraint[s, c, mem, t], float("nan"))
        capacity_dual = outcome.duals.get(m.Stock_Capacity_Constraint[s, c, mem, t], float("nan"))
        rows.append((s, c, mem, t, stock_dual * usd, market_dual * usd, -capacity_dual * usd))
    return pd.DataFrame(rows, columns=["scenario", "commodity", "member", "month", "stock_value_usd_per_t",
                                       "market_price_usd_per_t", "capacity_value_usd_per_t"])
