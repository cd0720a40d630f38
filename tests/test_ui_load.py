"""Planners at once: several browser sessions against one served app, each editing its own
scenario and solving it at the same time, each must get its own correct answer (no session sees
another's edit) within a bounded time. Driven by Playwright's async API: one headless Chromium,
one browser context (a separate Streamlit session) per planner.

Session i edits the default case (the shipped stochastic set, eight scenarios): it adds a
Chinese graphite ban of 2 + i months to the baseline scenario, solves the joint plan over 24 months
and reads the expected cost the Solve page shows; the test solves the same inputs in this process
(optimizer.solve_case) and compares. The durations differ, so the answers differ: an answer made
from another session's edit would not match.

Always on: UI_LOAD_SESSIONS sessions, default 3 (about a minute on 2 cores). The full run:
UI_LOAD_SESSIONS=10 (a few minutes on 2 cores; not in CI). The time per solve under load is
printed (pytest -s) and, with UI_LOAD_JSON=path, written as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time

import pytest

from bench.ui_served import CHROMIUM, CHROMIUM_FLAGS, ServerError, served_app
from optimizer import RunOptions, load_case, load_scenario_set, planner, solve_case

SESSIONS = int(os.environ.get("UI_LOAD_SESSIONS", "3"))
HORIZON_MONTHS = 24
STEP_MS = 240_000  # one step of one session while every other session solves too
RUN_DEADLINE_S = 90 + 30 * SESSIONS  # the whole run, all sessions together
DEFAULT_SET = "stochastic"


def ban_months(session: int) -> int:
    return 2 + session


def graphite_ban(months: int) -> dict:
    """What the Scenarios page's export-ban form adds with its defaults (graphite, china, every
    member, from month 1, full severity) and this duration."""
    return {"type": "export_ban", "commodity": "graphite", "supplier": "china", "start_month": 1,
            "duration_months": months, "severity": 1.0}


def expected_cost_musd(case, months: int) -> float:
    """The joint plan's expected money cost of the default set with this ban added to its first
    scenario (as the event form adds it), solved in this process with the Solve page's options."""
    draft = planner.draft_from_set(load_scenario_set(DEFAULT_SET, case))
    draft = planner.add_event(draft, str(draft.scenarios["name"].iloc[0]), graphite_ban(months))
    scenario_set = planner.check_draft(draft, case, HORIZON_MONTHS).scenario_set
    options = RunOptions(horizon_months=HORIZON_MONTHS, cover_floors=False, time_limit_s=None,
                         sharing="proportional")
    return solve_case(case, scenario_set, "joint", options).joint.money_cost_musd


async def settled(page) -> None:
    """Until the latest script run has ended."""
    await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=STEP_MS)


async def planner_session(browser, url: str, session: int) -> dict:
    """One planner: a ban of its own length added to the default set, a joint solve; what the
    page says."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1200})
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        await page.goto(url)
        await page.get_by_text("All tables are valid.").wait_for()
        await settled(page)
        await page.get_by_role("link", name="Scenarios", exact=True).click()
        await page.get_by_role("button", name="Add export ban").wait_for()
        await settled(page)
        ban = page.get_by_role("tabpanel", name="Export ban")
        duration = ban.get_by_label("Duration (months)")
        await duration.fill(str(ban_months(session)))
        await duration.press("Enter")
        await settled(page)
        await ban.get_by_role("button", name="Add export ban").click()
        await page.get_by_role("heading", name=f"{DEFAULT_SET}_edit1:").wait_for()  # edited, renamed
        await settled(page)

        await page.get_by_role("link", name="Solve", exact=True).click()
        await page.get_by_role("radiogroup", name="Mode").get_by_text("joint", exact=True).click()
        await settled(page)
        started = time.perf_counter()
        await page.get_by_role("button", name="Solve", exact=True).click()
        await page.get_by_text(f"Optimal plan for {DEFAULT_SET}_edit1.").wait_for()
        waited_s = time.perf_counter() - started
        status = await page.get_by_test_id("stExpander").filter(has_text="Solved").first.inner_text()
        shown = await page.get_by_test_id("stMetric").filter(has_text="Expected cost, joint").inner_text()
        return {"session": session, "months": ban_months(session), "waited_s": waited_s,
                "solved_s": float(status.split("Solved in ")[1].split(" s")[0]),
                "cost_musd": float(shown.splitlines()[-1].replace(",", ""))}
    finally:
        await context.close()


async def all_planners(url: str) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            runs = [planner_session(browser, url, i) for i in range(SESSIONS)]
            return await asyncio.wait_for(asyncio.gather(*runs), timeout=RUN_DEADLINE_S)
        finally:
            await browser.close()


def test_planners_at_once_each_get_their_own_answer(tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} not found; CI must run the browser tests (.ci/run installs chromium)")
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[test]')")
    case = load_case()
    expected = {i: expected_cost_musd(case, ban_months(i)) for i in range(SESSIONS)}
    assert len({round(v, 1) for v in expected.values()}) == SESSIONS  # a mix-up would show
    try:
        with served_app(tmp_path / "streamlit.log") as url:
            started = time.perf_counter()
            runs = asyncio.run(all_planners(url))
            wall_s = time.perf_counter() - started
    except ServerError as exc:
        pytest.fail(str(exc))
    for run in runs:
        assert run["cost_musd"] == pytest.approx(expected[run["session"]], abs=0.051), run  # 1 decimal shown
    waited = [r["waited_s"] for r in runs]
    solved = [r["solved_s"] for r in runs]
    summary = {"sessions": SESSIONS, "wall_s": wall_s, "cores": os.cpu_count(), "load": os.getloadavg(),
               "solve_waited_s": {"mean": statistics.mean(waited), "max": max(waited)},
               "solve_server_s": {"mean": statistics.mean(solved), "max": max(solved)}, "runs": runs}
    print(f"\n{SESSIONS} planners at once: solve waited {summary['solve_waited_s']['mean']:.1f} s on average "
          f"(max {max(waited):.1f} s; the server's solve {statistics.mean(solved):.1f} s, max {max(solved):.1f} s), "
          f"all done in {wall_s:.0f} s on {os.cpu_count()} cores")
    if os.environ.get("UI_LOAD_JSON"):
        with open(os.environ["UI_LOAD_JSON"], "w") as out:
            json.dump(summary, out, indent=1)
