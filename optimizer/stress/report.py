"""A stress test as a dict (--json), as text, and as a folder of CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..output import staged_folder, write_json
from ..report import indent_block, records
from .core import LEVER_LABELS, SHORT_T, StressResult, lever_table, shortfall_by_month, side_by_side

FMT = {"float_format": lambda v: f"{v:,.2f}", "index": False, "na_rep": "-"}
EXPOSURE_SHOWN = ["scenario", "commodity", "member", "shortfall_t", "shortfall_pct", "first_month_short",
                  "stock_start_t", "stock_released_t", "stock_lasts_days", "optimal_stock_start_t", "optimal_shortfall_pct"]


def stress_tables(result: StressResult) -> dict[str, pd.DataFrame]:
    tables = {"plan": result.plan.table(), "exposure": side_by_side(result),
              "shortfall_by_month": shortfall_by_month(result.fixed)}
    if result.none is not None:
        tables["levers"] = lever_table(result)
    return tables


def stress_summary(result: StressResult) -> dict:
    tables = stress_tables(result)
    exposed = tables["exposure"]
    return {
        "scenario_set": result.scenario_set.name, "plan": result.plan.name,
        "status": "optimal" if result.optimal_everywhere else "not_optimal",
        "solves": [{"label": s.label, "status": s.outcome.status, "message": s.outcome.message} for s in result.solutions],
        "exposure": records(exposed[exposed["shortfall_t"] > SHORT_T]),
        "levers": records(tables["levers"][tables["levers"]["shortfall_none_t"] > SHORT_T]) if "levers" in tables else [],
    }


def render_stress_text(result: StressResult) -> str:
    lines = [f"== stress test of plan '{result.plan.name}' on {result.scenario_set.name}: the plan's stock and "
             f"storage held fixed, each scenario's recourse solved (joint, transfers on)"]
    failed = [s for s in result.solutions if not s.optimal]
    for s in failed:
        lines.append(f"   {s.label}: NOT OPTIMAL ({s.outcome.status}): {s.outcome.message}")
    if failed:
        return "\n".join(lines)
    tables = stress_tables(result)
    exposed = tables["exposure"]
    short = exposed[exposed["shortfall_t"] > SHORT_T]
    if short.empty:
        lines.append("   no shortfall in any scenario: the plan covers every disruption of the set")
    else:
        shown = [c for c in EXPOSURE_SHOWN if c in short.columns]
        lines += ["", "-- shortfall over the horizon where there is any (t; % of demand), the first month short, "
                      "the stock at the start and released (t), the days it lasted (- = never ran out), and the "
                      "optimal plan's stock and shortfall beside it:", indent_block(short[shown].to_string(**FMT))]
    if "levers" in tables:
        levers = tables["levers"]
        levers = levers[levers["shortfall_none_t"] > SHORT_T]
        covered = ["scenario", "commodity", "member", "shortfall_none_t"] + \
            [f"covered_{x}_alone_t" for x in LEVER_LABELS] + ["covered_all_t", "shortfall_all_t"]
        lines += ["", "-- what each lever covers (t): the shortfall with no lever (normal supply and domestic output "
                      "only), what each lever alone covers of it, and all together; " +
                  "; ".join(f"{k} = {v}" for k, v in LEVER_LABELS.items()),
                  indent_block(levers[covered].to_string(**FMT))]
    return "\n".join(lines)


def write_stress(result: StressResult, out_dir: str | Path) -> Path:
    """The stress test's tables and summary.json in out_dir, replacing it only once complete."""
    with staged_folder(out_dir) as staging:
        for name, df in stress_tables(result).items():
            df.to_csv(staging / f"{name}.csv", index=False)
        write_json(staging / "summary.json", stress_summary(result))
    return Path(out_dir)
