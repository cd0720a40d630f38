"""Korea-Japan critical-mineral and LNG stockpile optimizer.

Data flows one way: load_case (data/*.csv) -> load_scenario_set (scenarios/*.yaml) ->
solve_case (build the LP blocks, solve with HiGHS) -> RunResult of pandas DataFrames.
"""

from .case import Case, case_from_tables, load_case
from .errors import InputError, Problem
from .inputs import RunOptions
from .run import MODES, RunResult, Solution, solve_case
from .scenarios import ScenarioSet, list_scenarios, load_scenario_set, scenario_set_from_dict

__all__ = [
    "MODES", "Case", "InputError", "Problem", "RunOptions", "RunResult", "ScenarioSet", "Solution",
    "case_from_tables", "list_scenarios", "load_case", "load_scenario_set", "scenario_set_from_dict",
    "solve_case",
]
