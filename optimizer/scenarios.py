"""Scenario sets from YAML (scenarios/*.yaml), validated against the case (see docs/scenarios.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .case import Case
from .edits import CellEdit, apply_edits
from .errors import InputError, Problem

DEFAULT_SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
PROBABILITY_TOLERANCE = 1e-9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Timed(_Strict):
    start_month: int = Field(ge=1, description="first month affected; month 1 starts the horizon")
    duration_months: int = Field(gt=0)
    # when the planner learns of the event (docs/model.md, "Information"): announced_month, or
    # warning_months before the start; by default when it starts (a surprise)
    announced_month: int | None = Field(default=None, ge=1, description="month the event is announced")
    warning_months: int | None = Field(default=None, ge=0, description="months of notice before the start")

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
    change: float = Field(gt=-1, description="fractional change of monthly demand")


class PriceShock(_Timed):
    type: Literal["price_shock"]
    commodity: str
    suppliers: tuple[str, ...] | None = None
    multiplier: float = Field(gt=0)


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
    horizon_months: int | None = Field(default=None, ge=1, le=600)
    # the months the probabilities speak of: the standing stock's carrying cost is charged for
    # them whatever the horizon (docs/model.md, "Terminal rule"); default horizon_months
    risk_window_months: int | None = Field(default=None, ge=1, le=600)
    overrides: tuple[_Override, ...] = ()
    scenarios: tuple[_ScenarioEntry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Scenario:
    name: str
    probability: float
    events: tuple[Event, ...]


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
    return sorted(p.stem for p in Path(folder or DEFAULT_SCENARIO_DIR).glob("*.yaml"))


def load_scenario_set(name_or_path: str | Path, case: Case,
                      folder: str | Path | None = None) -> ScenarioSet:
    """Read, validate and resolve one scenario file; raise InputError listing every problem."""
    path = scenario_path(name_or_path, folder)
    data = _read_yaml(path)
    return scenario_set_from_dict(data, case, file=path.name, folder=path.parent, expected_name=path.stem)


def scenario_set_from_dict(data: Any, case: Case, file: str = "<memory>",
                           folder: str | Path | None = None,
                           expected_name: str | None = None) -> ScenarioSet:
    spec = _validate_shape(data, file)
    overrides = tuple(CellEdit(o.table, dict(o.where), dict(o.set)) for o in spec.overrides)
    problems = []
    try:
        case = apply_edits(case, overrides, file)
    except InputError as exc:
        problems += exc.problems
    if expected_name is not None and spec.name != expected_name:
        problems.append(Problem(file, None, "name",
                                f"'{spec.name}' must equal the file name '{expected_name}'"))
    scenarios, resolve_problems = _resolve_entries(spec, file, Path(folder or DEFAULT_SCENARIO_DIR), case)
    problems += resolve_problems
    total = sum(s.probability for s in spec.scenarios)
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(Problem(file, None, "scenarios[*].probability",
                                f"probabilities sum to {total:.12g}; they must sum to 1"))
    names = [s.name for s in scenarios]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(file, None, "scenarios[*].name", f"scenario name '{dup}' is used twice"))
    if problems:
        raise InputError(problems)
    return ScenarioSet(spec.name, spec.title, spec.description, spec.horizon_months,
                       tuple(scenarios), origin=file, overrides=overrides,
                       risk_window_months=spec.risk_window_months)


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        known = ", ".join(list_scenarios(path.parent)) if path.parent.is_dir() else "none"
        raise InputError([Problem(str(path), None, None,
                                  f"scenario file not found; known scenarios: {known}")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError([Problem(path.name, row, None, f"not valid YAML: {exc}")]) from None


def _validate_shape(data: Any, file: str) -> _ScenarioFile:
    try:
        return _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([_pydantic_problem(file, err) for err in exc.errors()]) from None


def _pydantic_problem(file: str, err: dict) -> Problem:
    # The discriminated union adds the event type to the location; keep only real field names.
    loc = [p for p in err["loc"] if p not in ("export_ban", "chokepoint_closure", "demand_shock",
                                               "price_shock", "function-after[_one_source_of_events()]")]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown key; see docs/scenarios.md for the valid keys"
    elif err["type"] == "union_tag_invalid":
        message = "unknown event type; valid: export_ban, chokepoint_closure, demand_shock, price_shock"
    return Problem(file, None, field or None, message)


def _resolve_entries(spec: _ScenarioFile, file: str, folder: Path,
                     case: Case) -> tuple[list[Scenario], list[Problem]]:
    scenarios, problems = [], []
    for i, entry in enumerate(spec.scenarios):
        where = f"scenarios[{i}]"
        if entry.include is not None:
            events, inc_problems = _included_events(entry.include, folder, f"{where}.include", file)
            problems += inc_problems
            name = entry.name or entry.include
        else:
            events, name = entry.events or (), entry.name or ""
            problems += _check_event_names(events, case, file, f"{where}.events")
        scenarios.append(Scenario(name, entry.probability, tuple(events)))
    return scenarios, problems


def _included_events(name: str, folder: Path, where: str, file: str) -> tuple[tuple, list[Problem]]:
    path = scenario_path(name, folder)
    if not path.is_file():
        return (), [Problem(file, None, where, f"no scenario file '{path.name}' in {folder}; "
                                               f"known: {', '.join(list_scenarios(folder))}")]
    try:
        spec = _validate_shape(_read_yaml(path), path.name)
    except InputError as exc:
        return (), exc.problems
    if len(spec.scenarios) != 1 or spec.scenarios[0].events is None:
        return (), [Problem(file, None, where, f"'{name}' must hold exactly one scenario with its own "
                                               "events to be included")]
    return spec.scenarios[0].events, []


def _check_event_names(events, case: Case, file: str, where: str) -> list[Problem]:
    problems = []

    def need(value: str, valid: list[str], field: str) -> None:
        if value not in valid:
            problems.append(Problem(file, None, field, f"unknown name '{value}'; valid: {', '.join(valid)}"))

    for j, event in enumerate(events):
        at = f"{where}[{j}]"
        if isinstance(event, ChokepointClosure):
            need(event.chokepoint, case.chokepoints, f"{at}.chokepoint")
            continue
        need(event.commodity, case.commodities, f"{at}.commodity")
        for m in getattr(event, "members", None) or ():
            need(m, case.members, f"{at}.members")
        suppliers = case.suppliers(event.commodity)
        if isinstance(event, ExportBan):
            need(event.supplier, suppliers, f"{at}.supplier")
        if isinstance(event, PriceShock):
            for k in event.suppliers or ():
                need(k, suppliers, f"{at}.suppliers")
    return problems
