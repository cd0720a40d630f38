"""The scenario tree (optimizer/tree.py) built from events, worked out by hand."""

import numpy as np
import pytest

from builders import ban, scenarios, tiny_case
from optimizer.tree import ScenarioTree


@pytest.fixture(scope="module")
def case():
    return tiny_case()


def _tree(case, *entries, horizon=12):
    return ScenarioTree.of(scenarios(case, *entries, horizon=horizon).scenarios, horizon)


def test_scenarios_part_when_an_event_is_announced_and_when_it_ends(case):
    """calm (0.5); short: a ban in months 5-7 announced in month 3 (two months' warning); long:
    the same ban lasting to month 10 (0.2).
    Months 0-2: nothing is known, one node {calm, short, long} (probability 1), owned by calm.
    Months 3-7: the ban is announced; calm parts from {short, long} (0.5, owned by short); the
    two cannot be told apart while the ban lasts, since its end is not known.
    Months 8-12: the short ban has ended (month 8 is its first month without it): short and long
    part. Each scenario then owns its own leaf."""
    tree = _tree(case, ("calm", 0.5, []), ("short", 0.3, [dict(ban(5, 3), warning_months=2)]),
                 ("long", 0.2, [dict(ban(5, 6), warning_months=2)]))
    owner = {t: [tree.owner_of(s, t) for s in ("calm", "short", "long")] for t in (0, 2, 3, 7, 8, 12)}
    assert owner[0] == owner[2] == ["calm", "calm", "calm"]
    assert owner[3] == owner[7] == ["calm", "short", "short"]
    assert owner[8] == owner[12] == ["calm", "short", "long"]
    assert tree.owner_of("long", -2) == "calm"  # shipments already at sea: the root's
    assert tree.node_probability[2].tolist() == [1.0, 1.0, 1.0]
    assert tree.node_probability[5].tolist() == pytest.approx([0.5, 0.5, 0.5])
    assert tree.node_probability[9].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert tree.members("short", 5) == ["short", "long"] and tree.members("short", 9) == ["short"]
    assert tree.leaf_from.tolist() == [3, 8, 8]
    nodes = tree.nodes()
    assert nodes[["first_month", "last_month", "owner", "scenarios"]].values.tolist() == [
        [0, 2, "calm", "calm, short, long"], [3, 12, "calm", "calm"], [3, 7, "short", "short, long"],
        [8, 12, "short", "short"], [8, 12, "long", "long"]]
    assert nodes["parent"].tolist()[1:] == [0, 0, 2, 2]


def test_a_surprise_parts_scenarios_in_its_first_month_and_identical_ones_never(case):
    """Two scenarios with the same ban from month 1 are never told apart (one node to the end,
    probability 0.7, owned by the first); a surprise in month 1 parts them from calm at month 1."""
    tree = _tree(case, ("calm", 0.3, []), ("a", 0.4, [ban(1, 2)]), ("b", 0.3, [ban(1, 2)]), horizon=6)
    assert [tree.owner_of(s, 1) for s in ("calm", "a", "b")] == ["calm", "a", "a"]
    assert tree.owner_of("b", 6) == "a" and not tree.owns("b", 3)
    assert tree.node_probability[6].tolist() == pytest.approx([0.3, 0.7, 0.7])
    assert tree.leaf_from.tolist() == [1, 1, -1]  # b owns no leaf: a's is its


def test_an_event_differing_only_in_size_parts_scenarios_at_its_announcement(case):
    """Severity 0.5 and 1.0 of one ban announced in month 4: told apart from month 4 on."""
    tree = _tree(case, ("half", 0.5, [dict(ban(4, 2, severity=0.5))]), ("full", 0.5, [ban(4, 2)]), horizon=6)
    assert [tree.owns("full", t) for t in range(0, 7)] == [False, False, False, False, True, True, True]


def test_restricting_keeps_the_nodes_and_gives_them_their_first_remaining_owner(case):
    tree = _tree(case, ("calm", 0.5, []), ("short", 0.3, [ban(3, 1)]), ("also", 0.2, [ban(3, 1)]), horizon=4)
    part = tree.restrict(["also", "calm"])
    assert part.scenarios == ("also", "calm")
    assert [part.owner_of("calm", t) for t in range(5)] == ["also", "also", "also", "calm", "calm"]
    assert np.array_equal(part.probability, [0.2, 0.5])
