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
    """arrivals + domestic + release arriving - fill + transfers in - out + restraint + shortfall
    >= demand (a surplus only where cargoes already shipped cannot be used; none in the shipped
    sets); a release reaches the market the commodity's release lead later."""
    for name, result in results.items():
        for sol in result.solutions:
            t = sol.tables
            keys = ["scenario", "commodity", "member", "month"]
            supply = t["shortfalls"].set_index(keys)
            arrivals = t["flows"].rename(columns={"arrival_month": "month"}).groupby(keys)["quantity_t"].sum()
            stock = t["stock_trajectory"].copy()
            stock["month"] += stock["commodity"].map(sol.inputs.release_lead)
            released = stock.set_index(keys)["release_t"].reindex(supply.index, fill_value=0.0)
            stock = t["stock_trajectory"].set_index(keys)
            moved = t["transfers"]
            inflow = moved.rename(columns={"to_member": "member", "arrival_month": "month"}).groupby(keys)["quantity_t"].sum()
            outflow = moved.rename(columns={"from_member": "member", "departure_month": "month"}).groupby(keys)["quantity_t"].sum()
            total = (arrivals.reindex(supply.index, fill_value=0.0) + supply["domestic_t"] + released - stock["fill_t"]
                     + inflow.reindex(supply.index, fill_value=0.0) - outflow.reindex(supply.index, fill_value=0.0)
                     + supply["restraint_t"] + supply["shortfall_t"] - supply["demand_t"])
            units = supply.index.get_level_values("commodity").map(sol.inputs.tonnes_per_unit)
            assert (total / units).min() >= -TOL, (name, sol.label)


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


def _decisions(sol) -> dict:
    """Each decision of a month, per scenario: imports by shipping month, stock moves, transfers,
    restraint and shortfall, keyed so that equal decisions have equal keys across scenarios."""
    t = sol.tables
    flows = t["flows"].groupby(["scenario", "route", "departure_month"])["quantity_t"].sum()
    moves = t["stock_trajectory"].set_index(["scenario", "commodity", "member", "month"])[["release_t", "fill_t"]]
    short = t["shortfalls"].set_index(["scenario", "commodity", "member", "month"])[["restraint_t", "shortfall_t"]]
    sent = t["transfers"].groupby(["scenario", "commodity", "from_member", "departure_month"])["quantity_t"].sum()
    return {"flows": flows, "moves": moves.stack(), "short": short.stack(), "sent": sent}


def test_decisions_are_equal_in_scenarios_that_cannot_be_told_apart(case):
    """Non-anticipativity read back from the tables: for every node of the tree and month, each
    scenario of the node has the same imports shipped that month, releases, fills, transfers,
    restraint and shortfall (to 1e-6 t). A generated set whose events start and are announced
    at different months gives a tree with many shared months; the stochastic set shares the
    cargoes at sea when the horizon starts."""
    from bench.scenario_generator import generate_scenario_set
    from optimizer import load_scenario_set

    for scenario_set in (generate_scenario_set(case, 10, 18, seed=7), load_scenario_set("stochastic", case)):
        sol = solve_case(case, scenario_set, "joint", RunOptions(horizon_months=18)).joint
        tree, tables = sol.inputs.tree, _decisions(sol)
        shared = 0
        for name, series in tables.items():
            df = series.rename("value").reset_index()
            month = "departure_month" if "departure_month" in df.columns else "month"
            df["owner"] = [tree.owner_of(s, int(t)) for s, t in zip(df["scenario"], df[month])]
            keys = [c for c in df.columns if c not in ("scenario", "value", "owner")]
            spread = df.groupby(["owner"] + keys)["value"].agg(["min", "max", "count"])
            assert (spread["max"] - spread["min"]).max() <= 1e-6, name
            shared += int((spread["count"] > 1).sum())
        assert shared > 0


@pytest.fixture(scope="module")
def by_horizon(case):
    from optimizer import load_scenario_set

    stochastic = load_scenario_set("stochastic", case)
    return {h: solve_case(case, stochastic, "both", RunOptions(horizon_months=h)) for h in (24, 36, 48, 60)}


def test_stock_to_hold_does_not_depend_on_the_horizon(by_horizon):
    """The stochastic set's events end by month 24 and its probabilities speak of 24 months. The
    starting stock of every member x commodity holding at least one day of cover moves by at most
    10 % between horizons of 24, 36, 48 and 60 months, joint and alone (docs/model.md, Terminal
    rule, shows the table)."""
    for label in ("joint", "KR alone", "JP alone"):
        days = {h: {(r.commodity, r.member): r.days_of_cover
                    for r in next(s for s in result.solutions if s.label == label).tables["stockpile_plan"].itertuples()}
                for h, result in by_horizon.items()}
        for key, base in days[24].items():
            if base >= 1.0:
                for h in (36, 48, 60):
                    assert abs(days[h][key] - base) <= 0.10 * base, (label, key, h, base, days[h][key])


def test_no_plan_restrains_demand_only_to_refill(by_horizon):
    """Restraint is used only while an event's effects last (until its last month plus the
    longest lead time of the commodity's routes): never afterwards to free supply for a refill.
    (During an event it may go with a fill: in the Hormuz case Japan restrains while LNG costs
    twice its price and stores the cargo already at sea, bought before the shock.)"""
    for h, result in by_horizon.items():
        for sol in result.solutions:
            p = sol.inputs
            lead = {c: max((r.lead_months for r in p.routes.values() if r.commodity == c), default=0)
                    for c in p.commodities}
            ends = {s.name: max((e.end_month for e in s.events), default=1) for s in result.scenario_set.scenarios}
            short = sol.tables["shortfalls"]
            late = short[(short["month"] >= short["scenario"].map(ends) + short["commodity"].map(lead))
                         & (short["restraint_t"] > 1e-6)]
            assert late.empty, (h, sol.label, late.head())
