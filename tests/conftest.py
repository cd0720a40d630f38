import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def shipped_results():
    """Every shipped scenario set solved joint and independent on the shipped data (solved once)."""
    from optimizer import load_case, load_scenario_set, solve_case
    from optimizer.scenarios import list_scenarios

    case = load_case()
    return {name: solve_case(case, load_scenario_set(name, case), "both") for name in list_scenarios()}


@pytest.fixture(autouse=True)
def _own_run_store(monkeypatch, tmp_path_factory):
    """Every test records into a run store of its own: none writes into the user's home folder, and
    none is answered from another test's runs (the CLI records by default)."""
    monkeypatch.setenv("KJ_STOCKPILE_STORE", str(tmp_path_factory.mktemp("run_store")))
