"""How long the planner makes a planner wait, in a real browser: ``python -m bench.ui_timing``.

Serves ui/app.py with `streamlit run`, drives headless Chromium through Playwright
(bench/ui_served.py) on the default case (the shipped `stochastic` set, mode both, 24 months) and
times, from the click to the page drawn (its script run ended, every Plotly chart drawn):

- solve: Solve pressed -> "Optimal plan" shown (for reference: mostly the LPs, not the UI);
- results: the Results link -> the page drawn, after a fresh solve (the first view of a new plan)
  and again when coming back to it;
- excel: "All tables: one Excel workbook" -> the file downloaded;
- cooperation: Compute -> the report drawn (`--coop-horizon` months; default the case's 24).

Each is repeated `--repeat` times, each time in a new browser session (nothing cached), and
printed as min / median / max seconds with the load average before and after: other jobs on the
machine slow every step, so compare runs made under the same load. Not a test: nothing here fails
on a slow machine. Needs the ui and test extras and Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.ui_served import ROOT, launch, served_app, wait_drawn, wait_idle

STEP_MS = 600_000  # generous: a loaded machine is measured, not failed


def _click_link(page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()


def _timed(action, page, done) -> float:
    """Seconds from `action()` until `done()` holds and the run it started has ended."""
    started = time.perf_counter()
    action()
    done()
    wait_idle(page, STEP_MS)
    wait_drawn(page, STEP_MS)
    return time.perf_counter() - started


def _solve(page) -> float:
    _click_link(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).wait_for()
    wait_idle(page, STEP_MS)
    return _timed(lambda: page.get_by_role("button", name="Solve", exact=True).click(), page,
                  lambda: page.get_by_text("Optimal plan for", exact=False).first.wait_for(timeout=STEP_MS))


def _open_results(page) -> float:
    return _timed(lambda: _click_link(page, "Results"), page,
                  lambda: page.get_by_role("heading", name="Tables").wait_for(timeout=STEP_MS))


def _excel(page) -> float:
    started = time.perf_counter()
    with page.expect_download(timeout=STEP_MS) as info:
        page.get_by_role("button", name="All tables: one Excel workbook").click()
    info.value.path()  # waits for the whole file
    return time.perf_counter() - started


def _cooperation(page, horizon: int | None) -> float:
    _click_link(page, "Cooperation")
    button = page.get_by_role("button", name="Compute")
    button.wait_for()
    wait_idle(page, STEP_MS)
    if horizon:
        field = page.get_by_label("Horizon (months)")
        field.fill(str(horizon))
    return _timed(lambda: button.click(), page,
                  lambda: page.get_by_role("heading", name="Cost-risk frontier").wait_for(timeout=STEP_MS))


def measure(url: str, repeat: int, coop: bool, coop_horizon: int | None) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"solve": [], "results (new plan)": [], "results (again)": [],
                                     "excel": [], "cooperation": []}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
                page = context.new_page()  # a new session: nothing cached
                page.goto(url)
                page.get_by_role("heading", name="Assumptions").wait_for(timeout=STEP_MS)
                wait_idle(page, STEP_MS)
                times["solve"].append(_solve(page))
                times["results (new plan)"].append(_open_results(page))
                _click_link(page, "Solve")
                wait_idle(page, STEP_MS)
                times["results (again)"].append(_open_results(page))
                times["excel"].append(_excel(page))
                if coop:
                    times["cooperation"].append(_cooperation(page, coop_horizon))
                context.close()
        finally:
            browser.close()
    return {k: v for k, v in times.items() if v}


def _commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="sessions to time, one after another (3)")
    parser.add_argument("--no-coop", action="store_true", help="skip the Cooperation page (the slowest)")
    parser.add_argument("--coop-horizon", type=int, default=None, help="Cooperation horizon (months)")
    parser.add_argument("--json", type=Path, default=None, help="also write the timings here")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        with served_app(Path(tmp) / "streamlit.log") as url:
            times = measure(url, args.repeat, not args.no_coop, args.coop_horizon)
    load_after = os.getloadavg()
    print(f"planner UI timings, commit {_commit()}, {os.cpu_count()} cores, load {load_before[0]:.1f} -> "
          f"{load_after[0]:.1f}; seconds over {args.repeat} session(s), default case (stochastic, both, 24 months)")
    print(f"{'step':<22}{'min':>8}{'median':>8}{'max':>8}")
    for step, values in times.items():
        print(f"{step:<22}{min(values):8.2f}{statistics.median(values):8.2f}{max(values):8.2f}")
    if args.json:
        args.json.write_text(json.dumps({"commit": _commit(), "load": [load_before, load_after],
                                         "seconds": times}, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
