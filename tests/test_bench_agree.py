"""The benchmark's builds of the LP reach the same optimum, its re-solve edit changes numbers
only, and its scenario generator is reproducible. No timings here: bench/ times them
(python -m bench.run)."""

import pytest

from bench.approaches import solve_with
from bench.measure import Setup
from bench.resolve import (UI_SCENARIO, edited_rows, edited_scenario_set, reference_objective,
                           scenario_edit)
from bench.scenario_generator import CALM_PROBABILITY, generate_scenario_set
from optimizer import RunOptions, load_case, load_scenario_set
from optimizer.lp.assemble import assemble
from optimizer.inputs import build_inputs
from optimizer.lp.layout import MISSING
from optimizer.scenarios import ExportBan
from optimizer.warm import WarmSolver

REL_TOL = 1e-6
BUILDS = ("pyomo-core", "pyomo-whole", "pyomo-decomposed")
REFERENCE = "pyomo-core"  # the extensive form, assembled (optimizer.lp.assemble)


@pytest.fixture(scope="module")
def case():
    return load_case()


def _optima(case, scenario_set, options=RunOptions()):
    inputs = build_inputs(scenario_set.apply_to(case), scenario_set, options)
    results = {name: solve_with(name, inputs) for name in BUILDS}
    for name, result in results.items():
        assert result.objective is not None, (name, result.status)
    return {name: r.objective for name, r in results.items()}


def _assert_agree(optima):
    reference = optima[REFERENCE]
    for name, value in optima.items():
        assert abs(value - reference) <= REL_TOL * abs(reference), (name, value, reference)


def _warned(scenario_set) -> list:
    return [e for s in scenario_set.scenarios for e in s.events if e.warning_months]


def test_generator_is_deterministic_for_a_seed(case):
    first = generate_scenario_set(case, 6, 12, seed=7)
    assert generate_scenario_set(case, 6, 12, seed=7) == first
    assert generate_scenario_set(case, 6, 12, seed=8) != first


def test_generator_keeps_a_calm_scenario_and_probabilities_sum_to_one(case):
    generated = generate_scenario_set(case, 20, 24, seed=1)
    calm = generated.scenarios[0]
    assert (calm.events, calm.probability) == ((), CALM_PROBABILITY)
    assert abs(sum(s.probability for s in generated.scenarios) - 1.0) < 1e-9
    assert all(s.events for s in generated.scenarios[1:])


def test_generator_warnings_make_scenarios_part_at_different_months(case):
    """Warnings announce events before they start (never before month 1), so the tree's leaves
    begin at several months, not all at the events' starts."""
    generated = generate_scenario_set(case, 20, 24, seed=1)
    warned = _warned(generated)
    assert warned and all(1 <= e.start_month - e.warning_months for e in warned)
    tree = build_inputs(generated.apply_to(case), generated, RunOptions(horizon_months=24)).tree
    assert len(set(tree.leaf_from[tree.leaf_from >= 0].tolist())) > 2


@pytest.mark.parametrize("scenarios, months, seed", [(3, 12, 0), (5, 24, 0)])
def test_builds_agree_on_generated_scenarios_with_warnings(case, scenarios, months, seed):
    generated = generate_scenario_set(case, scenarios, months, seed)
    assert _warned(generated)
    _assert_agree(_optima(case, generated, RunOptions(horizon_months=months)))


def test_builds_agree_on_the_shipped_japan_2010_embargo_in_joint_mode(case):
    """A ban on one member adds Export_Ban_Constraint rows for that member only."""
    _assert_agree(_optima(case, load_scenario_set("rare_earth_japan_2010", case)))


def test_builds_agree_with_days_of_cover_floors(case):
    options = RunOptions(horizon_months=12, cover_floors=True)
    _assert_agree(_optima(case, load_scenario_set("gallium_germanium_ban", case), options))


@pytest.mark.parametrize("shipped, generated", [("stochastic", None), (None, (8, 24, 0))])
def test_resolve_edit_changes_only_export_ban_row_sides(case, shipped, generated):
    """The bench's scenario edit keeps the LP's structure: the warm solver writes numbers
    (warm-numbers), sends exactly the sides of the edited Export_Ban_Constraint rows the LP has,
    and reaches the edited LP's cold optimum."""
    sset = load_scenario_set(shipped, case) if shipped else generate_scenario_set(case, *generated)
    options = RunOptions(horizon_months=sset.horizon_months)
    inputs = build_inputs(sset.apply_to(case), sset, options)
    edit = scenario_edit(sset, inputs)
    bans = assemble(inputs)[1].row("Export_Ban_Constraint")
    in_lp = [key for key in edited_rows(inputs, edit) if bans.position_of(key) != MISSING]
    solver = WarmSolver(options)
    solver.solve(case, sset)
    edited = solver.solve(case, edited_scenario_set(sset, edit))
    assert solver.last_path == "warm-numbers"
    assert in_lp
    assert solver.last_changes == {"column_bounds": 0, "costs": 0, "row_sides": len(in_lp),
                                   "coefficients": 0}
    reference = reference_objective(Setup(case, sset, options, inputs), "scenario")
    assert abs(edited.outcome.objective - reference) <= REL_TOL * abs(reference)


def test_resolve_edit_of_the_planners_default_case_strengthens_its_first_ban(case):
    """ui: heavy_rare_earth_2025 gets a ban of severity 0.8 in months 1-6 on the target of its
    first export ban; only that target's rows of those months change, to 0.2 x normal imports
    (in the shipped data of commit a57f3cb: China's rare earths to KR and JP, twelve rows)."""
    sset = load_scenario_set("stochastic", case)
    inputs = build_inputs(sset.apply_to(case), sset, RunOptions())
    scenario = next(s for s in sset.scenarios if s.name == UI_SCENARIO)
    first = next(e for e in scenario.events if isinstance(e, ExportBan))
    rows = edited_rows(inputs, scenario_edit(sset, inputs))
    assert rows
    for (s, c, k, m, d), upper in rows.items():
        assert (s, c, k) == (UI_SCENARIO, first.commodity, first.supplier)
        assert (first.members is None or m in first.members) and 1 <= d <= 6
        assert upper == pytest.approx(0.2 * inputs.normal_imports[(c, k, m)])
