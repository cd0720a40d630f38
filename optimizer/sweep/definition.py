"""Which parameters a sweep varies: the assumptions of data/assumptions.csv, ranges given in a sweep
file (YAML, for data without an assumptions table, or to add ranges), and scenario probabilities.

A sweep file (every key optional; unknown keys are errors):

    assumptions: all                 # or a list of names in assumptions.csv; default none
    parameters:                      # ranges given here
      - name: gallium_china_price
        table: suppliers
        where: {commodity: gallium, supplier: china}
        field: price_usd_per_t
        low: 230000
        high: 300000
        unit: USD/t
    probabilities:                   # see parameters.py for the rule that keeps the sum at 1
      rest: baseline                 # the scenario(s) not swept take 1 - the swept ones (default:
                                     # the set's scenario without events, else its first)
      scale: [0.5, 1.5]              # every other scenario from 0.5 to 1.5 times its probability
      scenarios:                     # and/or explicit ranges (these win over scale)
        combined_worst_case: [0.005, 0.02]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..assumptions import FILE as ASSUMPTIONS_FILE, load_assumptions
from ..case import Case
from ..errors import InputError, Problem
from ..scenarios import ScenarioSet
from .parameters import (DEFAULT_PROBABILITY_SCALE, Parameter, check_distinct_cells, data_parameter,
                         direct_assumption, probability_parameters, scaled_ranges, selected_assumptions)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Range(_Strict):
    name: str = Field(min_length=1)
    table: str
    where: dict[str, str | int | float] = {}
    field: str
    low: float
    high: float
    unit: str = ""


class _Probabilities(_Strict):
    rest: str | None = None
    scale: tuple[float, float] | None = None
    scenarios: dict[str, tuple[float, float]] = {}


class SweepFile(_Strict):
    assumptions: Literal["all", "none"] | list[str] = "none"
    parameters: list[_Range] = []
    probabilities: _Probabilities | None = None


def read_sweep_file(path: Path) -> SweepFile:
    """The sweep file, validated; InputError naming the file, line or field, and what is valid."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "sweep file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError([Problem(path.name, line, None, f"not valid YAML: {exc}")]) from None
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([Problem(path.name, None, ".".join(str(p) for p in err["loc"]) or None,
                                  "unknown key; valid keys: assumptions, parameters, probabilities (see "
                                  "docs/sweeps.md)" if err["type"] == "extra_forbidden" else err["msg"])
                          for err in exc.errors()]) from None


def sweep_parameters(case: Case, scenario_set: ScenarioSet, data_dir: Path | None, spec: SweepFile,
                     origin: str = "sweep") -> list[Parameter]:
    """The parameters `spec` names, in order: assumptions, then direct ranges, then probabilities;
    every problem reported at once."""
    problems, parameters = [], []
    if spec.assumptions != "none":
        names = None if spec.assumptions == "all" else list(spec.assumptions)
        try:
            assumptions = load_assumptions(case, data_dir)
            parameters += [data_parameter(a) for a in selected_assumptions(assumptions, names, origin)]
        except InputError as exc:
            problems += exc.problems
    for i, entry in enumerate(spec.parameters):
        assumption, entry_problems = direct_assumption(entry.model_dump(), case, origin, f"parameters[{i}]")
        problems += entry_problems
        if assumption is not None:
            parameters.append(data_parameter(assumption))
    if spec.probabilities is not None:
        try:
            parameters += _probability_parameters(scenario_set, spec.probabilities, origin)
        except InputError as exc:
            problems += exc.problems
    names = [p.name for p in parameters]
    problems += [Problem(origin, None, "parameters", f"'{n}' is named twice") for n in sorted(set(names))
                 if names.count(n) > 1]
    if not problems and not parameters:
        problems.append(Problem(origin, None, None, "nothing to sweep: name assumptions (all, or a list), give "
                                                    "parameters with ranges, or sweep probabilities"))
    if problems:
        raise InputError(problems)
    check_distinct_cells(parameters, case, scenario_set, origin)
    return parameters


def _probability_parameters(scenario_set: ScenarioSet, spec: _Probabilities, origin: str) -> list[Parameter]:
    names = [s.name for s in scenario_set.scenarios]
    if spec.rest is not None and spec.rest not in names:
        raise InputError([Problem(origin, None, "probabilities.rest",
                                  f"no scenario '{spec.rest}' in set {scenario_set.name}; valid: {', '.join(names)}")])
    ranges = scaled_ranges(scenario_set, spec.scale, spec.rest) if spec.scale else {}
    ranges.update({name: tuple(r) for name, r in spec.scenarios.items()})
    if spec.rest in ranges:
        raise InputError([Problem(origin, None, "probabilities.rest", f"'{spec.rest}' takes what the swept "
                                                                       "scenarios leave; it cannot be swept too")])
    if not ranges:
        raise InputError([Problem(origin, None, "probabilities", "give scale or scenarios")])
    return probability_parameters(scenario_set, {n: ranges[n] for n in names if n in ranges}, origin)


def command_line_spec(sweep_file: Path | None, assumptions: str | None, probabilities: bool,
                      data_dir: Path) -> SweepFile:
    """The sweep's parameters from the command's options: the file's, plus --assumptions (all or
    names, comma-separated) and --probabilities (every scenario but the calm one, x0.5 to x1.5).
    With neither a file nor --assumptions: every assumption of assumptions.csv, if the data has one."""
    spec = read_sweep_file(sweep_file) if sweep_file is not None else SweepFile()
    update = {}
    if assumptions is not None:
        update["assumptions"] = assumptions if assumptions in ("all", "none") else \
            [n.strip() for n in assumptions.split(",") if n.strip()]
    elif sweep_file is None and (Path(data_dir) / ASSUMPTIONS_FILE).is_file():
        update["assumptions"] = "all"
    if probabilities and spec.probabilities is None:
        update["probabilities"] = _Probabilities(scale=DEFAULT_PROBABILITY_SCALE)
    return spec.model_copy(update=update)
