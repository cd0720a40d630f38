"""The planner in a real browser: served by `streamlit run` on localhost, driven by headless
Chromium (the Debian package, through Playwright; no browser download; bench/ui_served.py). What
only a browser shows: a solve through the served app and its Results page, cells typed into the
browser's table editor, files downloaded and uploaded, and what the page fetches or shows around
the app (icon, toolbar) on a machine without internet.

Skips only outside CI when Chromium or Playwright is missing; under CI=true it fails instead.
Set SAVE_SCREENSHOT=docs/img/results.png to keep the Results screenshot (the README shows it).
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from bench.ui_served import (CHROMIUM, ROOT, ServerError, launch, new_context, rerun_after, served_app, wait_idle,
                              wait_settled)

STEP_MS = 60_000  # any one step in the page (a solve of one scenario takes about a second)
SCENARIO = "gallium_germanium_ban"
# The table editor hands an edit to its form 150 ms after the last keystroke (Streamlit debounces
# it); a click on Apply sooner submits the form without the edit, as no planner could.
EDIT_DEBOUNCE_MS = 500


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    try:
        with served_app(tmp_path_factory.mktemp("server") / "streamlit.log") as url:
            yield url
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


@pytest.fixture
def offline(browser):
    """A page with no internet: (page, the URLs it tried to fetch from elsewhere)."""
    from playwright.sync_api import expect

    refused: list[str] = []
    context = new_context(browser, refused, viewport={"width": 1400, "height": 1700}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    expect.set_options(timeout=STEP_MS)
    yield page, refused
    context.close()


def open_app(page, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_role("heading", name="Assumptions")).to_be_visible()
    expect(page.get_by_text("All tables are valid.")).to_be_visible()
    wait_settled(page, STEP_MS)


def go(page, link: str, ready) -> None:
    """Follow a sidebar link and wait until `ready` (a locator on the new page) shows."""
    page.get_by_role("link", name=link, exact=True).click()
    ready.wait_for()
    wait_settled(page, STEP_MS)


def type_into_cell(page, grid, row: int, column: int, was: str, text: str) -> None:
    """Type into a cell of a table editor as a planner does: click the row's first cell (the
    problem column; rows are 35 px under a 35 px header, after the row-marker column), move right
    `column` cells, open the cell's editor with Enter, replace what is there, Enter to keep it.
    The editor must open on `was` (the cell's value): a grid drawn anew just after a rerun can
    miss the click or a key, so a wrong cell is left with Escape and the whole is tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator("textarea.gdg-input, input.gdg-input").first  # the cell's editor, over the grid
    for attempt in range(4):
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 80, box["y"] + 35 * (row + 1) + 17)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            editor.wait_for(timeout=5_000)
            if editor.input_value() == was:
                break
            page.keyboard.press("Escape")
            editor.wait_for(state="detached")
        except PlaywrightTimeout:
            pass
        if attempt == 3:
            raise AssertionError(f"could not open the editor of row {row}, column {column} (holding {was!r})")
    editor.fill(text)
    editor.press("Enter")
    editor.wait_for(state="detached")
    page.wait_for_timeout(EDIT_DEBOUNCE_MS)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a select box: type it to filter the list, then click it."""
    field = page.get_by_label(label)
    field.click()
    field.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def pick_table(page, name: str) -> None:
    """The Assumptions page's table picker (tabs before, a segmented control now)."""
    radio, tab = page.get_by_role("radio", name=name, exact=True), page.get_by_role("tab", name=name, exact=True)
    radio.or_(tab).wait_for()  # the picker's code loads after the page
    if radio.count():
        rerun_after(page, radio.click, STEP_MS)
    else:  # tabs switch in the browser, without a run
        tab.click()
    page.get_by_role("button", name=f"Apply edits to {name}").wait_for()


def download_case(page) -> dict[str, bytes]:
    """The case as the Download button gives it (a click lost while the page redraws is repeated)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            with page.expect_download(timeout=20_000) as info:
                page.get_by_role("button", name="Download case (zip of CSVs)").click()
            break
        except PlaywrightTimeout:
            if attempt == 1:
                raise
    with zipfile.ZipFile(info.value.path()) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def first_demand(csv: bytes) -> str:
    """demand_t_per_year of the first row of demand.csv, as written."""
    header, first = csv.decode().splitlines()[:2]
    return first.split(",")[header.split(",").index("demand_t_per_year")]


def test_browser_solves_and_shows_results_offline_without_developer_tools(app_url, offline, tmp_path):
    """A planner's machine without internet: nothing is fetched from elsewhere (the page icon was
    fetched from fonts.gstatic.com), no Deploy button or developer menu; a solve and its Results
    page with the answer first."""
    from playwright.sync_api import expect

    page, refused = offline
    open_app(page, app_url)
    assert page.locator("link[rel='shortcut icon']").get_attribute("href").startswith("data:")
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    page.get_by_test_id("stMainMenuButton").click()
    menu = page.get_by_test_id("stMainMenuList")
    expect(menu).to_be_visible()
    for developer_item in ("Rerun", "Clear cache", "Developer options"):
        expect(menu.get_by_text(developer_item)).to_have_count(0)
    page.keyboard.press("Escape")

    go(page, "Scenarios", page.get_by_label("Shipped scenario set"))
    choose(page, "Shipped scenario set", SCENARIO)
    rerun_after(page, page.get_by_role("button", name="Load", exact=True).click, STEP_MS)
    expect(page.get_by_role("heading", name=f"{SCENARIO}:")).to_be_visible()

    go(page, "Solve", page.get_by_role("button", name="Solve", exact=True))
    rerun_after(page, page.get_by_role("button", name="Solve", exact=True).click, STEP_MS)
    expect(page.get_by_text(f"Optimal plan for {SCENARIO}.")).to_be_visible()

    go(page, "Results", page.get_by_role("heading", name="Tables"))
    expect(page.get_by_role("heading", name="The answer: joint plan")).to_be_visible()
    expect(page.get_by_text("Stock against the policy target")).to_be_visible()
    choose(page, "Commodity", "gallium")
    expect(page.get_by_text("gallium: stock at the end of each month")).to_be_visible()
    page.wait_for_timeout(1500)  # let Plotly finish drawing before the picture
    shot = tmp_path / "results.png"
    page.screenshot(path=str(shot))
    assert refused == []
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("SAVE_SCREENSHOT")
    if keep:
        target = ROOT / keep if not Path(keep).is_absolute() else Path(keep)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_text_typed_into_a_number_cell_is_marked_and_the_table_stays_on_screen(app_url, offline):
    """'18k' typed into a number cell was read as 18 by the browser's number editor (a 1000x
    error, accepted as valid); Apply went back to the first table."""
    from playwright.sync_api import expect

    page, _ = offline
    open_app(page, app_url)
    pick_table(page, "demand")
    grid = page.get_by_test_id("stDataFrame").filter(visible=True).first
    type_into_cell(page, grid, 0, 3, "86000", "18k")  # problem, member, commodity, demand_t_per_year
    rerun_after(page, page.get_by_role("button", name="Apply edits to demand").click, STEP_MS)
    expect(page.get_by_text("demand.csv, row 2, field 'demand_t_per_year': '18k' is not a number")).to_be_visible()
    wait_idle(page, STEP_MS)
    expect(page.get_by_role("radio", name="demand ⚠1", exact=True)).to_be_checked()
    expect(page.get_by_role("button", name="Apply edits to demand")).to_be_visible()


def test_an_edited_case_downloads_as_a_zip_and_uploads_back(app_url, offline, tmp_path):
    """The download raised KeyError (no 'tables' in st.session_state: the zip is made outside the
    script run); now the edited case goes out as a zip and, after a reset to the shipped data,
    comes back in with the edit."""
    from playwright.sync_api import expect

    page, refused = offline
    open_app(page, app_url)
    pick_table(page, "demand")
    type_into_cell(page, page.get_by_test_id("stDataFrame").filter(visible=True).first, 0, 3, "86000", "123456")
    rerun_after(page, page.get_by_role("button", name="Apply edits to demand").click, STEP_MS)
    files = download_case(page)
    assert first_demand(files["demand.csv"]) == "123456" and len(files) >= 13
    zipped = tmp_path / "case.zip"
    zipped.write_bytes(buffer_zip(files))

    rerun_after(page, page.get_by_role("button", name="Reset to shipped data").click, STEP_MS)
    assert first_demand(download_case(page)["demand.csv"]) != "123456"
    page.get_by_text("Upload a case (zip of CSVs, or single tables)").click()
    page.locator("input[type=file]").set_input_files(str(zipped))
    page.get_by_role("button", name="Use uploaded files").wait_for()  # the upload's own run has shown it
    wait_settled(page, STEP_MS)
    rerun_after(page, page.get_by_role("button", name="Use uploaded files").click, STEP_MS)
    expect(page.get_by_text("All tables are valid.")).to_be_visible()
    assert first_demand(download_case(page)["demand.csv"]) == "123456"
    assert refused == []


def buffer_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_probability_of_1_5_typed_in_is_refused_on_its_row_not_clamped(app_url, offline):
    """The scenarios editor clamped 1.5 to 1 and said only that the probabilities do not sum to 1."""
    from playwright.sync_api import expect

    page, _ = offline
    open_app(page, app_url)
    go(page, "Scenarios", page.get_by_role("button", name="Apply edits to the scenario set"))
    grid = page.get_by_test_id("stDataFrame").filter(visible=True).first  # scenarios: problem, name, probability
    type_into_cell(page, grid, 0, 2, "0.4", "1.5")
    rerun_after(page, page.get_by_role("button", name="Apply edits to the scenario set").click, STEP_MS)
    expect(page.get_by_text("scenario row 1: probability: Input should be less than or equal to 1")).to_be_visible()
