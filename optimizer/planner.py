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

import pandas as pd
import yaml

from .case import Case, case_from_tables
from .errors import InputError, Problem
from .inputs import RunOptions
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


def editable_tables(case: Case) -> dict[str, pd.DataFrame]:
    """The case's tables as the editor shows them: id lists as 'a;b' text (cells can't hold tuples)."""
    out = {}
    for name, df in case.tables.items():
        df = df.copy()
        for column in TABLES_BY_NAME[name].columns:
            if column.kind == "idlist":
                df[column.name] = [";".join(v) if isinstance(v, (tuple, list)) else v
                                   for v in df[column.name]]
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
_INT_FIELDS = ("start_month", "duration_months")


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

    def with_tables(self, scenarios: pd.DataFrame | None = None,
                    events: pd.DataFrame | None = None) -> "ScenarioDraft":
        scenarios = self.scenarios if scenarios is None else scenarios
        return replace(self, scenarios=scenarios.reset_index(drop=True),
                       events=typed_events(self.events if events is None else events))


_NUMBER_COLUMNS = ("start_month", "duration_months", "warning_months", "announced_month", "severity", "change",
                   "multiplier")


def typed_events(df: pd.DataFrame) -> pd.DataFrame:
    """Events with one type per column (text '' when blank, numbers NaN when blank): the editor
    cannot edit a column that mixes types."""
    out = pd.DataFrame(index=range(len(df)))
    for column in EVENT_COLUMNS:
        values = df[column].tolist() if column in df.columns else [None] * len(df)
        if column in _NUMBER_COLUMNS:
            out[column] = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype(float)
        else:
            out[column] = pd.Series([_text(v) or "" for v in values], dtype="object")
    return out


def empty_events() -> pd.DataFrame:
    return typed_events(pd.DataFrame(columns=list(EVENT_COLUMNS)))


def new_draft(name: str = "what_if", title: str = "What if - built in the planner") -> ScenarioDraft:
    """One scenario with probability 1 and no events yet: the start of a what-if."""
    scenarios = pd.DataFrame({"name": ["what_if"], "probability": [1.0]})
    return ScenarioDraft(name, title, scenarios, empty_events())


def draft_from_set(scenario_set: ScenarioSet) -> ScenarioDraft:
    """A loaded scenario set (includes already resolved) as editable tables."""
    scenarios = pd.DataFrame({"name": [s.name for s in scenario_set.scenarios],
                              "probability": [s.probability for s in scenario_set.scenarios]})
    rows = [event_row(s.name, e.model_dump()) for s in scenario_set.scenarios for e in s.events]
    events = typed_events(pd.DataFrame(rows, columns=list(EVENT_COLUMNS)))
    overrides = tuple({"table": o.table, "where": dict(o.where), "set": dict(o.values)}
                      for o in scenario_set.overrides)
    return ScenarioDraft(scenario_set.name, scenario_set.title, scenarios, events,
                         scenario_set.horizon_months, scenario_set.description, overrides)


def event_row(scenario: str, event: dict) -> dict:
    """One event (YAML shape) as a row of the events table."""
    row = {c: None for c in EVENT_COLUMNS}
    row["scenario"] = scenario
    for key, value in event.items():
        row[key] = ";".join(value) if key in _LIST_FIELDS and value is not None else value
    return row


def add_scenario(draft: ScenarioDraft, name: str, probability: float) -> ScenarioDraft:
    row = pd.DataFrame({"name": [name], "probability": [float(probability)]})
    return draft.with_tables(scenarios=pd.concat([draft.scenarios, row], ignore_index=True))


def add_event(draft: ScenarioDraft, scenario: str, event: dict) -> ScenarioDraft:
    events = pd.concat([draft.events, pd.DataFrame([event_row(scenario, event)])], ignore_index=True)
    return draft.with_tables(events=events)


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


def check_draft(draft: ScenarioDraft, case: Case) -> DraftCheck:
    """Validate a draft as scenario_set_from_dict would a YAML file, pointing at table rows."""
    data, locate, orphans = draft_to_dict(draft)
    check = DraftCheck(None)
    for i in orphans:
        check.event_rows.setdefault(i, []).append(
            f"scenario '{draft.events['scenario'].iloc[i]}' is not in the scenarios table")
    try:
        scenario_set = scenario_set_from_dict(data, case, file="scenario builder")
    except InputError as exc:
        for p in exc.problems:
            _pin(check, p, locate)
        return check
    if not orphans:
        check.scenario_set = scenario_set
    return check


def _pin(check: DraftCheck, problem: Problem, locate: dict[tuple[int, int], int]) -> None:
    match = _EVENT_FIELD.match(problem.field or "")
    if not match:
        check.general.append(f"{problem.field}: {problem.message}" if problem.field else problem.message)
        return
    i, j, rest = int(match.group(1)), match.group(2), match.group(3)
    text = f"{rest}: {problem.message}" if rest else problem.message
    if j is not None and (i, int(j)) in locate:
        check.event_rows.setdefault(locate[(i, int(j))], []).append(text)
    else:
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
            "horizon_months": draft.horizon_months, "overrides": list(draft.overrides),
            "scenarios": scenarios}
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
    probability = dict(zip(draft.scenarios["name"].astype(str), draft.scenarios["probability"]))
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
    """Equal for equal inputs: data, scenario content (events, probabilities, overrides), mode
    and options. The UI's result cache is keyed by it."""
    overrides = json.dumps([(o.table, o.where, o.values) for o in scenario_set.overrides],
                           sort_keys=True, default=str)
    return inputs_key(f"{case.fingerprint()}|{scenario_set.name}|{overrides}", scenario_set, mode, options)


def not_optimal(result: RunResult) -> list[str]:
    """One plain sentence per LP that did not reach optimality (empty if all did)."""
    return [f"{s.label}: not solved to optimality ({s.outcome.status.replace('_', ' ')}). {s.outcome.message}"
            for s in result.solutions if not s.optimal]


def run_label(result: RunResult, key: str) -> str:
    o = result.options
    return (f"{result.scenario_set.name} | {result.mode} | {o.horizon_months} months | "
            f"floors {'on' if o.cover_floors else 'off'} | #{key[:6]}")


# ---------------------------------------------------------------------------- results

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
    tables = {}
    for sol in result.solutions:
        if sol.optimal:
            tables[f"headline {sol.label}"] = headline(sol)
            tables[f"shortfall by member {sol.label}"] = member_shortfall(sol)
    names = dict.fromkeys(n for sol in result.solutions if sol.optimal for n in sol.tables)
    for name in names:  # every table the solver gives, new ones included
        tables[name] = result.table(name)
    tables["scenario_tree"] = result.tree()
    return tables


def cooperation_value(result: RunResult) -> dict[str, float] | None:
    """The crisis value of cooperation first, calm pooling and the whole value beside it (M USD);
    None unless both sides were solved to optimality."""
    if result.value_of_cooperation_musd is None or result.crisis_value_musd is None:
        return None
    return {"crisis": result.crisis_value_musd, "calm": result.calm_pooling_musd,
            "total": result.value_of_cooperation_musd}


def to_excel(tables: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, one sheet per table (Excel caps sheet names at 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in tables.items():
            df.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


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
