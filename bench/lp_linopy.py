"""The LP of docs/model.md written with linopy: labelled N-D arrays, one call per row family.

Written as a linopy user would write it (variables with coordinates, shift for the previous month,
groupby for sums over routes and transfer links, masks for missing rows), from the same arrays as
the matrix build (bench/lp_data.py). Dimensions: s (scenario), pair ((commodity, member)), t
(month 1..T), route, link (transfer link), d (departure month of a supply row).
"""

from __future__ import annotations

import linopy
import numpy as np
import xarray as xr

from optimizer.inputs import ModelInputs

from .lp_data import LpData, lp_data


def build_linopy(p: ModelInputs) -> tuple[linopy.Model, LpData]:
    d = lp_data(p)
    m = linopy.Model()
    v = _variables(m, d)
    _stock_constraints(m, d, v)
    _market_constraints(m, d, v)
    _supply_constraints(m, d, v["Import"])
    _objective(m, d, v)
    return m, d


def _coords(d: LpData) -> dict[str, np.ndarray]:
    S, P, T = d.shape
    return {"s": np.arange(S), "pair": np.arange(P), "t": np.arange(1, T + 1),
            "route": np.arange(len(d.routes)), "link": np.arange(len(d.transfers))}


def _da(values, d: LpData, *dims) -> xr.DataArray:
    c = _coords(d)
    return xr.DataArray(values, coords={k: c[k] for k in dims}, dims=dims)


def _variables(m: linopy.Model, d: LpData) -> dict[str, linopy.Variable]:
    S, P, T = d.shape
    share = d.pair_param["restraint_share"][None, :, None]
    spt = ("s", "pair", "t")
    v = {name: m.add_variables(lower=0, coords=[_coords(d)["pair"]], dims=["pair"], name=name)
         for name in ("New_Capacity", "Initial_Stock")}
    v["Import"] = m.add_variables(lower=0, upper=_da(np.where(d.closed, 0.0, np.inf), d, "s", "route", "t"),
                                  name="Import")
    for name in ("Stock", "Release", "Fill", "Stock_Above_Initial"):
        v[name] = m.add_variables(lower=0, upper=_da(np.full((S, P, T), np.inf), d, *spt), name=name)
    v["Restraint"] = m.add_variables(lower=0, upper=_da(share * d.demand, d, *spt), name="Restraint")
    v["Shortfall"] = m.add_variables(lower=0, upper=_da((1 - share) * d.demand, d, *spt), name="Shortfall")
    if d.transfers:
        lag = np.array([x[2] for x in d.transfers])
        limit = np.broadcast_to(np.array([x[3] for x in d.transfers])[None, :, None], (S, len(lag), T))
        leaves_in_time = _da(np.arange(1, T + 1)[None, :] + lag[:, None] <= T, d, "link", "t")
        v["Transfer"] = m.add_variables(lower=0, upper=_da(limit, d, "s", "link", "t"),
                                        mask=leaves_in_time.broadcast_like(_da(limit, d, "s", "link", "t")),
                                        name="Transfer")
    return v


def _stock_constraints(m: linopy.Model, d: LpData, v) -> None:
    stock, init, new = v["Stock"], v["Initial_Stock"], v["New_Capacity"]
    k0 = _da(d.existing_capacity, d, "pair")
    phi = _da(d.pair_param["release_share"], d, "pair")
    flow = v["Fill"] - v["Release"] - stock
    later = {"t": slice(2, None)}
    m.add_constraints(stock.shift(t=1).sel(later) + flow.sel(later) == 0, name="Stock_Balance_Constraint")
    m.add_constraints(init + flow.sel(t=1) == 0, name="Stock_Balance_First_Month")
    m.add_constraints(v["Stock_Above_Initial"] - stock + init >= 0, name="Stock_Above_Initial_Constraint")
    m.add_constraints(stock - new <= k0, name="Stock_Capacity_Constraint")
    m.add_constraints(init - new <= k0, name="Initial_Stock_Capacity_Constraint")
    m.add_constraints(v["Release"] - phi * new <= phi * k0, name="Release_Limit_Constraint")
    m.add_constraints(stock.sel(t=d.n_months) - init >= 0, name="End_Stock_Constraint")
    if d.floor is not None:
        m.add_constraints(init >= _da(d.floor, d, "pair"), name="Cover_Floor_Constraint")


def _market_constraints(m: linopy.Model, d: LpData, v) -> None:
    """arrivals + release - fill + transfers in - out + restraint + shortfall = demand."""
    pairs = _coords(d)["pair"]
    route_pair = xr.DataArray(d.route_pair, coords={"route": _coords(d)["route"]}, dims="route", name="pair")
    lhs = (1.0 * v["Import"]).groupby(route_pair).sum().reindex(pair=pairs).fillna(0)
    lhs = lhs + v["Release"] - v["Fill"] + v["Restraint"] + v["Shortfall"]
    if d.transfers:
        lhs = lhs + _net_transfers(d, v["Transfer"])
    m.add_constraints(lhs == _da(d.demand, d, "s", "pair", "t"), name="Market_Balance_Constraint")


def _net_transfers(d: LpData, transfer: linopy.Variable) -> linopy.LinearExpression:
    """Transfers arriving (sent lag months earlier) minus transfers leaving, per pair and month."""
    pairs, links = _coords(d)["pair"], _coords(d)["link"]
    sender = xr.DataArray([x[0] for x in d.transfers], coords={"link": links}, dims="link", name="pair")
    receiver = xr.DataArray([x[1] for x in d.transfers], coords={"link": links}, dims="link", name="pair")
    net = -(1.0 * transfer).groupby(sender).sum().reindex(pair=pairs).fillna(0)
    for lag in sorted({x[2] for x in d.transfers}):
        same = links[[x[2] == lag for x in d.transfers]]
        arriving = (1.0 * transfer.sel(link=same).shift(t=lag)).groupby(receiver.sel(link=same)).sum()
        net = net + arriving.reindex(pair=pairs).fillna(0)  # nothing arrives before month lag + 1
    return net


def _supply_constraints(m: linopy.Model, d: LpData, imports: linopy.Variable) -> None:
    """sum over the group's routes of Import[s, r, dep + L_r] <= Q x share[s, dep].

    These rows are irregular (one family per supplier x member group, each with its own routes
    and lead times), so they are written as one expression over a `row` dimension whose terms are
    gathered from Import's labels; a pattern-by-pattern add_constraints with shift and merge was
    4-5 s of fixed cost even at 24 months x 1 scenario. Rows with no arrival within the horizon
    are not generated, as in the Pyomo core."""
    T = d.n_months
    width = max(len(p.route_index) for p in d.supply)
    labels, rhs = [], []
    for pat in d.supply:
        t = pat.departure_month[:, None] + pat.route_lead_months[None, :]
        ok = (t >= 1) & (t <= T)
        lab = np.where(ok, imports.labels.values[pat.scenario_index[:, None], pat.route_index[None, :],
                                                 np.clip(t - 1, 0, T - 1)], -1)
        keep = ok.any(axis=1)
        labels.append(np.pad(lab[keep], ((0, 0), (0, width - lab.shape[1])), constant_values=-1))
        rhs.append(pat.capacity_units_per_month * pat.share[keep])
    labels = np.concatenate(labels)
    rows = np.arange(len(labels))
    lhs = linopy.LinearExpression(xr.Dataset(
        {"coeffs": (("row", "_term"), np.where(labels >= 0, 1.0, np.nan)),
         "vars": (("row", "_term"), labels)}, coords={"row": rows}), m)
    m.add_constraints(lhs <= xr.DataArray(np.concatenate(rhs), coords={"row": rows}, dims="row"),
                      name="Supplier_Capacity_Constraint")


def _objective(m: linopy.Model, d: LpData, v) -> None:
    S, P, T = d.shape
    pp, pr = d.pair_param, _da(d.probability, d, "s")

    def per_pair(name):
        return _da(pp[name], d, "pair")

    expr = (per_pair("capacity_cost") * v["New_Capacity"]).sum()
    expr += (per_pair("holding_cost") * T * v["Initial_Stock"]).sum()
    expr += (_da(d.import_cost, d, "s", "route", "t") * pr * v["Import"]).sum()
    for var, param in (("Release", "handling_cost"), ("Fill", "handling_cost"),
                       ("Stock_Above_Initial", "holding_cost"), ("Restraint", "restraint_cost"),
                       ("Shortfall", "shortfall_penalty")):
        expr += (per_pair(param) * pr * v[var]).sum()
    if d.transfers:
        expr += (_da([x[4] for x in d.transfers], d, "link") * pr * v["Transfer"]).sum()
    m.add_objective(expr)
