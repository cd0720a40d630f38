"""Scenario decomposition reaches the optimum of the single LP."""

import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set, solve_case


def test_decomposed_fixture_matches_hand_worked_optimum():
    """The probability-threshold fixture of test_fixtures (p = 0.02): 1 kt of stock, 12.12 M$."""
    case = tiny_case()
    ss = scenarios(case, ("base", 0.98, []), ("ban", 0.02, [ban(1, 1)]))
    result = solve_case(case, ss, "joint", RunOptions(decompose=True))
    assert result.joint.optimal and "decomposition" in result.joint.outcome.message
    assert result.joint.objective_musd == pytest.approx(12.12, rel=1e-8)
    assert result.joint.tables["stockpile_plan"]["initial_stock_t"].sum() == pytest.approx(1000.0, rel=1e-6)


def test_decomposed_stochastic_set_matches_single_lp_and_balances():
    """Same optimum; stock balances hold in the decomposed tables; and the scarcity prices (the scenario
    LPs' duals laid end to end) are the single LP's on most rows. Not on all: the LP is degenerate,
    its duals are not unique (146 of 1,920 market prices differ at HiGHS 1.15); prices read with the
    wrong probability weighting would differ on nearly every row."""
    import numpy as np

    case = load_case()
    ss = load_scenario_set("stochastic", case)
    whole = solve_case(case, ss, "joint", RunOptions(decompose=False)).joint
    split = solve_case(case, ss, "joint", RunOptions(decompose=True)).joint
    assert split.optimal and split.objective_musd == pytest.approx(whole.objective_musd, rel=1e-8)
    assert split.expected_cost_musd == pytest.approx(whole.expected_cost_musd, rel=1e-8)
    traj = split.tables["stock_trajectory"].sort_values(["scenario", "commodity", "member", "month"])
    start = split.tables["stockpile_plan"].set_index(["commodity", "member"])["initial_stock_t"]
    for (s, c, m), g in traj.groupby(["scenario", "commodity", "member"]):
        stock = [start[(c, m)]] + list(g["stock_t"])
        gaps = [stock[i] + f - r - stock[i + 1] for i, (f, r) in enumerate(zip(g["fill_t"], g["release_t"]))]
        assert max(map(abs, gaps)) <= 1e-6 * split.inputs.tonnes_per_unit[c]
    key = ["scenario", "commodity", "member", "month"]
    prices = [result.tables["scarcity_prices"].set_index(key).sort_index()["market_price_usd_per_t"]
              for result in (whole, split)]
    assert np.mean(np.isclose(prices[0], prices[1], rtol=1e-6, atol=1e-6)) > 0.85


def test_risk_weighted_objective_is_never_decomposed():
    case = tiny_case()
    ss = scenarios(case, ("base", 0.99, []), ("ban", 0.01, [ban(1, 1)]))
    result = solve_case(case, ss, "joint", RunOptions(decompose=True, cvar_weight=0.05))
    assert "decomposition" not in result.joint.outcome.message
    assert result.joint.objective_musd == pytest.approx(12.12, rel=1e-6)


def test_decomposition_in_two_worker_processes_matches_one():
    """workers=2: the leaves are held by Dask actors on a LocalCluster of two worker processes."""
    case = load_case()
    ss = load_scenario_set("stochastic", case)
    options = RunOptions(horizon_months=12, decompose=True)
    one = solve_case(case, ss, "joint", RunOptions(**{**options.__dict__, "workers": 1})).joint
    two = solve_case(case, ss, "joint", RunOptions(**{**options.__dict__, "workers": 2})).joint
    assert two.optimal and two.objective_musd == pytest.approx(one.objective_musd, rel=1e-8)
    assert sorted(two.tables["shortfalls"]["scenario"].unique()) == sorted(s.name for s in ss.scenarios)
    assert len(two.tables["costs"]) == len(one.tables["costs"])


def test_a_worker_that_dies_fails_the_solve_with_its_reason_and_the_next_solve_works(monkeypatch):
    """A worker process killed once the leaves are built: the solve is reported as failed (status
    error, Dask's reason), not hung or raised; the LocalCluster's nanny restarts the worker and the
    next solve reaches the one-worker optimum."""
    import os
    import signal
    import time

    from optimizer import decompose
    from optimizer.cluster import local_client

    case = load_case()
    ss = load_scenario_set("stochastic", case)
    options = RunOptions(horizon_months=12, decompose=True, workers=2)
    iterate = decompose._iterate

    def kill_a_worker_then_iterate(*args, **kwargs):
        pid = next(iter(local_client(2).run(os.getpid).values()))
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        return iterate(*args, **kwargs)

    monkeypatch.setattr(decompose, "_iterate", kill_a_worker_then_iterate)
    failed = solve_case(case, ss, "joint", options).joint
    assert failed.outcome.status == "error" and "Scenario decomposition failed" in failed.outcome.message
    monkeypatch.setattr(decompose, "_iterate", iterate)
    again = solve_case(case, ss, "joint", options).joint
    one = solve_case(case, ss, "joint", RunOptions(horizon_months=12, decompose=True)).joint
    assert again.optimal and again.objective_musd == pytest.approx(one.objective_musd, rel=1e-8)


def test_derived_scenario_lps_equal_the_lps_the_blocks_build():
    """Each scenario LP derived from its structure's template (optimizer/lp/template.py) is, array by
    array, the LP that build_model + the compiler give for that scenario alone: same columns and
    rows in the same places (its keys the template's, renamed), same costs, bounds, sides and
    matrix, bit for bit (a cost that differs in its last bit would be sent to HiGHS as an edit by
    the warm re-solve). Generated scenarios cover bans on one member (other structures),
    closures, demand and price shocks; swaps are on so that every block is in the LP."""
    import numpy as np

    from bench.scenario_generator import generate_scenario_set
    from optimizer.inputs import build_inputs
    from optimizer.lp.layout import MISSING
    from optimizer.model.timing import in_tree
    from optimizer.lp.template import ScenarioTemplate, split_by_scenario, structures

    case = load_case()
    scenario_set = generate_scenario_set(case, 24, 24, seed=3)
    p = build_inputs(case, scenario_set, RunOptions(horizon_months=24, swaps=True))
    subs = {sub.scenarios[0]: sub for sub in split_by_scenario(p)}
    templates = {}
    for s, sub in subs.items():
        template = templates.setdefault(structures(sub)[s], ScenarioTemplate.build(sub))
        derived = template.lp_for(sub, s)
        direct = ScenarioTemplate.build(sub)
        for kind in ("columns", "rows"):
            for name, family in getattr(direct.layout, kind).items():
                mine = getattr(template.layout, kind)[name]
                present = family.positions != MISSING
                keys = mine.keys_of(template.scenario, s) if in_tree(name) else mine.keys
                assert keys == [k for k, x in zip(family.keys, present) if x or not in_tree(name)], name
                assert np.array_equal(mine.positions[mine.positions != MISSING], family.positions[present]), name
        for array in ("col_cost", "col_lower", "col_upper", "row_lower", "row_upper"):
            assert np.array_equal(getattr(derived, array), getattr(direct.compiled, array)), array
        assert (derived.matrix != direct.compiled.matrix).nnz == 0
    assert 1 < len(templates) < len(subs)  # several structures, fewer than scenarios


def test_decomposition_with_bans_on_one_member_matches_single_lp():
    """Generated scenarios with bans on one member alone give the scenario LPs different ban rows;
    the template gives every leaf's LP every member's ban rows (at the supplier's capacity where
    its scenario has no such ban, which the supplier's row implies), so that one Pyomo model
    serves all. The optimum must equal the single LP's (gap 1e-9) and the tables must add up to it."""
    from bench.scenario_generator import generate_scenario_set
    from optimizer.lp.template import split_by_scenario, structures, template_inputs
    from optimizer.inputs import build_inputs

    case = load_case()
    scenario_set = generate_scenario_set(case, 20, 24, seed=3)
    options = RunOptions(horizon_months=24)
    p = build_inputs(case, scenario_set, options)
    assert len(set(structures(p).values())) > 1
    union = template_inputs(p, split_by_scenario(p)[0])
    assert structures(union)[union.scenarios[0]] == frozenset().union(*structures(p).values())
    whole = solve_case(case, scenario_set, "joint", RunOptions(horizon_months=24, decompose=False)).joint
    split = solve_case(case, scenario_set, "joint", RunOptions(horizon_months=24, decompose=True)).joint
    assert split.optimal and split.objective_musd == pytest.approx(whole.objective_musd, rel=1e-8)
    assert split.expected_cost_musd == pytest.approx(whole.objective_musd, rel=1e-8)
