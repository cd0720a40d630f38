"""Scenario sets from YAML (scenarios/*.yaml), validated against the case (see docs/scenarios.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .case import Case, Names
from .edits import CellEdit, apply_edits
from .errors import InputError, Problem, os_problem, require
from .locations import DEFAULT_SCENARIO_DIR

PROBABILITY_TOLERANCE = 1e-9
MAX_MONTH = 600  # the longest horizon a run may have (stockpile solve --horizon)
# A scenario file is a few levels deep (file > scenarios > entry > events > event > members) and a
# few thousand values at most; far beyond that it is a mistake or an attack (a YAML alias bomb),
# and validating it would exhaust the stack or the memory before saying so.
MAX_NESTING = 50
MAX_VALUES = 1_000_000


class _Strict(BaseModel):
    # allow_inf_nan: YAML's .inf and .nan are floats; no field of a scenario means anything with them
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Timed(_Strict):
    start_month: int = Field(ge=1, le=MAX_MONTH, description="first month affected; month 1 starts the horizon")
    duration_months: int = Field(gt=0, le=MAX_MONTH)
    # when the planner learns of the event (docs/model.md, "Information"): announced_month, or
    # warning_months before the start; by default when it starts (a surprise)
    announced_month: int | None = Field(default=None, ge=1, le=MAX_MONTH, description="month the event is announced")
    warning_months: int | None = Field(default=None, ge=0, le=MAX_MONTH,
                                       description="months of notice before the start")

    @model_validator(mode="after")
    def _one_announcement(self) -> "_Timed":
        if self.announced_month is not None and self.warning_months is not None:
            raise ValueError("give announced_month or warning_months, not both")
        if self.announced > self.start_month:
            raise ValueError(f"announced_month {self.announced} is after start_month {self.start_month}")
        if self.announced < 1:
            raise ValueError(f"warning_months {self.warning_months} before start_month {self.start_month} "
                             f"announces it in month {self.announced}; the first decision month is 1, so at "
                             f"most {self.start_month - 1} months of warning")
        return self

    @property
    def announced(self) -> int:
        """The month whose decisions first know of the event."""
        if self.announced_month is not None:
            return self.announced_month
        return self.start_month - (self.warning_months or 0)

    @property
    def end_month(self) -> int:
        """The first month the event no longer acts on."""
        return self.start_month + self.duration_months

    def active(self, month: int) -> bool:
        return self.start_month <= month < self.end_month


class ExportBan(_Timed):
    type: Literal["export_ban"]
    commodity: str
    supplier: str
    members: tuple[str, ...] | None = None
    severity: float = Field(gt=0, le=1, description="share of the supplier's capacity withheld")


class ChokepointClosure(_Timed):
    type: Literal["chokepoint_closure"]
    chokepoint: str


class DemandShock(_Timed):
    type: Literal["demand_shock"]
    commodity: str
    members: tuple[str, ...] | None = None
    # at most 11x normal demand: beyond that the shock is a typo, not a crisis
    change: float = Field(gt=-1, le=10, description="fractional change of monthly demand")


class PriceShock(_Timed):
    type: Literal["price_shock"]
    commodity: str
    suppliers: tuple[str, ...] | None = None
    # 100x: far above any recorded spike (heavy REE ex-China x4, Asian LNG x2.4)
    multiplier: float = Field(gt=0, le=100)


Event = Annotated[Union[ExportBan, ChokepointClosure, DemandShock, PriceShock],
                  Field(discriminator="type")]


class _ScenarioEntry(_Strict):
    name: str | None = None
    probability: float = Field(ge=0, le=1)
    events: tuple[Event, ...] | None = None
    include: str | None = None

    @model_validator(mode="after")
    def _one_source_of_events(self) -> "_ScenarioEntry":
        if (self.events is None) == (self.include is None):
            raise ValueError("give either 'events' or 'include', not both and not neither")
        if self.include is None and not self.name:
            raise ValueError("a scenario with 'events' needs a 'name'")
        return self


class _Override(_Strict):
    table: str
    where: dict[str, str]
    set: dict[str, float | str]


class _ScenarioFile(_Strict):
    name: str
    title: str
    description: str = ""
    source: str = ""
    horizon_months: int | None = Field(default=None, ge=1, le=MAX_MONTH)
    # the months the probabilities speak of: the standing stock's carrying cost is charged for
    # them whatever the horizon (docs/model.md, "Terminal rule"); default horizon_months
    risk_window_months: int | None = Field(default=None, ge=1, le=MAX_MONTH)
    overrides: tuple[_Override, ...] = ()
    scenarios: tuple[_ScenarioEntry, ...] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _a_folder_name(cls, name: str) -> str:
        """The name becomes a results folder (--out DIR/<name>): it must be one plain folder name."""
        if not name or name in (".", "..") or any(c in name for c in "/\\\0") or len(name.encode()) > 200:
            raise ValueError("must be a plain name of at most 200 bytes, without / or \\ (it names the "
                             "results folder)")
        return name


@dataclass(frozen=True)
class Scenario:
    name: str
    probability: float
    events: tuple[Event, ...]
    included_from: str | None = field(default=None, compare=False)  # the file its events came from


@dataclass(frozen=True)
class ScenarioSet:
    name: str
    title: str
    description: str
    horizon_months: int | None
    scenarios: tuple[Scenario, ...]
    origin: str = "<memory>"
    overrides: tuple[CellEdit, ...] = ()  # data changes this set makes to the case
    risk_window_months: int | None = None  # default: horizon_months

    def has_events(self) -> bool:
        return any(s.events for s in self.scenarios)

    def calm(self) -> "ScenarioSet":
        """The calm reference: the same set (data overrides, horizon, risk window) with one
        scenario and no event."""
        return replace(self, name=f"{self.name}_calm", title=f"{self.title} - no disruption (calm reference)",
                       scenarios=(Scenario("calm", 1.0, ()),))

    def window_months(self, run_horizon: int) -> int:
        """The months the set's probabilities speak of: its risk window, else its horizon, else
        the run's horizon."""
        return self.risk_window_months or self.horizon_months or run_horizon

    def apply_to(self, case: Case) -> Case:
        """The case as this scenario set sees it (its overrides applied)."""
        return apply_edits(case, self.overrides, self.origin)


def scenario_path(name_or_path: str | Path, folder: str | Path | None = None) -> Path:
    """A shipped scenario's name ('hormuz_closure') or a path to a YAML file."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return Path(text)
    return Path(folder or DEFAULT_SCENARIO_DIR) / f"{text}.yaml"


def list_scenarios(folder: str | Path | None = None) -> list[str]:
    require(folder, (str, os.PathLike, type(None)), "list_scenarios", "folder", "a folder path or None")
    try:
        return sorted(p.stem for p in Path(folder or DEFAULT_SCENARIO_DIR).glob("*.yaml"))
    except OSError:
        return []  # an unreadable folder lists nothing; scenario_folder_problem says why


def scenario_folder_problem(folder: str | Path) -> Problem | None:
    """Why a scenario folder cannot be used (missing, not a folder, a symlink loop, no *.yaml), or None."""
    path = Path(folder)
    try:
        if not path.is_dir():
            what = "is not a folder" if path.exists() else "scenario folder not found (or a symbolic link that loops)"
            return Problem(str(path), None, None, f"{what}; give the folder of scenario YAML files")
        if not list_scenarios(path):
            return Problem(str(path), None, None, "holds no scenario file (*.yaml); nothing would be checked")
    except OSError as exc:
        return os_problem(str(path), exc, "read the scenario folder")
    return None


def load_scenario_set(name_or_path: str | Path, case: Case,
                      folder: str | Path | None = None) -> ScenarioSet:
    """Read, validate and resolve one scenario file; raise InputError listing every problem."""
    require(name_or_path, (str, os.PathLike), "load_scenario_set", "name_or_path", "a scenario name or a YAML file path")
    require(case, Case, "load_scenario_set", "case", "a Case (from load_case or case_from_tables)")
    require(folder, (str, os.PathLike, type(None)), "load_scenario_set", "folder", "a folder path or None")
    scenario_set, problems = check_scenario_file(name_or_path, case, folder)
    if problems:
        raise InputError(problems)
    return scenario_set


def check_scenario_file(name_or_path: str | Path, case: Case | Names,
                        folder: str | Path | None = None) -> tuple[ScenarioSet | None, list[Problem]]:
    """Check one scenario file against a case, or only against the names that could be read when
    the data has problems (then its overrides are not applied): (the set or None, every problem)."""
    path = scenario_path(name_or_path, folder)
    try:
        data = _read_yaml(path)
    except InputError as exc:
        return None, exc.problems
    return _check_set(data, case, path.name, path.parent, path.stem)


def scenario_set_from_dict(data: Any, case: Case, file: str = "<memory>",
                           folder: str | Path | None = None,
                           expected_name: str | None = None) -> ScenarioSet:
    require(case, Case, "scenario_set_from_dict", "case", "a Case (from load_case or case_from_tables)")
    require(file, str, "scenario_set_from_dict", "file", "a file name (str)")
    require(folder, (str, os.PathLike, type(None)), "scenario_set_from_dict", "folder", "a folder path or None")
    require(expected_name, (str, type(None)), "scenario_set_from_dict", "expected_name", "a str or None")
    scenario_set, problems = _check_set(data, case, file, Path(folder or DEFAULT_SCENARIO_DIR), expected_name)
    if problems:
        raise InputError(problems)
    return scenario_set


def _check_set(data: Any, case: Case | Names, file: str, folder: Path,
               expected_name: str | None) -> tuple[ScenarioSet | None, list[Problem]]:
    try:
        spec = _validate_shape(data, file)
    except InputError as exc:
        return None, exc.problems
    overrides = tuple(CellEdit(o.table, dict(o.where), dict(o.set)) for o in spec.overrides)
    problems = []
    names = case.names() if isinstance(case, Case) else case  # overrides change cells, never names
    if isinstance(case, Case):
        try:
            apply_edits(case, overrides, file)
        except InputError as exc:
            problems += exc.problems
    if expected_name is not None and spec.name != expected_name:
        problems.append(Problem(file, None, "name",
                                f"'{spec.name}' must equal the file name '{expected_name}'"))
    scenarios, resolve_problems = _resolve_entries(spec, file, folder, names)
    problems += resolve_problems
    total = sum(s.probability for s in spec.scenarios)
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(Problem(file, None, "scenarios[*].probability",
                                f"probabilities sum to {total:.12g}; they must sum to 1"))
    names_used = [s.name for s in scenarios]
    for dup in sorted({n for n in names_used if names_used.count(n) > 1}):
        problems.append(Problem(file, None, "scenarios[*].name", f"scenario name '{dup}' is used twice"))
    scenario_set = ScenarioSet(spec.name, spec.title, spec.description, spec.horizon_months,
                               tuple(scenarios), origin=file, overrides=overrides,
                               risk_window_months=spec.risk_window_months)
    if spec.horizon_months is not None:
        problems += events_beyond_horizon(scenario_set, spec.horizon_months, "the file's horizon_months")
    return (None if problems else scenario_set), problems


def events_beyond_horizon(scenario_set: ScenarioSet, horizon_months: int, whose: str) -> list[Problem]:
    """An event starting after the last month of the horizon changes nothing: one problem per such
    event, naming the file, the scenario and the event. whose: where the horizon comes from."""
    problems = []
    for i, scenario in enumerate(scenario_set.scenarios):
        for j, event in enumerate(scenario.events):
            if event.start_month <= horizon_months:
                continue
            if scenario.included_from is not None:
                where, which = f"scenarios[{i}].include", f"event {j + 1} of {scenario.included_from}"
            else:
                where, which = f"scenarios[{i}].events[{j}].start_month", f"event {j + 1}"
            problems.append(Problem(scenario_set.origin, None, where,
                                    f"scenario '{scenario.name}', {which} ({describe_event(event)}) starts in "
                                    f"month {event.start_month}, after the last month {horizon_months} of "
                                    f"{whose}, so it would change nothing; start it by month "
                                    f"{horizon_months} or lengthen the horizon"))
    return problems


def describe_event(event: Event) -> str:
    if isinstance(event, ChokepointClosure):
        return f"chokepoint_closure of {event.chokepoint}"
    target = event.supplier if isinstance(event, ExportBan) else None
    return f"{event.type} on {event.commodity}" + (f" from {target}" if target else "")


def _read_yaml(path: Path) -> Any:
    try:
        if not path.is_file():
            raise InputError([_not_found(path)])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([os_problem(str(path), exc, "read the scenario file")]) from None
    text = _utf8_text(data, path.name)
    try:
        loaded = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is yaml.SafeLoader with line marks
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InputError([Problem(path.name, mark.line + 1 if mark else None, None,
                                  f"not valid YAML: {problem}{where}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a NUL, a control code)
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputError([Problem(path.name, line, None, f"not valid YAML: the character {code:#04x} is not "
                                                         "allowed in a YAML file")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(path.name, None, None, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError([_too_deep(path.name)]) from None
    return loaded


def _not_found(path: Path) -> Problem:
    known = ", ".join(list_scenarios(path.parent)) if path.parent.is_dir() else "none (the folder does not exist)"
    return Problem(str(path), None, None, f"scenario file not found; known scenarios: {known}")


def _utf8_text(data: bytes, file: str) -> str:
    """The file's text; a file that is not UTF-8 is said with the line of its first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            message = "is UTF-16 text; save it as UTF-8"
        else:
            message = (f"the byte 0x{data[exc.start]:02X} is not UTF-8 text (Latin-1 or Windows-1252?); "
                       "save the file as UTF-8")
        raise InputError([Problem(file, line, None, message)]) from None


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader whose every failure to build a value names its line: PyYAML raises a bare
    ValueError for a date like 2024-13-45 or a bad !!float, without saying where."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"cannot read the value '{node.value}': {exc}",
                                                    node.start_mark) from None


def _too_deep(file: str) -> Problem:
    return Problem(file, None, None, f"nested more than {MAX_NESTING} levels deep; a scenario file needs six")


def _structure_problem(data: Any, file: str) -> Problem | None:
    """Depth, size (aliases counted as expanded) and self-reference of a loaded document, measured
    without recursion so that a hostile file cannot exhaust the stack before it is rejected."""
    memo: dict[int, tuple[int, int]] = {}  # id -> (depth, values)
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, finished = stack.pop()
        children = _children(node)
        if children is None or (not finished and id(node) in memo):
            continue
        if finished:
            on_path.discard(id(node))
            depth = 1 + max((memo.get(id(c), (0, 1))[0] for c in children), default=0)
            values = 1 + sum(memo.get(id(c), (0, 1))[1] for c in children)
            memo[id(node)] = (depth, values)
            if depth > MAX_NESTING:
                return _too_deep(file)
            if values > MAX_VALUES:
                return Problem(file, None, None, f"holds more than {MAX_VALUES:,} values once its aliases (*name) "
                                                 "are expanded; a scenario file needs a few thousand")
            continue
        on_path.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                return Problem(file, None, None, "an alias (*name) refers to a value that contains it; "
                                                 "a scenario file cannot be circular")
            if _children(child) is not None and id(child) not in memo:
                stack.append((child, False))
    return None


def _children(node: Any) -> list | None:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, (list, tuple, set)):
        return list(node)
    return None


def _validate_shape(data: Any, file: str) -> _ScenarioFile:
    problem = _structure_problem(data, file)
    if problem is not None:
        raise InputError([problem])
    try:
        return _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([_pydantic_problem(file, err) for err in _own_errors(exc.errors())]) from None
    except RecursionError:
        raise InputError([_too_deep(file)]) from None


def _own_errors(errors: list[dict]) -> list[dict]:
    """pydantic also says a list is too short when an item inside it failed (a bad event leaves
    'scenarios' with no valid entry); only the item's own error is the user's to fix."""
    def inside(err: dict, other: dict) -> bool:
        return other is not err and tuple(other["loc"][:len(err["loc"])]) == tuple(err["loc"])
    return [err for err in errors if not (err["type"] == "too_short" and any(inside(err, o) for o in errors))]


def _pydantic_problem(file: str, err: dict) -> Problem:
    # The discriminated union adds the event type to the location; keep only real field names.
    loc = [p for p in err["loc"] if p not in ("export_ban", "chokepoint_closure", "demand_shock",
                                               "price_shock", "function-after[_one_source_of_events()]")]
    field_name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown key; see docs/scenarios.md for the valid keys"
    elif err["type"] == "union_tag_invalid":
        message = "unknown event type; valid: export_ban, chokepoint_closure, demand_shock, price_shock"
    elif err["type"] == "finite_number":
        message = "must be a finite number (not .inf or .nan)"
    return Problem(file, None, field_name or None, message)


def _resolve_entries(spec: _ScenarioFile, file: str, folder: Path,
                     names: Names) -> tuple[list[Scenario], list[Problem]]:
    scenarios, problems = [], []
    for i, entry in enumerate(spec.scenarios):
        where = f"scenarios[{i}]"
        included_from = None
        if entry.include is not None:
            events, inc_problems, included_from = _included_events(entry.include, folder, f"{where}.include", file)
            problems += inc_problems
            if not inc_problems:
                problems += [Problem(file, None, f"{where}.include", f"in the included {included_from}: {p.field}: "
                                                                     f"{p.message}")
                             for p in _check_event_names(events, names, included_from, "events")]
            name = entry.name or entry.include
        else:
            events, name = entry.events or (), entry.name or ""
            problems += _check_event_names(events, names, file, f"{where}.events")
        scenarios.append(Scenario(name, entry.probability, tuple(events), included_from))
    return scenarios, problems


def _included_events(name: str, folder: Path, where: str, file: str) -> tuple[tuple, list[Problem], str]:
    """The events of an included file; its problems are said in the including file, at the
    include, so that the file the user asked for is the one named first."""
    path = scenario_path(name, folder)
    try:
        spec = _validate_shape(_read_yaml(path), path.name)
    except InputError as exc:
        return (), [Problem(file, None, where, f"cannot include '{name}': {p}") for p in exc.problems], path.name
    if len(spec.scenarios) != 1 or spec.scenarios[0].events is None:
        return (), [Problem(file, None, where, f"'{name}' must hold exactly one scenario with its own "
                                               "events to be included")], path.name
    return spec.scenarios[0].events, [], path.name


def _check_event_names(events, names: Names, file: str, where: str) -> list[Problem]:
    """Every name an event uses must be defined in the data; a list of names that could not be
    read (None) is not checked."""
    problems = []

    def need(value: str, valid: tuple[str, ...] | None, field_name: str) -> None:
        if valid is not None and value not in valid:
            problems.append(Problem(file, None, field_name, f"unknown name '{value}'; valid: {', '.join(valid)}"))

    for j, event in enumerate(events):
        at = f"{where}[{j}]"
        if isinstance(event, ChokepointClosure):
            need(event.chokepoint, names.chokepoints, f"{at}.chokepoint")
            continue
        need(event.commodity, names.commodities, f"{at}.commodity")
        for m in getattr(event, "members", None) or ():
            need(m, names.members, f"{at}.members")
        suppliers = names.suppliers(event.commodity)
        if isinstance(event, ExportBan):
            need(event.supplier, suppliers, f"{at}.supplier")
        if isinstance(event, PriceShock):
            for k in event.suppliers or ():
                need(k, suppliers, f"{at}.suppliers")
    return problems
