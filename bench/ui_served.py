"""The planner served by `streamlit run` on localhost, and headless Chromium to drive it (Debian's
package through Playwright; no browser download). Shared by bench/ui_timing.py and the browser
tests (tests/test_ui_browser.py, tests/test_ui_load.py), so that they time and test the same thing.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
APP = ROOT / "ui" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root in a container: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_S = 90  # a cold start imports pandas, pyomo and plotly
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the script run has ended


class ServerError(RuntimeError):
    """The server exited or did not answer in time; the message carries its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise ServerError(f"streamlit did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@contextmanager
def served_app(log: Path) -> Iterator[str]:
    """The app's URL while a `streamlit run` of ui/app.py serves it (its output goes to `log`).
    Run from the repository root, so that .streamlit/config.toml applies as in `stockpile ui`."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
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


def launch(playwright):
    """Headless Debian Chromium (one process; each new context in it is a separate planner)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)


# Counts the messages the server sends the page (every script run sends some): a run's start
# and end can fall in one browser frame, so the page's running/not-running state may never show.
_COUNT_MESSAGES = """(() => {
  const Native = window.WebSocket;
  window.__stMessages = 0;
  window.__stMessageAt = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__stMessages += 1; window.__stMessageAt = performance.now(); });
    }
  };
})();"""
SETTLED_MS = 300  # no message for this long after a run: an st.rerun() starts its next run sooner
_SETTLED = """(settled) => performance.now() - window.__stMessageAt > settled &&
  document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning'"""


def new_context(browser, refused: list[str] | None = None, **options):
    """A browser context (a planner) whose pages count the server's messages (rerun_after,
    wait_settled). With `refused`, it has no internet, as on a ministry machine: every request
    that leaves the local server is refused and its URL appended to `refused`."""
    context = browser.new_context(**options)
    context.add_init_script(_COUNT_MESSAGES)
    if refused is None:
        return context

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort("internetdisconnected")

    context.route("**/*", route)
    return context


def rerun_after(page, action, timeout_ms: float, start_ms: float = 5_000) -> None:
    """Do `action()` (a click that the app answers with a script run) and wait until that run and
    any it starts have ended: for actions whose result shows nothing new to wait for (an Apply
    that leaves the page as it was). A click that lands while the page redraws the element is
    lost, as a planner's would be, and repeated (up to twice) when the server answers nothing
    within start_ms: use it for idempotent actions only. The page must come from new_context."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    before = page.evaluate("() => window.__stMessages")
    for attempt in range(3):
        action()
        try:
            page.wait_for_function("(n) => window.__stMessages > n", arg=before, timeout=start_ms, polling=50)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_settled(page, timeout_ms)


def wait_settled(page, timeout_ms: float) -> None:
    """Until the server has sent nothing for SETTLED_MS and no run is under way (one may follow
    another: an st.rerun(), or the run an upload starts by itself). The page must come from
    new_context."""
    page.wait_for_function(_SETTLED, arg=SETTLED_MS, timeout=timeout_ms, polling=100)
    wait_idle(page, timeout_ms)


def wait_idle(page, timeout_ms: float) -> None:
    """Until the script run started by the last action has ended and the browser has painted it."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => chart.querySelector('.main-svg'))"""


def wait_drawn(page, timeout_ms: float) -> None:
    """Until every Plotly chart on the page has drawn (Plotly draws after the run has ended)."""
    page.wait_for_function(_DRAWN, timeout=timeout_ms, polling=50)
