"""Sensitivity: which assumptions the answer hangs on. A sweep of the assumption ranges of
data/assumptions.csv (and, if asked, the scenario probabilities) run in this process, then its
tornado, distribution, probability of falling below target and Sobol or Morris indices
(optimizer.sweep; docs/sweeps.md). Earlier sweeps' folders open here too."""

import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from optimizer import InputError, RunOptions, planner
from optimizer.assumptions import load_assumptions
from optimizer.run import MODES
from optimizer.sweep import SweepFile, default_folder, plan_sweep, run_sweep, sweep_parameters, sweep_summary
from optimizer.sweep.design import METHODS
from optimizer.sweep.parameters import DEFAULT_PROBABILITY_SCALE
from optimizer.sweep.summary import COMPLETE, INCOMPLETE
from optimizer.sweep.tables import sobol_bars, tornado_for
from ui import charts, state, widgets

METHOD_HELP = ("**oat**: the base, then each assumption at its low and at its high (1 + 2 x assumptions "
               "samples): a tornado. **morris**: screening, *samples* trajectories of (assumptions + 1) samples. "
               "**sobol**: variance shares, *samples* (a power of 2) x (assumptions + 2) samples. **lhs**: a Latin "
               "hypercube of *samples* samples: the distribution of each answer. **mc**: the same by plain Monte "
               "Carlo. Every range is sampled uniformly.")
ROOTS = {"temporary": Path(tempfile.gettempdir()) / "kj-stockpile-sweeps", "sweeps": Path("sweeps").resolve()}
KEEP = {"temporary": f"a temporary folder ({ROOTS['temporary']})",
        "sweeps": f"the sweeps folder ({ROOTS['sweeps']}), as `stockpile sweep` does"}

st.title("Sensitivity")
st.caption("A sweep solves the plan many times, each time with the assumed numbers of assumptions.csv set "
           "somewhere in their plausible ranges, and shows how the answers move. docs/sweeps.md.")
draft = state.draft()
st.markdown(f"Scenario set **{draft.name}**: {draft.title} ({len(draft.scenarios)} scenario(s)), on the data of "
            "the Assumptions page; floors, sharing and time limit as on the Solve page.")
current = state.inputs()
blocked = widgets.blockers(current, "sweeping")


def assumption_names() -> list[str]:
    """The assumptions of assumptions.csv, checked against the current data (an edit that changes a
    cell an assumption names makes that row disagree: said here, not raised)."""
    if blocked:
        return []
    try:
        return [a.name for a in load_assumptions(current.tables.case)]
    except InputError as exc:
        st.error("assumptions.csv does not agree with the current data, so no assumption can be swept:",
                 icon=":material/error:")
        widgets.problem_list([str(p) for p in exc.problems], limit=6)
        return []


def options_form(names: list[str]) -> dict | None:
    """The sweep's settings, taken together when Run sweep is pressed; None until then."""
    o = state.options()
    with st.form("sweep_form"):
        left, middle, right = st.columns([1, 2, 1])
        method = left.radio("Method", METHODS, key="sweep_method", help=METHOD_HELP)
        samples = left.number_input("Samples", 2, 100_000, 16, key="sweep_samples",
                                    help="lhs, mc: samples; morris: trajectories; sobol: base count, a power of 2. "
                                         "Not used by oat.")
        seed = left.number_input("Seed", 0, 2**31 - 1, 0, key="sweep_seed")
        chosen = middle.multiselect("Assumptions to sweep (assumptions.csv)", names, key="sweep_assumptions",
                                    default=planner.default_sweep_assumptions(names))
        probabilities = middle.toggle("Also sweep the scenario probabilities", False, key="sweep_probabilities",
                                      help="Every scenario but the event-free one from 0.5 to 1.5 times its "
                                           "probability; the event-free one takes the rest.")
        middle.caption(METHOD_HELP)
        mode = right.radio("Mode", MODES, index=MODES.index("both"), key="sweep_mode",
                           help="Runs per sample; both gives the crisis value of cooperation.")
        horizon = right.number_input("Horizon (months)", 1, 600, int(o["horizon"]), key="sweep_horizon")
        keep = right.radio("Keep the samples in", list(KEEP), format_func=KEEP.get, key="sweep_keep")
        record = right.toggle("Record in the run store", True, key="sweep_record",
                              help="The finished sweep is listed on the Run history page.")
        pressed = st.form_submit_button("Run sweep", type="primary", disabled=blocked, key="sweep_run",
                                        icon=":material/play_arrow:")
    if not pressed:
        return None
    return dict(method=method, samples=int(samples), seed=int(seed), assumptions=list(chosen),
                probabilities=probabilities, mode=mode, horizon=int(horizon), keep=keep, record=record)


def run(settings: dict) -> None:
    """Plan the sweep, run its samples here with a bar that moves per sample, and read its summary."""
    case, scenario_set = current.tables.case, current.scenarios.scenario_set
    o = state.options()
    options = RunOptions(horizon_months=settings["horizon"], cover_floors=bool(o["floors"]),
                         time_limit_s=float(o["time_limit"]) or None, sharing=o.get("sharing", "proportional"))
    spec = SweepFile(assumptions=settings["assumptions"] or "none",
                     probabilities={"scale": DEFAULT_PROBABILITY_SCALE} if settings["probabilities"] else None)
    origin = "Sensitivity page"
    try:
        parameters = sweep_parameters(case, scenario_set, None, spec, origin)
        samples = None if settings["method"] == "oat" else settings["samples"]
        plan = plan_sweep(case, scenario_set, parameters, settings["method"], samples, settings["seed"],
                          settings["mode"], options, origin)
    except InputError as exc:
        st.error("The sweep cannot run; nothing was solved:", icon=":material/error:")
        widgets.problem_list([str(p) for p in exc.problems])
        return
    folder = default_folder(plan, ROOTS[settings["keep"]])
    size = plan.design.size
    with st.status(f"Sweeping {scenario_set.name}: {settings['method']}, {size} samples of "
                   f"{len(plan.context.parameters)} parameter(s), mode {settings['mode']}, "
                   f"{settings['horizon']} months ...", expanded=True) as status:
        bar = st.progress(0.0, text="starting ...")
        started = time.perf_counter()

        def step(done: int, total: int, failed: int) -> None:
            note = f", {failed} failed" if failed else ""
            bar.progress(min(done / total, 1.0), text=f"sample {done} of {total}{note} "
                                                      f"({time.perf_counter() - started:.0f} s so far)")

        try:
            done = run_sweep(plan, folder, workers=1, resume=True, show_progress=False, on_progress=step)
        except InputError as exc:
            status.update(label="The sweep could not run", state="error")
            st.error("The sweep cannot run in its folder:", icon=":material/error:")
            widgets.problem_list([str(p) for p in exc.problems])
            return
        bar.empty()
        summary = state.sweep_summary(str(done.folder), lambda: sweep_summary(done.folder), fresh=True)
        how = "all found in its folder (run before)" if done.computed == 0 else \
            f"{done.computed} solved in {done.seconds:.1f} s"
        status.update(label=f"Swept: {how}", state="complete" if summary["status"] == COMPLETE else "error",
                      expanded=False)
    if settings["record"]:
        record(summary, case, scenario_set)


def record(summary: dict, case, scenario_set) -> None:
    """Record the sweep in the run store, once (a sweep run again from its folder is not recorded twice)."""
    from optimizer.store import StoreError
    from optimizer.sweep.summary import record_in_store

    try:
        run_id, now = record_in_store(None, summary, case, scenario_set, "planner UI (Sensitivity page)")
    except (StoreError, OSError) as exc:
        st.warning(f"The sweep is kept in its folder, but the run store was not used: {exc}")
        return
    if now:
        st.caption(f"Recorded in the run store as run `{run_id}` (Run history page).")


def open_existing() -> None:
    """Open a sweep's folder written earlier (here or by `stockpile sweep`)."""
    with st.expander("Open an earlier sweep's folder"):
        found = sorted((str(d) for root in ROOTS.values() if root.is_dir() for d in root.iterdir()
                        if planner.is_sweep_folder(d)), reverse=True)
        left, right = st.columns([3, 1])
        typed = left.text_input("Folder", key="sweep_open_path", placeholder="sweeps/stochastic_oat_1a2b3c4d5e",
                                help="A folder written by a sweep: it holds samples.sqlite.")
        if found:
            picked = left.selectbox("or one found in the folders above", found, key="sweep_open_found")
        else:
            picked = None
        if right.button("Open", key="sweep_open", icon=":material/folder_open:"):
            folder = typed.strip() or picked
            if not folder:
                st.error("Type the sweep's folder first.", icon=":material/error:")
            elif not planner.is_sweep_folder(folder):
                st.error(f"'{folder}' is not a sweep's folder: it holds no samples.sqlite.", icon=":material/error:")
            else:
                state.sweep_summary(str(Path(folder)), lambda: sweep_summary(Path(folder)), fresh=True)


def answer_picker(summary: dict) -> tuple[str, tuple[str, str, str]] | None:
    """The answer to show: a quantity and its (solution, member, commodity)."""
    dist = summary["tables"]["distribution"]
    quantities = [q for q in planner.SWEEP_QUANTITIES if q in set(dist.get("quantity", []))]
    if not quantities:
        return None
    widgets.drop_stale_choice("sweep_quantity", quantities)
    left, right = st.columns([1, 2])
    quantity = left.selectbox("Answer", quantities, key="sweep_quantity", format_func=planner.SWEEP_QUANTITIES.get)
    keys = planner.sweep_answer_keys(dist, quantity)
    labels = {", ".join(p for p in row if p) or "the run's own": tuple(row) for row in keys.itertuples(index=False)}
    names = list(labels)
    widgets.drop_stale_choice("sweep_answer_key", names)
    default = next((i for i, k in enumerate(labels.values()) if k[0] == "joint"), 0)
    name = right.selectbox("Of", names, index=default, key="sweep_answer_key") if len(names) > 1 else names[0]
    return quantity, labels[name]


def show(folder: str, summary: dict) -> None:
    d, n = summary["inputs"], summary["samples"]
    st.subheader(f"{summary['method']} sweep of {d['scenario_set']}")
    st.markdown(f"Mode {d['mode']}, horizon {d['options']['horizon_months']} months, "
                f"{len(d['parameters'])} parameter(s); {n['recorded']} of {n['planned']} samples recorded, "
                f"{n['optimal']} optimal, {n['failed']} failed: **{summary['status'].replace('_', ' ')}**.  \n"
                f"Folder `{folder}`")
    if summary["status"] == INCOMPLETE:
        st.warning("The sweep is not complete: indices need every sample. Run the same sweep again to go on.")
    tables = summary["tables"]
    picked = answer_picker(summary)
    if picked is None:
        st.info("No sample ended optimal, so there is no answer to show.")
    else:
        quantity, key = picked
        answer = planner.sweep_answer_label(quantity, *key)
        if summary["method"] == "oat":
            tornado(tables.get("tornado", pd.DataFrame()), quantity, key, answer)
        elif summary["method"] == "sobol" and "sobol" in tables:
            bars = sobol_bars(tables["sobol"], quantity, *key)
            st.plotly_chart(charts.sobol(bars, answer), key="sweep_chart_sobol")
            widgets.table_with_downloads(bars, "sobol", "sweep_dl_sobol", widgets.unit_columns(bars))
        elif summary["method"] == "morris" and "morris" in tables:
            m = tables["morris"]
            mask = (m[["quantity", "solution", "member", "commodity"]] == [quantity, *key]).all(axis=1)
            bars = m[mask].sort_values("mu_star", ascending=False)[["parameter", "mu", "mu_star", "sigma",
                                                                     "mu_star_conf", "note"]].head(15)
            unit = answer.split("(")[-1].rstrip(")") if "(" in answer else ""
            st.plotly_chart(charts.morris(bars.reset_index(drop=True), answer, unit), key="sweep_chart_morris")
            widgets.table_with_downloads(bars, "morris", "sweep_dl_morris", widgets.unit_columns(bars))
        if summary["method"] != "oat":
            distribution(folder, tables["distribution"], quantity, key, answer)
    st.subheader("How likely the stock to hold is below the policy target")
    below = tables["below_target"]
    widgets.table_with_downloads(below, "below_target", "sweep_dl_below", {
        "probability_below_target": st.column_config.NumberColumn("probability below target [0-1]", format="%.2f"),
        "median_days_of_cover": st.column_config.NumberColumn("median cover [days]", format="%.1f")})
    st.caption("The share of samples whose stock to hold is below the member's target_days: a share of the "
               "assumption space (uniform over the ranges), not a forecast. With floors on it is 0 by construction.")
    if len(tables["failures"]):
        st.subheader("Samples that failed")
        widgets.table_with_downloads(tables["failures"], "failures", "sweep_dl_failures")
    st.download_button("Every table: one Excel workbook", lambda: planner.to_excel(tables),
                       f"{d['scenario_set']}_{summary['method']}_sweep.xlsx", on_click="ignore", key="sweep_dl_all",
                       icon=":material/download:")


def tornado(table: pd.DataFrame, quantity: str, key: tuple, answer: str) -> None:
    st.subheader("Tornado: how far each assumption alone moves the answer")
    bars = tornado_for(table, quantity, *key) if not table.empty else table
    if bars.empty:
        st.info("No tornado for this answer (its samples failed).")
        return
    st.plotly_chart(charts.tornado(bars, answer), key="sweep_chart_tornado")
    widgets.table_with_downloads(bars, "tornado", "sweep_dl_tornado", {
        "low": st.column_config.NumberColumn("assumption low", format="%,.4g"),
        "high": st.column_config.NumberColumn("assumption high", format="%,.4g"),
        "answer_base": st.column_config.NumberColumn("answer at base", format="%,.2f"),
        "answer_low": st.column_config.NumberColumn("answer at low", format="%,.2f"),
        "answer_high": st.column_config.NumberColumn("answer at high", format="%,.2f"),
        "swing": st.column_config.NumberColumn("swing |high - low|", format="%,.2f")})
    st.caption("Widest first. A bar that crosses zero for the crisis value changes the policy conclusion.")


def distribution(folder: str, table: pd.DataFrame, quantity: str, key: tuple, answer: str) -> None:
    st.subheader("Distribution over the samples")
    values = planner.sweep_values(folder, quantity, *key)
    if len(values):
        st.plotly_chart(charts.histogram(values["value"], answer), key="sweep_chart_histogram")
    row = table[(table["quantity"] == quantity) & (table["solution"] == key[0]) & (table["member"] == key[1])
                & (table["commodity"] == key[2])]
    st.dataframe(row.drop(columns=["quantity"]), hide_index=True)
    with st.expander("Every answer's distribution"):
        widgets.table_with_downloads(table, "distribution", "sweep_dl_distribution")


names = assumption_names()
settings = options_form(names)
if settings is not None:
    run(settings)
open_existing()
shown_folder, shown_summary = state.sweep_shown()
if shown_summary is not None:
    show(shown_folder, shown_summary)
else:
    st.info("No sweep yet: choose the method and assumptions and press **Run sweep**, or open an earlier "
            "sweep's folder.")
