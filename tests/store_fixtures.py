"""Tiny cases for the run-store tests, with their optima worked by hand (units as in
test_fixtures.py: kt and M USD; demand 1 kt/month per member at 1 M$/kt, horizon 12 months,
shortfall penalty 10 M$/kt)."""

from builders import ban, scenarios, tiny_case

DEAR_STORAGE_USD_PER_T_YEAR = 50_000.0  # 50 M$/kt of capacity: no stock is ever worth holding


def links(members, cost_usd_per_t):
    return [(i, j, 0, 5000.0, cost_usd_per_t) for i in members for j in members if i != j]


def one_member(price_usd_per_t=1000.0, dear_storage=True):
    """KR alone, one supplier 'a'."""
    return tiny_case(suppliers=[("a", price_usd_per_t, 1e9)],
                     capex=DEAR_STORAGE_USD_PER_T_YEAR if dear_storage else 0.0)


def two_members():
    """KR and JP share supplier 'a' (3 kt/month; 1.5 each alone), transfers at 0.5 M$/kt, no stock."""
    return tiny_case(members=("KR", "JP"), suppliers=[("a", 1000.0, 36_000.0)],
                     capex=DEAR_STORAGE_USD_PER_T_YEAR, transfers=links(("KR", "JP"), 500.0))


def calm(case):
    return scenarios(case, ("calm", 1.0, []))


def ban_month_1(case, members=None):
    """A full ban from supplier 'a' in month 1, known when it starts."""
    return scenarios(case, ("ban", 1.0, [ban(1, 1, members=members)]))
