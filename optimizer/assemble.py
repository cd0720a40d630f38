"""The single LP over all scenarios, assembled from one scenario's LP instead of built whole in Pyomo.

The LP of docs/model.md is block-angular. Its first stage (New_Capacity, Initial_Stock and the
rows that read them alone) is shared; every other column and row belongs to one scenario, and a
scenario's rows read its own columns and the first stage only. Each scenario's block has the
structure of one template (optimizer.template: a Pyomo model of the first scenario alone, given
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

from .inputs import ModelInputs
from .layout import MISSING, Family, LPLayout, laid_out
from .solve import CompiledLP
from .template import ScenarioTemplate, split_by_scenario, template_inputs, write_scenario_numbers


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
        for family in getattr(template.layout, kind).values():
            if template.is_first_stage(family):
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


def assemble(p: ModelInputs) -> tuple[CompiledLP, LPLayout]:
    """The LP of `p` (without Pyomo objects) and its layout, from one scenario's template (the
    risk-neutral LP; a risk weight's rows and columns are added to it, _with_cvar)."""
    with PauseGC():  # many small objects that all stay: collection passes would only slow this
        subs = split_by_scenario(replace(p, cvar_weight=0.0))
        template = ScenarioTemplate.build(template_inputs(p, subs[0]))
        cols, rows = _Kind.of(template, "columns"), _Kind.of(template, "rows")
        keep = _kept_rows(template, subs, rows)
        new_row = _new_rows(keep, rows.n_first)
        blocks, totals = [], []
        for sub in subs:  # each scenario's numbers, its costs weighted by its probability
            s = sub.scenarios[0]
            block = template.compiled.with_own_numbers()
            if p.cvar_weight:  # the scenario's own costs (weight 1), which its CVaR row sums
                write_scenario_numbers(block, template.layout, sub, s, template.scenario, template.probability, 1.0)
                totals.append(block.col_cost.copy())
            write_scenario_numbers(block, template.layout, sub, s, template.scenario, template.probability,
                                   p.probability[s])
            blocks.append(block)
        lp = _numbers(template.compiled, blocks, cols, rows, keep)
        lp.matrix = _matrix(template.compiled.matrix, cols, rows, new_row)
        layout = _layout(template, p.scenarios, cols, rows, new_row)
        if p.cvar_weight:
            _with_cvar(lp, layout, p, cols, totals)
    return lp, layout


def _kept_rows(template: ScenarioTemplate, subs: list[ModelInputs], rows: _Kind) -> np.ndarray:
    """Per scenario (axis 0), which of the template's scenario rows its LP has: all but the
    supplier rows of ban groups the scenario does not have."""
    keep = np.ones((len(subs), rows.n_scenario), dtype=bool)
    family = template.layout.row("Supplier_Capacity_Constraint")
    index = family.indices_of(template.scenario)
    at = rows.rank[family.positions[index]]
    for k, sub in enumerate(subs):
        keys = family.keys_of(template.scenario, sub.scenarios[0])
        keep[k, at] = np.fromiter(map(sub.supply_rows.__contains__, keys), dtype=bool, count=len(keys))
    return keep


def _new_rows(keep: np.ndarray, n_first: int) -> np.ndarray:
    """The assembled LP's row of each template scenario row in each scenario's block (MISSING
    where the scenario does not have it): the first-stage rows first, then block after block."""
    counts = keep.sum(axis=1)
    starts = n_first + np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.where(keep, starts[:, None] + np.cumsum(keep, axis=1) - 1, MISSING)


def _numbers(template: CompiledLP, blocks: list[CompiledLP], cols: _Kind, rows: _Kind,
             keep: np.ndarray) -> CompiledLP:
    """Costs, bounds and sides: the template's first stage, then each block's scenario part."""
    first_cols, scenario_cols = np.flatnonzero(cols.first), np.flatnonzero(~cols.first)
    first_rows, scenario_rows = np.flatnonzero(rows.first), np.flatnonzero(~rows.first)

    def columns(name: str) -> np.ndarray:
        return np.concatenate([getattr(template, name)[first_cols]]
                              + [getattr(block, name)[scenario_cols] for block in blocks])

    def rows_of(name: str) -> np.ndarray:
        return np.concatenate([getattr(template, name)[first_rows]]
                              + [getattr(block, name)[scenario_rows][kept] for block, kept in zip(blocks, keep)])

    return CompiledLP([], [], columns("col_cost"), columns("col_lower"), columns("col_upper"),
                      rows_of("row_lower"), rows_of("row_upper"), None, template.offset)


def _matrix(A: scipy.sparse.csc_array, cols: _Kind, rows: _Kind, new_row: np.ndarray) -> scipy.sparse.csc_array:
    """The assembled matrix, column-wise: the first-stage columns (their entries in the
    first-stage rows and in every block's rows), then each block's columns."""
    coo = A.tocoo()  # entries column by column
    r, c, v = coo.row, coo.col, coo.data
    copies, n_first, n_scenario = len(new_row), cols.n_first, cols.n_scenario
    in_first_row, in_first_col = rows.first[r], cols.first[c]
    if (in_first_row & ~in_first_col).any():
        raise ValueError("a first-stage row reads a scenario column: the LP is not block-angular")
    # the first-stage columns: a few columns with many entries, sorted into column order
    once = in_first_row
    shared = ~in_first_row & in_first_col
    shared_rows = new_row[:, rows.rank[r[shared]]]
    present = shared_rows != MISSING
    first_row = np.concatenate([rows.rank[r[once]], shared_rows[present]])
    first_col = np.concatenate([cols.rank[c[once]], np.broadcast_to(cols.rank[c[shared]], shared_rows.shape)[present]])
    first_val = np.concatenate([v[once], np.broadcast_to(v[shared], shared_rows.shape)[present]])
    order = np.lexsort((first_row, first_col))
    # each block's columns: the template's entries in column order, rows mapped block by block
    own = ~in_first_row & ~in_first_col
    block_rows = new_row[:, rows.rank[r[own]]]
    present = block_rows != MISSING
    block_cols = n_first + np.arange(copies)[:, None] * n_scenario + cols.rank[c[own]]
    indices = np.concatenate([first_row[order], block_rows[present]]).astype(np.int32)
    col_of = np.concatenate([first_col[order], np.broadcast_to(block_cols, block_rows.shape)[present]])
    data = np.concatenate([first_val[order], np.broadcast_to(v[own], block_rows.shape)[present]])
    n_cols = n_first + copies * n_scenario
    indptr = np.concatenate([[0], np.cumsum(np.bincount(col_of, minlength=n_cols))]).astype(np.int32)
    n_rows = rows.n_first + int((new_row != MISSING).sum())
    return scipy.sparse.csc_array((data, indices, indptr), shape=(n_rows, n_cols))


def _layout(template: ScenarioTemplate, scenarios: list[str], cols: _Kind, rows: _Kind,
            new_row: np.ndarray) -> LPLayout:
    """Each family's keys and positions in the assembled LP: the first stage's once, the
    scenario families' renamed per scenario."""
    copies = len(scenarios)

    def column_family(family: Family) -> Family:
        absent, rank = family.positions == MISSING, cols.rank[np.maximum(family.positions, 0)]
        if template.is_first_stage(family):
            return Family(family.keys, np.where(absent, MISSING, rank))
        block = cols.n_first + np.arange(copies)[:, None] * cols.n_scenario + rank
        return laid_out(family, template.scenario, scenarios, np.where(absent, MISSING, block).ravel())

    def row_family(family: Family) -> Family:
        absent, rank = family.positions == MISSING, rows.rank[np.maximum(family.positions, 0)]
        if template.is_first_stage(family):
            return Family(family.keys, np.where(absent, MISSING, rank))
        placed = np.where(absent, MISSING, new_row[:, rank])
        # a key the template's LP has but a scenario does not is not that scenario's key
        keep = absent | (placed != MISSING)
        return laid_out(family, template.scenario, scenarios, placed.ravel(), None if keep.all() else keep.ravel())

    return LPLayout({name: column_family(f) for name, f in template.layout.columns.items()},
                    {name: row_family(f) for name, f in template.layout.rows.items()})


def _with_cvar(lp: CompiledLP, layout: LPLayout, p: ModelInputs, cols: _Kind, totals: list[np.ndarray]) -> None:
    """Add the risk rows of optimizer/model/risk.py to the risk-neutral LP, in place: the columns
    Cost_Threshold and Cost_Excess[s], one row CVaR_Excess_Constraint[s] per scenario
    (Cost_Excess[s] - Scenario_Total_Cost[s] + Cost_Threshold >= 0, its cost columns those with a
    nonzero cost, as the compiler leaves them), and the objective (1 - w) x expected cost
    + w x CVaR, each coefficient computed as the compiler computes it."""
    w, tail, copies = p.cvar_weight, 1.0 / (1.0 - p.cvar_level), len(p.scenarios)
    n_rows, n_cols = lp.matrix.shape
    first_cols, scenario_cols = np.flatnonzero(cols.first), np.flatnonzero(~cols.first)
    entries = []  # (row, column, value) of each scenario's risk row
    for k, total in enumerate(totals):
        at = np.concatenate([np.arange(cols.n_first), cols.n_first + k * cols.n_scenario + np.arange(cols.n_scenario)])
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
