"""Pure table helpers on a sweep's samples and answers, for the terminal, the run store and a
Sensitivity page (no Streamlit here): tornado rows, distributions, the probability of falling
below target, Sobol and Morris indices.

Inputs are plain DataFrames, as SampleStore gives them:
- answers: sample_id, quantity, solution, member, commodity, value (optimal samples only);
- design: Design (names, values per sample, labels).
An "answer" is one (quantity, solution, member, commodity); ANSWER_KEY names those columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import BASE_LABEL, MORRIS_LEVELS, Design, salib_problem
from .parameters import Parameter

ANSWER_KEY = ["quantity", "solution", "member", "commodity"]
PERCENTILES = (5, 25, 50, 75, 95)
# indices are computed for these quantities (below_target is a 0/1 flag: its mean is the answer)
INDEX_QUANTITIES = ("days_of_cover", "shortfall_pct", "expected_cost_musd", "crisis_value_musd",
                    "calm_pooling_musd", "value_of_cooperation_musd")


def tornado_rows(answers: pd.DataFrame, design: Design, parameters: list[Parameter]) -> pd.DataFrame:
    """One-at-a-time sweep: per answer and parameter, the answer at the base, at the parameter's
    low and at its high (the others at base), and the swing |high - low|. Sorted within each answer
    by swing, largest first (the tornado's order). A parameter end whose sample failed has NaN."""
    by_label = dict(zip(range(design.size), design.labels))
    labelled = answers.assign(label=answers["sample_id"].map(by_label))
    wide = labelled.pivot_table(index=ANSWER_KEY, columns="label", values="value", aggfunc="first")
    rows = []
    for p in parameters:
        if f"{p.name}:low" not in by_label.values():
            continue  # fixed (low == high): not in the design
        frame = pd.DataFrame({
            "parameter": p.name, "unit": p.unit, "low": p.low, "high": p.high, "base": p.base,
            "answer_base": _column(wide, BASE_LABEL), "answer_low": _column(wide, f"{p.name}:low"),
            "answer_high": _column(wide, f"{p.name}:high")}, index=wide.index)
        rows.append(frame.reset_index())
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows, ignore_index=True)
    out["swing"] = (out["answer_high"] - out["answer_low"]).abs()
    return out.sort_values(ANSWER_KEY + ["swing"], ascending=[True] * 4 + [False], kind="stable").reset_index(drop=True)


def _column(wide: pd.DataFrame, label: str) -> pd.Series:
    return wide[label] if label in wide.columns else pd.Series(np.nan, index=wide.index)


def distribution_table(answers: pd.DataFrame) -> pd.DataFrame:
    """Per answer over the samples: count, mean, standard deviation, min, percentiles, max."""
    grouped = answers.groupby(ANSWER_KEY, sort=True)["value"]
    out = grouped.agg(samples="count", mean="mean", std="std", min="min", max="max")
    for q in PERCENTILES:
        out[f"p{q:02d}"] = grouped.quantile(q / 100.0)
    return out[["samples", "mean", "std", "min"] + [f"p{q:02d}" for q in PERCENTILES] + ["max"]].reset_index()


def below_target_table(answers: pd.DataFrame) -> pd.DataFrame:
    """Per solution, member and commodity: the share of samples whose stock to hold is below the
    member's policy target (the mean of below_target), and the days of cover's median beside it."""
    flags = answers[answers["quantity"] == "below_target"]
    days = answers[answers["quantity"] == "days_of_cover"]
    key = ["solution", "member", "commodity"]
    out = flags.groupby(key, sort=True)["value"].agg(samples="count", probability_below_target="mean")
    out["median_days_of_cover"] = days.groupby(key)["value"].median()
    return out.reset_index()


def answer_matrix(answers: pd.DataFrame, n_samples: int, quantities=INDEX_QUANTITIES) -> pd.DataFrame:
    """One column per answer (of the given quantities), one row per sample (NaN where a sample
    failed)."""
    chosen = answers[answers["quantity"].isin(quantities)]
    wide = chosen.pivot_table(index="sample_id", columns=ANSWER_KEY, values="value", aggfunc="first")
    return wide.reindex(range(n_samples))


def sobol_table(answers: pd.DataFrame, design: Design, parameters: list[Parameter], seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with their 95 % confidence half-widths, per
    answer and parameter (SALib.analyze.sobol on the design's samples). An answer that does not vary
    has indices 0; one with a failed sample has none (the estimator needs every sample)."""
    from SALib.analyze import sobol

    problem = salib_problem([p for p in parameters if p.name in design.names])
    rows = []
    for key, y in answer_matrix(answers, design.size).items():
        if y.isna().any() or np.ptp(y.to_numpy()) == 0.0:
            rows += _degenerate(key, problem["names"], ("S1", "S1_conf", "ST", "ST_conf"), y)
            continue
        result = sobol.analyze(problem, y.to_numpy(), calc_second_order=False, seed=seed)
        rows += [dict(zip(ANSWER_KEY, key), parameter=name, S1=result["S1"][j], S1_conf=result["S1_conf"][j],
                      ST=result["ST"][j], ST_conf=result["ST_conf"][j], note="")
                 for j, name in enumerate(problem["names"])]
    return pd.DataFrame(rows)


def morris_table(answers: pd.DataFrame, design: Design, parameters: list[Parameter], seed: int = 0) -> pd.DataFrame:
    """Morris screening per answer and parameter: mu (mean elementary effect), mu_star (mean of its
    absolute value: the ranking), sigma (spread: interactions or nonlinearity) and mu_star's 95 %
    confidence half-width (SALib.analyze.morris on the design's trajectories)."""
    from SALib.analyze import morris

    problem = salib_problem([p for p in parameters if p.name in design.names])
    rows = []
    for key, y in answer_matrix(answers, design.size).items():
        if y.isna().any() or np.ptp(y.to_numpy()) == 0.0:
            rows += _degenerate(key, problem["names"], ("mu", "mu_star", "sigma", "mu_star_conf"), y)
            continue
        result = morris.analyze(problem, design.values, y.to_numpy(), num_levels=MORRIS_LEVELS, seed=seed)
        rows += [dict(zip(ANSWER_KEY, key), parameter=name, mu=result["mu"][j], mu_star=result["mu_star"][j],
                      sigma=result["sigma"][j], mu_star_conf=result["mu_star_conf"][j], note="")
                 for j, name in enumerate(problem["names"])]
    return pd.DataFrame(rows)


def _degenerate(key: tuple, names: list[str], columns: tuple[str, ...], y: pd.Series) -> list[dict]:
    failed = int(y.isna().sum())
    note = f"{failed} sample(s) failed: not computed" if failed else "does not vary: no parameter moves it"
    value = np.nan if failed else 0.0
    return [dict(zip(ANSWER_KEY, key), parameter=name, **dict.fromkeys(columns, value), note=note) for name in names]


def sobol_bars(indices: pd.DataFrame, quantity: str, solution: str = "", member: str = "",
               commodity: str = "", top: int = 15) -> pd.DataFrame:
    """One answer's Sobol indices, largest total index first, for a bar chart: parameter, S1, ST
    and their confidence half-widths."""
    mask = ((indices["quantity"] == quantity) & (indices["solution"] == solution)
            & (indices["member"] == member) & (indices["commodity"] == commodity))
    return (indices[mask].sort_values("ST", ascending=False)
            [["parameter", "S1", "S1_conf", "ST", "ST_conf"]].head(top).reset_index(drop=True))


def tornado_for(tornado: pd.DataFrame, quantity: str, solution: str = "", member: str = "",
                commodity: str = "", top: int = 15) -> pd.DataFrame:
    """One answer's tornado bars, widest first: parameter, low, high, answer at each end, swing."""
    mask = ((tornado["quantity"] == quantity) & (tornado["solution"] == solution)
            & (tornado["member"] == member) & (tornado["commodity"] == commodity))
    return (tornado[mask][["parameter", "unit", "low", "high", "answer_base", "answer_low", "answer_high", "swing"]]
            .head(top).reset_index(drop=True))
