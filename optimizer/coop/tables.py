"""A CooperationReport as the planner's Cooperation page shows it: tables with a total row, long
tables for charts, plain-language checks, the page's cache key. No Streamlit here.

Column names keep the `stockpile coop --out` style (unit as suffix: _musd, _days); `header`
turns them into the labels the page shows, with the unit in brackets.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

from .game import CooperationReport, core_violations

RULES = {"alone_musd": "cost alone", "shapley_musd": "Shapley value", "iea_musd": "IEA rule",
         "least_core_musd": "least core"}  # share column -> the rule's name on the page
NOISE_MUSD = 1e-6  # differences of LP optima below this (1 USD) are solver round-off, shown as 0

# ---------------------------------------------------------------------------- inputs and key


def parse_weights(values) -> tuple[tuple[float, ...], list[str]]:
    """Risk weights from an edited list (blank rows ignored): sorted, without repeats, each in
    [0, 1]; or () and what is wrong."""
    weights, problems = set(), []
    for i, value in enumerate(values, start=1):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        try:
            w = float(value)
        except (TypeError, ValueError):
            problems.append(f"row {i}: '{value}' is not a number")
            continue
        if not 0.0 <= w <= 1.0:
            problems.append(f"row {i}: {w:g} is not between 0 and 1")
        weights.add(w)
    if not weights and not problems:
        problems.append("give at least one risk weight (0 = expected cost only, 1 = CVaR only)")
    return (() if problems else tuple(sorted(weights))), problems


def coop_key(run_key: str, weights, level: float) -> str:
    """The run key (data, scenario set, horizon, floors, time limit) plus the frontier's weights
    and CVaR level: equal keys give equal reports, so the page can show a cached one."""
    text = json.dumps([run_key, sorted({float(w) for w in weights}), float(level)])
    return hashlib.sha256(text.encode()).hexdigest()


def lp_count(n_members: int, n_weights: int) -> int:
    """LPs one report solves: every coalition, three more exchange arrangements (the fourth is
    the grand coalition's own), one per risk weight. The least-core LP is tiny and not counted."""
    return (2 ** n_members - 1) + 3 + n_weights


def not_optimal_lines(message: str) -> list[str]:
    """Why nothing is shown, in plain words, and what to try (message: a NotOptimalError's)."""
    what, _, why = message.partition(": ")
    lines = [f"The LP for **{what}** was not solved to optimality: {why or what}",
             ("A cost split worked out from a cost that is not the optimum would be wrong, so no "
              "costs, shares or charts are shown.")]
    if "time limit" in message:
        lines.append("Raise the HiGHS time limit under *Advanced* (0 = no limit) and compute again.")
    return lines


# ---------------------------------------------------------------------------- tables


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """Round-off (|x| < 1 USD in M USD) shown as 0, so a 'saving' of 1e-13 reads as none."""
    df = df.copy()
    for column in df.select_dtypes("float").columns:
        df[column] = df[column].mask(df[column].abs() < NOISE_MUSD, 0.0)
    return df


def who_pays_chart(report: CooperationReport) -> pd.DataFrame:
    """Long table for a grouped bar chart: member x rule, what the member pays and what it saves
    against going alone (the saving is 0 for 'cost alone' by definition)."""
    shares = report.shares()
    rows = [{"member": row["member"], "rule": rule, "pays_musd": row[column],
             "saves_musd": row["alone_musd"] - row[column]}
            for _, row in shares.iterrows() for column, rule in RULES.items()]
    return _clean(pd.DataFrame(rows))


def who_pays(report: CooperationReport) -> pd.DataFrame:
    """One row per rule: what each member pays and saves, and the totals. Rules as rows keep the
    table narrow and put the check in sight: every rule's total is the coalition's cost."""
    long = who_pays_chart(report)
    members = list(report.game.members)
    table = pd.DataFrame({"rule": list(RULES.values())})
    for measure in ("pays", "saves"):
        wide = long.pivot(index="rule", columns="member", values=f"{measure}_musd")
        wide = wide.reindex(index=table["rule"], columns=members)
        for m in members:
            table[f"{m}_{measure}_musd"] = wide[m].to_numpy()
        table[f"total_{measure}_musd"] = wide.sum(axis=1).to_numpy()
    return table


def rule_checks(report: CooperationReport) -> pd.DataFrame:
    """For each sharing rule: is its split in the core, and if not, which coalitions object."""
    shares = report.shares().set_index("member")
    rows = []
    for column, rule in list(RULES.items())[1:]:  # every rule but 'cost alone'
        objections = core_violations(report.game, shares[column].to_dict())
        rows.append({"rule": rule, "in_core": not objections, "objections": "; ".join(
            f"{v['coalition']} would pay {v['allocated_musd']:,.1f} M USD, {v['alone_musd']:,.1f} alone"
            for v in objections)})
    return pd.DataFrame(rows)


def coalition_table(report: CooperationReport) -> pd.DataFrame:
    """Every coalition's cost acting alone, against its members each acting alone."""
    df = report.coalitions()
    singles = {m: report.game.value([m]) for m in report.game.members}
    df["members_alone_musd"] = [sum(singles[m] for m in c.split("+")) for c in df["coalition"]]
    df["saving_musd"] = df["members_alone_musd"] - df["cost_musd"]
    return _clean(df)


def savings_table(report: CooperationReport) -> pd.DataFrame:
    """The saving by commodity and cost item, rows with any cost or saving only."""
    df = _clean(report.savings)
    keep = (df[["alone_musd", "joint_musd", "saving_musd"]] != 0).any(axis=1)
    return df[keep].reset_index(drop=True)


def cover_table(report: CooperationReport) -> pd.DataFrame:
    """Days of cover held and what it costs, alone and together, per commodity."""
    columns = ["commodity", "alone_days", "joint_days", "days_gained", "alone_stockpile_cost_musd",
               "joint_stockpile_cost_musd", "alone_days_per_musd", "joint_days_per_musd"]
    return _clean(report.cover[columns])


def current_arrangement(report: CooperationReport) -> str:
    """The exchange arrangement the coalition cost was computed with (labels of coop's
    exchange_comparison)."""
    labels = {(False, False): "pooled supply, no exchange", (True, False): "one-way transfers",
              (False, True): "swaps repaid in kind", (True, True): "transfers and swaps"}
    return labels[(report.options.transfers, report.options.swaps)]


def exchange_table(report: CooperationReport) -> pd.DataFrame:
    df = _clean(report.exchanges)
    df["used_above"] = df["arrangement"] == current_arrangement(report)
    return df


def frontier_points(report: CooperationReport) -> pd.DataFrame:
    """The frontier, one row per distinct (expected cost, CVaR) point, labelled by every weight
    that gives it: weights with the same plan would otherwise print over each other."""
    df = report.frontier.sort_values("weight").copy()
    df["point"] = list(zip(df["expected_cost_musd"].round(3), df["cvar_musd"].round(3)))
    labels = df.groupby("point", sort=False)["weight"].agg(
        lambda ws: "w = " + ", ".join(f"{w:g}" for w in ws))
    points = df.drop_duplicates("point").copy()
    points["label"] = points["point"].map(labels)
    return points.drop(columns="point").reset_index(drop=True)


def all_tables(report: CooperationReport) -> dict[str, pd.DataFrame]:
    """Every table of the page, for one Excel workbook."""
    return {"who pays": who_pays(report), "core check": rule_checks(report),
            "coalitions": coalition_table(report), "saving by commodity": savings_table(report),
            "days of cover": cover_table(report), "exchange arrangements": exchange_table(report),
            "cost-risk frontier": report.frontier}


# ---------------------------------------------------------------------------- headers

_LABELS = {"alone_musd": "cost alone", "joint_musd": "cost together", "shapley_musd": "Shapley",
           "iea_musd": "IEA rule", "least_core_musd": "least core", "shapley_saving_musd": "Shapley saves",
           "iea_saving_musd": "IEA saves", "least_core_saving_musd": "least-core saves",
           "members": "number of members",
           "joint_days": "together", "joint_days_per_musd": "together", "days_gained": "gained",
           "alone_stockpile_cost_musd": "spent alone", "joint_stockpile_cost_musd": "spent together",
           "saving_vs_alone_musd": "saving vs members alone", "used_above": "used in the costs above",
           "cvar_musd": "CVaR", "objective_musd": "objective (1-w) E + w CVaR",
           "stock_value_musd": "starting stock at reference prices", "weight": "risk weight w",
           "in_core": "in the core"}
_UNITS = (("_days_per_musd", "days/M USD"), ("_musd", "M USD"), ("_days", "days"), ("_t", "t"))
_OTHER_UNITS = {"days_gained": "days", "weight": "0-1"}


def header(column: str) -> str:
    """A column's label on the page, unit in brackets: 'iea_saving_musd' -> 'IEA saves [M USD]'."""
    suffix, unit = next(((s, u) for s, u in _UNITS if column.endswith(s)), ("", ""))
    unit = _OTHER_UNITS.get(column, unit)
    label = _LABELS.get(column) or column[: len(column) - len(suffix)].replace("_", " ")
    return f"{label} [{unit}]" if unit else label
