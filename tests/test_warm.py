"""Warm re-solves after an edit reach the same optimum as a cold solve of the edited case."""

import pytest
import yaml

from optimizer import RunOptions, load_case, scenario_set_from_dict, solve_case
from optimizer.scenarios import ExportBan, scenario_path
from optimizer.warm import WarmSolver


# stronger than heavy_rare_earth_2025's own 0.9 to Japan in months 4-9: the same rows, new numbers
HEAVY_BAN = ExportBan(type="export_ban", commodity="heavy_rare_earths", supplier="china", members=["JP"],
                      start_month=4, duration_months=6, severity=0.95)


def _heavy(scenario_set) -> int:
    return [s.name for s in scenario_set.scenarios].index("heavy_rare_earth_2025")


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


def _with_event(scenario_set, index, event):
    from dataclasses import replace

    scenarios = list(scenario_set.scenarios)
    scenarios[index] = replace(scenarios[index], events=scenarios[index].events + (event,))
    return replace(scenario_set, scenarios=tuple(scenarios))


def _edited(case, table, where, values):
    from optimizer.edits import CellEdit, apply_edits

    return apply_edits(case, [CellEdit(table, where, values)], "test")


def test_warm_runner_matches_cold_solves_after_each_kind_of_edit():
    """The planner's default run (stochastic set, joint and each member alone) re-solved after
    edits of every kind: each LP's optimum equals a cold solve_case of the edited inputs to 1e-9,
    and the cheap path is taken wherever the LP's structure is unchanged: numbers written into the
    held LP for scenario edits and for data that feeds only numbers and costs, a Pyomo slice for a
    matrix coefficient, and the held solution when nothing changed (as the calm reference's LPs
    after a scenario edit)."""
    from optimizer.edits import CellEdit, apply_edits
    from optimizer.scenarios import ChokepointClosure, ExportBan, load_scenario_set
    from optimizer.warm import WarmRunner

    case = load_case()
    base = load_scenario_set("stochastic", case)
    closure = ChokepointClosure(type="chokepoint_closure", chokepoint="malacca", start_month=2, duration_months=3)
    # Madagascar's graphite is banned to no member in any scenario: a ban on it adds rows
    japan_only = ExportBan(type="export_ban", commodity="graphite", supplier="madagascar", members=["JP"],
                           start_month=1, duration_months=4, severity=1.0)
    steps = [  # (label, case, scenario set, options, expected path of the joint LP)
        ("first solve", case, base, RunOptions(), "cold"),
        ("ban added to one scenario", case, _with_event(base, _heavy(base), HEAVY_BAN), RunOptions(), "warm-numbers"),
        ("closure added", case, _with_event(base, 1, closure), RunOptions(), "warm-numbers"),
        ("supplier price edited", _edited(case, "suppliers", {"commodity": "graphite", "supplier": "china"},
                                          {"price_usd_per_t": 900.0}), base, RunOptions(), "warm-numbers"),
        ("supplier capacity edited", _edited(case, "suppliers", {"commodity": "gallium", "supplier": "belgium"},
                                             {"export_capacity_t_per_year": 5.0}), base, RunOptions(), "warm-numbers"),
        ("holding and capacity costs edited (first-stage costs too)",
         _edited(case, "stockpile_costs", {"commodity": "rare_earths"},
                 {"holding_cost_share_per_year": 0.12, "capacity_cost_usd_per_t_year": 900.0}),
         base, RunOptions(), "warm-numbers"),
        # each step edits the shipped case: here the costs of the step before go back too
        ("import shares edited (normal imports: the ban rows' right-hand sides)",
         apply_edits(case, [CellEdit("import_shares", {"member": "JP", "commodity": "gallium", "supplier": s},
                                     {"import_share": v}) for s, v in (("china", 0.5), ("belgium", 0.421))], "test"),
         base, RunOptions(), "warm-numbers"),
        # normal demand also weighs the sharing rows' entries (a member's share of the common
        # shortfall), so a demand edit changes matrix coefficients: a slice
        ("demand edited", _edited(case, "demand", {"member": "KR", "commodity": "germanium"},
                                  {"demand_t_per_year": 150.0}), base, RunOptions(), "warm-slice"),
        ("release share edited (a matrix coefficient)",
         _edited(case, "stockpile_costs", {"commodity": "gallium"}, {"release_max_share_per_month": 0.1}),
         base, RunOptions(), "warm-slice"),
        ("ban on a supplier and member banned nowhere", case, _with_event(base, 2, japan_only), RunOptions(),
         "cold"),
        ("back to the base set", case, base, RunOptions(), "cold"),
        ("nothing changed", case, base, RunOptions(), "unchanged"),
        ("floors on", case, base, RunOptions(cover_floors=True), "cold"),
    ]
    runner = WarmRunner()
    for label, edited_case, scenario_set, options, path in steps:
        warm = runner.solve(edited_case, scenario_set, "both", options)
        cold = solve_case(edited_case, scenario_set, "both", options)
        assert runner.last_paths["joint"] == path, label
        if label == "ban added to one scenario":
            assert runner.last_paths["joint (no disruption)"] == "unchanged"
        for w, c in zip(warm.solutions, cold.solutions):
            assert w.optimal and c.optimal, label
            assert w.objective_musd == pytest.approx(c.objective_musd, rel=1e-9), (label, w.label)
            assert w.expected_cost_musd == pytest.approx(c.objective_musd, rel=1e-9), (label, w.label)
    runner.close()


def test_slices_cover_exactly_what_an_edit_changes():
    """A ban added to heavy_rare_earth_2025 changes that scenario's heavy rare-earth slice only; a price edit
    changes its commodity in every scenario; a new horizon changes the structure (None)."""
    from optimizer.inputs import build_inputs, changed_slices
    from optimizer.scenarios import ExportBan, load_scenario_set

    case = load_case()
    base = load_scenario_set("stochastic", case)
    before = build_inputs(case, base, RunOptions(horizon_months=24))
    after = build_inputs(case, _with_event(base, _heavy(base), HEAVY_BAN), RunOptions(horizon_months=24))
    assert changed_slices(before, after) == {("heavy_rare_earth_2025", "heavy_rare_earths")}
    priced = _edited(case, "suppliers", {"commodity": "graphite", "supplier": "china"}, {"price_usd_per_t": 900.0})
    assert changed_slices(before, build_inputs(priced, base, RunOptions(horizon_months=24))) == {
        (s.name, "graphite") for s in base.scenarios}
    assert changed_slices(before, build_inputs(case, base, RunOptions(horizon_months=12))) is None


def test_changed_slices_knows_every_input():
    """changed_slices decides what a warm re-solve sends: every ModelInputs field must be one it
    compares, so a new field cannot be edited without the LP hearing of it."""
    from dataclasses import fields

    from optimizer.inputs import _KEYED_BY_COMMODITY, SCENARIO_KEYED, ModelInputs

    compared = {"members", "commodities", "months", "scenarios", "probability", "tree", "risk_window_months",
                "sharing", "routes", "transfers", "swaps", "cvar_weight", "cvar_level"} \
        | set(SCENARIO_KEYED) | set(_KEYED_BY_COMMODITY)
    assert {f.name for f in fields(ModelInputs)} == compared


def test_risk_weighted_objective_takes_the_whole_model_path():
    """With a CVaR weight every scenario's cost also sits in the risk rows, so neither the
    scenario-numbers nor the slice path applies: the whole model is rebuilt and sent warm, and the
    optimum equals a cold solve's."""
    from optimizer.scenarios import ExportBan, load_scenario_set

    case = load_case()
    base = load_scenario_set("stochastic", case)
    options = RunOptions(cvar_weight=0.5)
    solver = WarmSolver(options)
    solver.solve(case, base)
    edited = _with_event(base, _heavy(base), HEAVY_BAN)
    warm = solver.solve(case, edited)
    cold = solve_case(case, edited, "joint", options).joint
    assert solver.last_path == "warm"
    assert warm.optimal and warm.objective_musd == pytest.approx(cold.objective_musd, rel=1e-9)
    solver.close()


def test_a_scenario_edit_sends_only_the_rows_it_changes():
    """A ban on China's heavy rare earths to Japan (severity 0.95, months 4-9) added to the
    heavy_rare_earth_2025 scenario of the stochastic set, which already bans them to Japan at 0.9
    in those months: the six rows Export_Ban_Constraint[heavy_rare_earth_2025, heavy_rare_earths,
    china, JP, d], d = 4..9, drop from 0.1 to 0.05 x Japan's normal imports, and nothing else
    changes. Exactly those six row sides are sent: a cost recomputed in another order (last-bit
    differences) would be sent too, and costs HiGHS its hot start."""
    from optimizer.scenarios import ExportBan, load_scenario_set

    case = load_case()
    base = load_scenario_set("stochastic", case)
    solver = WarmSolver()
    solver.solve(case, base)
    solver.solve(case, _with_event(base, _heavy(base), HEAVY_BAN))
    assert solver.last_path == "warm-numbers"
    assert solver.last_changes == {"column_bounds": 0, "costs": 0, "row_sides": 6, "coefficients": 0}
    solver.close()


def test_merged_inputs_equal_a_fresh_build_key_order_included():
    """Replacing scenario rare_earth_japan_2010's events (a ban on Japan alone, which gives it ban
    rows for Japan) by a Malacca closure: merge_scenarios must drop that scenario's ban rows, add
    its closed routes, rebuild the tree, and give every scenario-keyed input exactly as
    build_inputs gives it for the edited set, in the same key order (a rebuilt LP keeps its pattern)."""
    from dataclasses import replace

    from optimizer.inputs import SCENARIO_KEYED, build_inputs, merge_scenarios, with_scenarios
    from optimizer.scenarios import ChokepointClosure, load_scenario_set

    case = load_case()
    base = load_scenario_set("stochastic", case)
    index = [s.name for s in base.scenarios].index("rare_earth_japan_2010")
    closure = ChokepointClosure(type="chokepoint_closure", chokepoint="malacca", start_month=2, duration_months=3)
    scenarios = list(base.scenarios)
    scenarios[index] = replace(scenarios[index], events=(closure,))
    edited = replace(base, scenarios=tuple(scenarios))
    options = RunOptions(horizon_months=24)
    before = build_inputs(case, base, options)
    merged = merge_scenarios(before, with_scenarios(before, [scenarios[index]]), scenarios)
    fresh = build_inputs(case, edited, options)
    assert any(k[0] == scenarios[index].name and k[3] == "JP" for k in before.ban_rows)
    assert merged.tree == fresh.tree
    for name in SCENARIO_KEYED:
        if name == "closed":
            assert merged.closed == fresh.closed
        else:
            assert list(getattr(merged, name).items()) == list(getattr(fresh, name).items()), name


@pytest.mark.parametrize("edit, reused", [
    # a price feeds only the import prices of that supplier's routes
    (("suppliers", {"commodity": "rare_earths", "supplier": "china"}, {"price_usd_per_t": 60000.0}),
     {"demand", "ban_rows", "closed"}),
    # a yearly demand feeds only the monthly demand (and normal imports, not scenario-keyed)
    (("demand", {"member": "JP", "commodity": "gallium"}, {"demand_t_per_year": 150.0}),
     {"import_price", "ban_rows", "closed"}),
    # 22 -> 50 transit days: lead 1 -> 2 months; the route's prices, closed months and its
    # supplier's ban rows (which start lead months before month 1) are recomputed
    (("routes", {"route": "graphite_madagascar_kr_malacca"}, {"transit_days": 50}), {"demand"}),
    # another chokepoint: only the route's closed months change
    (("routes", {"route": "graphite_madagascar_kr_malacca"}, {"chokepoints": ["lombok"]}),
     {"demand", "ban_rows", "import_price"}),
])
def test_inputs_rebuilt_after_a_data_edit_equal_a_fresh_build(edit, reused):
    """build_inputs(previous=...) reuses the scenario-keyed inputs the edited data does not reach
    (the very same objects) and recomputes the others; the result equals a fresh build of the
    edited case, key order included (a warm re-solve writes numbers by key)."""
    from optimizer.edits import CellEdit, apply_edits
    from optimizer.inputs import SCENARIO_KEYED, build_inputs
    from optimizer.scenarios import load_scenario_set

    case = load_case()
    scenario_set = load_scenario_set("stochastic", case)
    options = RunOptions(horizon_months=24)
    before = build_inputs(case, scenario_set, options)
    edited = apply_edits(case, [CellEdit(*edit)], "test")
    rebuilt = build_inputs(edited, scenario_set, options, previous=before)
    fresh = build_inputs(edited, scenario_set, options)
    for name in SCENARIO_KEYED:
        assert (getattr(rebuilt, name) is getattr(before, name)) is (name in reused), name
        if name == "closed":
            assert rebuilt.closed == fresh.closed
        else:
            assert list(getattr(rebuilt, name).items()) == list(getattr(fresh, name).items()), name
    assert rebuilt == fresh
    changed = {name for name in SCENARIO_KEYED if getattr(before, name) != getattr(fresh, name)}
    assert changed and changed <= set(SCENARIO_KEYED) - reused


def test_a_cost_only_edit_is_resolved_by_primal_simplex_and_a_ban_by_dual():
    """A supplier's price changes costs only: the held basis stays primal feasible, so primal
    simplex (HiGHS simplex_strategy 4) re-solves it; a ban changes row sides: dual (the default,
    1). Both reach a cold solve's optimum."""
    case = load_case()
    from optimizer.scenarios import load_scenario_set

    base = load_scenario_set("stochastic", case)
    solver = WarmSolver()
    solver.solve(case, base)
    priced = _edited(case, "suppliers", {"commodity": "rare_earths", "supplier": "china"}, {"price_usd_per_t": 20000.0})
    warm = solver.solve(priced, base)
    assert solver.last_changes["costs"] > 0 and solver.last_changes["row_sides"] == 0
    assert solver._held.highs.getOptionValue("simplex_strategy")[1] == 4
    assert warm.objective_musd == pytest.approx(solve_case(priced, base, "joint").joint.objective_musd, rel=1e-9)
    edited = _with_event(base, _heavy(base), HEAVY_BAN)
    warm = solver.solve(priced, edited)
    assert solver.last_changes["row_sides"] > 0
    assert solver._held.highs.getOptionValue("simplex_strategy")[1] == 1
    assert warm.objective_musd == pytest.approx(solve_case(priced, edited, "joint").joint.objective_musd, rel=1e-9)
    solver.close()
