"""The single LP over all scenarios, assembled from one scenario's LP instead of built whole in Pyomo.

The LP of docs/model.md is block-angular. Its first stage (New_Capacity, Initial_Stock and the
rows that read them alone) is shared; every other column and row belongs to one scenario, and a
scenario's rows read its own columns and the first stage only. Each scenario's block has the
structure of one template (optimizer.lp.template: a Pyomo model of the first scenario alone, given
every ban group's supplier rows, compiled once) with that scenario's numbers written in and its
costs weighted by its probability; the supplier rows of ban groups the scenario does not have are
left out, as the blocks leave them out of its model. So the blocks build one scenario in Pyomo,
not all of them, and the rest is numpy on the template's arrays (at 120 months x 50 scenarios:
0.65 s from inputs to HiGHS, against 10.2 s for the whole model built in Pyomo, bench/
pyomo-whole). tests/test_assemble.py checks that the assembled LP is the LP that build_model and
the compiler give, entry by entry under the layouts' names.

A risk weight (CVaR) adds a row per scenario that holds its whole cost, two kinds of columns and
weights on the objective: they are added to the assembled risk-neutral LP (_with_cvar).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse
from pyomo.common.gc_manager import PauseGC

from ..inputs import ModelInputs
from ..model.timing import FIRST_STAGE, decision_months, key_weights
from ..solve import CompiledLP
from .layout import MISSING, Family, LPLayout, laid_out
from .template import ScenarioTemplate, split_by_scenario, template_inputs, write_scenario_numbers


def is_first_stage(name: str) -> bool:
    """Whether a component of the template is first stage (one for all scenarios)."""
    return name in FIRST_STAGE


@dataclass
class _Kind:
    """The template's columns (or rows): which belong to the first stage, and each one's rank
    among the first-stage ones or among the scenario ones (its place in its block)."""

    first: np.ndarray  # bool, per template column (row)
    rank: np.ndarray  # int64, per template column (row)

    @classmethod
    def of(cls, template: ScenarioTemplate, kind: str) -> "_Kind":
        size = template.compiled.matrix.shape[1 if kind == "columns" else 0]
        first = np.zeros(size, dtype=bool)
        for name, family in getattr(template.layout, kind).items():
            if is_first_stage(name):
                first[family.positions[family.positions != MISSING]] = True
        rank = np.empty(size, dtype=np.int64)
        rank[first] = np.arange(first.sum())
        rank[~first] = np.arange(size - first.sum())
        return cls(first, rank)

    @property
    def n_first(self) -> int:
        return int(self.first.sum())

    @property
    def n_scenario(self) -> int:
        return len(self.first) - self.n_first


@dataclass
class Assembly:
    """The assembled LP, its layout, and where each copy of the template went.

    newcol[k, j]: the LP column that scenario k reads for the template's j-th scenario column (its
    own, or the owner's of that decision's node); owned[k, j]: whether it is scenario k's own.
    new_row[k, i]: the LP row of the template's i-th scenario row in scenario k (MISSING where
    scenario k does not have it: another scenario owns that month's node, or no ban of scenario k
    targets that member). col_month / row_month: each template scenario column's and row's
    decision month."""

    lp: CompiledLP
    layout: LPLayout
    template: ScenarioTemplate
    cols: "_Kind"
    rows: "_Kind"
    newcol: np.ndarray
    owned: np.ndarray
    new_row: np.ndarray
    col_month: np.ndarray
    row_month: np.ndarray


def assemble(p: ModelInputs) -> tuple[CompiledLP, LPLayout]:
    """The LP of `p` (without Pyomo objects) and its layout, from one scenario's template (the
    risk-neutral LP; a risk weight's rows and columns are added to it, _with_cvar)."""
    made = assembly(p)
    return made.lp, made.layout


def assembly(p: ModelInputs) -> Assembly:
    """assemble(p), with the maps from the template's columns and rows to the LP's."""
    with PauseGC():  # many small objects that all stay: collection passes would only slow this
        subs = split_by_scenario(replace(p, cvar_weight=0.0))
        template = ScenarioTemplate.build(template_inputs(p, subs[0]))
        cols, rows = _Kind.of(template, "columns"), _Kind.of(template, "rows")
        col_month, row_month = (_months(template, p, kind, k) for kind, k in (("columns", cols), ("rows", rows)))
        # owner_col[k, j]: the scenario whose column scenario k reads for template column j
        owner_col, owner_row = (p.tree.owner[np.clip(months, 0, p.horizon)].T for months in (col_month, row_month))
        copies = np.arange(len(p.scenarios))[:, None]
        owned = owner_col == copies
        keep = _kept_rows(template, subs, rows) & (owner_row == copies)
        newcol = _new_columns(owned, owner_col, cols.n_first)
        new_row = _new_rows(keep, rows.n_first)
        blocks, totals = [], []
        weigh = lambda name, keys: key_weights(p, name, keys)  # noqa: E731  (the full set's node probabilities)
        for sub in subs:  # each scenario's numbers, its costs weighted by its nodes' probabilities
            s = sub.scenarios[0]
            block = template.compiled.with_own_numbers()
            if p.cvar_weight:  # the scenario's own costs (weight 1), which its CVaR row sums
                write_scenario_numbers(block, template.layout, sub, s, template.scenario, lambda name, keys: 1.0)
                totals.append(block.col_cost.copy())
            write_scenario_numbers(block, template.layout, sub, s, template.scenario, weigh)
            blocks.append(block)
        lp = _numbers(template.compiled, blocks, cols, rows, owned, keep)
        lp.matrix = _matrix(template.compiled.matrix, cols, rows, newcol, new_row)
        layout = _layout(template, p.scenarios, cols, rows, newcol, owned, new_row)
        made = Assembly(lp, layout, template, cols, rows, newcol, owned, new_row, col_month, row_month)
        if p.cvar_weight:
            _with_cvar(lp, layout, p, made, totals)
    return made


def _months(template: ScenarioTemplate, p: ModelInputs, kind: str, rank: _Kind) -> np.ndarray:
    """The decision month of each of the template's scenario columns (rows), in rank order."""
    months = np.zeros(len(rank.first), dtype=np.int64)
    for name, family in getattr(template.layout, kind).items():
        if is_first_stage(name):
            continue
        present = family.positions != MISSING
        months[family.positions[present]] = decision_months(p, name, family.as_keys(np.flatnonzero(present)))
    return months[~rank.first]


def _kept_rows(template: ScenarioTemplate, subs: list[ModelInputs], rows: _Kind) -> np.ndarray:
    """Per scenario (axis 0), which of the template's scenario rows its LP has by its bans: all
    but the export-ban rows of members its bans do not target."""
    keep = np.ones((len(subs), rows.n_scenario), dtype=bool)
    family = template.layout.row("Export_Ban_Constraint")
    index = family.indices_of(template.scenario)
    at = rows.rank[family.positions[index]]
    for k, sub in enumerate(subs):
        keys = family.keys_of(template.scenario, sub.scenarios[0])
        keep[k, at] = np.fromiter(map(sub.ban_rows.__contains__, keys), dtype=bool, count=len(keys))
    return keep


def _new_columns(owned: np.ndarray, owner: np.ndarray, n_first: int) -> np.ndarray:
    """The LP column of each template scenario column in each scenario: the first stage first,
    then each scenario's own columns block after block; a column a scenario does not own is its
    owner's."""
    counts = owned.sum(axis=1)
    starts = n_first + np.concatenate([[0], np.cumsum(counts)[:-1]])
    own = np.where(owned, starts[:, None] + np.cumsum(owned, axis=1) - 1, MISSING)
    return np.take_along_axis(own, owner, axis=0)


def _new_rows(keep: np.ndarray, n_first: int) -> np.ndarray:
    """The assembled LP's row of each template scenario row in each scenario's block (MISSING
    where the scenario does not have it): the first-stage rows first, then block after block."""
    counts = keep.sum(axis=1)
    starts = n_first + np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.where(keep, starts[:, None] + np.cumsum(keep, axis=1) - 1, MISSING)


def _numbers(template: CompiledLP, blocks: list[CompiledLP], cols: _Kind, rows: _Kind,
             owned: np.ndarray, keep: np.ndarray) -> CompiledLP:
    """Costs, bounds and sides: the template's first stage, then each block's own part."""
    first_cols, scenario_cols = np.flatnonzero(cols.first), np.flatnonzero(~cols.first)
    first_rows, scenario_rows = np.flatnonzero(rows.first), np.flatnonzero(~rows.first)

    def columns(name: str) -> np.ndarray:
        return np.concatenate([getattr(template, name)[first_cols]]
                              + [getattr(block, name)[scenario_cols][mine] for block, mine in zip(blocks, owned)])

    def rows_of(name: str) -> np.ndarray:
        return np.concatenate([getattr(template, name)[first_rows]]
                              + [getattr(block, name)[scenario_rows][kept] for block, kept in zip(blocks, keep)])

    return CompiledLP([], [], columns("col_cost"), columns("col_lower"), columns("col_upper"),
                      rows_of("row_lower"), rows_of("row_upper"), None, template.offset)


def _matrix(A: scipy.sparse.csc_array, cols: _Kind, rows: _Kind, newcol: np.ndarray,
            new_row: np.ndarray) -> scipy.sparse.csc_array:
    """The assembled matrix: the template's first-stage rows once, and each scenario's rows with
    their entries in its own columns, its nodes' owners' columns and the first stage's."""
    coo = A.tocoo()
    r, c, v = coo.row, coo.col, coo.data
    in_first_row, in_first_col = rows.first[r], cols.first[c]
    if (in_first_row & ~in_first_col).any():
        raise ValueError("a first-stage row reads a scenario column: the LP is not block-angular")
    once = in_first_row
    each = ~in_first_row
    block_rows = new_row[:, rows.rank[r[each]]]
    first_col = cols.rank[c[each]]
    block_cols = np.where(in_first_col[each], first_col, newcol[:, np.where(in_first_col[each], 0, first_col)])
    present = block_rows != MISSING
    row = np.concatenate([rows.rank[r[once]], block_rows[present]])
    col = np.concatenate([cols.rank[c[once]], block_cols[present]])
    data = np.concatenate([v[once], np.broadcast_to(v[each], block_rows.shape)[present]])
    n_cols = max(cols.n_first, int(newcol.max()) + 1) if newcol.size else cols.n_first
    n_rows = rows.n_first + int((new_row != MISSING).sum())
    matrix = scipy.sparse.csc_array((data, (row, col)), shape=(n_rows, n_cols))
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


def _layout(template: ScenarioTemplate, scenarios: list[str], cols: _Kind, rows: _Kind, newcol: np.ndarray,
            owned: np.ndarray, new_row: np.ndarray) -> LPLayout:
    """Each family's keys and positions in the assembled LP: the first stage's once, the
    scenario families' renamed per scenario, each scenario's keys those it owns (columns) or has
    (rows)."""

    def family_of(name: str, family: Family, kind: _Kind, placed_in: np.ndarray, mine: np.ndarray | None) -> Family:
        absent, rank = family.positions == MISSING, kind.rank[np.maximum(family.positions, 0)]
        if is_first_stage(name):
            return Family(family.keys, np.where(absent, MISSING, rank))
        placed = np.where(absent, MISSING, placed_in[:, rank])
        # a key the template's LP has but a scenario does not is not that scenario's key; one the
        # template leaves out is kept (as the whole build keeps it, at no position) where owned
        keep = (absent | (placed != MISSING)) if mine is None else mine[:, rank]
        if mine is not None:
            placed = np.where(keep, placed, MISSING)
        return laid_out(family, template.scenario, scenarios, placed.ravel(), None if keep.all() else keep.ravel())

    own_cols = np.where(owned, newcol, MISSING)
    return LPLayout({name: family_of(name, f, cols, own_cols, owned) for name, f in template.layout.columns.items()},
                    {name: family_of(name, f, rows, new_row, None) for name, f in template.layout.rows.items()})


def _with_cvar(lp: CompiledLP, layout: LPLayout, p: ModelInputs, made: Assembly, totals: list[np.ndarray]) -> None:
    """Add the risk rows of optimizer/model/risk.py to the risk-neutral LP, in place: the columns
    Cost_Threshold and Cost_Excess[s], one row CVaR_Excess_Constraint[s] per scenario
    (Cost_Excess[s] - Scenario_Total_Cost[s] + Cost_Threshold >= 0 over the columns the scenario
    reads, its own and its nodes' owners', those with a nonzero cost, as the compiler leaves
    them), and the objective (1 - w) x expected cost + w x CVaR, each coefficient computed as the
    compiler computes it."""
    cols = made.cols
    w, tail, copies = p.cvar_weight, 1.0 / (1.0 - p.cvar_level), len(p.scenarios)
    n_rows, n_cols = lp.matrix.shape
    first_cols, scenario_cols = np.flatnonzero(cols.first), np.flatnonzero(~cols.first)
    entries = []  # (row, column, value) of each scenario's risk row
    for k, total in enumerate(totals):
        at = np.concatenate([np.arange(cols.n_first), made.newcol[k]])
        cost = np.concatenate([total[first_cols], total[scenario_cols]])
        nonzero = cost != 0
        entries.append((np.full(nonzero.sum(), k), at[nonzero], -cost[nonzero]))
    row, col, value = (np.concatenate(part) for part in zip(*entries))
    risk_rows = scipy.sparse.coo_array((value, (row, col)), shape=(copies, n_cols))
    threshold_and_excess = scipy.sparse.hstack([np.ones((copies, 1)), scipy.sparse.eye_array(copies)])
    lp.matrix = scipy.sparse.block_array([[lp.matrix, None], [risk_rows, threshold_and_excess]], format="csc")
    probability = np.array([p.probability[s] for s in p.scenarios])
    inf = highspy.kHighsInf
    lp.col_cost = np.concatenate([(1 - w) * lp.col_cost, [w], w * (tail * probability)])
    lp.col_lower = np.concatenate([lp.col_lower, [-inf], np.zeros(copies)])
    lp.col_upper = np.concatenate([lp.col_upper, np.full(1 + copies, inf)])
    lp.row_lower = np.concatenate([lp.row_lower, np.zeros(copies)])
    lp.row_upper = np.concatenate([lp.row_upper, np.full(copies, inf)])
    layout.columns["Cost_Threshold"] = Family([None], np.array([n_cols]))
    layout.columns["Cost_Excess"] = Family(list(p.scenarios), n_cols + 1 + np.arange(copies))
    layout.rows["CVaR_Excess_Constraint"] = Family(list(p.scenarios), n_rows + np.arange(copies))
