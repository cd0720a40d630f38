"""Warm re-solves after an edit reach the same optimum as a cold solve of the edited case."""

import pytest
import yaml

from optimizer import RunOptions, load_case, scenario_set_from_dict, solve_case
from optimizer.scenarios import scenario_path
from optimizer.warm import WarmSolver


def ban_set(case, duration, japan_only_rare_earths=False):
    data = yaml.safe_load(scenario_path("gallium_germanium_ban").read_text())
    for event in data["scenarios"][0]["events"]:
        event["duration_months"] = duration
    if japan_only_rare_earths:  # a ban on a new member group adds rows: the structure changes
        data["scenarios"][0]["events"].append(dict(type="export_ban", commodity="rare_earths", supplier="china",
                                                   members=["JP"], start_month=1, duration_months=2, severity=1.0))
    return scenario_set_from_dict(data, case)


def test_warm_resolve_matches_cold_and_falls_back_on_structure_change():
    case = load_case()
    solver = WarmSolver(RunOptions(horizon_months=12))
    steps = [(12, False, False), (18, False, True), (3, False, True), (3, True, False), (6, True, True)]
    for duration, new_group, expect_warm in steps:
        scenario_set = ban_set(case, duration, new_group)
        warm = solver.solve(case, scenario_set)
        cold = solve_case(case, scenario_set, "joint", RunOptions(horizon_months=12)).joint
        assert solver.last_was_warm is expect_warm
        assert warm.optimal and warm.objective_musd == pytest.approx(cold.objective_musd, rel=1e-9)
        assert warm.tables["stockpile_plan"]["initial_stock_t"].sum() == pytest.approx(
            cold.tables["stockpile_plan"]["initial_stock_t"].sum(), rel=1e-6, abs=1e-6)
    solver.close()


def test_warm_resolve_after_a_data_edit_changing_coefficients():
    """Editing a release share changes a matrix coefficient (Release <= share x capacity)."""
    from optimizer.edits import CellEdit, apply_edits

    case = load_case()
    scenario_set = ban_set(case, 12)
    solver = WarmSolver(RunOptions(horizon_months=12))
    solver.solve(case, scenario_set)
    edited = apply_edits(case, [CellEdit("stockpile_costs", {"commodity": "gallium"},
                                         {"release_max_share_per_month": 0.1})], "test")
    warm = solver.solve(edited, scenario_set)
    cold = solve_case(edited, scenario_set, "joint", RunOptions(horizon_months=12)).joint
    assert solver.last_was_warm
    assert warm.objective_musd == pytest.approx(cold.objective_musd, rel=1e-9)
