"""Solve: choose mode, horizon and floors; solve on request; cached by the inputs."""

import time

import streamlit as st

from optimizer import MODES, planner
from optimizer.inputs import SHARING_RULES
from ui import answer, state, widgets

MODE_HELP = ("joint: one plan for both members, with crisis transfers. independent: each member "
             "alone, shared supplier capacity split by baseline imports. both: the two, the same with "
             "no disruption (the calm reference), and the crisis value of cooperation.")
SHARING_HELP = ("proportional: each member bears the same share of its normal demand in an unavoidable "
                "shortfall, wherever pooled supply or transfers can even it out (the IEA principle). "
                "cost-min: cost alone decides who is short.")

st.title("Solve")
draft = state.draft()


def options_panel() -> None:
    """The run options; stored outside the widgets so they survive a visit to another page."""
    o = state.options()
    left, middle, right = st.columns([2, 1, 1])
    mode = left.radio("Mode", MODES, index=MODES.index(o["mode"]), horizontal=True, help=MODE_HELP,
                      key="opt_mode")
    horizon = middle.number_input("Horizon (months)", 1, 600, int(o["horizon"]), key="opt_horizon")
    floors = right.toggle("Days-of-cover floors", bool(o["floors"]), key="opt_floors",
                          help="On: the starting stock must meet the targets of stockpiles.csv "
                               "(KOMIR 100 days, JOGMEC 60 days, KOGAS 9 days). Off: the economic "
                               "optimum, shown against the targets.")
    with st.expander("Advanced"):
        sharing = st.radio("Sharing a shortfall in the joint plan", SHARING_RULES,
                           index=SHARING_RULES.index(o.get("sharing", "proportional")), horizontal=True,
                           key="opt_sharing", help=SHARING_HELP)
        limit = st.number_input("HiGHS time limit per LP (seconds, 0 = none)", 0.0, 3600.0,
                                float(o["time_limit"]), key="opt_time_limit")
    state.set_options(mode=mode, horizon=int(horizon), floors=floors, time_limit=limit, sharing=sharing)


def run(current: state.Inputs) -> None:
    lps = {"joint": "1 LP", "independent": "1 LP per member", "both": "the joint LP and 1 per member"}
    with st.status(f"Solving {draft.name} ({current.mode}: {lps[current.mode]}, "
                   f"{len(draft.scenarios)} scenario(s), {current.options.horizon_months} months) ...",
                   expanded=True) as status:
        started = time.perf_counter()
        result, hit = state.solve(current, on_progress=lambda label: status.write(f"solving the {label} ..."))
        seconds = time.perf_counter() - started
        how = "from the cache (these inputs were solved before)" if hit else f"in {seconds:.1f} s"
        failed = planner.not_optimal(result)
        status.update(label=f"Solved {how}" if not failed else "The solve did not reach an optimal plan",
                      state="error" if failed else "complete", expanded=False)


def outcome() -> None:
    key, result = state.shown()
    if result is None:
        return
    if key != state.inputs().key:
        st.warning("The inputs have changed since the last solve below; press Solve for the new ones.")
    if widgets.not_optimal_notice(result):
        return
    widgets.cost_metrics(state.derived(key, "money", lambda: planner.cost_summary(result)))
    st.success(f"Optimal plan for {result.scenario_set.name}.", icon=":material/check_circle:")
    st.page_link("views/results.py", label="Read the plan on the Results page", icon=":material/insights:")
    answer.target_chart(key, result, result.solutions[0], "solve_chart_target")  # the answer at a glance


st.markdown(f"Scenario set **{draft.name}**: {draft.title} ({len(draft.scenarios)} scenario(s)).")
options_panel()
current = state.inputs()
blocked = widgets.blockers(current, "solving")
if not blocked and state.cached(current.key) is not None:
    st.info("These exact inputs were solved before: Solve shows that result at once.")
if st.button("Solve", type="primary", disabled=blocked, key="solve", icon=":material/play_arrow:"):
    run(current)
outcome()
