"""The planner in a real browser: served by `streamlit run` on localhost, driven by headless
Chromium (the Debian package, through Playwright; no browser download). It loads the app, picks
a shipped scenario set, solves it, waits for the results and saves a screenshot.

Skips only outside CI when Chromium or Playwright is missing; under CI=true it fails instead.
Set SAVE_SCREENSHOT=docs/img/results.png to keep the screenshot (the README shows it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root in a container: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_S = 90  # a cold start imports pandas, pyomo and plotly
STEP_MS = 60_000  # any one step in the page (a solve of one scenario takes about a second)
SCENARIO = "gallium_germanium_ban"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    log = tmp_path / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py"),
               "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def test_browser_solves_and_shows_results(app_url, tmp_path):
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    shot = tmp_path / "results.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1700})
        try:
            page = browser.new_page()
            page.set_default_timeout(STEP_MS)
            expect.set_options(timeout=STEP_MS)
            page.goto(app_url)
            expect(page.get_by_role("heading", name="Assumptions")).to_be_visible()
            expect(page.get_by_text("All tables are valid.")).to_be_visible()

            page.get_by_role("link", name="Scenarios", exact=True).click()
            page.get_by_label("Shipped scenario set").click()
            page.get_by_role("option", name=SCENARIO, exact=True).click()
            page.get_by_role("button", name="Load", exact=True).click()
            expect(page.get_by_role("heading", name=f"{SCENARIO}:")).to_be_visible()

            page.get_by_role("link", name="Solve", exact=True).click()
            page.get_by_role("button", name="Solve", exact=True).click()
            expect(page.get_by_text(f"Optimal plan for {SCENARIO}.")).to_be_visible()
            expect(page.get_by_text("Value of cooperation (M USD)")).to_be_visible()

            page.get_by_role("link", name="Results", exact=True).click()
            expect(page.get_by_role("heading", name="Stock to hold at the start: joint")).to_be_visible()
            page.get_by_label("Commodity").click()
            page.get_by_role("option", name="gallium", exact=True).click()
            expect(page.get_by_text("gallium: stock at the end of each month")).to_be_visible()  # let Plotly finish drawing before the picture
            page.wait_for_timeout(1500)  # let Plotly finish drawing before the picture
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("SAVE_SCREENSHOT")
    if keep:
        target = ROOT / keep if not Path(keep).is_absolute() else Path(keep)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
