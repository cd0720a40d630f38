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
    KR buys 12 (12 M$); JP is short 2 kt (20) and buys 10: total 42 M$. Only JP is short."""
    case = tiny_case(members=("KR", "JP"), capex=50_000.0)
    result = solve(case, scenarios(case, ("jp", 1.0, [ban(1, 2, members=["JP"])])))
    assert result.joint.objective_musd == pytest.approx(42.0, rel=REL)
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
    """Ban of severity 0.75 on a supplier of 1.2 kt/month for month 1; restraint may cut 10 % of
    demand at 3 M$/kt; storage dear. Month 1: import 0.3 kt, restrain 0.1 kt (3 x 0.1 = 0.3),
    short 0.6 kt (6). Other 11 months: 11. Total 0.3 + 0.3 + 6 + 11 = 17.6 M$."""
    case = tiny_case(suppliers=[("a", 1000.0, 14_400.0)], capex=50_000.0, restraint=(0.1, 3000.0))
    result = solve(case, scenarios(case, ("ban", 1.0, [ban(1, 1, severity=0.75)])))
    assert result.joint.objective_musd == pytest.approx(17.6, rel=REL)
    short = result.joint.tables["shortfalls"].set_index("month")
    assert short.loc[1, "restraint_t"] == pytest.approx(100.0, rel=REL)
    assert short.loc[1, "shortfall_t"] == pytest.approx(600.0, rel=REL)
