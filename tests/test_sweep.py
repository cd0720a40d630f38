"""Sensitivity sweeps (optimizer/sweep/): hand-worked tornado ends and Sobol indices on tiny cases,
the probability rule, the samples' inputs against optimizer.edits, failed samples, the sweep file's
errors and the command's exit codes. Resume after a kill: test_sweep_resume.py; Dask:
test_sweep_dask.py."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set
from optimizer.assumptions import load_assumptions
from optimizer.edits import apply_edits
from optimizer.errors import InputError
from optimizer.sweep import SweepFile, plan_sweep, run_sweep, scenario_probabilities, sweep_parameters, sweep_summary
from optimizer.sweep.cli import sweep
from optimizer.sweep.design import make_design
from optimizer.sweep.evaluate import NOT_OPTIMAL, ERROR
from optimizer.sweep.parameters import data_parameter, probability_parameters
from optimizer.sweep.sample_inputs import SampleInputs
from optimizer.sweep.store import SampleStore
from optimizer.sweep.tables import below_target_table, distribution_table

REL = 1e-6


def holding_range(low=0.06, high=0.24):
    return dict(name="holding", table="stockpile_costs", where={"commodity": "x"},
                field="holding_cost_share_per_year", low=low, high=high)


def threshold_case():
    """test_fixtures' probability-threshold case at p = 0.02, with a 10-day target for KR."""
    case = tiny_case(stock={"KR": (0.0, 0.0, 10.0)})
    return case, scenarios(case, ("base", 0.98, []), ("ban", 0.02, [ban(1, 1)]))


def sweep_into(folder, case, scenario_set, ranges, method="oat", samples=None, mode="joint", **options):
    parameters = sweep_parameters(case, scenario_set, None, SweepFile.model_validate({"parameters": ranges}))
    plan = plan_sweep(case, scenario_set, parameters, method, samples, mode=mode, options=RunOptions(**options))
    run = run_sweep(plan, folder, show_progress=False)
    return run, sweep_summary(folder)


def answer(table, quantity, column, member=""):
    rows = table[(table["quantity"] == quantity) & (table["member"] == member)]
    assert len(rows) == 1, rows
    return float(rows[column].iloc[0])


def test_one_parameter_tornado_ends_are_the_hand_worked_optima(tmp_path):
    """Holding 1 kt for the 12 months costs h M$ (h = holding share x 1 M$/kt); in the ban scenario
    (p = 0.02) it replaces a 10 M$/kt shortfall by a 1 M$/kt refill, saving 0.02 x 9 = 0.18. So
    stock pays iff h < 0.18:
    - low h = 0.06: 1 kt held (1000 t / (12,000 t / 365 d) = 30.42 days, above the 10-day target);
      cost 0.06 + 0.98 x 12 + 0.02 x (11 + 1) = 12.06 M$;
    - base h = 0.12: 1 kt, 12.12 M$ (test_fixtures);
    - high h = 0.24: no stock (0 days, below target); cost 0.98 x 12 + 0.02 x (10 + 11) = 12.18 M$,
      and the ban's month is short: expected shortfall 0.02 x 1 kt / 12 kt = 0.1667 % of demand.
    Swings: cost 0.12 M$, days of cover 30.42."""
    case, scenario_set = threshold_case()
    run, summary = sweep_into(tmp_path / "oat", case, scenario_set, [holding_range()])
    assert (run.planned, run.computed, run.failed) == (3, 3, 0) and summary["status"] == "complete"
    tornado = summary["tables"]["tornado"]
    assert answer(tornado, "expected_cost_musd", "answer_low") == pytest.approx(12.06, rel=REL)
    assert answer(tornado, "expected_cost_musd", "answer_base") == pytest.approx(12.12, rel=REL)
    assert answer(tornado, "expected_cost_musd", "answer_high") == pytest.approx(12.18, rel=REL)
    assert answer(tornado, "expected_cost_musd", "swing") == pytest.approx(0.12, rel=REL)
    days = 1000.0 / (12_000.0 / 365.0)
    assert answer(tornado, "days_of_cover", "answer_low", "KR") == pytest.approx(days, rel=REL)
    assert answer(tornado, "days_of_cover", "answer_high", "KR") == pytest.approx(0.0, abs=1e-6)
    assert answer(tornado, "below_target", "answer_low", "KR") == 0.0
    assert answer(tornado, "below_target", "answer_high", "KR") == 1.0
    assert answer(tornado, "shortfall_pct", "answer_high", "KR") == pytest.approx(100 * 0.02 / 12, rel=REL)


def test_sobol_indices_single_out_the_influential_parameter(tmp_path):
    """No disruption: the plan buys 12 kt at the price P and holds nothing, so the expected cost is
    12 x P / 1000 M$, a function of the price alone: all its variance is the price's (S1 = ST = 1,
    up to the estimator's sampling error at N = 32). The shortfall penalty is never paid, so the
    cost does not change when only the penalty changes: f(A_B^j) = f(A) sample by sample, and its
    S1 and ST are 0 exactly (to the LP's tolerance)."""
    case = tiny_case()
    calm = scenarios(case, ("base", 1.0, []))
    ranges = [dict(name="price", table="suppliers", where={"commodity": "x", "supplier": "a"},
                   field="price_usd_per_t", low=500, high=1500),
              dict(name="penalty", table="demand_response", where={"commodity": "x"},
                   field="shortfall_penalty_usd_per_t", low=5000, high=20000)]
    run, summary = sweep_into(tmp_path / "sobol", case, calm, ranges, method="sobol", samples=32)
    assert run.planned == 32 * (2 + 2) and run.failed == 0
    sobol = summary["tables"]["sobol"]
    cost = sobol[sobol["quantity"] == "expected_cost_musd"].set_index("parameter")
    assert cost.loc["price", "S1"] == pytest.approx(1.0, abs=0.05)
    assert cost.loc["price", "ST"] == pytest.approx(1.0, abs=0.05)
    assert abs(cost.loc["penalty", "S1"]) < 1e-9 and abs(cost.loc["penalty", "ST"]) < 1e-9
    store = SampleStore(tmp_path / "sobol")
    answers, design = store.answers(), store.design()
    store.close()
    costs = answers[answers["quantity"] == "expected_cost_musd"].set_index("sample_id")["value"]
    price = design.values[:, design.names.index("price")]
    assert np.allclose(costs.sort_index().to_numpy(), 12 * price / 1000, rtol=1e-9)


def test_rest_shares_what_the_swept_scenarios_leave():
    """Set a 0.5, b 0.3, c 0.2; b swept to 0.4: a and c share 0.6 as 5 : 2, a = 0.6 x 5/7 =
    0.428571, c = 0.6 x 2/7 = 0.171429; the sum is 1."""
    case = tiny_case()
    three = scenarios(case, ("a", 0.5, []), ("b", 0.3, [ban(1, 1)]), ("c", 0.2, [ban(2, 1)]))
    p = scenario_probabilities(three, {"b": 0.4})
    assert p == pytest.approx({"a": 0.6 * 5 / 7, "b": 0.4, "c": 0.6 * 2 / 7}, rel=1e-12)
    assert sum(p.values()) == 1.0


def test_sweeping_every_scenario_divides_the_weights_by_their_sum():
    """All swept at a 0.2, b 0.2, c 0.6 (sum 1.0) -> unchanged; at 1, 1, 2 -> 0.25, 0.25, 0.5."""
    case = tiny_case()
    three = scenarios(case, ("a", 0.5, []), ("b", 0.3, [ban(1, 1)]), ("c", 0.2, [ban(2, 1)]))
    assert scenario_probabilities(three, {"a": 0.2, "b": 0.2, "c": 0.6}) == pytest.approx(
        {"a": 0.2, "b": 0.2, "c": 0.6}, rel=1e-12)
    assert scenario_probabilities(three, {"a": 1.0, "b": 1.0, "c": 2.0}) == pytest.approx(
        {"a": 0.25, "b": 0.25, "c": 0.5}, rel=1e-12)


def test_probability_ranges_that_could_leave_the_rest_negative_are_refused():
    case = tiny_case()
    three = scenarios(case, ("a", 0.5, []), ("b", 0.3, [ban(1, 1)]), ("c", 0.2, [ban(2, 1)]))
    with pytest.raises(InputError) as error:
        probability_parameters(three, {"b": (0.2, 0.7), "c": (0.1, 0.4)}, "s.yaml")
    assert "highs sum to 1.1 > 1" in error.value.report()
    with pytest.raises(InputError) as error:
        probability_parameters(three, {"d": (0.1, 0.2)}, "s.yaml")
    assert "no scenario 'd'" in error.value.report()


def test_shipped_stochastic_set_probabilities_sweep_keeps_the_sum_at_one():
    """--probabilities on the stochastic set: every scenario but the event-free baseline from 0.5 to
    1.5 times its probability (highs sum to 0.9 <= 1), the baseline takes the rest."""
    case = load_case()
    stochastic = load_scenario_set("stochastic", case)
    spec = SweepFile.model_validate({"probabilities": {"scale": [0.5, 1.5]}})
    parameters = sweep_parameters(case, stochastic, None, spec)
    assert [p.scenario for p in parameters] == [s.name for s in stochastic.scenarios[1:]]
    maker = SampleInputs(case, stochastic, parameters)
    for row in make_design(parameters, "lhs", 20, seed=1).values:
        probabilities = [s.probability for s in maker.scenario_set_for(row).scenarios]
        assert min(probabilities) >= 0 and abs(sum(probabilities) - 1.0) < 1e-12


def test_design_sizes_follow_each_method():
    """D = 3 parameters: oat 1 + 2D = 7; morris r (D + 1) = 16 for r = 4; sobol N (D + 2) = 40 for
    N = 8; lhs and mc N. Sobol needs a power of 2."""
    case, scenario_set = threshold_case()
    ranges = [holding_range(),
              dict(name="price", table="suppliers", where={"commodity": "x", "supplier": "a"},
                   field="price_usd_per_t", low=500, high=1500),
              dict(name="lead", table="stockpile_costs", where={"commodity": "x"}, field="release_lead_days",
                   low=0, high=30)]
    parameters = sweep_parameters(case, scenario_set, None, SweepFile.model_validate({"parameters": ranges}))
    sizes = {m: make_design(parameters, m, n, seed=0).size
             for m, n in (("oat", None), ("morris", 4), ("sobol", 8), ("lhs", 10), ("mc", 10))}
    assert sizes == {"oat": 7, "morris": 16, "sobol": 40, "lhs": 10, "mc": 10}
    lead = parameters[2]
    assert lead.integer and lead.sampling_bounds() == (-0.5, 30.5) and lead.applied(29.6) == 30
    with pytest.raises(InputError, match="power of 2"):
        make_design(parameters, "sobol", 10, seed=0)


@pytest.mark.parametrize("name,value", [("kr_graphite_china_share", 0.94), ("kr_graphite_stock", 5000.0),
                                        ("lng_price", 820.0), ("mineral_release_lead", 30.0)])
def test_sample_case_equals_the_assumption_edits_applied(name, value):
    """A sample's case is the case optimizer.edits.apply_edits makes from Assumption.edits: the
    other KR graphite shares rescaled to 0.06 between them, storage raised to a 5,000 t stock."""
    case = load_case()
    [assumption] = [a for a in load_assumptions(case) if a.name == name]
    maker = SampleInputs(case, load_scenario_set("stochastic", case), [data_parameter(assumption)])
    made = maker.case_for(np.array([value]))
    assert made.fingerprint() == apply_edits(case, assumption.edits(value, case), "test").fingerprint()
    if name == "kr_graphite_china_share":
        shares = made.table("import_shares")
        kr = shares[(shares["member"] == "KR") & (shares["commodity"] == "graphite")]
        assert kr["import_share"].sum() == pytest.approx(1.0, abs=1e-12)


def test_failed_and_non_optimal_samples_are_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    """A time limit of a nanosecond stops HiGHS before the optimum: every sample is recorded as
    not optimal with HiGHS's reason. Then a solve that raises at the high end of the range is
    recorded as an error, and the base and low samples still finish optimal."""
    case, scenario_set = threshold_case()
    run, summary = sweep_into(tmp_path / "limit", case, scenario_set, [holding_range()], time_limit_s=1e-9)
    store = SampleStore(tmp_path / "limit")
    samples = store.samples()
    store.close()
    assert run.computed == 3 and run.failed == 3 and summary["status"] == "complete_with_failures"
    assert set(samples["status"]) == {NOT_OPTIMAL} and samples["reason"].str.contains("time limit").all()

    from optimizer.warm import WarmRunner

    solve = WarmRunner.solve

    def fails_at_high_holding(self, case, *args, **kwargs):
        if float(case.table("stockpile_costs")["holding_cost_share_per_year"].iloc[0]) == 0.24:
            raise RuntimeError("simulated failure")
        return solve(self, case, *args, **kwargs)

    monkeypatch.setattr(WarmRunner, "solve", fails_at_high_holding)
    run, summary = sweep_into(tmp_path / "raise", case, scenario_set, [holding_range()])
    failures = summary["tables"]["failures"]
    assert run.failed == 1 and failures["status"].tolist() == [ERROR]
    assert "RuntimeError: simulated failure" in failures["reason"].iloc[0]
    assert summary["samples"]["optimal"] == 2


def test_sweep_file_problems_name_the_file_the_field_and_what_is_valid(tmp_path):
    case, scenario_set = threshold_case()
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"parameters": [holding_range()], "method": "oat"}))
    from optimizer.sweep import read_sweep_file

    with pytest.raises(InputError) as error:
        read_sweep_file(path)
    assert "bad.yaml" in error.value.report() and "method" in error.value.report()
    bad = [dict(holding_range(), table="stock_costs"),
           dict(holding_range(), where={"commodity": "y"}),
           dict(holding_range(), field="source"),
           dict(holding_range(), high=1.5)]
    with pytest.raises(InputError) as error:
        sweep_parameters(case, scenario_set, None, SweepFile.model_validate({"parameters": bad}), "s.yaml")
    report = error.value.report()
    assert "unknown table 'stock_costs'" in report and "no row of stockpile_costs.csv matches" in report
    assert "'source' is not a number column" in report and "1.5 is above 1, the largest valid value" in report
    twice = [holding_range(), dict(holding_range(), name="again")]
    with pytest.raises(InputError, match="which holding sets too"):
        sweep_parameters(case, scenario_set, None, SweepFile.model_validate({"parameters": twice}), "s.yaml")


def test_a_folder_holds_one_sweep_and_resuming_needs_the_flag(tmp_path):
    case, scenario_set = threshold_case()
    sweep_into(tmp_path / "s", case, scenario_set, [holding_range()])
    parameters = sweep_parameters(case, scenario_set, None, SweepFile.model_validate({"parameters": [holding_range()]}))
    same = plan_sweep(case, scenario_set, parameters, "oat", mode="joint")
    with pytest.raises(InputError, match="pass --resume"):
        run_sweep(same, tmp_path / "s", show_progress=False)
    assert run_sweep(same, tmp_path / "s", resume=True, show_progress=False).computed == 0
    other = plan_sweep(case, scenario_set, parameters, "oat", mode="both")
    with pytest.raises(InputError, match="holds another sweep"):
        run_sweep(other, tmp_path / "s", resume=True, show_progress=False)


def test_distribution_and_below_target_tables_by_hand():
    """Four samples of one member's days of cover: 10, 20, 30, 40 against a 25-day target: two below,
    probability 0.5; mean 25, median 25, p05 = 10 + 0.15 x 10 = 11.5 (linear interpolation)."""
    rows = []
    for sample, days in enumerate((10.0, 20.0, 30.0, 40.0)):
        rows += [(sample, "days_of_cover", "joint", "KR", "x", days),
                 (sample, "below_target", "joint", "KR", "x", float(days < 25.0))]
    answers = pd.DataFrame(rows, columns=["sample_id", "quantity", "solution", "member", "commodity", "value"])
    below = below_target_table(answers)
    assert below[["probability_below_target", "median_days_of_cover"]].values.tolist() == [[0.5, 25.0]]
    days = distribution_table(answers).set_index("quantity").loc["days_of_cover"]
    assert (days["mean"], days["p50"], days["p05"], days["samples"]) == (25.0, 25.0, pytest.approx(11.5), 4)


def run_cli(*args):
    return CliRunner().invoke(sweep, list(args), catch_exceptions=False)


def test_cli_exit_codes_and_outputs(tmp_path):
    """A bad sample count exits 1 with the reason; a one-assumption tornado on the shipped data exits
    0 and leaves its tables; the same command again needs --resume."""
    bad = run_cli("stochastic", "--method", "sobol", "--samples", "10", "--out", str(tmp_path / "bad"))
    assert bad.exit_code == 1 and "power of 2" in bad.output
    unknown = run_cli("stochastic", "--assumptions", "no_such", "--out", str(tmp_path / "bad"))
    assert unknown.exit_code == 1 and "unknown assumption 'no_such'" in unknown.output
    args = ("stochastic", "--assumptions", "lng_price", "--mode", "joint", "--horizon", "12", "--quiet",
            "--out", str(tmp_path / "oat"))
    ok = run_cli(*args, "--json")
    assert ok.exit_code == 0, ok.output
    import json

    payload = json.loads(ok.stdout)
    assert payload["status"] == "complete" and payload["samples"]["optimal"] == 3
    assert {"tornado.csv", "distribution.csv", "below_target.csv", "samples.sqlite", "sweep.json"} <= {
        p.name for p in Path(tmp_path / "oat").iterdir()}
    assert run_cli(*args).exit_code == 1
    assert run_cli(*args, "--resume").exit_code == 0


def test_cli_records_the_finished_sweep_in_the_run_store(tmp_path):
    """The sweep is recorded once per finished command, under its id, with its tornado; --no-store
    records nothing."""
    from optimizer.store import list_runs, load_run

    base = ("stochastic", "--assumptions", "lng_price", "--mode", "joint", "--horizon", "12", "--quiet", "--json")
    store = tmp_path / "store"
    result = run_cli(*base, "--out", str(tmp_path / "a"), "--store", str(store))
    assert result.exit_code == 0, result.output
    import json

    payload = json.loads(result.stdout)
    (row,) = list_runs(store, kind="sweep")
    assert row["run_id"] == payload["run_id"] and row["label"] == payload["id"] and row["status"] == "complete"
    stored = load_run(store, row["run_id"]).tables["run"]["tornado"]
    written = pd.read_csv(tmp_path / "a" / "tornado.csv", keep_default_na=False)
    assert len(stored) == len(written) > 0 and set(stored["parameter"]) == {"lng_price"}
    assert run_cli(*base, "--out", str(tmp_path / "b"), "--store", str(tmp_path / "none"), "--no-store").exit_code == 0
    assert list_runs(tmp_path / "none") == []


def test_tornado_and_sobol_bars_order_one_answer_widest_first():
    """Pure helpers for a Sensitivity page: a base answer of 10; parameter a moves it to 8 / 14
    (swing 6), b to 9 / 10.5 (swing 1.5), and b's high sample failed (no answer: NaN, swing NaN
    sorted last). Sobol bars order by ST."""
    from optimizer.sweep.design import Design
    from optimizer.sweep.parameters import Parameter
    from optimizer.sweep.tables import sobol_bars, tornado_for, tornado_rows

    labels = ["base", "a:low", "a:high", "b:low", "b:high"]
    design = Design("oat", ["a", "b"], np.zeros((5, 2)), labels)
    parameters = [Parameter("a", "data", 0.0, 1.0, 0.5, "u"), Parameter("b", "data", 0.0, 2.0, 1.0, "v")]
    answers = pd.DataFrame({"sample_id": [0, 1, 2, 3], "quantity": "crisis_value_musd", "solution": "",
                            "member": "", "commodity": "", "value": [10.0, 8.0, 14.0, 9.0]})
    bars = tornado_for(tornado_rows(answers, design, parameters), "crisis_value_musd")
    assert bars["parameter"].tolist() == ["a", "b"]
    assert bars.loc[0, ["answer_low", "answer_high", "swing"]].tolist() == [8.0, 14.0, 6.0]
    assert bars.loc[1, "answer_low"] == 9.0 and np.isnan(bars.loc[1, "answer_high"])
    indices = pd.DataFrame({"quantity": "crisis_value_musd", "solution": "", "member": "", "commodity": "",
                            "parameter": ["a", "b", "c"], "S1": [0.1, 0.6, 0.0], "S1_conf": 0.01,
                            "ST": [0.3, 0.7, 0.0], "ST_conf": 0.02})
    assert sobol_bars(indices, "crisis_value_musd", top=2)["parameter"].tolist() == ["b", "a"]
