"""Cooperation analytics: hand-worked games, swaps, CVaR, and invariants on the shipped data.

Fixture units as in test_fixtures.py: kt and M USD; demand 1 kt/month per member, price 1 M$/kt,
penalty 10 M$/kt, horizon 12 months. Storage is made prohibitively dear (50 M$/kt of capacity)
wherever stock would blur the hand computation."""

import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set, solve_case
from optimizer.coop import (cooperation_report, core_violations, least_core, shapley, solve_coalitions)
from optimizer.riskmeasures import conditional_value_at_risk

REL = 1e-6
LINKS = lambda members, cost: [(i, j, 0, 5000.0, cost) for i in members for j in members if i != j]  # noqa: E731


def two_member_case(**extra):
    return tiny_case(members=("KR", "JP"), suppliers=[("a", 1000.0, 36_000.0)], capex=50_000.0,
                     transfers=LINKS(("KR", "JP"), 500.0), **extra)


def test_two_member_shapley_split():
    """Japan alone is banned in month 1 (see test_fixtures' transfer test): v(KR) = 12,
    v(JP) = 21, v(KR+JP) = 24.5. Shapley: KR = (12 + (24.5 - 21)) / 2 = 7.75,
    JP = (21 + (24.5 - 12)) / 2 = 16.75; they sum to 24.5 and each is below its cost alone.
    IEA rule (equal consumption): 12.25 each - more than KR's 12 alone."""
    case = two_member_case()
    ss = scenarios(case, ("jp_ban", 1.0, [ban(1, 1, members=["JP"])]))
    report = cooperation_report(case, ss, RunOptions(), risk_weights=(0.0,))
    assert report.shapley_musd["KR"] == pytest.approx(7.75, rel=REL)
    assert report.shapley_musd["JP"] == pytest.approx(16.75, rel=REL)
    assert report.iea_musd == pytest.approx({"KR": 12.25, "JP": 12.25}, rel=REL)
    assert report.core_violations == []
    assert report.least_core_excess_musd == pytest.approx(-4.25, rel=REL)


def test_three_member_core_check():
    """Members A, B, C; C alone is banned in month 1. Capacity 4.5 kt/month, 1.5 each alone.
    v(A) = v(B) = 12, v(C) = 21, v(AB) = 24, v(AC) = v(BC) = 24.5 (a partner buys 2 kt in month 1
    and transfers 1 at 0.5), v(ABC) = 36.5.
    Shapley: C's marginal cost is 21 when first (2 of 6 orders) and 12.5 otherwise:
    (2 x 21 + 4 x 12.5) / 6 = 15.3333; A = B = (36.5 - 15.3333) / 2 = 10.5833.
    Core: x_A + x_C = 25.9167 > v(AC) = 24.5 (and likewise B + C), so the Shapley split is not in
    the core. Least core: adding the three pair constraints gives 73 <= 73 + 3e, so e = 0 and all
    pairs bind: x = (12, 12, 12.5)."""
    case = tiny_case(members=("A", "B", "C"), suppliers=[("a", 1000.0, 54_000.0)], capex=50_000.0,
                     transfers=LINKS(("A", "B", "C"), 500.0))
    game = solve_coalitions(case, scenarios(case, ("c_ban", 1.0, [ban(1, 1, members=["C"])])), RunOptions())
    values = {"+".join(sorted(c)): game.value(c) for c in game.coalitions()}
    assert values == pytest.approx({"A": 12, "B": 12, "C": 21, "A+B": 24, "A+C": 24.5, "B+C": 24.5,
                                    "A+B+C": 36.5}, rel=REL)
    split = shapley(game)
    assert split == pytest.approx({"A": 10.583333, "B": 10.583333, "C": 15.333333}, rel=1e-6)
    assert sorted(v["coalition"] for v in core_violations(game, split)) == ["A+C", "B+C"]
    allocation, excess = least_core(game)
    assert excess == pytest.approx(0.0, abs=1e-7)
    assert allocation == pytest.approx({"A": 12.0, "B": 12.0, "C": 12.5}, rel=REL)
    assert core_violations(game, allocation) == []


def test_swap_is_repaid_and_compared_with_transfers():
    """Japan banned in month 1. A swap (fee 0.2 M$/kt, repay within 2 months) lets Korea lend 1 kt
    in month 1 that Japan repays from its own later imports: purchases stay 24, plus the fee 0.2,
    = 24.2 M$, against 24.5 with a one-way transfer (cost 0.5) and 33 with no exchange."""
    case = two_member_case(swaps=[("KR", "JP", 2, 5000.0, 200.0), ("JP", "KR", 2, 5000.0, 200.0)])
    ss = scenarios(case, ("jp_ban", 1.0, [ban(1, 1, members=["JP"])]))
    result = solve_case(case, ss, "joint", RunOptions(transfers=False, swaps=True))
    assert result.joint.objective_musd == pytest.approx(24.2, rel=REL)
    swaps = result.joint.tables["swaps"]
    lent = swaps[swaps["lent_t"] > 0]
    assert lent[["lender", "borrower", "month"]].values.tolist() == [["KR", "JP", 1]]
    assert lent["lent_t"].sum() == pytest.approx(1000.0, rel=REL)
    repaid = swaps[(swaps["lender"] == "KR") & (swaps["repaid_t"] > 0)]
    assert repaid["repaid_t"].sum() == pytest.approx(1000.0, rel=REL)
    assert repaid["month"].max() <= 3  # within the 2-month payback
    report = cooperation_report(case, ss, RunOptions(), risk_weights=(0.0,))
    costs = report.exchanges.set_index("arrangement")["cost_musd"]
    assert costs["one-way transfers"] == pytest.approx(24.5, rel=REL)
    assert costs["swaps repaid in kind"] == pytest.approx(24.2, rel=REL)
    assert costs["pooled supply, no exchange"] == pytest.approx(33.0, rel=REL)


@pytest.mark.parametrize("weight, stock_kt, objective", [(0.0, 0.0, 12.09), (0.01, 0.0, 12.1071),
                                                         (0.05, 1.0, 12.12)])
def test_cvar_weight_buys_protection_against_a_rare_ban(weight, stock_kt, objective):
    """Ban in month 1 with probability 0.01 (below the risk-neutral threshold 0.0133 of
    test_fixtures). With x kt of stock (0 <= x <= 1): base costs 12 + 0.12x, ban 21 - 8.88x
    (10 M$ shortfall avoided per kt, refill 1, holding 0.12). E = 12.09 + 0.03x.
    CVaR at 95 %: the tail is the ban (0.01) and 0.04 of base: 0.2 x ban + 0.8 x base
    = 13.8 - 1.68x. Objective (1-w) E + w CVaR falls in x iff w > 0.03 / 1.71 = 0.01754.
    w = 0: 12.09; w = 0.01: x = 0, 0.99 x 12.09 + 0.01 x 13.8 = 12.1071;
    w = 0.05: x = 1, both scenarios cost 12.12, so 12.12."""
    case = tiny_case()
    ss = scenarios(case, ("base", 0.99, []), ("ban", 0.01, [ban(1, 1)]))
    result = solve_case(case, ss, "joint", RunOptions(cvar_weight=weight, cvar_level=0.95))
    assert result.joint.objective_musd == pytest.approx(objective, rel=REL)
    stock = result.joint.tables["stockpile_plan"]["initial_stock_t"].sum()
    assert stock == pytest.approx(stock_kt * 1000.0, abs=1e-3)
    assert result.joint.cvar_musd(0.95) == pytest.approx(13.8 - 1.68 * stock_kt, rel=REL)


def test_cvar_of_a_discrete_distribution():
    """Costs 10 (p 0.5), 20 (p 0.3), 40 (p 0.2). CVaR 90 %: tail 0.1, all from 40 -> 40.
    CVaR 70 %: tail 0.3 = 0.2 x 40 + 0.1 x 20 -> 10 / 0.3 = 33.33. CVaR 0 % = mean = 19."""
    costs, probs = [10.0, 20.0, 40.0], [0.5, 0.3, 0.2]
    assert conditional_value_at_risk(costs, probs, 0.9) == pytest.approx(40.0)
    assert conditional_value_at_risk(costs, probs, 0.7) == pytest.approx(10.0 / 0.3)
    assert conditional_value_at_risk(costs, probs, 0.0) == pytest.approx(19.0)


@pytest.fixture(scope="module")
def shipped_report():
    case = load_case()
    return cooperation_report(case, load_scenario_set("stochastic", case), RunOptions(horizon_months=12),
                              risk_weights=(0.0, 0.5, 1.0))


def test_shipped_shares_sum_to_coalition_cost_and_stay_below_standalone(shipped_report):
    shares = shipped_report.shares()
    grand = shipped_report.game.value(shipped_report.game.members)
    for column in ("shapley_musd", "iea_musd", "least_core_musd"):
        assert shares[column].sum() == pytest.approx(grand, rel=1e-9)
    assert (shares["shapley_musd"] <= shares["alone_musd"] + 1e-6).all()
    assert shipped_report.savings["saving_musd"].sum() == pytest.approx(
        shares["alone_musd"].sum() - grand, rel=1e-6)


def test_shipped_frontier_is_monotone(shipped_report):
    frontier = shipped_report.frontier.sort_values("weight")
    assert frontier["expected_cost_musd"].diff().dropna().ge(-1e-6).all()
    assert frontier["cvar_musd"].diff().dropna().le(1e-6).all()
