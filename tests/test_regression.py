"""Each shipped scenario set's optimum and model size, against the pinned table."""

import pytest

from regression_values import PINNED

REL = 1e-6


def test_every_shipped_scenario_set_is_pinned(shipped_results):
    assert sorted(shipped_results) == sorted(PINNED)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_optimum_and_size_match_pinned_values(shipped_results, name):
    joint_musd, independent_musd, variables, constraints = PINNED[name]
    result = shipped_results[name]
    assert result.joint.objective_musd == pytest.approx(joint_musd, rel=REL)
    assert result.independent_cost_musd == pytest.approx(independent_musd, rel=REL)
    assert result.joint.size == {"variables": variables, "constraints": constraints}
