"""The run store: exact round trips, identical inputs answered from it, hand-checkable comparisons,
cooperation and sweep runs, exports that reproduce a run, and the run-history helpers."""

import json

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from optimizer import RunOptions, load_case, load_scenario_set, scenario_set_from_dict, solve_case
from optimizer.coop import cooperation_report
from optimizer.coop.report import coop_summary
from optimizer.report import render_text, summary
from optimizer.run import inputs_key
from optimizer.store import (StoreError, compare_runs, cooperation_with_store, export_run, list_runs, load_run,
                             recall_result, record_cooperation, record_result, record_sweep, result_from_run,
                             solve_with_store, store_key)
from optimizer.store import identity
from optimizer.store.diff import table_diff
from optimizer.store.frames import read_frame, write_frame
from optimizer.store.history import compare_for_page, reopen, run_choice, runs_table
from store_fixtures import ban_month_1, calm, one_member, two_members

EXACT = {"check_exact": True, "check_dtype": True, "check_index_type": True, "check_column_type": True}


def assert_same_result(a, b):
    """Every table of every solution equal (values, dtypes, column order, index), and each
    solution's status, objective and label."""
    sols_a = a.solutions + (a.calm.solutions if a.calm else [])
    sols_b = b.solutions + (b.calm.solutions if b.calm else [])
    assert [s.label for s in sols_a] == [s.label for s in sols_b]
    for sa, sb in zip(sols_a, sols_b):
        assert (sa.outcome.status, sa.outcome.objective) == (sb.outcome.status, sb.outcome.objective)
        assert list(sa.tables) == list(sb.tables)
        for name in sa.tables:
            assert_frame_equal(sa.tables[name], sb.tables[name], **EXACT)


# --- round trips ---------------------------------------------------------------------------

def test_a_shipped_run_round_trips_exactly(tmp_path):
    """hormuz_closure in mode both (joint, each member alone, and the calm reference): every
    table back with its dtypes, column order and index; the same summary and terminal text."""
    case = load_case()
    scenario_set = load_scenario_set("hormuz_closure", case)
    result = solve_case(case, scenario_set, "both", RunOptions(horizon_months=6))
    run_id = record_result(tmp_path, result, case, "stockpile solve hormuz_closure --mode both --horizon 6")
    run = load_run(tmp_path, run_id)
    assert run.row["status"] == "optimal" and run.record["objective_musd"] == result.joint.objective_musd
    back = result_from_run(run)  # inputs rebuilt from the stored files, not from case
    assert_same_result(result, back)
    assert summary(back) == summary(result)
    assert render_text(back) == render_text(result)
    assert_frame_equal(run.table("flows"), result.table("flows"), **EXACT)
    assert_frame_equal(run.tables["run"]["scenario_tree"], result.tree(), **EXACT)


def test_a_non_optimal_run_is_kept_with_its_status(tmp_path):
    """A time limit of 0 s stops HiGHS before optimality: the run is recorded as not optimal,
    with HiGHS's message, and never answers a later identical solve."""
    case = one_member()
    options = RunOptions(time_limit_s=0.0)
    result = solve_case(case, ban_month_1(case), "joint", options)
    assert not result.optimal
    run = load_run(tmp_path, record_result(tmp_path, result, case))
    assert run.row["status"] == "not_optimal"
    [solution] = run.solutions()
    assert solution["status"] == result.joint.outcome.status and solution["message"] == result.joint.outcome.message
    assert recall_result(tmp_path, case, ban_month_1(case), "joint", options) is None


@pytest.mark.parametrize("name, frame", [
    ("object text with None", pd.DataFrame({"who": pd.Series(["KR", None], dtype=object), "x": [1.0, 2.0]})),
    ("empty object columns", pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float)})),
    ("nullable and small ints", pd.DataFrame({"n": pd.array([1, None], dtype="Int64"),
                                              "i": np.array([1, 2], dtype="int32"), "flag": [True, False]})),
    ("categories and a named index", pd.DataFrame({"c": pd.Categorical(["a", "b"])},
                                                  index=pd.Index(["p", "q"], name="key"))),
    ("a multi-index", pd.DataFrame({"v": [1.0, 2.0]},
                                   index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["s", "m"]))),
    ("integer column labels", pd.DataFrame([[1.0, 2.0]])),
    ("a slice of rows", pd.DataFrame({"v": np.arange(10.0)}).iloc[3:6]),
    ("no columns at all", pd.DataFrame()),
])
def test_awkward_frames_round_trip_exactly(tmp_path, name, frame):
    write_frame(frame, tmp_path / "t.parquet", name)
    assert_frame_equal(read_frame(tmp_path / "t.parquet"), frame, **EXACT)


def test_a_column_of_mixed_types_is_refused_with_its_name(tmp_path):
    frame = pd.DataFrame({"mixed": pd.Series([1, "a"], dtype=object)})
    with pytest.raises(StoreError, match="table 'bad'.*one type"):
        write_frame(frame, tmp_path / "t.parquet", "'bad'")


# --- identical inputs ----------------------------------------------------------------------

def test_identical_inputs_are_answered_from_the_store(tmp_path):
    case = two_members()
    scenario_set = ban_month_1(case, ["JP"])
    first = solve_with_store(tmp_path, case, scenario_set, "both", RunOptions(), "first")
    assert not first.recalled and first.run_id and first.store_error is None
    again = solve_with_store(tmp_path, case, scenario_set, "both", RunOptions(workers=1), "again")
    assert again.recalled and again.run_id == first.run_id  # workers change speed, not the LP
    assert_same_result(first.answer, again.answer)
    assert summary(again.answer) == summary(first.answer)
    assert len(list_runs(tmp_path)) == 1


def test_a_changed_data_cell_an_option_or_the_code_is_solved_again(tmp_path, monkeypatch):
    case = one_member()
    scenario_set = ban_month_1(case)
    solve_with_store(tmp_path, case, scenario_set, "joint")
    dearer = one_member(price_usd_per_t=1000.5)  # one cell of suppliers.csv
    assert not solve_with_store(tmp_path, dearer, ban_month_1(dearer), "joint").recalled
    assert not solve_with_store(tmp_path, case, scenario_set, "joint", RunOptions(horizon_months=6)).recalled
    assert not solve_with_store(tmp_path, case, scenario_set, "independent").recalled
    monkeypatch.setattr(identity, "source_sha256", lambda: "an edited optimizer/")
    assert not solve_with_store(tmp_path, case, scenario_set, "joint").recalled
    monkeypatch.undo()
    assert solve_with_store(tmp_path, case, scenario_set, "joint").recalled
    assert len(list_runs(tmp_path)) == 5  # the first, and one per change


def test_a_scenario_sets_data_overrides_are_kept_and_keyed(tmp_path):
    """A set that overrides the supplier's price: stored with its override (the rebuilt set
    applies it again) and answered from the store only for the same override."""
    case = one_member()

    def priced(usd_per_t):
        return scenario_set_from_dict({
            "name": "dear", "title": "dearer supplier", "horizon_months": 12,
            "overrides": [{"table": "suppliers", "where": {"commodity": "x", "supplier": "a"},
                           "set": {"price_usd_per_t": usd_per_t}}],
            "scenarios": [{"name": "calm", "probability": 1.0, "events": []}]}, case, file="dear.yaml")
    first = solve_with_store(tmp_path, case, priced(1100.0), "joint")
    assert first.answer.joint.money_cost_musd == pytest.approx(13.2)  # 12 kt at 1.1 M$/kt
    assert solve_with_store(tmp_path, case, priced(1100.0), "joint").recalled
    assert not solve_with_store(tmp_path, case, priced(1200.0), "joint").recalled
    run = load_run(tmp_path, first.run_id)
    stored_case = run.case()
    assert stored_case.fingerprint() == case.fingerprint()  # the data as given, before the override
    assert_same_result(first.answer, result_from_run(run))


def test_the_key_is_the_documented_one():
    """store_key = sha256 of kind, the inputs (data after overrides, scenarios, mode, options but
    workers), the risk window, coop's extras and the code's package, source, highspy and pyomo."""
    case = one_member()
    scenario_set = ban_month_1(case)
    code = identity.code_version()
    key = store_key("solve", case, scenario_set, "joint", RunOptions(), code=code)
    assert key == store_key("solve", case, scenario_set, "joint", RunOptions(horizon_months=12, workers=3), code=code)
    assert key != store_key("coop", case, scenario_set, "joint", RunOptions(), code=code)
    assert key != store_key("solve", case, scenario_set, "joint", RunOptions(time_limit_s=5.0), code=code)
    assert key != store_key("solve", case, scenario_set, "joint", RunOptions(), code={**code, "highspy": "9"})
    assert key == store_key("solve", case, scenario_set, "joint", RunOptions(), code={**code, "commit": "other"})


def test_stored_inputs_reproduce_the_run(tmp_path):
    """The stored data give a case with the same fingerprint; the stored scenario set (includes
    inlined) the same inputs key; an export's inputs load with the ordinary loaders."""
    case = load_case()
    scenario_set = load_scenario_set("stochastic", case)  # includes other files
    result = solve_case(case, scenario_set, "joint", RunOptions(horizon_months=3))
    run = load_run(tmp_path, record_result(tmp_path, result, case))
    stored_case = run.case()
    assert stored_case.fingerprint() == case.fingerprint()
    stored_set = run.scenario_set(stored_case)
    key = inputs_key(case.fingerprint(), scenario_set, "joint", result.options)
    assert inputs_key(stored_case.fingerprint(), stored_set, "joint", result.options) == key
    out = export_run(tmp_path, run.run_id, tmp_path / "export")
    exported_case = load_case(out / "inputs" / "data")
    exported_set = load_scenario_set(out / "inputs" / "scenarios" / "stochastic.yaml", exported_case)
    assert inputs_key(exported_case.fingerprint(), exported_set, "joint", result.options) == key


# --- comparisons ---------------------------------------------------------------------------

def test_compare_two_members_with_and_without_a_ban_on_japan(tmp_path):
    """No stock is worth holding (storage 50 M$/kt). Calm: each member buys 12 kt at 1 M$/kt,
    12 M$ each, 24 joint. Japan banned in month 1: alone it is short 1 kt (10 M$ penalty) and buys
    11 kt: 21 M$, and short 1/12 = 8.3333 % of its demand; jointly Korea buys 2 kt in month 1 and
    transfers 1 at 0.5 M$: 24.5 M$, no one short. Crisis value of cooperation 12 + 21 - 24.5 = 8.5
    (calm pooling 0 either way). So b - a: joint +0.5, JP alone +9, KR alone 0, crisis value
    +8.5, JP alone's shortfall +8.3333 points, every stock 0 days."""
    case = two_members()
    a = record_result(tmp_path, solve_case(case, calm(case), "both"), case)
    b = record_result(tmp_path, solve_case(case, ban_month_1(case, ["JP"]), "both"), case)
    c = compare_runs(tmp_path, a, b)
    cost = c.expected_cost.set_index("solution")["difference"]
    assert cost.to_dict() == pytest.approx({"joint": 0.5, "KR alone": 0.0, "JP alone": 9.0}, abs=1e-6)
    numbers = c.numbers.set_index("quantity")
    assert numbers.loc["crisis value of cooperation (M USD)", "difference"] == pytest.approx(8.5, abs=1e-6)
    assert numbers.loc["calm pooling (M USD)", "difference"] == pytest.approx(0.0, abs=1e-6)
    short = c.shortfall.set_index(["solution", "member"])["difference"]
    assert short[("JP alone", "JP")] == pytest.approx(100 / 12, abs=1e-6)
    assert short.drop(("JP alone", "JP")).abs().max() < 1e-6
    assert c.stock_days["a"].abs().max() < 1e-6 and c.stock_days["b"].abs().max() < 1e-6
    assert list(c.inputs["what"]) == ["scenario_set fixture.yaml"]  # the data and options are the same


def test_compare_stock_days_and_a_changed_price(tmp_path):
    """Korea alone, banned from its only supplier in month 1, with storage free to build: it holds
    1 kt, 1 / (12 kt / 365 d) = 30.4167 days of cover. With no ban it holds none. A price of 1.1
    instead of 1 M$/kt with no ban costs 12 x 0.1 = 1.2 M$ more, and the comparison names the
    data file that changed."""
    cheap_store = one_member(dear_storage=False)
    a = record_result(tmp_path, solve_case(cheap_store, calm(cheap_store), "joint"), cheap_store)
    b = record_result(tmp_path, solve_case(cheap_store, ban_month_1(cheap_store), "joint"), cheap_store)
    days = compare_runs(tmp_path, a, b).stock_days.set_index(["solution", "member"])
    assert days.loc[("joint", "KR"), "difference"] == pytest.approx(365 / 12, rel=1e-9)
    dearer = one_member(price_usd_per_t=1100.0, dear_storage=False)
    d = record_result(tmp_path, solve_case(dearer, calm(dearer), "joint"), dearer)
    c = compare_runs(tmp_path, a, d)
    assert c.expected_cost.set_index("solution").loc["joint", "difference"] == pytest.approx(1.2, abs=1e-6)
    assert list(c.inputs["what"]) == ["data suppliers.csv"]


def test_table_diff_counts_what_changed():
    """Rows matched on the key columns (scenario, month): one value changed by 0.5, one row only in
    a, one only in b, and a column only in b."""
    a = pd.DataFrame({"scenario": ["s", "s", "t"], "month": [1, 2, 1], "x": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"scenario": ["s", "s", "u"], "month": [1, 2, 1], "x": [1.0, 2.5, 3.0], "y": [0.0] * 3})
    diff = table_diff(a, b)
    assert (diff["only_in_a"], diff["only_in_b"], diff["changed_cells"]) == (1, 1, 1)
    assert diff["max_abs_difference"] == 0.5 and diff["largest_in"] == "x"
    assert not diff["same"] and "columns only in b: y" in diff["note"]
    assert table_diff(a, a.copy())["same"]


def test_a_run_compared_with_itself_has_no_difference(tmp_path):
    case = one_member()
    run_id = record_result(tmp_path, solve_case(case, ban_month_1(case), "joint"), case)
    c = compare_runs(tmp_path, run_id, run_id)
    assert c.inputs.empty and c.tables["same"].all()
    assert (c.numbers["difference"].fillna(0) == 0).all()


# --- cooperation and sweeps ----------------------------------------------------------------

def test_a_cooperation_report_is_recorded_and_answered_from_the_store(tmp_path):
    """The two-member game of test_coop (Japan banned in month 1): recorded whole, and an
    identical request gets the same report back without solving."""
    case = two_members()
    scenario_set = ban_month_1(case, ["JP"])
    first = cooperation_with_store(tmp_path, case, scenario_set, RunOptions(), (0.0, 1.0))
    assert not first.recalled
    again = cooperation_with_store(tmp_path, case, scenario_set, RunOptions(), (0.0, 1.0))
    assert again.recalled and again.run_id == first.run_id
    assert json.dumps(coop_summary(again.answer), default=str) == json.dumps(coop_summary(first.answer), default=str)
    assert not cooperation_with_store(tmp_path, case, scenario_set, RunOptions(), (0.0,)).recalled
    run = load_run(tmp_path, first.run_id)
    assert run.kind == "coop" and run.record["crisis_value_musd"] == pytest.approx(8.5, abs=1e-6)
    assert_frame_equal(run.tables["run"]["shares"], first.answer.shares(), **EXACT)
    assert set(run.tables) >= {"joint", "KR alone", "JP alone", "joint (no disruption)", "headline", "run"}


def test_a_solve_and_a_coop_run_compare_on_the_same_headline(tmp_path):
    """The coop game's grand coalition is 'joint' and each member alone '<member> alone', as in a
    solve of mode both: the same LPs, so the same costs."""
    case = two_members()
    scenario_set = ban_month_1(case, ["JP"])
    solve_id = record_result(tmp_path, solve_case(case, scenario_set, "both"), case)
    coop_id = record_cooperation(tmp_path, cooperation_report(case, scenario_set, risk_weights=(0.0,)), case)
    cost = compare_runs(tmp_path, solve_id, coop_id).expected_cost.set_index("solution")
    assert cost["a"].to_dict() == pytest.approx({"joint": 24.5, "KR alone": 12.0, "JP alone": 21.0}, abs=1e-6)
    assert cost["difference"].abs().max() < 1e-6


def test_a_sweep_summary_round_trips(tmp_path):
    tables = {"tornado": pd.DataFrame({"assumption": ["price", "demand"], "low_musd": [1.0, 2.0],
                                       "high_musd": [3.0, 4.5]}),
              "samples": pd.DataFrame({"sample": np.arange(3), "cost_musd": [1.0, np.nan, 2.0],
                                       "status": ["optimal", "time_limit", "optimal"]})}
    metadata = {"method": "one-at-a-time", "samples": 3, "ranges": {"price": [0.9, 1.1]}}
    case = one_member()
    run_id = record_sweep(tmp_path, "sweep-42", metadata, tables, case=case, scenario_set=calm(case),
                          command="stockpile sweep x", key="sweep-key")
    run = load_run(tmp_path, run_id)
    assert run.kind == "sweep" and run.row["label"] == "sweep-42" and run.record["metadata"] == metadata
    for name, df in tables.items():
        assert_frame_equal(run.tables["run"][name], df, **EXACT)
    assert [r["run_id"] for r in list_runs(tmp_path, key="sweep-key")] == [run_id]
    assert run.case().fingerprint() == case.fingerprint()


# --- the run-history helpers ---------------------------------------------------------------

def test_history_helpers_list_filter_reopen_and_compare(tmp_path):
    assert runs_table(tmp_path).empty  # no store yet: an empty table, not an error
    case = one_member()
    a = record_result(tmp_path, solve_case(case, calm(case), "joint"), case, "stockpile solve calm")
    b = record_result(tmp_path, solve_case(case, ban_month_1(case), "joint"), case, "stockpile solve ban")
    record_sweep(tmp_path, "sweep-1", {}, {"t": pd.DataFrame({"x": [1.0]})})
    assert list(runs_table(tmp_path)["kind"]) == ["sweep", "solve", "solve"]
    assert list(runs_table(tmp_path, kind="solve")["run_id"]) == [b, a]
    assert list(runs_table(tmp_path, text="BAN")["run_id"]) == [b]
    assert list(runs_table(tmp_path, limit=1)["kind"]) == ["sweep"]
    row = runs_table(tmp_path, kind="solve").iloc[0]
    assert run_choice(row).endswith(f"solve fixture (joint) · optimal, 21.0 M USD · {b}")
    page = reopen(tmp_path, b)
    assert set(page["headline"]) == {"stock_days", "expected_cost", "shortfall"}
    frames = compare_for_page(tmp_path, a, b)
    assert list(frames["expected_cost"]["difference"]) == pytest.approx([9.0])  # 21 - 12: the month short
    assert frames["stock_days"].empty  # no stock in either
    assert set(frames["tables"]["table"]) >= {"shortfalls", "costs"}
