"""The assembled single LP (optimizer/lp/assemble.py) is the LP the blocks build whole."""

import numpy as np
import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set, solve_case
from optimizer.lp.assemble import assemble
from optimizer.inputs import build_inputs, capacity_split
from optimizer.lp.layout import MISSING, LPLayout
from optimizer.model import build_model
from optimizer.solve import CompiledLP


def _labelled(lp: CompiledLP, layout: LPLayout) -> dict:
    """The LP under names: each column's and row's (component, key), its numbers, and the matrix
    entries as {(row name, column name): value}. Two LPs with equal labelled forms are the same
    LP up to the order of columns and rows."""
    names = {}
    for kind in ("columns", "rows"):
        size = lp.matrix.shape[1 if kind == "columns" else 0]
        label = [None] * size
        for name, family in getattr(layout, kind).items():
            for key, position in zip(family.keys, family.positions.tolist()):
                if position != MISSING:
                    assert label[position] is None, f"{kind} {position} named twice"
                    label[position] = (name, key)
        assert None not in label, f"a {kind[:-1]} without a name"
        names[kind] = label
    cols, rows = names["columns"], names["rows"]
    coo = lp.matrix.tocoo()
    entries = {(rows[i], cols[j]): v for i, j, v in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())}
    assert len(entries) == lp.matrix.nnz
    return {
        "columns": {label: (cost, low, up) for label, cost, low, up
                    in zip(cols, lp.col_cost.tolist(), lp.col_lower.tolist(), lp.col_upper.tolist())},
        "rows": {label: (low, up) for label, low, up in zip(rows, lp.row_lower.tolist(), lp.row_upper.tolist())},
        "entries": entries, "offset": lp.offset,
        "sizes": {kind: layout.size(kind) for kind in ("columns", "rows")},
    }


def _whole(p) -> dict:
    model = build_model(p)
    compiled = CompiledLP.from_model(model)
    return _labelled(compiled, LPLayout.of(model, compiled))


def _assert_same_lp(p) -> None:
    lp, layout = assemble(p)
    whole, assembled = _whole(p), _labelled(lp, layout)
    for part in ("sizes", "offset", "columns", "rows"):
        assert assembled[part] == whole[part], part  # bit for bit: the warm re-solve compares exactly
    assert assembled["entries"] == whole["entries"]
    _assert_scenario_views_agree(layout, p.scenarios)


def _assert_scenario_views_agree(layout: LPLayout, scenarios: list[str]) -> None:
    """One scenario's keys and key columns, which a warm edit reads from the template's family,
    are the family's own at that scenario's indices."""
    for kind in ("columns", "rows"):
        for name, family in getattr(layout, kind).items():
            for s in scenarios:
                index = family.indices_of(s).tolist()
                assert family.keys_of(s) == [family.keys[i] for i in index], (name, s)
                if len(index):
                    own = [list(np.asarray(c)[index]) for c in family.columns()]
                    assert [list(c) for c in family.columns_of(s)] == own, (name, s)


def test_assembled_lp_is_the_whole_lp_for_generated_scenarios():
    """Generated scenarios: bans on one member (so the scenarios' supplier rows differ and the
    template carries rows that most scenarios leave out), closures, demand and price shocks;
    transfers, swaps and cover floors on, so that every block and both first-stage row families
    are in the LP. Costs, bounds, sides and every matrix entry are the whole model's, bit for bit."""
    from bench.scenario_generator import generate_scenario_set
    from optimizer.lp.template import structures

    case = load_case()
    scenario_set = generate_scenario_set(case, 12, 18, seed=3)
    p = build_inputs(case, scenario_set, RunOptions(horizon_months=18, swaps=True, cover_floors=True))
    assert len(set(structures(p).values())) > 1 and p.floor and p.swaps and p.transfers
    _assert_same_lp(p)


def test_assembled_lp_is_the_whole_lp_for_one_member_alone():
    """A member's LP alone (independent mode: its share of each supplier, no transfers)."""
    case = load_case()
    share = {(c, k): v for (c, k, m), v in capacity_split(case).items() if m == case.members[0]}
    p = build_inputs(case, load_scenario_set("stochastic", case), RunOptions(horizon_months=12, transfers=False),
                     [case.members[0]], share)
    _assert_same_lp(p)


def test_assembled_lp_of_one_scenario_is_its_template():
    """One scenario: no block to copy, the first stage and the template's scenario part as they are."""
    case = tiny_case()
    p = build_inputs(case, scenarios(case, ("ban", 1.0, [ban(1, 1)])), RunOptions(horizon_months=6))
    _assert_same_lp(p)


def test_assembled_risk_weighted_lp_is_the_whole_lp():
    """A CVaR weight adds a row per scenario holding its whole cost (Scenario_Total_Cost), the
    threshold and excess columns, and weights on the objective: the assembled LP has them as the
    whole build does, bit for bit."""
    from bench.scenario_generator import generate_scenario_set

    case = load_case()
    scenario_set = generate_scenario_set(case, 6, 12, seed=5)
    p = build_inputs(case, scenario_set, RunOptions(horizon_months=12, cvar_weight=0.3, cvar_level=0.9))
    _assert_same_lp(p)
    _, layout = assemble(p)
    assert len(layout.column("Cost_Excess")) == len(layout.row("CVaR_Excess_Constraint")) == 6


def test_solve_case_reaches_the_hand_worked_optimum_through_the_assembled_lp():
    """The probability-threshold fixture of test_fixtures (p = 0.02, joint LP, not decomposed):
    1 kt of stock, 12.12 M$, now through the assembled LP."""
    case = tiny_case()
    ss = scenarios(case, ("base", 0.98, []), ("ban", 0.02, [ban(1, 1)]))
    joint = solve_case(case, ss, "joint", RunOptions(decompose=False)).joint
    assert joint.optimal and joint.objective_musd == pytest.approx(12.12, rel=1e-8)
    assert joint.tables["stockpile_plan"]["initial_stock_t"].sum() == pytest.approx(1000.0, rel=1e-6)
    assert np.isfinite(joint.tables["stockpile_plan"]["capacity_value_usd_per_t"]).all()
