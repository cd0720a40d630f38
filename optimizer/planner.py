"""Pure helpers behind the planner UI (ui/): no Streamlit here, so each is tested on its own.

Four concerns, in the order a planner meets them: the editable data tables (validated into a
Case with problems pinned to cells), scenario drafts (tables of scenarios and events turned
into a validated ScenarioSet), the cache key of a solve, and views of the results (headline,
chart data, differences between two plans, files to download).
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import yaml

from .case import Case, case_from_tables
from .errors import InputError, Problem
from .inputs import DAYS_PER_YEAR, DEFAULT_HORIZON_MONTHS, USD_PER_MODEL_MONEY, RunOptions
from .report import member_shortfall, stockpile_headline
from .run import RunResult, Solution, inputs_key
from .scenarios import ScenarioSet, scenario_set_from_dict
from .schema import TABLES, TABLES_BY_NAME, Column

# ---------------------------------------------------------------------------- data tables

# Column-name endings and the unit they mean; the first match wins, so longer endings go first.
_UNIT_SUFFIXES = (
    ("_usd_per_t_year", "USD per t per year"), ("_usd_per_t", "USD/t"), ("_t_per_year", "t/year"),
    ("_t_per_month", "t/month"), ("_share_per_year", "fraction per year"),
    ("_share_per_month", "fraction per month"), ("_share", "fraction 0-1"), ("_t", "t"),
    ("_days", "days"), ("_months", "months"),
)


def column_unit(name: str) -> str:
    """The unit a column's name carries ('' for names and text)."""
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return ""


def column_help(column: Column) -> str:
    """What a valid value of this column looks like, in words a planner reads in a tooltip."""
    if column.kind == "idlist":
        return "names separated by ';', empty if none"
    if column.kind == "choice":
        return "one of: " + ", ".join(column.choices)
    if column.kind in ("id", "text"):
        return "a name: letter first, then letters, digits, _" if column.kind == "id" else "free text"
    rules = ["whole number"] if column.kind == "integer" else ["number"]
    if column.positive:
        rules.append("> 0")
    if column.low is not None:
        rules.append(f">= {column.low:g}")
    if column.high is not None:
        rules.append(f"<= {column.high:g}")
    unit = column_unit(column.name)
    return " ".join(rules) + (f", in {unit}" if unit else "")


NUMBER_KINDS = ("number", "integer")


def number_text(value) -> str:
    """A number as a cell shows it and reads it back exactly: whole values without '.0', others
    in the shortest form that parses to the same float ('' for blank)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def editable_tables(case: Case) -> dict[str, pd.DataFrame]:
    """The case's tables as the editor shows them: every cell text. Number cells are text so that
    what is typed reaches validation as typed: a number column in the browser's editor turns
    '18k' into 18 and 'abc' into 0 before Python sees it. Id lists are 'a;b' (cells can't hold
    tuples)."""
    out = {}
    for name, df in case.tables.items():
        df = df.copy()
        for column in TABLES_BY_NAME[name].columns:
            if column.kind == "idlist":
                df[column.name] = [";".join(v) if isinstance(v, (tuple, list)) else v
                                   for v in df[column.name]]
            elif column.kind in NUMBER_KINDS and column.name in df:
                df[column.name] = [number_text(v) for v in df[column.name]]
        out[name] = df.reset_index(drop=True)
    return out


@dataclass(frozen=True)
class TableCheck:
    """A validated case, or None and every problem; problems are grouped by table for display."""

    case: Case | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.case is not None

    def for_table(self, name: str) -> list[Problem]:
        return [p for p in self.problems if _table_of(p) == name]

    def cells(self, name: str) -> dict[tuple[int, str], str]:
        """(row position, column) -> reason, for the problems that point at a cell."""
        out: dict[tuple[int, str], str] = {}
        for p in self.for_table(name):
            if p.row is not None and p.row >= 2 and p.field:
                for column in p.field.split(","):
                    key = (p.row - 2, column)
                    out[key] = f"{out[key]}; {p.message}" if key in out else p.message
        return out

    def row_messages(self, name: str, n_rows: int) -> list[str]:
        """One text per row ('' if fine): the editor's problem column, next to the bad cells."""
        texts = [""] * n_rows
        for (row, column), message in self.cells(name).items():
            if 0 <= row < n_rows:
                texts[row] += ("; " if texts[row] else "") + f"{column}: {message}"
        return texts

    def table_messages(self, name: str) -> list[str]:
        """Problems of the whole table (a missing column, shares that don't sum to 1, ...)."""
        return [str(p) for p in self.for_table(name) if p.row is None or p.row < 2 or not p.field]


def _table_of(problem: Problem) -> str:
    return problem.file[:-4] if problem.file.endswith(".csv") else problem.file


def check_tables(tables: dict[str, pd.DataFrame]) -> TableCheck:
    """Validate edited tables (text or typed cells) into a Case; never raises on bad input."""
    tables = {name: df.reset_index(drop=True) for name, df in tables.items()}
    try:
        return TableCheck(case_from_tables(tables, origin="planner edits"), ())
    except InputError as exc:
        return TableCheck(None, tuple(exc.problems))


def tables_to_zip(tables: dict[str, pd.DataFrame]) -> bytes:
    """One CSV per table, as in data/, zipped: the edited case to download and upload again."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, df in tables.items():
            archive.writestr(f"{name}.csv", df.to_csv(index=False))
    return buffer.getvalue()


def tables_from_files(files: list[tuple[str, bytes]]) -> dict[str, pd.DataFrame]:
    """Tables from uploaded files: a zip of CSVs and/or single CSVs named like data/*.csv.

    Raises InputError for a file that is not a known table or not readable; tables not
    uploaded are simply absent (the caller keeps its own for those)."""
    found: dict[str, bytes] = {}
    problems = []
    for name, content in files:
        if name.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    found.update({n.rsplit("/", 1)[-1]: archive.read(n) for n in archive.namelist()
                                  if n.lower().endswith(".csv")})
            except zipfile.BadZipFile:
                problems.append(Problem(name, None, None, "not a readable zip file"))
        else:
            found[name] = content
    tables = {}
    for name, content in found.items():
        table = name[:-4] if name.lower().endswith(".csv") else name
        if table not in TABLES_BY_NAME:
            problems.append(Problem(name, None, None, "not a table of the case; known: "
                                    + ", ".join(t.file for t in TABLES)))
            continue
        try:
            tables[table] = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, None, f"not a readable CSV file: {exc}"))
    if problems:
        raise InputError(problems)
    return tables


# ---------------------------------------------------------------------------- scenario drafts

_TIMING = ("start_month", "duration_months", "warning_months", "announced_month")
EVENT_FIELDS = {
    "export_ban": ("commodity", "supplier", "members", *_TIMING, "severity"),
    "chokepoint_closure": ("chokepoint", *_TIMING),
    "demand_shock": ("commodity", "members", *_TIMING, "change"),
    "price_shock": ("commodity", "suppliers", *_TIMING, "multiplier"),
}
EVENT_COLUMNS = ("scenario", "type", "commodity", "supplier", "members", "chokepoint", "start_month",
                 "duration_months", "warning_months", "announced_month", "severity", "change", "multiplier",
                 "suppliers")
_LIST_FIELDS = ("members", "suppliers")  # 'KR;JP' in a table cell, a list in the YAML shape
_NUMBER_FIELDS = (*_TIMING, "severity", "change", "multiplier")


@dataclass(frozen=True)
class ScenarioDraft:
    """A scenario set as two editable tables: scenarios (name, probability) and their events."""

    name: str
    title: str
    scenarios: pd.DataFrame  # name, probability
    events: pd.DataFrame  # EVENT_COLUMNS; 'scenario' names a row of `scenarios`
    horizon_months: int | None = 24
    description: str = ""
    overrides: tuple[dict, ...] = ()  # data cells the set changes, in the YAML shape
    # the months the probabilities speak of (the file's risk_window_months); None: the horizon
    risk_window_months: int | None = None

    def with_tables(self, scenarios: pd.DataFrame | None = None,
                    events: pd.DataFrame | None = None) -> "ScenarioDraft":
        return replace(self, scenarios=text_table(self.scenarios if scenarios is None else scenarios,
                                                  SCENARIO_COLUMNS),
                       events=text_table(self.events if events is None else events, EVENT_COLUMNS))


SCENARIO_COLUMNS = ("name", "probability")


def text_table(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The table with these columns, every cell text ('' when blank; numbers as number_text).
    Text, because the browser's number editor coerces what is typed ('x1' -> 1, a probability
    of 1.5 -> 1) before validation could say it is wrong."""
    out = pd.DataFrame(index=range(len(df)))
    for column in columns:
        values = df[column].tolist() if column in df.columns else [None] * len(df)
        out[column] = pd.Series([number_text(v) if not isinstance(v, str) else v for v in values],
                                index=out.index, dtype=object)
    return out


def typed_events(df: pd.DataFrame) -> pd.DataFrame:
    return text_table(df, EVENT_COLUMNS)


def empty_events() -> pd.DataFrame:
    return typed_events(pd.DataFrame(columns=list(EVENT_COLUMNS)))


def new_draft(name: str = "what_if", title: str = "What if - built in the planner") -> ScenarioDraft:
    """One scenario with probability 1 and no events yet: the start of a what-if."""
    scenarios = text_table(pd.DataFrame({"name": ["what_if"], "probability": [1.0]}), SCENARIO_COLUMNS)
    return ScenarioDraft(name, title, scenarios, empty_events())


def draft_from_set(scenario_set: ScenarioSet) -> ScenarioDraft:
    """A loaded scenario set (includes already resolved) as editable tables."""
    scenarios = text_table(pd.DataFrame({"name": [s.name for s in scenario_set.scenarios],
                                         "probability": [s.probability for s in scenario_set.scenarios]}),
                           SCENARIO_COLUMNS)
    rows = [event_row(s.name, e.model_dump()) for s in scenario_set.scenarios for e in s.events]
    events = typed_events(pd.DataFrame(rows, columns=list(EVENT_COLUMNS)))
    overrides = tuple({"table": o.table, "where": dict(o.where), "set": dict(o.values)}
                      for o in scenario_set.overrides)
    return ScenarioDraft(scenario_set.name, scenario_set.title, scenarios, events,
                         scenario_set.horizon_months, scenario_set.description, overrides,
                         scenario_set.risk_window_months)


def event_row(scenario: str, event: dict) -> dict:
    """One event (YAML shape) as a row of the events table."""
    row = {c: None for c in EVENT_COLUMNS}
    row["scenario"] = scenario
    for key, value in event.items():
        row[key] = ";".join(value) if key in _LIST_FIELDS and value is not None else value
    return row


def add_scenario(draft: ScenarioDraft, name: str, probability: float) -> ScenarioDraft:
    row = pd.DataFrame({"name": [name], "probability": [number_text(float(probability))]})
    return draft.with_tables(scenarios=pd.concat([draft.scenarios, row], ignore_index=True))


def add_event(draft: ScenarioDraft, scenario: str, event: dict) -> ScenarioDraft:
    events = pd.concat([draft.events, pd.DataFrame([event_row(scenario, event)])], ignore_index=True)
    return draft.with_tables(events=events)


_EDIT_SUFFIX = re.compile(r"^(.+)_edit\d+$")


def name_stem(name: str) -> str:
    """A set's name without the '_editN' an edit gave it."""
    match = _EDIT_SUFFIX.match(name)
    return match.group(1) if match else name


def same_content(a: ScenarioDraft, b: ScenarioDraft) -> bool:
    """True if two drafts make the same scenario set, whatever their name, title and description."""
    def content(draft: ScenarioDraft) -> dict:
        data = draft_to_dict(draft)[0]
        return {k: v for k, v in data.items() if k not in ("name", "title", "description")}
    return content(a) == content(b)


def name_after_edit(name: str, taken: set[str]) -> str:
    """The name of a set an edit has changed: its own while no shipped set and no solved plan
    uses it, else its stem + '_editN' with the smallest N not taken, so that plans of different
    sets never share a name (Compare and the Results page list them by name).
    gallium_germanium_ban -> gallium_germanium_ban_edit1; once that is solved, _edit2."""
    if name not in taken:
        return name
    stem, n = name_stem(name), 1
    while f"{stem}_edit{n}" in taken:
        n += 1
    return f"{stem}_edit{n}"


@dataclass
class DraftCheck:
    """The scenario set a draft makes, or None; problems pinned to scenario and event rows."""

    scenario_set: ScenarioSet | None
    general: list[str] = field(default_factory=list)
    scenario_rows: dict[int, list[str]] = field(default_factory=dict)
    event_rows: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.scenario_set is not None

    @property
    def messages(self) -> list[str]:
        return (self.general + [f"scenario row {i + 1}: {m}" for i, ms in self.scenario_rows.items() for m in ms]
                + [f"event row {i + 1}: {m}" for i, ms in self.event_rows.items() for m in ms])


_EVENT_FIELD = re.compile(r"^scenarios\[(\d+)\](?:\.events\[(\d+)\])?\.?(.*)$")


def check_draft(draft: ScenarioDraft, case: Case, horizon_months: int | None = None) -> DraftCheck:
    """Validate a draft as scenario_set_from_dict would a YAML file, pointing at table rows; also
    mark number cells that are not numbers (as typed) and events that start after the horizon
    (`horizon_months`, the run's; else the draft's, else 24), which would change nothing."""
    data, locate, orphans = draft_to_dict(draft)
    check = DraftCheck(None)
    for i in orphans:
        check.event_rows.setdefault(i, []).append(
            f"scenario '{draft.events['scenario'].iloc[i]}' is not in the scenarios table")
    unreadable = _unreadable_numbers(draft)
    for (table, row, column), message in unreadable.items():
        rows = check.event_rows if table == "events" else check.scenario_rows
        rows.setdefault(row, []).append(f"{column}: {message}")
    try:
        scenario_set = scenario_set_from_dict(data, case, file="scenario builder")
    except InputError as exc:
        for p in exc.problems:
            _pin(check, p, locate, unreadable)
        return check
    late = _after_horizon(draft, horizon_months or draft.horizon_months or DEFAULT_HORIZON_MONTHS)
    for row, message in late.items():
        check.event_rows.setdefault(row, []).append(message)
    if not orphans and not unreadable and not late:
        check.scenario_set = scenario_set
    return check


def _unreadable_numbers(draft: ScenarioDraft) -> dict[tuple[str, int, str], str]:
    """(table, row, column) -> why, for each number cell that holds text but not a finite number."""
    cells = [("scenarios", i, "probability", v) for i, v in enumerate(draft.scenarios["probability"])]
    for k, row in draft.events.iterrows():
        cells += [("events", k, name, row[name]) for name in EVENT_FIELDS.get(_text(row["type"]), ())
                  if name in _NUMBER_FIELDS]
    out = {}
    for table, row, column, value in cells:
        text = _text(value)
        if text is None:
            continue
        try:
            number = float(text)
        except ValueError:
            out[(table, row, column)] = f"'{text}' is not a number"
            continue
        if not math.isfinite(number):
            out[(table, row, column)] = f"'{text}' is not a finite number"
    return out


def _after_horizon(draft: ScenarioDraft, horizon_months: int) -> dict[int, str]:
    """Event row -> why, for each event that starts after the horizon's last month."""
    out = {}
    for k, start in enumerate(draft.events["start_month"]):
        start = _number(start)
        if isinstance(start, int) and start > horizon_months:
            out[k] = (f"start_month: starts in month {start}, after the last month of the {horizon_months}-month "
                      f"horizon, so it would change nothing; start it by month {horizon_months} or lengthen "
                      "the horizon (Solve page)")
    return out


def _pin(check: DraftCheck, problem: Problem, locate: dict[tuple[int, int], int],
         already: dict[tuple[str, int, str], str]) -> None:
    """Put a validation problem on its scenario or event row (or the whole set); a cell already
    marked as not a number is not marked again with the validator's words."""
    match = _EVENT_FIELD.match(problem.field or "")
    if not match:
        check.general.append(f"{problem.field}: {problem.message}" if problem.field else problem.message)
        return
    i, j, rest = int(match.group(1)), match.group(2), match.group(3)
    text = f"{rest}: {problem.message}" if rest else problem.message
    if j is not None and (i, int(j)) in locate:
        if ("events", locate[(i, int(j))], rest) not in already:
            check.event_rows.setdefault(locate[(i, int(j))], []).append(text)
    elif ("scenarios", i, rest) not in already:
        check.scenario_rows.setdefault(i, []).append(text)


def draft_to_dict(draft: ScenarioDraft) -> tuple[dict, dict[tuple[int, int], int], list[int]]:
    """The YAML shape of a draft; where each event went ((scenario i, event j) -> event row);
    and the event rows whose scenario is not in the scenarios table."""
    scenarios, locate = [], {}
    names = [_text(n) or "" for n in draft.scenarios["name"]]
    for i, (name, probability) in enumerate(zip(names, draft.scenarios["probability"])):
        rows = [k for k, s in enumerate(draft.events["scenario"]) if (_text(s) or "") == name]
        locate.update({(i, j): k for j, k in enumerate(rows)})
        scenarios.append({"name": name, "probability": _number(probability),
                          "events": [_event_dict(draft.events.iloc[k]) for k in rows]})
    orphans = [k for k, s in enumerate(draft.events["scenario"]) if (_text(s) or "") not in names]
    data = {"name": draft.name, "title": draft.title, "description": draft.description,
            "horizon_months": draft.horizon_months}
    if draft.risk_window_months is not None:
        data["risk_window_months"] = draft.risk_window_months
    data |= {"overrides": list(draft.overrides), "scenarios": scenarios}
    return data, locate, orphans


def _event_dict(row: pd.Series) -> dict:
    """An events-table row in the YAML shape: only its type's fields, blanks left out so that
    validation names a missing field instead of guessing a value."""
    kind = _text(row["type"])
    event: dict = {"type": kind}
    for name in EVENT_FIELDS.get(kind, ()):
        value = row[name]
        if name in _LIST_FIELDS:
            items = [v.strip() for v in (_text(value) or "").split(";") if v.strip()]
            if items:
                event[name] = items
        elif _text(value) is not None:
            event[name] = _number(value) if name not in ("commodity", "supplier", "chokepoint") else _text(value)
    return event


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _number(value):
    """Whole floats as int (months from a table arrive as 12.0); text that isn't a number stays
    text so validation can say so."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() and not isinstance(value, bool) else number


def draft_to_yaml(draft: ScenarioDraft) -> str:
    data, _, _ = draft_to_dict(draft)
    if not data["overrides"]:
        del data["overrides"]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def event_label(row: pd.Series) -> str:
    """Short words for one event, for the timeline chart."""
    kind = _text(row["type"]) or "?"
    who = f" to {row['members']}" if _text(row.get("members")) else ""
    if kind == "export_ban":
        return f"{row['supplier']} bans {row['commodity']}{who} ({_number(row['severity']):.0%})"
    if kind == "chokepoint_closure":
        return f"{row['chokepoint']} closed"
    if kind == "demand_shock":
        return f"{row['commodity']} demand {_number(row['change']):+.0%}{who.replace(' to', ' in')}"
    if kind == "price_shock":
        return f"{row['commodity']} price x{_number(row['multiplier']):g}"
    return kind


def event_timeline(draft: ScenarioDraft) -> pd.DataFrame:
    """Events with a whole start and duration, as bars: first month, last month, label."""
    rows = []
    probability = {str(n): p if isinstance(p := _number(v), (int, float)) else None
                   for n, v in zip(draft.scenarios["name"], draft.scenarios["probability"])}
    for _, row in draft.events.iterrows():
        start, duration = _number(row["start_month"]), _number(row["duration_months"])
        if not isinstance(start, int) or not isinstance(duration, int) or duration <= 0:
            continue
        try:
            label = event_label(row)
        except (TypeError, ValueError):  # a half-typed row: leave it off the chart
            continue
        rows.append({"scenario": str(row["scenario"]), "probability": probability.get(str(row["scenario"])),
                     "type": row["type"], "event": label, "start_month": start,
                     "end_month": start + duration - 1, "duration_months": duration})
    return pd.DataFrame(rows, columns=["scenario", "probability", "type", "event", "start_month",
                                       "end_month", "duration_months"])


# ---------------------------------------------------------------------------- solving

def run_key(case: Case, scenario_set: ScenarioSet, mode: str, options: RunOptions) -> str:
    """Equal for equal inputs: data, scenario content (events, probabilities, overrides, risk
    window), mode and options. The UI's result cache is keyed by it."""
    overrides = json.dumps([(o.table, o.where, o.values) for o in scenario_set.overrides],
                           sort_keys=True, default=str)
    return inputs_key(f"{case.fingerprint()}|{scenario_set.name}|{overrides}|{scenario_set.risk_window_months}",
                      scenario_set, mode, options)


def not_optimal(result: RunResult) -> list[str]:
    """One plain sentence per LP that did not reach optimality (empty if all did)."""
    return [f"{s.label}: not solved to optimality ({s.outcome.status.replace('_', ' ')}). {s.outcome.message}"
            for s in result.solutions if not s.optimal]


def run_label(result: RunResult, key: str) -> str:
    o = result.options
    return (f"{result.scenario_set.name} | {result.mode} | {o.horizon_months} months | "
            f"floors {'on' if o.cover_floors else 'off'} | #{key[:6]}")


# ---------------------------------------------------------------------------- results

def buy_now_summary(buy: pd.DataFrame) -> dict[str, float]:
    """The answer in one line: tonnes to buy now per commodity (members together; tonnes of
    different commodities are not added up) and their cost a year (M USD)."""
    tonnes = buy.groupby("commodity", sort=False)["buy_t"].sum()
    return {"cost_musd_per_year": float(buy["cost_musd_per_year"].sum()),
            **{c: float(t) for c, t in tonnes.items() if t > 1e-6}}


def worst_scenario(solution: Solution) -> str:
    """The scenario whose money cost (first stage + its own) is highest: the plan's worst case,
    the one CVaR weighs first. Ties go to the earlier scenario in the set."""
    costs = solution.scenario_costs_musd(money=True)
    return str(costs.loc[costs["cost_musd"].idxmax(), "scenario"])


def scenario_shortfall(solution: Solution, scenario: str) -> pd.DataFrame:
    """Per member x commodity in one scenario: the shortfall over the horizon in tonnes and as %
    of the member's demand over the horizon (a 2,000 t shortfall of 12,000 t is 16.7 %)."""
    short = solution.tables["shortfalls"]
    short = short[short["scenario"] == scenario]
    sums = short.groupby(["member", "commodity"], sort=False)[["demand_t", "shortfall_t"]].sum().reset_index()
    sums["shortfall_pct"] = (100.0 * sums["shortfall_t"] / sums["demand_t"].where(sums["demand_t"] > 0)).fillna(0.0)
    return sums[["member", "commodity", "shortfall_t", "shortfall_pct"]]


# ---------------------------------------------------------------------------- chart data

MAX_CHART_SCENARIOS = 4  # lines per member on a chart: more are not readable


def chart_scenarios(solution: Solution, limit: int = 3) -> list[str]:
    """The scenarios a chart shows first: the most probable, the worst (worst_scenario), then the
    next most probable, up to `limit`; in the set's order."""
    p = solution.inputs.probability
    by_probability = sorted(solution.inputs.scenarios, key=lambda s: -p[s])
    chosen = list(dict.fromkeys([by_probability[0], worst_scenario(solution), *by_probability]))[:limit]
    return [s for s in solution.inputs.scenarios if s in chosen]


def stock_path(solution: Solution, commodity: str, scenarios: list[str]) -> pd.DataFrame:
    """Stock (t) of one commodity per member and scenario from month 0 (the stock held at the
    start, before month 1) to the end of the horizon: the trajectory table gives the stock at
    the end of months 1..T, the plan the starting stock."""
    trajectory = solution.tables["stock_trajectory"]
    trajectory = trajectory[(trajectory["commodity"] == commodity) & trajectory["scenario"].isin(scenarios)]
    plan = solution.tables["stockpile_plan"]
    start = plan[plan["commodity"] == commodity].set_index("member")["initial_stock_t"]
    month0 = pd.DataFrame([{"scenario": s, "member": m, "month": 0, "stock_t": float(start[m])}
                           for s in scenarios for m in solution.members])
    path = pd.concat([month0, trajectory[["scenario", "member", "month", "stock_t"]]], ignore_index=True)
    order = {"scenario": {s: i for i, s in enumerate(scenarios)},
             "member": {m: i for i, m in enumerate(solution.members)}}  # the set's and the case's order
    return path.sort_values(["scenario", "member", "month"], key=lambda col: col.map(order[col.name])
                            if col.name in order else col, kind="stable").reset_index(drop=True)


def target_stock_t(solution: Solution, commodity: str) -> dict[str, float]:
    """Member -> the stock its policy target asks for (target days x daily demand), tonnes."""
    table = stock_vs_target(solution)
    table = table[table["commodity"] == commodity]
    return dict(zip(table["member"], table["target_t"]))


def sankey_nodes(links: pd.DataFrame) -> dict[str, float]:
    """Node -> tonnes through it: what a supplier sends, a chokepoint passes, a member receives."""
    out = links.groupby("source", sort=False)["quantity_t"].sum()
    into = links.groupby("target", sort=False)["quantity_t"].sum()
    return {n: float(max(out.get(n, 0.0), into.get(n, 0.0)))
            for n in dict.fromkeys(list(links["source"]) + list(links["target"]))}


def headline(solution: Solution) -> pd.DataFrame:
    """Stock to hold per commodity x member: model units, tonnes and days of cover against target."""
    head = stockpile_headline(solution)
    plan = solution.tables["stockpile_plan"]
    out = head[["commodity", "member", "unit", "stock"]].copy()
    out["stock_t"] = plan["initial_stock_t"].to_numpy()
    out["days_of_cover"] = head["days_of_cover"]
    out["target_days"] = head["target_days"]
    out["gap_to_target_days"] = head["days_of_cover"] - head["target_days"]
    out["current_days"] = head["current_days"]
    out["new_capacity_t"] = plan["new_capacity_t"].to_numpy()
    out["meets_target"] = ~(out["gap_to_target_days"] < -1e-6)  # NaN (no demand) counts as met
    return out


def expected_shortfall(solution: Solution) -> pd.DataFrame:
    """Probability-weighted shortfall over the horizon per commodity x member, t and % of demand."""
    short = solution.tables["shortfalls"].copy()
    weight = short["scenario"].map(solution.inputs.probability)
    short["shortfall_t"] *= weight
    short["demand_t"] *= weight
    out = short.groupby(["commodity", "member"], sort=False)[["demand_t", "shortfall_t"]].sum().reset_index()
    out["shortfall_pct"] = 100.0 * out["shortfall_t"] / out["demand_t"].where(out["demand_t"] > 0)
    return out.rename(columns={"demand_t": "expected_demand_t", "shortfall_t": "expected_shortfall_t"})


def shortfall_matrix(solution: Solution, scenario: str) -> pd.DataFrame:
    """Shortfall as % of demand, commodity (rows) x month (columns), members summed."""
    short = solution.tables["shortfalls"]
    short = short[short["scenario"] == scenario]
    sums = short.groupby(["commodity", "month"], sort=False)[["demand_t", "shortfall_t"]].sum()
    pct = 100.0 * sums["shortfall_t"] / sums["demand_t"].where(sums["demand_t"] > 0)
    return pct.fillna(0.0).unstack("month")


def import_mix(solution: Solution, scenario: str, commodity: str) -> pd.DataFrame:
    """Tonnes arriving per month (rows) by supplier (columns), members summed; every month shown."""
    flows = solution.tables["flows"]
    flows = flows[(flows["scenario"] == scenario) & (flows["commodity"] == commodity)]
    mix = flows.pivot_table(index="arrival_month", columns="supplier", values="quantity_t",
                            aggfunc="sum", fill_value=0.0)
    return mix.reindex(solution.inputs.months, fill_value=0.0).rename_axis("month")


def sankey_links(solution: Solution, scenario: str, commodity: str) -> pd.DataFrame:
    """Tonnes over the horizon along supplier -> each chokepoint passed -> member."""
    flows = solution.tables["flows"]
    flows = flows[(flows["scenario"] == scenario) & (flows["commodity"] == commodity)]
    links: dict[tuple[str, str], float] = {}
    for supplier, chokepoints, member, quantity in zip(flows["supplier"], flows["chokepoints"],
                                                       flows["member"], flows["quantity_t"]):
        path = [supplier] + [c for c in str(chokepoints).split(";") if c] + [member]
        for a, b in zip(path, path[1:]):
            links[(a, b)] = links.get((a, b), 0.0) + quantity
    return pd.DataFrame([(a, b, q) for (a, b), q in links.items()],
                        columns=["source", "target", "quantity_t"])


def result_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """Every table of an optimal run to download: headline and shortfall per member first, then
    the solver's tables and the scenario tree."""
    return {name: result_table(result, name) for name in result_table_names(result)}


def result_table_names(result: RunResult) -> list[str]:
    """The names of result_tables, without making the tables (the page shows one at a time)."""
    names = [f"{kind} {sol.label}" for sol in result.solutions if sol.optimal
             for kind in ("headline", "shortfall by member")]
    names += list(dict.fromkeys(n for sol in result.solutions if sol.optimal for n in sol.tables))
    return names + ["scenario_tree"]


def result_table(result: RunResult, name: str) -> pd.DataFrame:
    """One of result_tables: a plan's headline or shortfall by member, the scenario tree, or a
    solver table across the run's solutions (with a leading `solution` column)."""
    for sol in result.solutions:
        if name == f"headline {sol.label}":
            return headline(sol)
        if name == f"shortfall by member {sol.label}":
            return member_shortfall(sol)
    return result.tree() if name == "scenario_tree" else result.table(name)


def cooperation_value(result: RunResult) -> dict[str, float] | None:
    """The crisis value of cooperation first, calm pooling and the whole value beside it (M USD);
    None unless both sides were solved to optimality."""
    crisis = result.crisis_value_musd  # each property re-reads the cost tables: read each once
    if crisis is None:
        return None
    return {"crisis": crisis, "calm": result.calm_pooling_musd, "total": result.value_of_cooperation_musd}


def cost_summary(result: RunResult) -> dict[str, float | None]:
    """The Results page's money figures (M USD), each read once: expected cost of the joint plan
    and of the members alone, and cooperation_value's three (None where not solved)."""
    joint = result.joint.money_cost_musd if result.joint is not None and result.joint.optimal else None
    value = cooperation_value(result) or {}
    return {"joint": joint, "alone": result.independent_cost_musd, "crisis": value.get("crisis"),
            "calm": value.get("calm"), "total": value.get("total")}


def cooperation_lp_count(n_members: int, n_weights: int, has_events: bool) -> int:
    """LPs optimizer.coop.cooperation_report solves, for its progress bar: every coalition
    (2^n - 1), again with no disruption when the set has events (the calm reference), three more
    exchange arrangements and one per risk weight. Two members, five weights, with events:
    3 + 3 + 3 + 5 = 14."""
    coalitions = 2 ** n_members - 1
    return coalitions * (2 if has_events else 1) + 3 + n_weights


# ---------------------------------------------------------------------------- the answer panel

def _daily_demand_t(solution: Solution) -> dict[tuple[str, str], float]:
    """(commodity, member) -> tonnes a day of the member's own demand (no shocks)."""
    p = solution.inputs
    return {(c, m): p.demand_per_year[(c, m)] * p.tonnes_per_unit[c] / DAYS_PER_YEAR
            for c in p.commodities for m in p.members}


def stock_vs_target(solution: Solution) -> pd.DataFrame:
    """Per commodity x member: the stock held today, in the plan and the policy target, in days of
    cover of the member's own demand (the unit targets are set in) and in tonnes.

    Worked example: 12,000 t/yr of demand is 12,000 / 365 = 32.88 t a day; 500 t today is 15.2
    days, a plan of 2,000 t is 60.8 days, and a 90-day target is 90 x 32.88 = 2,959 t."""
    plan = solution.tables["stockpile_plan"]
    daily = _daily_demand_t(solution)
    out = plan[["commodity", "member", "current_days", "days_of_cover", "target_days",
                "current_stock_t", "initial_stock_t"]].copy()
    out.columns = ["commodity", "member", "today_days", "plan_days", "target_days", "today_t", "plan_t"]
    out["target_t"] = [t * daily[(c, m)] for c, m, t in zip(out["commodity"], out["member"], out["target_days"])]
    return out.reset_index(drop=True)


def buy_now(solution: Solution) -> pd.DataFrame:
    """Per commodity x member: the stock the plan holds beyond today's (t, bought now), the new
    storage it needs (t), and what the two cost a year: holding (the commodity's holding share a
    year x its reference price, per tonne bought) plus storage (the yearly capital cost of a tonne
    of new capacity); and the stock the plan holds below today's (t, not kept).

    Worked example: a plan of 2,000 t against 500 t today buys 1,500 t; at a 12 %/yr holding share
    of 1,000 USD/t that is 120 USD/t a year, 0.18 M USD; 1,500 t of new storage at 50 USD/t a year
    adds 0.075 M USD: 0.255 M USD a year."""
    p = solution.inputs
    plan = solution.tables["stockpile_plan"]
    window_years = p.risk_window_months / 12.0  # capacity_cost_usd_per_t is charged for the window
    holding = {c: p.holding_cost[c] * USD_PER_MODEL_MONEY * 12.0 / p.tonnes_per_unit[c] for c in p.commodities}
    out = plan[["commodity", "member"]].copy()
    extra = plan["initial_stock_t"] - plan["current_stock_t"]
    out["buy_t"] = extra.clip(lower=0.0)
    out["below_today_t"] = (-extra).clip(lower=0.0)
    out["new_storage_t"] = plan["new_capacity_t"]
    out["holding_usd_per_t_year"] = plan["commodity"].map(holding)
    out["storage_usd_per_t_year"] = plan["capacity_cost_usd_per_t"] / window_years
    out["cost_musd_per_year"] = (out["buy_t"] * out["holding_usd_per_t_year"]
                                 + out["new_storage_t"] * out["storage_usd_per_t_year"]) / 1e6
    return out.reset_index(drop=True)


def to_excel(tables: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, one sheet per table (Excel caps sheet names at 31 characters), written as
    SpreadsheetML directly: openpyxl makes an object per cell, 6 s for the 260,000 cells of the
    default case's results; this writes them in about 0.3 s. Numbers stay numbers, text is text,
    blanks are empty cells and infinities the text 'inf' (Excel has no infinity)."""
    sheets = _sheet_names(list(tables))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for path, text in _workbook_parts(sheets).items():
            book.writestr(path, text)
        for i, df in enumerate(tables.values(), start=1):
            book.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(df))
    return buffer.getvalue()


def _sheet_names(names: list[str]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique regardless of case."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
        candidate, n = base, 1
        while candidate.lower() in {o.lower() for o in out}:
            n += 1
            candidate = f"{base[:31 - len(str(n)) - 1]}~{n}"
        out.append(candidate)
    return out


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_BAD_CHARS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])  # not allowed in XML 1.0


def _workbook_parts(sheets: list[str]) -> dict[str, str]:
    """Every part of the workbook but the sheets: content types, relationships, the workbook
    (sheet names) and a minimal style sheet (one default font, fill, border and format)."""
    sheet_types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                          for i in range(1, len(sheets) + 1))
    sheet_rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(sheets) + 1))
    sheet_list = "".join(f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, n in enumerate(sheets, start=1))
    styles_id = len(sheets) + 1
    return {
        "[Content_Types].xml": _XML_HEAD + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{sheet_types}</Types>'),
        "_rels/.rels": _XML_HEAD + (
            f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": _XML_HEAD + (
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{sheet_list}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": _XML_HEAD + (
            f'<Relationships xmlns="{_PKG_REL_NS}">{sheet_rels}<Relationship Id="rId{styles_id}" '
            f'Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": _XML_HEAD + (
            f'<styleSheet xmlns="{_MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
            '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
            'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
            '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
            'builtinId="0"/></cellStyles></styleSheet>'),
    }


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_cell(ref: str, text: str) -> str:
    text = escape(text.translate(_XML_BAD_CHARS))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _value_cell(ref: str, value) -> str:
    """One cell; '' (no cell) for a blank."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ""
        if math.isinf(number):
            return _text_cell(ref, "inf" if number > 0 else "-inf")
        return f'<c r="{ref}"><v>{int(value) if isinstance(value, (int, np.integer)) else repr(number)}</v></c>'
    return _text_cell(ref, str(value))


def _sheet_xml(df: pd.DataFrame) -> str:
    """A worksheet: the column names in row 1, then one row per table row (inline strings, so
    that no shared-string table is needed)."""
    letters = [_column_letter(j) for j in range(df.shape[1])]
    header = "".join(_text_cell(f"{letter}1", str(name)) for letter, name in zip(letters, df.columns))
    columns = []
    for letter, column in zip(letters, df.columns):
        values = df[column].tolist()  # Python scalars: float, int, bool, str, None
        columns.append([_value_cell(f"{letter}{r}", v) for r, v in enumerate(values, start=2)])
    rows = [f'<row r="1">{header}</row>']
    rows += [f'<row r="{r}">{"".join(cells)}</row>' for r, cells in enumerate(zip(*columns), start=2)]
    return _XML_HEAD + f'<worksheet xmlns="{_MAIN_NS}"><sheetData>{"".join(rows)}</sheetData></worksheet>'


def to_csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------------------- comparing

def diff_frames(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], values: list[str],
                labels: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """Side by side on the key columns: each value under both labels and `difference` = B - A.
    A row present on one side only has its other side empty."""
    la, lb = labels
    # An outer merge sorts the keys; a left merge plus B's extra rows keeps A's order (the data's).
    merged = a[keys + values].merge(b[keys + values], on=keys, how="left", suffixes=(f" ({la})", f" ({lb})"))
    only_b = b[keys + values].merge(a[keys], on=keys, how="left", indicator=True)
    only_b = only_b[only_b["_merge"] == "left_only"].drop(columns="_merge")
    only_b = only_b.rename(columns={v: f"{v} ({lb})" for v in values})
    merged = pd.concat([merged, only_b], ignore_index=True)
    for v in values:
        merged[f"{v} (difference)"] = merged[f"{v} ({lb})"] - merged[f"{v} ({la})"]
    ordered = keys + [f"{v} ({s})" for v in values for s in (la, lb, "difference")]
    return merged[ordered]


def changed_cells(diff: pd.DataFrame, tolerance: float = 1e-6) -> pd.DataFrame:
    """True where a difference column is not ~0 (or one side is missing): what to highlight."""
    flags = pd.DataFrame(False, index=diff.index, columns=diff.columns)
    for column in diff.columns:
        if column.endswith("(difference)"):
            values = diff[column]
            flags[column] = values.isna() | (values.abs() > tolerance * (1 + values.abs()))
    return flags


_PLAN_VALUES = ["initial_stock_t", "days_of_cover", "new_capacity_t"]


def _plan(solutions: list[Solution]) -> pd.DataFrame:
    return pd.concat([s.tables["stockpile_plan"] for s in solutions], ignore_index=True)


def _costs(solutions: list[Solution]) -> pd.DataFrame:
    costs = pd.concat([s.tables["costs"] for s in solutions], ignore_index=True)
    return costs.groupby("item", sort=False)["expected_cost_musd"].sum().reset_index()


def _shortfall(solutions: list[Solution]) -> pd.DataFrame:
    return pd.concat([expected_shortfall(s) for s in solutions], ignore_index=True)


def compare_solutions(a: list[Solution], b: list[Solution],
                      labels: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Stock plan, expected cost by item and expected shortfall of two plans, side by side.
    Each side is one solution or several (each member alone) taken together."""
    return {
        "stock plan": diff_frames(_plan(a), _plan(b), ["commodity", "member"], _PLAN_VALUES, labels),
        "expected cost by item (M USD)": diff_frames(_costs(a), _costs(b), ["item"],
                                                     ["expected_cost_musd"], labels),
        "expected shortfall": diff_frames(_shortfall(a), _shortfall(b), ["commodity", "member"],
                                          ["expected_shortfall_t", "shortfall_pct"], labels),
    }


def joint_vs_independent(result: RunResult) -> dict[str, pd.DataFrame] | None:
    """Joint plan against each member alone (a `both` run); None if either side is missing."""
    alone = list(result.independent.values())
    if result.joint is None or not result.joint.optimal or not alone or not all(s.optimal for s in alone):
        return None
    return compare_solutions([result.joint], alone, ("joint", "independent"))


# ---------------------------------------------------------------------------- stress test

STRESS_SOURCES = {"today": "today's stocks (stockpiles.csv of the data on the Assumptions page)",
                  "solved": "the plan shown on the Results page"}
STRESS_COLUMNS = ["member", "commodity", "shortfall_t", "shortfall_pct", "first_month_short", "stock_start_t",
                  "stock_released_t", "stock_lasts_days", "transfers_in_t", "transfers_out_t",
                  "optimal_stock_start_t", "optimal_shortfall_t", "optimal_shortfall_pct"]


def solved_plan(result: RunResult, name: str):
    """The here-and-now decisions of a solved run as a stress-test Plan (t): its joint plan, else
    its members' plans alone taken together; None unless those solutions are optimal."""
    from .stress import Plan, plan_from_solution

    if result.joint is not None:
        return plan_from_solution(result.joint, name) if result.joint.optimal else None
    alone = list(result.independent.values())
    if not alone or not all(s.optimal for s in alone):
        return None
    plans = [plan_from_solution(s, name) for s in alone]
    return Plan(name, {k: v for p in plans for k, v in p.stock_t.items()},
                {k: v for p in plans for k, v in p.new_capacity_t.items()})


def stress_key(case: Case, scenario_set: ScenarioSet, options: RunOptions, plan, levers: bool,
               compare_optimal: bool) -> str:
    """Equal for equal stress tests: run_key's inputs, the plan's tonnes and what is solved."""
    stock = sorted((f"{c}|{m}", t, plan.new_capacity_t.get((c, m), 0.0)) for (c, m), t in plan.stock_t.items())
    base = run_key(case, scenario_set, "stress", options)
    text = json.dumps([base, plan.name, stock, levers, compare_optimal], default=str)
    return inputs_key(text, scenario_set, "stress", options)


def stress_scenarios(result) -> list[str]:
    """The set's scenarios, worst first under the fixed plan (the most shortfall, summed as % of
    each member's demand), then in the set's order."""
    from .stress.core import exposure

    fixed = exposure(result.fixed, result.plan.stock_t)
    order = [s.name for s in result.scenario_set.scenarios]
    pct = fixed.groupby("scenario", sort=False)["shortfall_pct"].sum()
    return sorted(order, key=lambda s: (-round(float(pct.get(s, 0.0)), 9), order.index(s)))


def _member_major(df: pd.DataFrame, members: list[str], commodities: list[str]) -> pd.DataFrame:
    rank = {"member": {m: i for i, m in enumerate(members)}, "commodity": {c: i for i, c in enumerate(commodities)}}
    return df.sort_values(["member", "commodity"], key=lambda col: col.map(rank[col.name]),
                          kind="stable").reset_index(drop=True)


def stress_exposure(result, scenario: str) -> pd.DataFrame:
    """One row per member x commodity in one scenario: shortfall over the horizon (t and % of
    demand), first month short, stock at the start and released, the days it lasted (NaN: never
    ran out), transfers, and the optimal plan's stock and shortfall beside it where solved."""
    from .stress.core import side_by_side

    table = side_by_side(result)
    table = table[table["scenario"] == scenario]
    p = result.fixed.inputs
    return _member_major(table[[c for c in STRESS_COLUMNS if c in table.columns]], list(p.members),
                         list(p.commodities))


def stress_levers(result, scenario: str) -> pd.DataFrame | None:
    """Per member x commodity in one scenario: the shortfall with no lever, the tonnes each lever
    covers alone and all together, and the shortfall left (None if levers were not solved)."""
    from .stress.core import LEVERS, lever_table

    if result.none is None:
        return None
    table = lever_table(result)
    table = table[table["scenario"] == scenario]
    columns = (["member", "commodity", "shortfall_none_t"] + [f"covered_{x}_alone_t" for x in LEVERS]
               + ["covered_all_t", "shortfall_all_t"])
    p = result.fixed.inputs
    return _member_major(table[columns], list(p.members), list(p.commodities))


def stress_by_month(result, scenario: str, commodity: str) -> pd.DataFrame:
    """Shortfall (t and % of demand) and stock at the month's end, per member and month, of one
    commodity in one scenario under the fixed plan."""
    from .stress.core import shortfall_by_month

    table = shortfall_by_month(result.fixed)
    table = table[(table["scenario"] == scenario) & (table["commodity"] == commodity)]
    return table[["member", "month", "demand_t", "shortfall_t", "shortfall_pct", "stock_t"]].reset_index(drop=True)


def stress_failures(result) -> list[str]:
    """One plain sentence per LP of a stress test that did not reach optimality."""
    return [f"{s.label}: not solved to optimality ({s.outcome.status.replace('_', ' ')}). {s.outcome.message}"
            for s in result.solutions if not s.optimal]


# ---------------------------------------------------------------------------- sensitivity sweeps

SWEEP_QUANTITIES = {"crisis_value_musd": "crisis value of cooperation (M USD)",
                    "expected_cost_musd": "expected cost (M USD)",
                    "days_of_cover": "days of cover (days)",
                    "shortfall_pct": "expected shortfall (% of demand)",
                    "calm_pooling_musd": "calm pooling (M USD)",
                    "value_of_cooperation_musd": "value of cooperation in all (M USD)"}
DEFAULT_SWEEP_ASSUMPTIONS = ("lng_price", "gallium_china_price", "kr_graphite_demand", "graphite_china_headroom",
                             "mineral_holding_cost")


def default_sweep_assumptions(names: list[str], count: int = 5) -> list[str]:
    """A handful to start from: the project's usual suspects that the data has, else the first few."""
    chosen = [n for n in DEFAULT_SWEEP_ASSUMPTIONS if n in names]
    return chosen or list(names[:count])


def sweep_answer_keys(table: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """The answers of one quantity a sweep table holds: its distinct solution, member, commodity."""
    if table is None or table.empty or "quantity" not in table.columns:
        return pd.DataFrame(columns=["solution", "member", "commodity"])
    rows = table[table["quantity"] == quantity]
    return rows[["solution", "member", "commodity"]].drop_duplicates().reset_index(drop=True)


def sweep_answer_label(quantity: str, solution: str = "", member: str = "", commodity: str = "") -> str:
    """'days of cover (days): joint, KR, gallium'."""
    parts = ", ".join(p for p in (solution, member, commodity) if p)
    return SWEEP_QUANTITIES.get(quantity, quantity) + (f": {parts}" if parts else "")


def sweep_values(folder, quantity: str, solution: str = "", member: str = "", commodity: str = "") -> pd.DataFrame:
    """One answer's value in each optimal sample of the sweep in `folder` (sample_id, value)."""
    from .sweep.store import SampleStore

    store = SampleStore(folder)
    try:
        answers = store.answers()
    finally:
        store.close()
    mask = ((answers["quantity"] == quantity) & (answers["solution"] == solution) & (answers["member"] == member)
            & (answers["commodity"] == commodity))
    return answers.loc[mask, ["sample_id", "value"]].reset_index(drop=True)


def is_sweep_folder(folder) -> bool:
    from .sweep.store import SampleStore

    return SampleStore.exists(folder)
