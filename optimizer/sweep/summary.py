"""A sweep's summary, read from its folder alone: what it is, how far it got, and its headline
tables. `sweep_summary` is what the run store records; `write_tables` leaves the tables as CSV in
the folder; `render_text` is the terminal's view."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .evaluate import OPTIMAL
from .parameters import Parameter
from .store import SampleStore
from .tables import (below_target_table, distribution_table, morris_table, sobol_table, tornado_for,
                     tornado_rows)

COMPLETE, COMPLETE_WITH_FAILURES, INCOMPLETE = "complete", "complete_with_failures", "incomplete"
TEXT_ANSWERS = (("crisis_value_musd", "", "", ""), ("expected_cost_musd", "joint", "", ""))


def parameters_from_definition(definition: dict) -> list[Parameter]:
    """The swept parameters as the definition records them (enough for the tables: name, kind,
    range, base, unit; not the cells they set)."""
    return [Parameter(d["name"], d["kind"], d["low"], d["high"], d["base"], d["unit"], d.get("integer", False),
                      scenario=d.get("scenario")) for d in definition["parameters"]]


def sweep_summary(folder: Path) -> dict:
    """id, inputs (the definition), method, sample counts, status and headline tables (DataFrames:
    distribution, below_target, failures, and tornado for oat, sobol or morris indices when every
    sample is done)."""
    store = SampleStore(folder)
    try:
        sweep_id, definition, design = store.sweep_id, store.definition(), store.design()
        samples, answers = store.samples(), store.answers()
    finally:
        store.close()
    optimal = int((samples["status"] == OPTIMAL).sum())
    failed = len(samples) - optimal
    status = INCOMPLETE if len(samples) < design.size else (COMPLETE_WITH_FAILURES if failed else COMPLETE)
    parameters = parameters_from_definition(definition)
    tables = {"distribution": distribution_table(answers), "below_target": below_target_table(answers),
              "failures": samples.loc[samples["status"] != OPTIMAL, ["sample_id", "status", "reason", "worker"]]
              .reset_index(drop=True)}
    if design.method == "oat":
        tables["tornado"] = tornado_rows(answers, design, parameters)
    elif status != INCOMPLETE and design.method in ("sobol", "morris"):
        analyse = sobol_table if design.method == "sobol" else morris_table
        tables[design.method] = analyse(answers, design, parameters, seed=definition.get("seed") or 0)
    return {"id": sweep_id, "folder": str(Path(folder)), "inputs": definition, "method": design.method,
            "samples": {"planned": design.size, "recorded": len(samples), "optimal": optimal, "failed": failed,
                        "seconds_per_sample": float(samples["seconds"].mean()) if len(samples) else None},
            "status": status, "tables": tables}


def record_in_store(store_dir: Path | None, summary: dict, case, scenario_set, command: str) -> tuple[str, bool]:
    """Record a sweep's summary in the run store, keyed by its id, once per status: a sweep run
    again from its folder, or resumed with nothing left to do, is not recorded twice. Returns the
    run id and whether it was recorded now. Raises StoreError or OSError if the store cannot be
    written."""
    from ..store import list_runs, record_sweep  # the store loads pyarrow: only when used

    for row in list_runs(store_dir, kind="sweep", key=summary["id"]):
        if row["status"] == summary["status"]:
            return row["run_id"], False
    metadata = {k: v for k, v in summary.items() if k not in ("tables", "id")}
    run_id = record_sweep(store_dir, summary["id"], metadata, summary["tables"], case=case, scenario_set=scenario_set,
                          command=command, status=summary["status"],
                          title=f"{summary['method']} sweep of {scenario_set.name}", key=summary["id"])
    return run_id, True


def write_tables(summary: dict) -> list[Path]:
    """Each headline table as <folder>/<name>.csv; the paths written."""
    paths = []
    for name, table in summary["tables"].items():
        path = Path(summary["folder"]) / f"{name}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths


def render_text(summary: dict, top: int = 10) -> str:
    """What the terminal shows: the counts, then the main answers' tornado or indices, their
    distribution and the probability of holding less than the target."""
    n = summary["samples"]
    lines = [f"sweep {summary['id'][:10]} ({summary['method']}, {summary['inputs']['scenario_set']}, mode "
             f"{summary['inputs']['mode']}): {n['recorded']}/{n['planned']} samples, {n['optimal']} optimal, "
             f"{n['failed']} failed - {summary['status']}  ({summary['folder']})"]
    tables = summary["tables"]
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:,.4g}".format):
        for key in TEXT_ANSWERS:
            if "tornado" in tables and not tables["tornado"].empty:
                bars = tornado_for(tables["tornado"], *key, top=top)
                if not bars.empty:
                    lines += [f"\ntornado of {_name(key)} (widest {top}):", bars.to_string(index=False)]
            for method in ("sobol", "morris"):
                if method in tables and not tables[method].empty:
                    lines += _indices_text(tables[method], key, method, top)
        dist = tables["distribution"]
        main = dist[dist["quantity"].isin(["crisis_value_musd", "expected_cost_musd"])]
        if not main.empty:
            lines += ["\ndistribution over the samples:", main.to_string(index=False)]
        below = tables["below_target"]
        below = below[below["probability_below_target"] > 0]
        if not below.empty:
            lines += ["\nprobability that the stock to hold is below the policy target (target_days):",
                      below.to_string(index=False)]
        if not tables["failures"].empty:
            lines += ["\nsamples that failed (see failures.csv):", tables["failures"].head(top).to_string(index=False)]
    return "\n".join(lines)


def _indices_text(indices: pd.DataFrame, key: tuple, method: str, top: int) -> list[str]:
    mask = (indices[["quantity", "solution", "member", "commodity"]] == list(key)).all(axis=1)
    chosen = indices[mask]
    if chosen.empty:
        return []
    order = "ST" if method == "sobol" else "mu_star"
    columns = ["parameter", "S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else \
        ["parameter", "mu", "mu_star", "sigma", "mu_star_conf"]
    shown = chosen.sort_values(order, ascending=False)[columns + ["note"]].head(top)
    return [f"\n{method} indices of {_name(key)} (top {top} by {order}):", shown.to_string(index=False)]


def _name(key: tuple) -> str:
    quantity, solution, member, commodity = key
    return " ".join(part for part in (quantity, solution, member, commodity) if part)
