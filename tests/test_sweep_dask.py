"""The Dask engine: a sweep on a LocalCluster gives the local path's answers, sample by sample, and
the decomposition's leaves held by Dask actors reach the in-process optimum. The cluster runs in
this process (two worker threads, processes=False): what CI can start in a second; the worker
processes of `--workers N` are exercised by tests/test_decompose.py."""

import logging

import pytest

from builders import ban, scenarios, tiny_case
from optimizer import RunOptions, load_case, load_scenario_set
from optimizer.decompose import solve_decomposed
from optimizer.inputs import build_inputs
from optimizer.sweep import SweepFile, plan_sweep, run_sweep, sweep_parameters
from optimizer.sweep.store import SampleStore

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def stored(folder):
    store = SampleStore(folder)
    samples, answers = store.samples(), store.answers()
    store.close()
    return samples, answers


def test_sweep_on_dask_equals_the_local_sweep(tmp_path, scheduler):
    """A Latin hypercube of 24 samples over the holding share and the price, joint and alone (mode
    both, two members, a ban on JP only): the same samples, the same answers (to 1e-9), on both
    of the cluster's workers."""
    case = tiny_case(members=("KR", "JP"), transfers=[("KR", "JP", 0, 5000.0, 500.0)])
    scenario_set = scenarios(case, ("base", 0.9, []), ("jp_ban", 0.1, [ban(1, 2, members=["JP"])]))
    spec = SweepFile.model_validate({"parameters": [
        dict(name="holding", table="stockpile_costs", where={"commodity": "x"},
             field="holding_cost_share_per_year", low=0.06, high=0.24),
        dict(name="price", table="suppliers", where={"commodity": "x", "supplier": "a"},
             field="price_usd_per_t", low=500, high=1500)]})
    plan = plan_sweep(case, scenario_set, sweep_parameters(case, scenario_set, None, spec), "lhs", 24, mode="both")
    run_sweep(plan, tmp_path / "local", show_progress=False)
    on_dask = run_sweep(plan, tmp_path / "dask", scheduler=scheduler, show_progress=False)
    assert (on_dask.computed, on_dask.failed) == (24, 0)
    (local_samples, local), (dask_samples, remote) = stored(tmp_path / "local"), stored(tmp_path / "dask")
    assert dask_samples["worker"].nunique() == 2 and local_samples["worker"].nunique() == 1
    key = ["sample_id", "quantity", "solution", "member", "commodity"]
    merged = local.merge(remote, on=key, how="outer", indicator=True)
    assert len(merged) == len(local) and (merged["_merge"] == "both").all()
    assert merged["value_x"].to_numpy() == pytest.approx(merged["value_y"].to_numpy(), rel=1e-9, abs=1e-9)
    assert {"crisis_value_musd", "days_of_cover", "shortfall_pct"} <= set(remote["quantity"])


def test_decomposition_leaves_on_dask_actors_reach_the_same_optimum(scheduler):
    """The stochastic set's leaves (12 months) dealt to the cluster's two workers, whose Dask actors
    keep their LPs between rounds: the in-process decomposition's optimum to 1e-9 and the same
    stock to hold (the leaves' cuts reach the master in another order, so degenerate columns may
    differ; the starting stock does not)."""
    case = load_case()
    stochastic = load_scenario_set("stochastic", case)
    p = build_inputs(stochastic.apply_to(case), stochastic, RunOptions(horizon_months=12))
    here = solve_decomposed(p)
    there = solve_decomposed(p, scheduler=scheduler)
    assert there.objective == pytest.approx(here.objective, rel=1e-9)
    stock = here.made.layout.column("Initial_Stock").positions
    stock = stock[stock >= 0]
    assert there.values[stock] == pytest.approx(here.values[stock], rel=1e-6, abs=1e-6)


def test_solve_case_passes_the_scheduler_to_the_decomposition(scheduler):
    """RunOptions(scheduler=...) (`stockpile solve --scheduler`) puts a decomposed solve's leaves
    on that cluster: the same objective as in this process, and the same inputs key (where the LPs
    are solved is not an input of the plan)."""
    from optimizer import solve_case
    from optimizer.run import inputs_key

    case = load_case()
    stochastic = load_scenario_set("stochastic", case)
    here_options = RunOptions(horizon_months=12, decompose=True)
    there_options = RunOptions(horizon_months=12, decompose=True, scheduler=scheduler)
    here = solve_case(case, stochastic, "joint", here_options).joint
    there = solve_case(case, stochastic, "joint", there_options).joint
    assert here.outcome.optimal and there.outcome.optimal
    assert there.outcome.objective == pytest.approx(here.outcome.objective, rel=1e-9)
    fingerprint = case.fingerprint()
    assert inputs_key(fingerprint, stochastic, "joint", here_options) == \
        inputs_key(fingerprint, stochastic, "joint", there_options)
