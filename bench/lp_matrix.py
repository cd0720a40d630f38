"""The lower bound: the LP of docs/model.md built directly as sparse arrays and passed to highspy.

No modelling layer at all: every row family of docs/model.md is a few vectorised numpy index
computations, the triplets become one CSC matrix, and highspy's passModel takes the raw arrays
(int32 indices) without per-element Python work. What this costs is the least any modelling layer
can cost, so the other builds are reported as a ratio to it.

Columns, family by family (offsets in `Layout`): New_Capacity[P], Initial_Stock[P],
Import[S,R,T], Stock, Release, Fill, Stock_Above_Initial, Restraint, Shortfall [S,P,T] each,
Transfer[S, x, t <= T - lag_x]. Rows: Market_Balance, Stock_Balance, Stock_Above_Initial,
Stock_Capacity, Release_Limit [S,P,T] each, Initial_Stock_Capacity[P], End_Stock[S,P],
Supplier_Capacity rows pattern by pattern, then Cover_Floor[P] (floors on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.inputs import ModelInputs

from .lp_data import LpData, lp_data

INF = highspy.kHighsInf
SPT_FAMILIES = ("stock", "release", "fill", "above", "restraint", "shortfall")
SPT_ROWS = ("market", "stock_balance", "above", "stock_capacity", "release_limit")


@dataclass
class Layout:
    """Where each variable family and row family starts (column and row offsets)."""

    S: int
    P: int
    T: int
    R: int
    transfer_months: list[int]  # months each transfer link can leave in: T - lag (>= 0)
    col: dict[str, int] = field(default_factory=dict)
    row: dict[str, int] = field(default_factory=dict)
    n_col: int = 0
    n_row: int = 0

    def __post_init__(self):
        spt = self.S * self.P * self.T
        sizes = [("new_capacity", self.P), ("initial_stock", self.P), ("import", self.S * self.R * self.T)]
        sizes += [(name, spt) for name in SPT_FAMILIES]
        sizes += [("transfer", self.S * sum(self.transfer_months))]
        for name, size in sizes:
            self.col[name], self.n_col = self.n_col, self.n_col + size
        for name in SPT_ROWS:
            self.row[name], self.n_row = self.n_row, self.n_row + spt
        for name, size in (("initial_capacity", self.P), ("end_stock", self.S * self.P)):
            self.row[name], self.n_row = self.n_row, self.n_row + size


@dataclass
class MatrixLp:
    """The LP in HiGHS's column-wise form, with the layout to read a solution back."""

    data: LpData
    layout: Layout
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_array
    supply_rows: list[np.ndarray]  # row index of each supply pattern's keys (-1: empty row, dropped)

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


class Triplets:
    """COO entries gathered family by family, concatenated once at the end."""

    def __init__(self):
        self.rows, self.cols, self.vals = [], [], []

    def add(self, rows, cols, value) -> None:
        rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(np.broadcast_to(np.asarray(value, dtype=float), rows.shape).ravel())

    def csc(self, n_row: int, n_col: int) -> sp.csc_array:
        coo = sp.coo_array((np.concatenate(self.vals),
                            (np.concatenate(self.rows), np.concatenate(self.cols))), shape=(n_row, n_col))
        return coo.tocsc()


def build_matrix_lp(p: ModelInputs) -> MatrixLp:
    """The LP of docs/model.md for `p` as arrays (see the module docstring for the order)."""
    d = lp_data(p)
    S, P, T = d.shape
    lay = Layout(S, P, T, len(d.routes), [max(0, T - lag) for _, _, lag, _, _ in d.transfers])
    trip = Triplets()
    spt = np.arange(S * P * T).reshape(S, P, T)
    _stock_rows(trip, lay, d, spt)
    _market_rows(trip, lay, d, spt)
    row_lower, row_upper = _fixed_row_bounds(lay, d)
    supply_rows, sup_lower, sup_upper = _supply_rows(trip, lay, d)
    floor_rows = _floor_rows(trip, lay, d, len(sup_upper))
    n_row = lay.n_row + len(sup_upper) + len(floor_rows[0])
    matrix = trip.csc(n_row, lay.n_col)
    cost, lower, upper = _columns(lay, d)
    return MatrixLp(d, lay, cost, lower, upper,
                    np.concatenate([row_lower, sup_lower, floor_rows[0]]),
                    np.concatenate([row_upper, sup_upper, floor_rows[1]]), matrix, supply_rows)


def _stock_rows(trip: Triplets, lay: Layout, d: LpData, spt: np.ndarray) -> None:
    """Stock balance, stock above initial, stock and initial-stock capacity, release limit, end stock."""
    c, r = lay.col, lay.row
    S, P, T = spt.shape
    pair = np.broadcast_to(np.arange(P)[None, :, None], spt.shape)
    # Stock[t-1] + Fill - Release - Stock[t] = 0, with Stock[0] = Initial_Stock
    trip.add(r["stock_balance"] + spt, c["fill"] + spt, 1.0)
    trip.add(r["stock_balance"] + spt, c["release"] + spt, -1.0)
    trip.add(r["stock_balance"] + spt, c["stock"] + spt, -1.0)
    trip.add(r["stock_balance"] + spt[:, :, 1:], c["stock"] + spt[:, :, :-1], 1.0)
    trip.add(r["stock_balance"] + spt[:, :, 0], c["initial_stock"] + pair[:, :, 0], 1.0)
    # Stock_Above_Initial - Stock + Initial_Stock >= 0
    trip.add(r["above"] + spt, c["above"] + spt, 1.0)
    trip.add(r["above"] + spt, c["stock"] + spt, -1.0)
    trip.add(r["above"] + spt, c["initial_stock"] + pair, 1.0)
    # Stock - New_Capacity <= K0 ; Release - phi New_Capacity <= phi K0
    trip.add(r["stock_capacity"] + spt, c["stock"] + spt, 1.0)
    trip.add(r["stock_capacity"] + spt, c["new_capacity"] + pair, -1.0)
    trip.add(r["release_limit"] + spt, c["release"] + spt, 1.0)
    trip.add(r["release_limit"] + spt, c["new_capacity"] + pair, -d.pair_param["release_share"][None, :, None])
    # Initial_Stock - New_Capacity <= K0 ; Stock[T] - Initial_Stock >= 0
    trip.add(r["initial_capacity"] + np.arange(P), c["initial_stock"] + np.arange(P), 1.0)
    trip.add(r["initial_capacity"] + np.arange(P), c["new_capacity"] + np.arange(P), -1.0)
    end = r["end_stock"] + np.arange(S * P).reshape(S, P)
    trip.add(end, c["stock"] + spt[:, :, -1], 1.0)
    trip.add(end, c["initial_stock"] + pair[:, :, 0], -1.0)


def _market_rows(trip: Triplets, lay: Layout, d: LpData, spt: np.ndarray) -> None:
    """arrivals + release - fill + transfers in - out + restraint + shortfall = demand."""
    c, row = lay.col, lay.row["market"]
    S, P, T = spt.shape
    for family, sign in (("release", 1.0), ("fill", -1.0), ("restraint", 1.0), ("shortfall", 1.0)):
        trip.add(row + spt, c[family] + spt, sign)
    srt = np.arange(S * lay.R * T).reshape(S, lay.R, T)
    trip.add(row + spt[:, d.route_pair, :], c["import"] + srt, 1.0)
    offset = c["transfer"]
    per_scenario = sum(lay.transfer_months)
    for (sender, receiver, lag, _, _), n in zip(d.transfers, lay.transfer_months):
        if n == 0:
            continue
        cols = offset + per_scenario * np.arange(S)[:, None] + np.arange(n)[None, :]
        trip.add(row + spt[:, sender, :n], cols, -1.0)  # sent in t
        trip.add(row + spt[:, receiver, lag:lag + n], cols, 1.0)  # arrives in t + lag
        offset += n


def _fixed_row_bounds(lay: Layout, d: LpData) -> tuple[np.ndarray, np.ndarray]:
    S, P, T = d.shape
    k0 = np.broadcast_to(d.existing_capacity[None, :, None], (S, P, T)).ravel()
    zero, inf = np.zeros(S * P * T), np.full(S * P * T, INF)
    lower = [d.demand.ravel(), zero, zero, -inf, -inf, np.full(P, -INF), np.zeros(S * P)]
    upper = [d.demand.ravel(), zero, inf, k0, k0 * np.repeat(np.tile(d.pair_param["release_share"], S), T),
             d.existing_capacity, np.full(S * P, INF)]
    return np.concatenate(lower), np.concatenate(upper)


def _supply_rows(trip: Triplets, lay: Layout, d: LpData):
    """sum of Import[s, r, d + L_r] over the group's routes from k <= Q_ck x share[s,c,k,g,d];
    rows whose sum is empty are not generated, as in the Pyomo core."""
    S, P, T = d.shape
    next_row, uppers, row_of = lay.n_row, [], []
    for pat in d.supply:
        t = pat.departure_month[:, None] + pat.route_lead_months[None, :]  # arrival month
        valid = (t >= 1) & (t <= T)
        keep = valid.any(axis=1)
        rows = np.full(len(keep), -1, dtype=np.int64)
        rows[keep] = next_row + np.arange(keep.sum())
        cols = lay.col["import"] + (pat.scenario_index[:, None] * lay.R + pat.route_index[None, :]) * T + t - 1
        trip.add(rows[:, None].repeat(valid.shape[1], axis=1)[valid], cols[valid], 1.0)
        uppers.append(pat.capacity_units_per_month * pat.share[keep])
        row_of.append(rows)
        next_row += int(keep.sum())
    upper = np.concatenate(uppers) if uppers else np.zeros(0)
    return row_of, np.full(len(upper), -INF), upper


def _floor_rows(trip: Triplets, lay: Layout, d: LpData, n_supply: int):
    """Initial_Stock >= days-of-cover floor, one row per pair, only when floors are on."""
    if d.floor is None:
        return np.zeros(0), np.zeros(0)
    P = len(d.pairs)
    first = lay.n_row + n_supply
    trip.add(first + np.arange(P), lay.col["initial_stock"] + np.arange(P), 1.0)
    return d.floor, np.full(P, INF)


def _columns(lay: Layout, d: LpData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Objective coefficients (probability-weighted for second-stage columns) and bounds."""
    S, P, T = d.shape
    pp, pr = d.pair_param, d.probability
    cost, lower, upper = np.zeros(lay.n_col), np.zeros(lay.n_col), np.full(lay.n_col, INF)

    def put(name, values, into=cost):
        into[lay.col[name]:lay.col[name] + values.size] = values.ravel()

    def per_spt(values):  # [P] per-commodity values -> [S,P,T], weighted by probability
        return pr[:, None, None] * np.broadcast_to(values[None, :, None], (S, P, T))

    put("new_capacity", pp["capacity_cost"])
    put("initial_stock", pp["holding_cost"] * T)
    put("import", pr[:, None, None] * d.import_cost)
    put("import", np.where(d.closed, 0.0, INF), into=upper)
    for name, param in (("release", "handling_cost"), ("fill", "handling_cost"),
                        ("above", "holding_cost"), ("restraint", "restraint_cost"),
                        ("shortfall", "shortfall_penalty")):
        put(name, per_spt(pp[param]))
    share = pp["restraint_share"][None, :, None]
    put("restraint", share * d.demand, into=upper)
    put("shortfall", (1.0 - share) * d.demand, into=upper)
    n_per_s = sum(lay.transfer_months)
    t_cost = np.concatenate([np.full(n, x[4]) for x, n in zip(d.transfers, lay.transfer_months)] or [[]])
    t_max = np.concatenate([np.full(n, x[3]) for x, n in zip(d.transfers, lay.transfer_months)] or [[]])
    if n_per_s:
        put("transfer", pr[:, None] * t_cost[None, :])
        put("transfer", np.broadcast_to(t_max, (S, n_per_s)), into=upper)
    return cost, lower, upper


def pass_to_highs(lp: MatrixLp, options: dict | None = None) -> highspy.Highs:
    """Hand the arrays to a fresh HiGHS instance in one passModel call (int32 indices)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    a = lp.matrix
    status = h.passModel(lp.layout.n_col, len(lp.row_lower), lp.nnz, int(highspy.MatrixFormat.kColwise),
                         int(highspy.ObjSense.kMinimize), 0.0, lp.cost, lp.col_lower, lp.col_upper,
                         lp.row_lower, lp.row_upper, a.indptr.astype(np.int32),
                         a.indices.astype(np.int32), a.data,
                         np.zeros(lp.layout.n_col, dtype=np.int32))  # integrality: all continuous
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model")
    return h


def solution_arrays(lp: MatrixLp, h: highspy.Highs) -> dict[str, np.ndarray]:
    """Primal values by variable family (shaped by index) and the two balance duals [S,P,T]."""
    lay = lp.layout
    S, P, T = lp.data.shape
    sol = h.getSolution()
    x, y = np.asarray(sol.col_value), np.asarray(sol.row_dual)
    out = {"new_capacity": x[:P], "initial_stock": x[P:2 * P],
           "import": x[lay.col["import"]:lay.col["import"] + S * lay.R * T].reshape(S, lay.R, T),
           "transfer": x[lay.col["transfer"]:].reshape(S, -1)}
    for name in SPT_FAMILIES:
        out[name] = x[lay.col[name]:lay.col[name] + S * P * T].reshape(S, P, T)
    for name in ("market", "stock_balance"):
        out[name + "_dual"] = y[lay.row[name]:lay.row[name] + S * P * T].reshape(S, P, T)
    return out


def supply_row_index(lp: MatrixLp, scenario: str, commodity: str, supplier: str, group: str,
                     departure_month: int) -> int:
    """HiGHS row of one Supplier_Capacity_Constraint key; -1 if that row is empty (not built)."""
    s = lp.data.scenarios.index(scenario)
    for pat, rows in zip(lp.data.supply, lp.supply_rows):
        if (pat.commodity, pat.supplier, pat.group) == (commodity, supplier, group):
            hit = np.flatnonzero((pat.scenario_index == s) & (pat.departure_month == departure_month))
            return int(rows[hit[0]]) if hit.size else -1
    return -1
