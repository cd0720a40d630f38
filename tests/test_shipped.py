"""Invariants of the optimum on every shipped scenario set (default data, default horizon)."""

import pytest

from optimizer import RunOptions, load_case, solve_case

TOL = 1e-6  # model units
SINGLE = ["gallium_germanium_ban", "graphite_licensing", "rare_earth_japan_2010",
          "heavy_rare_earth_2025", "hormuz_closure", "taiwan_strait_disruption"]


@pytest.fixture(scope="module")
def case():
    return load_case()


@pytest.fixture
def results(shipped_results):
    return shipped_results


def test_every_shipped_scenario_solves_to_optimality_without_scaling_warnings(results):
    for name, result in results.items():
        for sol in result.solutions:
            assert sol.optimal, (name, sol.label, sol.outcome.message)
            assert sol.outcome.warnings == [], (name, sol.label, sol.outcome.warnings)


def _per_unit(sol, df, column):
    unit = sol.inputs.tonnes_per_unit
    return df[column] / df["commodity"].map(unit)


def test_stock_balance_holds_every_month_and_scenario(results):
    """Stock[t] = Stock[t-1] + fill - release, rebuilt from the result tables, Stock[0] = start."""
    for name, result in results.items():
        for sol in result.solutions:
            traj = sol.tables["stock_trajectory"].sort_values(["scenario", "commodity", "member", "month"])
            start = sol.tables["stockpile_plan"].set_index(["commodity", "member"])["initial_stock_t"]
            for (s, c, m), g in traj.groupby(["scenario", "commodity", "member"]):
                u = sol.inputs.tonnes_per_unit[c]
                previous = start[(c, m)]
                for row in g.itertuples():
                    gap = previous + row.fill_t - row.release_t - row.stock_t
                    assert abs(gap) / u <= TOL, (name, sol.label, s, c, m, row.month, gap)
                    previous = row.stock_t


def test_market_balance_holds_every_month_and_scenario(results):
    """arrivals + release - fill + transfers in - out + restraint + shortfall = demand."""
    for name, result in results.items():
        for sol in result.solutions:
            t = sol.tables
            keys = ["scenario", "commodity", "member", "month"]
            supply = t["shortfalls"].set_index(keys)
            arrivals = t["flows"].rename(columns={"arrival_month": "month"}).groupby(keys)["quantity_t"].sum()
            stock = t["stock_trajectory"].set_index(keys)
            moved = t["transfers"]
            inflow = moved.rename(columns={"to_member": "member", "arrival_month": "month"}).groupby(keys)["quantity_t"].sum()
            outflow = moved.rename(columns={"from_member": "member", "departure_month": "month"}).groupby(keys)["quantity_t"].sum()
            total = (arrivals.reindex(supply.index, fill_value=0.0) + stock["release_t"] - stock["fill_t"]
                     + inflow.reindex(supply.index, fill_value=0.0) - outflow.reindex(supply.index, fill_value=0.0)
                     + supply["restraint_t"] + supply["shortfall_t"] - supply["demand_t"])
            units = supply.index.get_level_values("commodity").map(sol.inputs.tonnes_per_unit)
            assert (total.abs() / units).max() <= TOL, (name, sol.label)


def test_no_negative_stock_flow_or_shortfall(results):
    for name, result in results.items():
        for sol in result.solutions:
            t = sol.tables
            for table, columns in [("stock_trajectory", ["stock_t", "release_t", "fill_t"]),
                                   ("shortfalls", ["restraint_t", "shortfall_t"]),
                                   ("flows", ["quantity_t"]), ("transfers", ["quantity_t"]),
                                   ("stockpile_plan", ["initial_stock_t", "new_capacity_t"])]:
                for column in columns:
                    assert (t[table][column] >= 0).all(), (name, sol.label, table, column)


def test_joint_never_costs_more_than_independent(results):
    for name, result in results.items():
        assert result.value_of_cooperation_musd >= -1e-6 * result.joint.objective_musd, name


def test_adding_disruptions_never_lowers_cost(results):
    """Baseline <= each single disruption <= the combined worst case (which holds them all)."""
    base = results["baseline"].joint.objective_musd
    worst = results["combined_worst_case"].joint.objective_musd
    for name in SINGLE:
        cost = results[name].joint.objective_musd
        assert base <= cost * (1 + 1e-9), name
        assert cost <= worst * (1 + 1e-9), name


def test_adding_a_ban_to_a_scenario_never_lowers_cost(case):
    """Hormuz closure with and without an extra Chinese graphite ban on Korea only."""
    from optimizer import scenario_set_from_dict
    from optimizer.scenarios import scenario_path
    import yaml

    data = yaml.safe_load(scenario_path("hormuz_closure").read_text())
    plain = solve_case(case, scenario_set_from_dict(data, case), "joint", RunOptions(horizon_months=12))
    data["scenarios"][0]["events"].append(dict(type="export_ban", commodity="graphite", supplier="china",
                                               members=["KR"], start_month=2, duration_months=4,
                                               severity=0.5))
    more = solve_case(case, scenario_set_from_dict(data, case), "joint", RunOptions(horizon_months=12))
    assert plain.optimal and more.optimal
    assert more.joint.objective_musd >= plain.joint.objective_musd * (1 - 1e-9)


def test_cost_table_adds_up_to_the_objective(results):
    """The costs table prices the solution's columns with the objective's own terms
    (optimizer/model/costs.py), so its expected total is HiGHS's objective value."""
    for name, result in results.items():
        for sol in result.solutions:
            assert sol.expected_cost_musd == pytest.approx(sol.objective_musd, rel=1e-9), (name, sol.label)
