"""Tiny cases whose optimum is worked out by hand in each docstring.

Units: quantities in kt (the fixtures' model unit), money in M USD. Unless a test says otherwise
(see builders.tiny_case): demand 1 kt/month per member, price 1 M$/kt, holding 0.01 M$/kt-month,
no capital cost, shortfall penalty 10 M$/kt, horizon 12 months, lead time 0.
"""

import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, solve_case

REL = 1e-6


def solve(case, scenario_set, mode="joint", **options):
    result = solve_case(case, scenario_set, mode, RunOptions(**options))
    assert result.optimal, [s.outcome.message for s in result.solutions]
    return result


def plan(result, solution="joint"):
    sol = result.joint if solution == "joint" else result.independent[solution]
    return sol.tables["stockpile_plan"].set_index(["commodity", "member"])


def by_month(df, column, **where):
    for key, value in where.items():
        df = df[df[key] == value]
    return df.groupby("month")[column].sum().to_dict()


def test_no_disruption_holds_no_stock():
    """Baseline only: buying 1 kt each month at 1 M$/kt costs 12 x 1 = 12 M$. Holding stock
    only adds 0.01 M$/kt-month and no event ever needs it, so the optimum holds none."""
    case = tiny_case()
    result = solve(case, scenarios(case, ("base", 1.0, [])))
    assert result.joint.objective_musd == pytest.approx(12.0, rel=REL)
    assert plan(result).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(0.0, abs=1e-6)
    assert plan(result).loc[("x", "KR"), "new_capacity_t"] == pytest.approx(0.0, abs=1e-6)


def test_unlikely_long_tail_of_an_embargo_is_left_short():
    """Starting stock pays holding for the whole horizon: 12 x 0.05 = 0.6 M$/kt (holding 60 %/yr
    of 1000 USD/t). Scenarios: none (p 0.9), a 1-month ban (0.05), a 6-month ban (0.05), both
    from month 1. A stocked kt used in a ban is refilled later at price 1 instead of a 10 M$
    shortfall: it saves 9 in each scenario where it is used.
    The 1st kt is used in both bans: 0.1 x 9 = 0.9 > 0.6, so it is held. Kt 2-6 only in the long
    ban: 0.05 x 9 = 0.45 < 0.6, so months 2-6 of the long ban are left short.
    Cost: 0.6 + 0.9 x 12 + 0.05 x (11 + 1) + 0.05 x (5 x 10 + 6 + 1) = 0.6 + 10.8 + 0.6 + 2.85
    = 14.85 M$ (no stock: 15.15; 6 kt: 15.6)."""
    case = tiny_case(holding=0.6)
    result = solve(case, scenarios(case, ("none", 0.9, []), ("short", 0.05, [ban(1, 1)]),
                                   ("long", 0.05, [ban(1, 6)])))
    assert result.joint.objective_musd == pytest.approx(14.85, rel=REL)
    assert plan(result).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(1000.0, rel=REL)
    short = by_month(result.joint.tables["shortfalls"], "shortfall_t", scenario="long")
    assert sum(short.values()) == pytest.approx(5000.0, rel=REL)  # the 1 kt of stock covers one month
    assert all(short[t] <= 1000.0 + 1e-6 for t in range(1, 7)) and sum(short[t] for t in range(7, 13)) == 0


@pytest.mark.parametrize("probability, stock_kt, objective", [(0.01, 0.0, 12.09), (0.02, 1.0, 12.12)])
def test_stocking_pays_above_a_probability_threshold(probability, stock_kt, objective):
    """A one-month ban in month 1 with probability p, else no event.

    Holding 1 kt for the horizon costs 12 x 0.01 = 0.12; in the ban scenario it covers month 1
    and is refilled later at price 1 instead of a 10 M$ shortfall, saving 9. Stock pays iff
    9 p > 0.12, i.e. p > 0.01333.
    p = 0.01: no stock; 0.99 x 12 + 0.01 x (10 + 11) = 12.09.
    p = 0.02: 1 kt; 0.12 + 0.98 x 12 + 0.02 x (11 + 1) = 12.12 (no stock would cost 12.18)."""
    case = tiny_case()
    result = solve(case, scenarios(case, ("base", 1 - probability, []),
                                   ("ban", probability, [ban(1, 1)])))
    assert result.joint.objective_musd == pytest.approx(objective, rel=REL)
    assert plan(result).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(stock_kt * 1000, abs=1e-3)


def test_transfer_makes_joint_cheaper_by_computed_amount():
    """Japan alone is banned in month 1. Supplier capacity 3 kt/month, split 1.5/1.5 by the
    members' equal baseline imports in independent mode. Storage is prohibitively dear
    (50 M$/kt of capacity), so stock is never built.
    Independent: KR buys 12 (12 M$); JP is short 1 kt in month 1 (10) and buys 11: 21. Sum 33.
    Joint: KR buys 2 kt in month 1 and transfers 1 kt to JP at 0.5 M$/kt: 24 + 0.5 = 24.5.
    Value of cooperation = 33 - 24.5 = 8.5 M$ (= penalty 10 - price 1 - transfer cost 0.5)."""
    case = tiny_case(members=("KR", "JP"), suppliers=[("a", 1000.0, 36_000.0)], capex=50_000.0,
                     transfers=[("KR", "JP", 0, 5000.0, 500.0), ("JP", "KR", 0, 5000.0, 500.0)])
    result = solve(case, scenarios(case, ("jp_ban", 1.0, [ban(1, 1, members=["JP"])])), mode="both")
    assert result.joint.objective_musd == pytest.approx(24.5, rel=REL)
    assert result.independent["KR"].objective_musd == pytest.approx(12.0, rel=REL)
    assert result.independent["JP"].objective_musd == pytest.approx(21.0, rel=REL)
    assert result.value_of_cooperation_musd == pytest.approx(8.5, rel=REL)
    moved = result.joint.tables["transfers"]
    assert moved[["from_member", "to_member", "departure_month"]].values.tolist() == [["KR", "JP", 1]]
    assert moved["quantity_t"].sum() == pytest.approx(1000.0, rel=REL)


def test_chokepoint_closure_reroutes_to_longer_route():
    """One supplier, two routes: via 'malacca' (10 days, lead 0, freight 50 USD/t) and via
    'lombok' (20 days, lead 1, freight 80 USD/t). Malacca closes for shipments leaving in months
    3-5. Storage is prohibitively dear. Arrivals in months 3, 4, 5 come the long way (shipped in
    2, 3, 4): 3 x 1.08; the other 9 months the short way: 9 x 1.05. Total 9.45 + 3.24 = 12.69 M$."""
    case = tiny_case(chokepoints=("malacca", "lombok"), capex=50_000.0,
                     routes=[("short", "a", "KR", 10, 50.0, "malacca"), ("long", "a", "KR", 20, 80.0, "lombok")])
    closure = dict(type="chokepoint_closure", chokepoint="malacca", start_month=3, duration_months=3)
    result = solve(case, scenarios(case, ("closed", 1.0, [closure])))
    assert result.joint.objective_musd == pytest.approx(12.69, rel=REL)
    flows = result.joint.tables["flows"]
    long_arrivals = sorted(flows.loc[flows["route"] == "long", "arrival_month"])
    assert long_arrivals == [3, 4, 5]


def test_days_of_cover_floor_binds():
    """Floor 73 days of 12,000 t/yr = 73 x 12,000 / 365 = 2,400 t. Capital 1,200 USD/t-yr
    = 1.2 M$/kt over the 1-year horizon. Holding the starting stock for the horizon:
    12 x 2.4 x 0.01 = 0.288; capital 2.4 x 1.2 = 2.88; purchases 12.
    Total 15.168 M$; without the floor 12 M$ and no stock."""
    case = tiny_case(stock={"KR": (0.0, 0.0, 73.0)}, capex=1200.0)
    base = scenarios(case, ("base", 1.0, []))
    floored = solve(case, base, cover_floors=True)
    assert floored.joint.objective_musd == pytest.approx(15.168, rel=REL)
    assert plan(floored).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(2400.0, rel=REL)
    assert plan(floored).loc[("x", "KR"), "days_of_cover"] == pytest.approx(73.0, rel=REL)
    free = solve(case, base, cover_floors=False)
    assert free.joint.objective_musd == pytest.approx(12.0, rel=REL)


def test_ban_on_one_member_only():
    """Ban on Japan only in months 1-2, no transfers, storage prohibitively dear.
    KR buys 12 (12 M$); JP is short 2 kt (20) and buys 10: 42 M$ of money. Only JP is short, and
    nothing can move to it: the coalition's common share is 1 of 2 kt = 0.5 a month, so JP is
    0.5 kt a month above it, charged 5 % of the penalty (0.5 M$/kt): 2 x 0.5 x 0.5 = 0.5 on the
    objective (42.5), and no kt of Korea's is left unused to even the shares. With the cost-min
    rule the objective is the money, 42."""
    case = tiny_case(members=("KR", "JP"), capex=50_000.0)
    result = solve(case, scenarios(case, ("jp", 1.0, [ban(1, 2, members=["JP"])])))
    assert result.joint.objective_musd == pytest.approx(42.5, rel=REL)
    assert result.joint.money_cost_musd == pytest.approx(42.0, rel=REL)
    cost_min = solve(case, scenarios(case, ("jp", 1.0, [ban(1, 2, members=["JP"])])), sharing="cost-min")
    assert cost_min.joint.objective_musd == pytest.approx(42.0, rel=REL)
    short = result.joint.tables["shortfalls"]
    assert by_month(short, "shortfall_t", member="KR") == {t: 0.0 for t in range(1, 13)}
    jp = by_month(short, "shortfall_t", member="JP")
    assert [round(jp[t]) for t in range(1, 13)] == [1000, 1000] + [0] * 10


def test_release_limit_forces_extra_capacity():
    """Ban in months 1-2; at most 25 % of storage capacity can be released per month, capital
    100 USD/t-yr = 0.1 M$/kt over the horizon. Releasing 1 kt/month needs 4 kt of capacity,
    though only 2 kt of stock: capital 0.4. Holding 2 kt for 12 months: 0.24. Purchases:
    months 3-12 demand 10 + refill 2 = 12. Total 12.64 M$ (vs 12.44 with no release limit,
    where capacity 2 kt suffices)."""
    case = tiny_case(capex=100.0, release=0.25)
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 2)])))
    assert result.joint.objective_musd == pytest.approx(12.64, rel=REL)
    row = plan(result).loc[("x", "KR")]
    assert row["new_capacity_t"] == pytest.approx(4000.0, rel=REL)
    assert row["initial_stock_t"] == pytest.approx(2000.0, rel=REL)
    release = by_month(result.joint.tables["stock_trajectory"], "release_t")
    assert release[1] == pytest.approx(1000.0, rel=REL) and release[2] == pytest.approx(1000.0, rel=REL)
    unlimited = solve(tiny_case(capex=100.0, release=1.0), scenarios(case, ("ban", 1.0, [ban(1, 2)])))
    assert unlimited.joint.objective_musd == pytest.approx(12.44, rel=REL)


def test_ban_reaches_members_one_lead_time_later():
    """Route of 20 days (lead 1 month). A ban on shipments leaving in month 1 leaves the month-1
    arrival (shipped in month 0, before the ban) untouched and cuts the month-2 arrival.
    Storage dear, so month 2 is short: 11 purchases + 10 penalty = 21 M$."""
    case = tiny_case(capex=50_000.0, routes=[("slow", "a", "KR", 20, 0.0, "")])
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 1)])))
    assert result.joint.objective_musd == pytest.approx(21.0, rel=REL)
    short = by_month(result.joint.tables["shortfalls"], "shortfall_t")
    assert round(short[2]) == 1000 and sum(short.values()) == pytest.approx(1000.0, rel=REL)


def test_partial_ban_and_restraint():
    """Ban of severity 0.75 for month 1 on a supplier of 1.2 kt/month whose normal exports to KR
    are 1 kt/month (all of KR's demand); restraint may cut 10 % of demand at 3 M$/kt; storage
    dear. A ban withholds a share of normal exports, not of capacity: month 1 imports
    (1 - 0.75) x 1 = 0.25 kt, restrains 0.1 kt (3 x 0.1 = 0.3), is short 0.65 kt (6.5). Other 11
    months: 11. Total 0.25 + 0.3 + 6.5 + 11 = 18.05 M$."""
    case = tiny_case(suppliers=[("a", 1000.0, 14_400.0)], capex=50_000.0, restraint=(0.1, 3000.0))
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 1, severity=0.75)])))
    assert result.joint.objective_musd == pytest.approx(18.05, rel=REL)
    short = result.joint.tables["shortfalls"].set_index("month")
    assert short.loc[1, "restraint_t"] == pytest.approx(100.0, rel=REL)
    assert short.loc[1, "shortfall_t"] == pytest.approx(650.0, rel=REL)


def test_a_ban_of_severity_half_halves_the_flow_and_leaves_the_headroom():
    """Supplier capacity 1.5 kt/month, KR's normal imports from it 1 kt/month (its whole demand);
    storage dear. A ban of severity 0.5 in month 1 halves KR's imports from it to 0.5 kt (half
    of the normal flow; under a cut of capacity it would have been 0.75). Month 1: 0.5 bought,
    0.5 short (5); months 2-12: 11. Total 16.5 M$. (That a member the ban does not target may
    take the capacity the targeted one cannot is test_transfer_makes_joint_cheaper_by_computed_amount.)"""
    case = tiny_case(suppliers=[("a", 1000.0, 18_000.0)], capex=50_000.0)
    result = solve(case, scenarios(case, ("half", 1.0, [ban(1, 1, severity=0.5)])))
    assert result.joint.objective_musd == pytest.approx(16.5, rel=REL)
    flows = result.joint.tables["flows"].set_index("arrival_month")
    assert flows.loc[1, "quantity_t"] == pytest.approx(500.0, rel=REL)


# ------------------------------------------------------------- what a planner knows, and when


def test_a_surprise_is_prepared_for_in_every_scenario_that_cannot_be_told_apart():
    """Free storage (no capital cost, no starting stock worth its committed holding of 12 x 0.01
    = 0.12 M$/kt), holding 0.01 M$/kt-month above the starting level. Calm (p 0.5) or a full ban
    in month 3 (p 0.5). Covering month 3 by stock: fill 1 kt in month 2, held above the starting
    level for one month (0.01), released in month 3.
    A surprise (announced when it starts): in months 1-2 the two scenarios cannot be told apart,
    so both fill in month 2 and pay the 0.01; the calm one releases it in month 3 instead of
    buying. Expected cost 12 + 0.01 = 12.01 M$.
    One month's warning (announced in month 2): only the ban scenario fills, 12 + 0.5 x 0.01 =
    12.005 M$. The warning is worth 0.005 M$; announcing it earlier adds nothing (month 2 is when
    the fill is needed)."""
    case = tiny_case()
    surprise = [ban(3, 1)]
    warned = [dict(ban(3, 1), warning_months=1)]
    earlier = [dict(ban(3, 1), announced_month=1)]
    costs = {}
    for label, events in (("surprise", surprise), ("warned", warned), ("earlier", earlier)):
        result = solve(case, scenarios(case, ("calm", 0.5, []), ("ban", 0.5, events)))
        costs[label] = result.joint.objective_musd
        fills = result.joint.tables["stock_trajectory"].groupby(["scenario", "month"])["fill_t"].sum()
        assert fills[("ban", 2)] == pytest.approx(1000.0, rel=REL)
        assert fills[("calm", 2)] == pytest.approx(1000.0 if label == "surprise" else 0.0, abs=1e-6)
    assert costs["surprise"] == pytest.approx(12.01, rel=REL)
    assert costs["warned"] == pytest.approx(12.005, rel=REL)
    assert costs["earlier"] == pytest.approx(12.005, rel=REL)


def test_cargoes_already_at_sea_are_the_same_in_every_scenario():
    """A 20-day route (lead 1 month): what arrives in month 1 left in month 0, before anything is
    known, so it is a here-and-now decision. Calm (p 0.5) or a ban on shipments leaving in month
    1 (p 0.5), which cuts the month-2 arrival. Free storage, holding 0.01 M$/kt-month above the
    starting level (starting stock would commit 0.12 M$/kt). Cheapest: ship 2 kt in month 0, put
    1 kt in stock for month 2 in both scenarios (0.01 each): 12.01 M$. A plan that knew its
    scenario would ship the extra kt in the ban scenario only (12.005)."""
    case = tiny_case(routes=[("slow", "a", "KR", 20, 0.0, "")])
    result = solve(case, scenarios(case, ("calm", 0.5, []), ("ban", 0.5, [ban(1, 1)])))
    assert result.joint.objective_musd == pytest.approx(12.01, rel=REL)
    flows = result.joint.tables["flows"]
    at_sea = flows[flows["departure_month"] == 0].set_index("scenario")["quantity_t"]
    assert at_sea["calm"] == pytest.approx(2000.0, rel=REL) and at_sea["ban"] == pytest.approx(2000.0, rel=REL)


# ------------------------------------------------------------- the terminal rule


@pytest.mark.parametrize("horizon, objective", [(12, 12.244), (36, 36.244), (60, 60.244)])
def test_stock_does_not_depend_on_the_horizon_and_is_bought_back_not_restrained(horizon, objective):
    """A full ban in months 1-2 with probability 0.1; the supplier has no spare capacity (1 kt a
    month, exactly the demand), so stock drawn in the ban cannot be refilled inside the horizon;
    restraint may cut 10 % of demand at 3 M$/kt; storage free; handling 0.01 M$/kt into or out of
    stock; the scenario set's risk window is its 12 months, so the starting stock commits
    12 x 0.01 = 0.12 M$/kt whatever the horizon.
    A kt of stock used in the ban replaces a shortfall (10), or restraint (3) for the last 0.2 kt;
    it is released (0.01) and bought back after the horizon at the delivered price plus handling
    (1.01): it saves 0.1 x 8.98 or 0.1 x 1.98, both above 0.12, so 2 kt are held at every horizon.
    Cost: 0.24 + calm 0.9 x T + ban 0.1 x ((T - 2) + 2 x 0.01 + 2 x 1.01) = 0.244 + T M$.
    No demand is restrained: refilling by restraint (3) costs more than buying back (1.01); the
    calm scenario draws nothing (drawing and buying back would cost 0.02 per kt)."""
    case = tiny_case(suppliers=[("a", 1000.0, 12_000.0)], restraint=(0.1, 3000.0), handling=10.0)
    result = solve(case, scenarios(case, ("calm", 0.9, []), ("ban", 0.1, [ban(1, 2)])), horizon_months=horizon)
    assert result.joint.objective_musd == pytest.approx(objective, rel=REL)
    assert plan(result).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(2000.0, rel=REL)
    assert result.joint.tables["shortfalls"]["restraint_t"].sum() == pytest.approx(0.0, abs=1e-6)
    bought_back = result.joint.tables["replenishment"].set_index("scenario")["replenishment_t"]
    assert bought_back["ban"] == pytest.approx(2000.0, rel=REL) and bought_back["calm"] == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------- sharing a shortfall


def test_a_joint_plan_shares_an_unavoidable_shortfall_in_proportion_to_demand():
    """KR and JP, 1 kt/month each, normally from supplier a (price 1, no freight). In month 1 a
    bans both; supplier b (price 2, 1 kt/month) is left, freight 0 to KR and 0.1 M$/kt to JP.
    Storage dear, no transfers. 1 of the 2 kt is short whoever gets b's kt.
    Cost alone decides (sharing cost-min): b's kt goes to KR (cheaper freight), JP is 100 % short:
    month 1 = 2 + 10, months 2-12 = 22: 34 M$.
    Proportional (default): each gets 0.5 kt of b and is 50 % short: 0.5 x 2 + 0.5 x 2.1 + 10 +
    22 = 34.05 M$; the cost-min split would leave JP 0.5 kt above the common share, charged
    0.5 M$/kt (0.25 > the 0.05 that evening costs)."""
    case = tiny_case(members=("KR", "JP"), suppliers=[("a", 1000.0, 1e9), ("b", 2000.0, 12_000.0)],
                     shares=[("KR", "a", 1.0), ("JP", "a", 1.0)], capex=50_000.0,
                     routes=[("a_kr", "a", "KR", 0, 0.0, ""), ("a_jp", "a", "JP", 0, 0.0, ""),
                             ("b_kr", "b", "KR", 0, 0.0, ""), ("b_jp", "b", "JP", 0, 100.0, "")])
    ss = scenarios(case, ("ban", 1.0, [ban(1, 1)]))
    fair = solve(case, ss)
    assert fair.joint.objective_musd == pytest.approx(34.05, rel=REL)
    short = by_month(fair.joint.tables["shortfalls"], "shortfall_t", month=1, member="KR")
    assert short[1] == pytest.approx(500.0, rel=REL)
    assert by_month(fair.joint.tables["shortfalls"], "shortfall_t", month=1, member="JP")[1] == pytest.approx(500.0, rel=REL)
    cheapest = solve(case, ss, sharing="cost-min")
    assert cheapest.joint.objective_musd == pytest.approx(34.0, rel=REL)
    assert by_month(cheapest.joint.tables["shortfalls"], "shortfall_t", month=1, member="JP")[1] == pytest.approx(1000.0, rel=REL)


# ------------------------------------------------------------- the crisis value of cooperation


def test_crisis_value_of_cooperation_is_what_cooperating_adds_beyond_calm_pooling():
    """KR buys from supplier a (price 1, 1.5 kt/month), JP from b (price 1.2, ample); 1 kt/month
    each; storage dear. Alone, each member may use only its baseline share of a supplier's
    capacity: all of a is KR's, all of b JP's.
    Calm: alone KR 12, JP 14.4 (26.4); together JP takes a's spare 0.5 kt/month at 1 instead of
    1.2: 12 x (1.5 + 0.5 x 1.2) = 25.2. Calm pooling = 1.2 M$.
    Crisis: b bans JP in month 1. Alone JP is short 1 kt (10 instead of 1.2): 23.2, KR 12 (35.2).
    Together a's 1.5 kt covers JP and KR buys b's 0.5 kt (b bans JP only): every month costs
    2.1, 25.2. Value of cooperation 35.2 - 25.2 = 10; crisis value 10 - 1.2 = 8.8 = JP's
    shortfall avoided (10) less what it would have paid (1.2)."""
    case = tiny_case(members=("KR", "JP"), suppliers=[("a", 1000.0, 18_000.0), ("b", 1200.0, 1e9)],
                     shares=[("KR", "a", 1.0), ("JP", "b", 1.0)], capex=50_000.0)
    result = solve(case, scenarios(case, ("jp_ban", 1.0, [ban(1, 1, supplier="b", members=["JP"])])), mode="both")
    assert result.value_of_cooperation_musd == pytest.approx(10.0, rel=REL)
    assert result.calm_pooling_musd == pytest.approx(1.2, rel=REL)
    assert result.crisis_value_musd == pytest.approx(8.8, rel=REL)


# ------------------------------------------------------------- domestic supply and release lead


def test_domestic_recycling_is_out_of_reach_of_a_ban_and_lowers_the_normal_imports_a_ban_cuts():
    """Demand 1 kt/month, 0.4 kt/month of it recycled at home (0.5 M$/kt); the rest, 0.6 kt, is
    imported from a (1 M$/kt, capacity ample). Storage dear. A ban of severity 0.5 in month 1
    halves the normal imports, 0.6 -> 0.3 kt; recycling continues: month 1 = 0.4 x 0.5 + 0.3 +
    0.3 short (3) = 3.5; months 2-12: 11 x (0.2 + 0.6) = 8.8. Total 12.3 M$."""
    case = tiny_case(capex=50_000.0, domestic=[("KR", 4_800.0, 500.0)])
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 1, severity=0.5)])))
    assert result.joint.objective_musd == pytest.approx(12.3, rel=REL)
    short = result.joint.tables["shortfalls"].set_index("month")
    assert short.loc[1, "domestic_t"] == pytest.approx(400.0, rel=REL)
    assert short.loc[1, "shortfall_t"] == pytest.approx(300.0, rel=REL)


@pytest.mark.parametrize("lead_days, stock_kt, objective", [(20, 1.0, 21.12), (0, 2.0, 12.24)])
def test_a_release_reaches_the_market_its_lead_time_later(lead_days, stock_kt, objective):
    """A full ban in months 1-2 (probability 1; routes of lead 0, so nothing is at sea), storage
    free, starting stock committing 0.12 M$/kt, penalty 10. With a 20-day release lead (1 month)
    stock released in month 1 reaches the market in month 2: month 1 cannot be covered (10 short),
    month 2 by 1 kt of starting stock: 0.12 + 10 + 10 bought (months 3-12) + 1 bought back =
    21.12 M$. With no lead 2 kt cover both months: 0.24 + 10 + 2 = 12.24 M$."""
    case = tiny_case(release_lead=lead_days)
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 2)])))
    assert result.joint.objective_musd == pytest.approx(objective, rel=REL)
    assert plan(result).loc[("x", "KR"), "initial_stock_t"] == pytest.approx(stock_kt * 1000, rel=REL)
