"""A cooperation report as a dict (for --json and the UI), as text, and as a folder of CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..output import staged_folder, write_json
from ..report import indent_block, records
from .game import CooperationReport

FMT = {"float_format": lambda v: f"{v:,.2f}", "index": False}


def coop_summary(report: CooperationReport) -> dict:
    game = report.game
    return {
        "scenario_set": report.scenario_set.name, "members": list(game.members),
        "horizon_months": game.grand.inputs.horizon,
        "coalition_cost_musd": game.value(game.members),
        "members_alone_musd": sum(game.value([m]) for m in game.members),
        "crisis_value_of_cooperation_musd": report.crisis_value_musd,
        "calm_pooling_musd": report.calm_pooling_musd,
        "value_of_cooperation_musd": report.value_of_cooperation_musd,
        "coalitions": records(report.coalitions()), "shares": records(report.shares()),
        "shapley_in_core": not report.core_violations, "core_violations": report.core_violations,
        "least_core_excess_musd": report.least_core_excess_musd,
        "savings_by_commodity_item": records(report.savings), "cover_per_dollar": records(report.cover),
        "exchanges": records(report.exchanges), "risk_level": report.risk_level,
        "risk_frontier": records(report.frontier),
    }


def render_coop_text(report: CooperationReport) -> str:
    s = coop_summary(report)
    savings = report.savings.groupby("commodity")["saving_musd"].sum().reset_index()
    lines = [
        f"== cooperation on {s['scenario_set']}: members {', '.join(s['members'])}, "
        f"horizon {s['horizon_months']} months",
        f"   crisis value of cooperation {s['crisis_value_of_cooperation_musd']:,.1f} M USD (what joint stock, "
        "transfers and pooling save in the disruption scenarios, weighted by probability);",
        f"   calm pooling {s['calm_pooling_musd']:,.1f} M USD (what buying together saves with no disruption);",
        f"   in all: together {s['coalition_cost_musd']:,.1f} M USD, alone {s['members_alone_musd']:,.1f} M USD: "
        f"cooperation saves {s['value_of_cooperation_musd']:,.1f} M USD",
        "", "-- cost of every coalition acting alone (M USD):", indent_block(report.coalitions().to_string(**FMT)),
        "", "-- who pays what (M USD): Shapley value, IEA rule (consumption shares), least core",
        indent_block(report.shares().to_string(**FMT)),
        "   Shapley split is " + ("in the core: no member or group would do better alone." if s["shapley_in_core"]
                                  else "NOT in the core: " + "; ".join(
                                      f"{v['coalition']} would pay {v['allocated_musd']:,.1f} but "
                                      f"{v['alone_musd']:,.1f} alone" for v in report.core_violations)),
        "", "-- saving by commodity (M USD):", indent_block(savings.to_string(**FMT)),
        "", "-- days of cover held, alone vs together, per M USD of stockpiling cost:",
        indent_block(report.cover.to_string(**FMT)),
        "", "-- exchange arrangements (coalition cost, M USD):", indent_block(report.exchanges.to_string(**FMT)),
        "", f"-- cost-risk frontier: minimise (1 - w) x expected cost + w x CVaR{report.risk_level:.0%}:",
        indent_block(report.frontier.to_string(**FMT)),
    ]
    return "\n".join(lines)


def report_tables(report: CooperationReport) -> dict[str, pd.DataFrame]:
    """The report's tables by the CSV name they are written under."""
    return {"coalitions": report.coalitions(), "shares": report.shares(), "savings": report.savings,
            "cover_per_dollar": report.cover, "exchanges": report.exchanges, "risk_frontier": report.frontier,
            "core_violations": pd.DataFrame(report.core_violations, columns=["coalition", "allocated_musd", "alone_musd"])}


def write_coop(report: CooperationReport, out_dir: str | Path) -> Path:
    """Write the report's tables and summary.json into out_dir, replacing it only once complete."""
    with staged_folder(out_dir) as staging:
        for name, df in report_tables(report).items():
            df.to_csv(staging / f"{name}.csv", index=False)
        write_json(staging / "summary.json", coop_summary(report))
    return Path(out_dir)
