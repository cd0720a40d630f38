"""Compare: joint against independent, and one solved plan against another, side by side."""

import streamlit as st

from optimizer import planner
from ui import state, widgets

st.title("Compare")
results = {k: r for k, r in state.all_results().items() if r.optimal}
if not results:
    st.info("Solve at least one plan first; every plan solved in this session can be compared here.")
    st.page_link("views/solve.py", label="Solve on the Solve page", icon=":material/play_circle:")
    st.stop()
labels = {planner.run_label(r, k): k for k, r in results.items()}
shown_key, _ = state.shown()
default = list(labels.values()).index(shown_key) if shown_key in results else len(labels) - 1


def diff_tables(diffs: dict, key: str) -> None:
    """Each difference table with changed cells shaded, and its downloads."""
    for i, (name, diff) in enumerate(diffs.items()):
        st.markdown(f"**{name}** (shaded: differs)")
        widgets.table_with_downloads(diff, name.split(" (")[0].replace(" ", "_"), f"{key}_{i}",
                                     styler=widgets.highlight_changes(diff))


def joint_vs_independent() -> None:
    st.subheader("Joint vs independent")
    both = {lbl: k for lbl, k in labels.items() if results[k].mode == "both"}
    if not both:
        st.info("Solve with mode **both** to compare the joint plan with each member alone.")
        return
    names = list(both)
    index = names.index(next((n for n, k in both.items() if k == shown_key), names[-1]))
    key = both[st.selectbox("Plan solved in mode both", names, index=index, key="cmp_both")]
    result = results[key]
    widgets.cost_metrics(state.derived(key, "money", lambda: planner.cost_summary(result)))
    diff_tables(planner.joint_vs_independent(result), "cmp_ji")


def plan_vs_plan() -> None:
    st.subheader("Plan vs plan")
    names = list(labels)
    left, right, side = st.columns([2, 2, 1])
    a = results[labels[left.selectbox("Plan A", names, index=0, key="cmp_a")]]
    b = results[labels[right.selectbox("Plan B", names, index=default, key="cmp_b")]]
    which = side.radio("Solution", ["joint", "independent"], key="cmp_side")
    pick = {"joint": lambda r: [r.joint] if r.joint else [],
            "independent": lambda r: list(r.independent.values())}[which]
    if not pick(a) or not pick(b):
        st.info(f"Both plans need a {which} solution (solve them in mode {which} or both).")
        return
    st.caption("Differences are B - A.")
    diff_tables(planner.compare_solutions(pick(a), pick(b), ("A", "B")), "cmp_ab")


joint_vs_independent()
plan_vs_plan()
