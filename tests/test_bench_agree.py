"""The benchmark's builds of the LP reach the same optimum, and its scenario generator is
reproducible. No timings here: bench/ times them (python -m bench.run)."""

import pytest

pytest.importorskip("linopy")
pytest.importorskip("scipy")

from bench.approaches import solve_with  # noqa: E402
from bench.scenario_generator import CALM_PROBABILITY, generate_scenario_set  # noqa: E402
from optimizer import RunOptions, load_case, load_scenario_set  # noqa: E402
from optimizer.inputs import build_inputs  # noqa: E402

REL_TOL = 1e-6
BUILDS = ("pyomo-core", "pyomo-whole", "lp-matrix", "linopy")


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
    reference = optima["lp-matrix"]
    for name, value in optima.items():
        assert abs(value - reference) <= REL_TOL * abs(reference), (name, value, reference)


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


def test_builds_agree_on_generated_scenarios(case):
    _assert_agree(_optima(case, generate_scenario_set(case, 3, 12, seed=0)))


def test_builds_agree_on_the_shipped_japan_2010_embargo_in_joint_mode(case):
    """A ban on one member adds a member-group supply row: the builds must generate it alike."""
    _assert_agree(_optima(case, load_scenario_set("rare_earth_japan_2010", case)))


def test_builds_agree_with_days_of_cover_floors(case):
    options = RunOptions(horizon_months=12, cover_floors=True)
    _assert_agree(_optima(case, load_scenario_set("gallium_germanium_ban", case), options))
