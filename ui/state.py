"""Session state of one planner: working tables, scenario draft, run options, solved results and
cooperation reports.

Everything is set with setdefault on first use and replaced (never mutated in place), so a page
can re-render at any time from what is stored here. Validation results are memoised by a
revision counter that every change bumps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import streamlit as st

from optimizer import RunOptions, RunResult, list_scenarios, load_case, load_scenario_set, planner
from optimizer.coop import tables as coop_tables
from optimizer.coop import DEFAULT_RISK_WEIGHTS, CooperationReport, NotOptimalError, cooperation_report
from optimizer.warm import WarmRunner

DEFAULT_SCENARIO_SET = "stochastic"  # the project's default plan (README quick start)
MAX_CACHED_RESULTS = 16  # each result keeps its LP's duals; bound the memory a session holds
MAX_CACHED_REPORTS = 8  # a cooperation report holds one solution per coalition
MAX_CACHED_STRESS = 8  # a stress test holds up to seven solutions


@st.cache_data(show_spinner=False)
def shipped_case():
    return load_case()


def default_tables() -> dict:
    return planner.editable_tables(shipped_case())


@st.cache_data(show_spinner=False)
def shipped_draft(name: str) -> planner.ScenarioDraft:
    """A shipped scenario set as the editor shows it (read against the shipped data)."""
    return planner.draft_from_set(load_scenario_set(name, shipped_case()))


def init() -> None:
    ss = st.session_state
    ss.setdefault("tables", default_tables())
    ss.setdefault("tables_rev", 0)
    ss.setdefault("editor_rev", {})  # table -> revision in its editor's key (new key = fresh editor)
    ss.setdefault("draft_rev", 0)
    if "draft" not in ss:
        load_shipped(DEFAULT_SCENARIO_SET)
    ss.setdefault("options", {"mode": "both", "horizon": ss["draft"].horizon_months or 24,
                              "floors": False, "time_limit": 0.0, "sharing": "proportional"})
    ss.setdefault("results", OrderedDict())
    ss.setdefault("derived", {})  # (result key, view) -> a view of that result, made once
    ss.setdefault("shown_key", None)
    ss.setdefault("coop_options", {"level": 0.95, "weights": DEFAULT_RISK_WEIGHTS})
    ss.setdefault("coop_weights_rev", 0)  # the weights editor's key (new key = fresh editor)
    ss.setdefault("coop_reports", OrderedDict())
    ss.setdefault("coop_shown_key", None)
    ss.setdefault("solved_inputs", {})  # result key -> (case, scenario set) it was solved from
    ss.setdefault("stress_reports", OrderedDict())
    ss.setdefault("stress_shown_key", None)
    ss.setdefault("sweep_summaries", {})  # sweep folder -> its summary (read once a sweep is done)
    ss.setdefault("sweep_shown", None)
    ss.setdefault("history_cache", OrderedDict())  # stored runs never change: reopen/compare once


# ---------------------------------------------------------------- data tables

def tables() -> dict:
    return st.session_state["tables"]


def set_tables(new: dict, fresh_editors: bool = True) -> None:
    """Replace some or all working tables; fresh editors drop their pending (unapplied) edits."""
    ss = st.session_state
    ss["tables"] = {**ss["tables"], **{k: v.reset_index(drop=True) for k, v in new.items()}}
    ss["tables_rev"] += 1
    for name in (new if fresh_editors else ()):
        ss["editor_rev"][name] = ss["editor_rev"].get(name, 0) + 1


def editor_key(name: str) -> str:
    return f"editor_{name}_{st.session_state['editor_rev'].get(name, 0)}"


def table_check() -> planner.TableCheck:
    ss = st.session_state
    memo = ss.get("_table_check")
    if memo is None or memo[0] != ss["tables_rev"]:
        memo = (ss["tables_rev"], planner.check_tables(ss["tables"]))
        ss["_table_check"] = memo
    return memo[1]


def working_case():
    """The edited case if valid, else the shipped one (scenario names are checked against it)."""
    check = table_check()
    return check.case if check.ok else shipped_case()


# ---------------------------------------------------------------- scenario draft

def draft() -> planner.ScenarioDraft:
    return st.session_state["draft"]


def set_draft(new: planner.ScenarioDraft, horizon_follows: bool = False, keep_name: bool = False) -> None:
    """Take a new draft; unless keep_name, under a name that tells it apart (_named)."""
    ss = st.session_state
    ss["draft"] = new if keep_name else _named(new)
    ss["draft_rev"] += 1
    if horizon_follows and "options" in ss:
        ss["options"] = {**ss["options"], "horizon": new.horizon_months or 24}


def load_shipped(name: str) -> None:
    set_draft(planner.draft_from_set(load_scenario_set(name, working_case())), horizon_follows=True,
              keep_name=True)


def apply_draft_edit(new: planner.ScenarioDraft) -> None:
    """Take an edited draft: under the name the planner typed, else under _named's."""
    set_draft(new, keep_name=new.name != draft().name)


def _named(new: planner.ScenarioDraft) -> planner.ScenarioDraft:
    """The draft under a name that tells its plan apart: the name of the shipped set or solved
    plan with the same content if there is one (so their cached plan is found again), else a
    name no shipped set and no solved plan uses (planner.name_after_edit: an edited
    gallium_germanium_ban becomes gallium_germanium_ban_edit1, never a second plan of that name)."""
    shipped = list_scenarios()
    stem = planner.name_stem(new.name)
    if stem in shipped and planner.same_content(new, shipped_draft(stem)):
        return replace(new, name=stem)
    solved = [r.scenario_set for r in st.session_state.get("results", {}).values()]
    for scenario_set in solved:
        if planner.same_content(new, planner.draft_from_set(scenario_set)):
            return replace(new, name=scenario_set.name)
    taken = set(shipped) | {s.name for s in solved}
    return replace(new, name=planner.name_after_edit(new.name, taken))


def draft_check() -> planner.DraftCheck:
    """The draft validated against the working case and the horizon a solve would use."""
    ss = st.session_state
    horizon = int(ss["options"]["horizon"]) if "options" in ss else None
    stamp = (ss["draft_rev"], ss["tables_rev"], horizon)
    memo = ss.get("_draft_check")
    if memo is None or memo[0] != stamp:
        memo = (stamp, planner.check_draft(ss["draft"], working_case(), horizon))
        ss["_draft_check"] = memo
    return memo[1]


# ---------------------------------------------------------------- solving

@dataclass
class Inputs:
    """What a solve would use now, and its cache key (None while an input is invalid)."""

    tables: planner.TableCheck
    scenarios: planner.DraftCheck
    mode: str
    options: RunOptions
    key: str | None


def options() -> dict:
    return st.session_state["options"]


def set_options(**values) -> None:
    st.session_state["options"] = {**st.session_state["options"], **values}


def run_options() -> RunOptions:
    """Horizon, floors and time limit: shared by the Solve and Cooperation pages."""
    o = options()
    return RunOptions(horizon_months=int(o["horizon"]), cover_floors=bool(o["floors"]),
                      time_limit_s=float(o["time_limit"]) or None, sharing=o.get("sharing", "proportional"))


def inputs() -> Inputs:
    o, options_now = options(), run_options()
    tables, scenarios = table_check(), draft_check()
    key = None
    if tables.ok and scenarios.ok:
        key = planner.run_key(tables.case, scenarios.scenario_set, o["mode"], options_now)
    return Inputs(tables, scenarios, o["mode"], options_now, key)


def cached(key: str | None) -> RunResult | None:
    return st.session_state["results"].get(key) if key else None


def solve(current: Inputs, on_progress=None) -> tuple[RunResult, bool]:
    """The result for these inputs: from the cache if solved before (True), else solved now
    (on_progress is told which LP is being solved)."""
    cache = st.session_state["results"]
    if current.key in cache:
        cache.move_to_end(current.key)
        hit = True
    else:
        cache[current.key] = warm_runner().solve(current.tables.case, current.scenarios.scenario_set,
                                                 current.mode, current.options, on_progress)
        st.session_state["solved_inputs"][current.key] = (current.tables.case, current.scenarios.scenario_set)
        while len(cache) > MAX_CACHED_RESULTS:
            evicted, _ = cache.popitem(last=False)
            st.session_state["solved_inputs"].pop(evicted, None)
            st.session_state["derived"] = {k: v for k, v in st.session_state["derived"].items()
                                           if k[0] != evicted}
        hit = False
    st.session_state["shown_key"] = current.key
    return cache[current.key], hit


def warm_runner() -> WarmRunner:
    """This session's LPs, kept in HiGHS so that a re-solve after an edit starts from the last
    optimum and rebuilds only the part of the model the edit touched (optimizer/warm.py)."""
    return st.session_state.setdefault("warm_runner", WarmRunner())


def shown() -> tuple[str | None, RunResult | None]:
    """The plan to show: the one solved for the current inputs if they were solved before (going
    back to earlier inputs shows their plan without a new Solve), else the latest solved."""
    key = st.session_state["shown_key"]
    current = inputs().key
    if current != key and cached(current) is not None:
        st.session_state["shown_key"] = key = current
    return key, cached(key)


def derived(key: str, view: str, make: Callable[[], object]):
    """A view of the result solved under `key` (a table, a figure's data), made on first use and
    kept while the result is cached: going back to a plan does not recompute it."""
    store = st.session_state["derived"]
    if (key, view) not in store:
        store[(key, view)] = make()
    return store[(key, view)]


def made(key: str, view: str):
    """A view made before by `derived` (None if not yet): for views made only on request."""
    return st.session_state["derived"].get((key, view))


def solved_inputs(key: str | None):
    """(case, scenario set) the result cached under `key` was solved from, or None."""
    return st.session_state["solved_inputs"].get(key) if key else None


def all_results() -> dict[str, RunResult]:
    return dict(st.session_state["results"])


# ---------------------------------------------------------------- cooperation

@dataclass
class CoopInputs:
    """What a cooperation report would use now, and its cache key (None while an input is invalid)."""

    tables: planner.TableCheck
    scenarios: planner.DraftCheck
    options: RunOptions
    weights: tuple[float, ...]
    level: float
    key: str | None


@dataclass(frozen=True)
class CoopOutcome:
    """A report, or the NotOptimalError's message when a coalition's LP was not optimal."""

    report: CooperationReport | None
    failure: str | None = None


def coop_options() -> dict:
    return st.session_state["coop_options"]


def set_coop_options(**values) -> None:
    st.session_state["coop_options"] = {**coop_options(), **values}
    st.session_state["coop_weights_rev"] += 1  # the editor restarts from the stored weights


def coop_inputs() -> CoopInputs:
    c, options_now = coop_options(), run_options()
    tables, scenarios = table_check(), draft_check()
    key = None
    if tables.ok and scenarios.ok:
        run_key = planner.run_key(tables.case, scenarios.scenario_set, "cooperation", options_now)
        key = coop_tables.coop_key(run_key, c["weights"], c["level"])
    return CoopInputs(tables, scenarios, options_now, tuple(c["weights"]), float(c["level"]), key)


def coop_cached(key: str | None) -> CoopOutcome | None:
    return st.session_state["coop_reports"].get(key) if key else None


def coop_compute(current: CoopInputs, on_progress=lambda label: None) -> tuple[CoopOutcome, bool]:
    """The report for these inputs: from the cache (True), else computed now. A coalition that is
    not optimal is kept too, so that the same inputs give the same message at once."""
    cache = st.session_state["coop_reports"]
    hit = current.key in cache
    if hit:
        cache.move_to_end(current.key)
    else:
        try:
            cache[current.key] = CoopOutcome(cooperation_report(
                current.tables.case, current.scenarios.scenario_set, current.options, current.weights,
                current.level, on_progress))
        except NotOptimalError as exc:
            cache[current.key] = CoopOutcome(None, str(exc))
        while len(cache) > MAX_CACHED_REPORTS:
            cache.popitem(last=False)
    st.session_state["coop_shown_key"] = current.key
    return cache[current.key], hit


def show_coop(key: str) -> None:
    st.session_state["coop_shown_key"] = key


def coop_shown() -> tuple[str | None, CoopOutcome | None]:
    key = st.session_state["coop_shown_key"]
    return key, coop_cached(key)


# ---------------------------------------------------------------- stress tests, sweeps, run history

def stress_cached(key: str | None):
    return st.session_state["stress_reports"].get(key) if key else None


def stress_compute(key: str, make: Callable[[], object]) -> tuple[object, bool]:
    """The stress test under `key`: from the cache (True), else made now (False) and kept."""
    cache = st.session_state["stress_reports"]
    hit = key in cache
    if hit:
        cache.move_to_end(key)
    else:
        cache[key] = make()
        while len(cache) > MAX_CACHED_STRESS:
            cache.popitem(last=False)
    st.session_state["stress_shown_key"] = key
    return cache[key], hit


def stress_shown():
    key = st.session_state["stress_shown_key"]
    return key, stress_cached(key)


def sweep_summary(folder: str, make: Callable[[], dict], fresh: bool = False) -> dict:
    """The summary of the sweep in `folder`, read once (fresh: read again, after samples were added)."""
    store = st.session_state["sweep_summaries"]
    if fresh or folder not in store:
        store[folder] = make()
    st.session_state["sweep_shown"] = folder
    return store[folder]


def sweep_shown() -> tuple[str | None, dict | None]:
    folder = st.session_state["sweep_shown"]
    return folder, st.session_state["sweep_summaries"].get(folder)


def history_view(key: tuple, make: Callable[[], object]):
    """A stored run reopened or two compared: read once (a stored run never changes)."""
    cache = st.session_state["history_cache"]
    if key not in cache:
        cache[key] = make()
        while len(cache) > 16:
            cache.popitem(last=False)
    return cache[key]
