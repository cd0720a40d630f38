"""Korea-Japan critical-mineral and LNG stockpile optimizer.

Data flows one way: load_case (data/*.csv) -> load_scenario_set (scenarios/*.yaml) ->
solve_case (build the LP blocks, solve with HiGHS) -> RunResult of pandas DataFrames.

The names below are imported on first use (PEP 562), so that `import optimizer.cli` - what the
`stockpile` command does first - loads neither pandas nor Pyomo: `stockpile --help` answers at once.
"""

from importlib import import_module

_HOME = {
    "Case": "case", "case_from_tables": "case", "load_case": "case",
    "InputError": "errors", "Problem": "errors",
    "RunOptions": "inputs",
    "MODES": "run", "RunResult": "run", "Solution": "run", "solve_case": "run",
    "ScenarioSet": "scenarios", "list_scenarios": "scenarios", "load_scenario_set": "scenarios",
    "scenario_set_from_dict": "scenarios",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
