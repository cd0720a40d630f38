"""The planner: `stockpile ui` (or `streamlit run ui/app.py`). Pages live in ui/views/."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only ui/ on the path; pages import ui.*
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402

# An emoji icon is drawn by the browser (a data: URL); a :material/...: page icon is fetched from
# fonts.gstatic.com and fails on a machine without internet.
st.set_page_config(page_title="Korea-Japan stockpile planner", page_icon="📦", layout="wide")
state.init()

PAGES = [
    st.Page("views/assumptions.py", title="Assumptions", icon=":material/edit_note:", default=True),
    st.Page("views/scenarios.py", title="Scenarios", icon=":material/event:"),
    st.Page("views/solve.py", title="Solve", icon=":material/play_circle:"),
    st.Page("views/results.py", title="Results", icon=":material/insights:"),
    st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("views/cooperation.py", title="Cooperation", icon=":material/handshake:"),
    st.Page("views/stress.py", title="Stress test", icon=":material/crisis_alert:"),
    st.Page("views/sensitivity.py", title="Sensitivity", icon=":material/tune:"),
    st.Page("views/history.py", title="Run history", icon=":material/history:"),
]
page = st.navigation(PAGES)


def sidebar_status() -> None:
    """Where the planner stands, on every page: data, scenario set, last solve."""
    current = state.inputs()
    with st.sidebar:
        st.caption("Korea-Japan critical-mineral and LNG stockpile planner")
        n = len(current.tables.problems)
        st.markdown(f"**Data**: {'valid' if n == 0 else f':red[{n} problem(s)]'}")
        draft = state.draft()
        ok = "valid" if current.scenarios.ok else ":red[has problems]"
        st.markdown(f"**Scenario set**: `{draft.name}`, {len(draft.scenarios)} scenario(s), {ok}")
        key, result = state.shown()
        if result is not None:
            fresh = "" if key == current.key else " (inputs changed since)"
            st.markdown(f"**Last solve**: `{result.scenario_set.name}`, {result.mode}{fresh}")


sidebar_status()
page.run()
