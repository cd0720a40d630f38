"""ScenarioTable (a scenario-keyed parameter as an array) and Keys (keys column-wise): the values
they give are the ones a dict keyed by whole keys would give."""

import numpy as np
import pytest

from builders import ban, scenarios, tiny_case
from optimizer.inputs import RunOptions, build_inputs, changed_slices, merge_scenarios, restrict
from optimizer.keys import Keys
from optimizer.scenario_table import ScenarioTable


def _table() -> ScenarioTable:
    """Two scenarios x routes (r1, r2) x months (1, 2, 3): value = 100 x scenario number + 10 x
    route number + month, so each value names its own key."""
    values = [[100 * s + 10 * r + t for r in (1, 2) for t in (1, 2, 3)] for s in (1, 2)]
    return ScenarioTable(["s1", "s2"], (["r1", "r2"], [1, 2, 3]), np.array(values))


def test_reads_as_the_dict_it_stands_for():
    """Keys scenario-major in product order; s2/r1/3 is 200 + 10 + 3 = 213; a key of the wrong
    length or an unknown name is a KeyError, as in a dict."""
    table = _table()
    as_dict = {(f"s{s}", f"r{r}", t): 100.0 * s + 10 * r + t for s in (1, 2) for r in (1, 2) for t in (1, 2, 3)}
    assert list(table) == list(as_dict) and dict(table.items()) == as_dict and len(table) == 12
    assert table[("s2", "r1", 3)] == 213.0 and type(table[("s2", "r1", 3)]) is float
    for bad in [("s2", "r1"), ("s3", "r1", 1), ("s1", "r9", 1), "s1"]:
        with pytest.raises(KeyError):
            table[bad]


def test_take_finds_values_by_position():
    """take at keys in any order, with repeats, from tuples or from a layout-like column form:
    the same values as the dict lookups (s1/r2/1 = 121, s2/r2/3 = 223, s1/r1/2 = 112)."""
    table = _table()
    keys = [("s1", "r2", 1), ("s2", "r2", 3), ("s1", "r1", 2), ("s1", "r2", 1)]
    assert table.take(Keys.of(keys)).tolist() == [121.0, 223.0, 112.0, 121.0]
    assert table.take(Keys(0, [[], [], []])).tolist() == []


def test_part_rows_and_changes():
    """part keeps rows and first-level names in the table's order; with_rows takes another
    table's rows; changed names the (scenario, route) of every differing value."""
    table = _table()
    part = table.part(["s2"], ["r2"])
    assert list(part.items()) == [(("s2", "r2", t), 220.0 + t) for t in (1, 2, 3)]
    edited = table.part(["s2"])
    edited.set_first("r1", [[0.0, 0.0, 7.0]])
    merged = table.with_rows(edited)
    assert merged[("s2", "r1", 3)] == 7.0 and merged[("s1", "r1", 3)] == 113.0 and table[("s2", "r1", 3)] == 213.0
    assert table.changed(merged) == {("s2", "r1")} and merged.changed(merged) == set()
    assert table.changed(part) is None  # other keys: no comparison
    assert merged != table and table == _table()


def test_keys_per_name_of_several_elements():
    """per_name looks a value up by one element or by a tuple of elements of each key."""
    keys = Keys.of([("s1", "graphite", "china", 1), ("s2", "graphite", "mozambique", 1),
                    ("s1", "graphite", "china", 2), ("s1", "gallium", "china", 2)])
    price = {("graphite", "china"): 1.0, ("graphite", "mozambique"): 2.0, ("gallium", "china"): 3.0}
    assert keys.per_name((1, 2), price).tolist() == [1.0, 2.0, 1.0, 3.0]
    assert keys.per_name(2, {"china": 5.0, "mozambique": 6.0}).tolist() == [5.0, 6.0, 5.0, 5.0]
    assert keys.positions(0, {"s1": 0, "s2": 1}).tolist() == [0, 1, 0, 0]


def test_inputs_tables_follow_restrict_merge_and_edits():
    """The built inputs' tables hold the hand-computed demand; restrict and merge_scenarios keep
    them consistent with a fresh build; a demand edit shows as changed slices.

    tiny_case: one commodity x, member KR with 12 kt/yr (1 kt per month)."""
    case = tiny_case()
    ss = scenarios(case, ("base", 0.5, []), ("ban", 0.5, [ban(1, 1)]))
    p = build_inputs(case, ss, RunOptions(horizon_months=3))
    assert p.demand.levels == (["x"], ["KR"], [1, 2, 3])
    assert p.demand.values.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    assert list(p.import_price.levels[0]) == list(p.routes)
    one = restrict(p, ["ban"], ["x"])
    assert one.demand.scenarios == ["ban"] and one.demand == p.demand.part(["ban"])
    assert one.tree.scenarios == ("ban",) and one.tree.owns("ban", 1)
    assert merge_scenarios(p, one, ss.scenarios) == p
    edited = build_inputs(case, ss, RunOptions(horizon_months=3))
    edited.demand = edited.demand.part(edited.scenarios)
    edited.demand.set_first("x", [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    assert changed_slices(p, edited) == {("base", "x")}
