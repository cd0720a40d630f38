"""What a sweep varies: data assumptions (cells of the input tables, with a low and a high) and
scenario probabilities, each one named parameter.

Data parameters come from data/assumptions.csv (optimizer.assumptions) or are given in a sweep
file for data without one. Probability parameters follow one rule (docs/sweeps.md, "Scenario
probabilities"): the swept scenarios take their sampled probabilities and the scenarios not swept
(the rest) share what is left, 1 - sum of the swept ones, in proportion to their own
probabilities; if every scenario is swept, the sampled numbers are weights, divided by their sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..assumptions import Assumption, matching_rows
from ..case import Case
from ..errors import InputError, Problem
from ..scenarios import ScenarioSet
from ..schema import TABLES_BY_NAME

DATA, PROBABILITY = "data", "probability"
DEFAULT_PROBABILITY_SCALE = (0.5, 1.5)  # the stochastic set's notes give each weight x0.5 to x1.5


@dataclass(frozen=True)
class Parameter:
    """One swept number, plausible from `low` to `high`; `base` is its value in the unswept
    inputs. A data parameter sets every cell its assumption names (integer columns take the
    nearest whole number); a probability parameter sets one scenario's probability."""

    name: str
    kind: str  # DATA or PROBABILITY
    low: float
    high: float
    base: float
    unit: str
    integer: bool = False
    assumption: Assumption | None = None  # DATA
    scenario: str | None = None  # PROBABILITY

    def applied(self, value: float) -> float | int:
        """The value written into the inputs: whole for an integer column."""
        return int(round(value)) if self.integer else float(value)

    def sampling_bounds(self) -> tuple[float, float]:
        """The interval a sampler draws from: an integer parameter's is widened by half a unit on
        each side, so that rounding gives each whole value from low to high the same chance."""
        return (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)


def data_parameter(assumption: Assumption) -> Parameter:
    column = next(c for c in TABLES_BY_NAME[assumption.table].columns if c.name == assumption.field)
    return Parameter(assumption.name, DATA, assumption.low, assumption.high, assumption.value, assumption.unit,
                     integer=column.kind == "integer", assumption=assumption)


def selected_assumptions(assumptions: list[Assumption], names: list[str] | None, origin: str) -> list[Assumption]:
    """All assumptions (names None), or those named, in the order named; every unknown name is a problem."""
    if names is None:
        return list(assumptions)
    by_name = {a.name: a for a in assumptions}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError([Problem(origin, None, "assumptions", f"unknown assumption '{n}'; valid: "
                                                               f"{', '.join(sorted(by_name))}") for n in unknown])
    return [by_name[n] for n in names]


def direct_assumption(entry: dict, case: Case, origin: str, where: str) -> tuple[Assumption | None, list[Problem]]:
    """A range given in a sweep file (name, table, where, field, low, high, unit) as an Assumption,
    checked against the case as data/assumptions.csv rows are: the cells exist and hold one value."""
    problems = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(origin, None, f"{where}.{field}", message))

    schema = TABLES_BY_NAME.get(entry["table"])
    if schema is None:
        bad("table", f"unknown table '{entry['table']}'; valid: {', '.join(sorted(TABLES_BY_NAME))}")
        return None, problems
    settable = [c.name for c in schema.columns if c.kind in ("number", "integer") and c.name not in schema.key]
    if entry["field"] not in settable:
        bad("field", f"'{entry['field']}' is not a number column of {schema.file}; valid: {', '.join(settable)}")
    unknown = [k for k in entry["where"] if k not in schema.key]
    if unknown:
        bad("where", f"'{', '.join(unknown)}' is not a key column of {schema.file}; valid: {', '.join(schema.key)}")
    if not entry["low"] <= entry["high"]:
        bad("low", f"low {entry['low']:g} is above high {entry['high']:g}")
    column = next((c for c in schema.columns if c.name == entry["field"]), None)
    if column is not None and not problems:
        for end in ("low", "high"):
            message = _out_of_column(column, entry[end])
            if message:
                bad(end, f"{entry[end]:g} {message} of {schema.file} {entry['field']}")
    if problems:
        return None, problems
    where_text = {k: str(v) for k, v in entry["where"].items()}
    cells = matching_rows(case.table(entry["table"]), where_text)[entry["field"]].astype(float).tolist()
    if not cells:
        bad("where", f"no row of {schema.file} matches {where_text}")
    elif any(not math.isclose(v, cells[0], rel_tol=1e-9, abs_tol=1e-12) for v in cells):
        bad("where", f"the rows it names hold different values of {entry['field']} ({min(cells):g} to "
                     f"{max(cells):g}); name rows that hold one value, one parameter each")
    if problems:
        return None, problems
    return Assumption(entry["name"], entry["table"], where_text, entry["field"], cells[0], entry["low"],
                      entry["high"], entry.get("unit") or "", "sweep file range", origin), []


def _out_of_column(column, value: float) -> str | None:
    """Why the column cannot hold `value`, or None (the bounds of optimizer.schema)."""
    if column.positive and value <= 0:
        return "is not above 0, the smallest valid value"
    if column.low is not None and value < column.low:
        return f"is below {column.low:g}, the smallest valid value"
    if column.high is not None and value > column.high:
        return f"is above {column.high:g}, the largest valid value"
    return None


def probability_parameters(scenario_set: ScenarioSet, ranges: dict[str, tuple[float, float]],
                           origin: str) -> list[Parameter]:
    """One parameter per swept scenario (named 'p:<scenario>'), checked so that every sample's
    probabilities are valid: each range within [0, 1], and, when some scenarios are not swept,
    the highs sum to at most 1 (the rest never falls below 0); when all are swept, the lows must
    not all be 0 (the weights need a positive sum)."""
    base = {s.name: s.probability for s in scenario_set.scenarios}
    problems = []
    for name, (low, high) in ranges.items():
        where = f"probabilities.scenarios.{name}"
        if name not in base:
            problems.append(Problem(origin, None, where, f"no scenario '{name}' in set {scenario_set.name}; "
                                                         f"valid: {', '.join(base)}"))
        elif not 0.0 <= low <= high <= 1.0:
            problems.append(Problem(origin, None, where, f"range {low:g}..{high:g} must satisfy 0 <= low <= high <= 1"))
    if not problems and len(ranges) < len(base) and sum(h for _, h in ranges.values()) > 1.0 + 1e-12:
        problems.append(Problem(origin, None, "probabilities", f"the swept scenarios' highs sum to "
                                f"{sum(h for _, h in ranges.values()):.6g} > 1: the scenarios not swept would "
                                "get a negative probability; lower the highs or sweep every scenario"))
    if not problems and len(ranges) == len(base) and sum(lo for lo, _ in ranges.values()) <= 0.0:
        problems.append(Problem(origin, None, "probabilities", "every scenario is swept, so the samples are "
                                "weights divided by their sum; give at least one range a low above 0"))
    if problems:
        raise InputError(problems)
    return [Parameter(f"p:{name}", PROBABILITY, low, high, base[name], "probability", scenario=name)
            for name, (low, high) in ranges.items()]


def scaled_ranges(scenario_set: ScenarioSet, scale: tuple[float, float], rest: str | None) -> dict:
    """Every scenario but `rest` swept from scale[0] to scale[1] times its probability (at most 1).
    rest None: the set's one scenario without events, else its first scenario."""
    rest = rest or next((s.name for s in scenario_set.scenarios if not s.events), scenario_set.scenarios[0].name)
    return {s.name: (min(1.0, scale[0] * s.probability), min(1.0, scale[1] * s.probability))
            for s in scenario_set.scenarios if s.name != rest}


def scenario_probabilities(scenario_set: ScenarioSet, swept: dict[str, float]) -> dict[str, float]:
    """The probability of every scenario given the swept ones' sampled values (the module's rule).
    The last scenario of the rest takes 1 minus all the others, so that they sum to 1 exactly."""
    names = [s.name for s in scenario_set.scenarios]
    if len(swept) == len(names):
        total = sum(swept.values())
        out = {n: swept[n] / total for n in names}
    else:
        rest = [s for s in scenario_set.scenarios if s.name not in swept]
        left = max(0.0, 1.0 - sum(swept.values()))
        weight = sum(s.probability for s in rest)
        out = dict(swept)
        for s in rest:
            out[s.name] = left * (s.probability / weight if weight > 0 else 1.0 / len(rest))
    last = names[-1] if len(swept) == len(names) else next(n for n in reversed(names) if n not in swept)
    out[last] = max(0.0, 1.0 - sum(v for n, v in out.items() if n != last))
    return {n: out[n] for n in names}


def check_distinct_cells(parameters: list[Parameter], case: Case, scenario_set: ScenarioSet, origin: str) -> None:
    """Two parameters may not set the same cell, and a parameter may not set a cell the scenario
    set overrides (the override would win and the parameter would move nothing)."""
    owner, problems = {}, []
    overridden = {(e.table, tuple(sorted((k, str(v)) for k, v in e.where.items())), f)
                  for e in scenario_set.overrides for f in e.values}
    for p in parameters:
        if p.kind != DATA:
            continue
        for edit in p.assumption.edits(p.base, case):
            if p.assumption.field not in edit.values:
                continue  # a cell kept consistent (a rebalanced share), not the one it sets
            cell = (edit.table, tuple(sorted((k, str(v)) for k, v in edit.where.items())), p.assumption.field)
            if cell in owner and owner[cell] != p.name:
                problems.append(Problem(origin, None, p.name, f"sets {edit.table}.csv {dict(cell[1])} "
                                        f"{cell[2]}, which {owner[cell]} sets too; keep one of them"))
            owner[cell] = p.name
            if cell in overridden:
                problems.append(Problem(origin, None, p.name, f"sets {edit.table}.csv {dict(cell[1])} {cell[2]}, "
                                        f"which scenario set {scenario_set.name} overrides; the sweep would not "
                                        "move it"))
    if problems:
        raise InputError(problems)
