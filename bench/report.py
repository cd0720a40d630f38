"""Turn the raw measurements of bench/run.py into tables, fitted exponents and issue-5 targets.

Definitions (also in bench/README.md):
- overhead = build + hand-off: what the modelling layer costs before HiGHS starts;
- ratio = an approach's overhead / the lower bound's (lp-matrix) overhead at the same size;
- total = build + hand-off + solve + extract (the common `inputs` step is reported apart);
- agreement = |objective - lower bound's objective| / |lower bound's objective|;
- exponent = slope of log(build seconds) against log(months x scenarios), least squares.
"""

from __future__ import annotations

import math

import numpy as np

STEPS = ("build", "hand_off", "solve", "extract")
LOWER_BOUND = "lp-matrix"
TARGET_SIZE = (120, 50)
LARGE_CELLS = 600  # months x scenarios from which the fixed costs no longer dominate the fit


def _event(record: dict, name: str, step: str | None = None) -> dict:
    for e in record["events"]:
        if e.get("event") == name and (step is None or e.get("step") == step):
            return e
    return {}


def grid_row(record: dict) -> dict:
    """One approach at one size: steps, totals, sizes and how the measurement ended."""
    done, inputs = _event(record, "done"), _event(record, "step", "inputs")
    steps = dict(done.get("steps") or {s: _event(record, "step", s).get("seconds") for s in STEPS})
    finished = all(steps.get(s) is not None for s in STEPS)
    row = {"approach": record["approach"], "months": record["months"], "scenarios": record["scenarios"],
           "outcome": record["outcome"] if finished or record["outcome"] != "ok" else "incomplete",
           "inputs_s": inputs.get("seconds"), **{f"{s}_s": steps.get(s) for s in STEPS},
           "peak_rss_mb": record.get("peak_rss_mb"), "objective_kusd": done.get("objective"),
           "status": done.get("status"), "iterations": done.get("iterations"),
           "variables": done.get("variables"), "constraints": done.get("constraints"),
           "nonzeros": done.get("nonzeros"), "error": record.get("error")}
    row |= {k: inputs.get(k) for k in ("commodities", "members", "suppliers", "routes")}
    row["overhead_s"] = _add(steps.get("build"), steps.get("hand_off"))
    row["total_s"] = _add(*(steps.get(s) for s in STEPS)) if finished else None
    return row


def _add(*values):
    return None if any(v is None for v in values) else float(sum(values))


def _ratio(a, b):
    return None if a is None or not b else a / b


def compare_to_lower_bound(rows: list[dict]) -> None:
    """Add overhead ratio and optimum agreement against lp-matrix at the same size."""
    ref = {(r["months"], r["scenarios"]): r for r in rows if r["approach"] == LOWER_BOUND}
    for r in rows:
        base = ref.get((r["months"], r["scenarios"]), {})
        r["overhead_ratio"] = _ratio(r["overhead_s"], base.get("overhead_s"))
        r["overhead_share_of_total"] = _ratio(r["overhead_s"], r["total_s"])
        a, b = r["objective_kusd"], base.get("objective_kusd")
        r["rel_diff_to_lower_bound"] = abs(a - b) / abs(b) if a is not None and b else None
        if r["nonzeros"] is None and r["variables"] in (None, base.get("variables")):
            r["nonzeros"] = base.get("nonzeros")  # same LP as the lower bound's (Pyomo gives no nnz)
        for k in ("variables", "constraints"):
            r[k] = r[k] if r[k] is not None else base.get(k)


def fit_exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(seconds) on log(cells) over at least two distinct sizes."""
    pts = [(c, s) for c, s in points if s and s > 0]
    if len({c for c, _ in pts}) < 2:
        return None
    x, y = np.log([c for c, _ in pts]), np.log([s for _, s in pts])
    return float(np.polyfit(x, y, 1)[0])


def exponents(rows: list[dict]) -> dict:
    out = {}
    for name in dict.fromkeys(r["approach"] for r in rows):
        pts = [(r["months"] * r["scenarios"], r["build_s"]) for r in rows if r["approach"] == name]
        out[name] = {"all_sizes": fit_exponent(pts),
                     f"cells_ge_{LARGE_CELLS}": fit_exponent([p for p in pts if p[0] >= LARGE_CELLS])}
    return out


def settings_rows(records: list[dict]) -> list[dict]:
    rows = [{"setting": r["setting"], "months": r["months"], "scenarios": r["scenarios"],
             "outcome": r["outcome"], "peak_rss_mb": r.get("peak_rss_mb"),
             **{k: v for k, v in _event(r, "done").items() if k not in ("event", "peak_rss_mb")}}
            for r in records]
    ref = next((r for r in rows if r["setting"] == "default"), {})
    for r in rows:
        r["speedup_vs_default"] = _ratio(ref.get("seconds"), r.get("seconds"))
        a, b = r.get("objective"), ref.get("objective")
        r["rel_diff_to_default"] = abs(a - b) / abs(b) if a is not None and b else None
    return rows


def resolve_rows(records: list[dict]) -> list[dict]:
    rows = []
    for r in records:
        done, cold = _event(r, "done"), _event(r, "step", "cold_solve")
        rows.append({"approach": r["approach"], "months": r["months"], "scenarios": r["scenarios"],
                     "size": "ui" if r.get("shipped") else f"{r['months']}x{r['scenarios']}",
                     "outcome": r["outcome"], "cold_iterations": cold.get("iterations"),
                     **{k: v for k, v in done.items() if k not in ("event",)}})
    ref = {r["size"]: r for r in rows if r["approach"] == LOWER_BOUND}
    for r in rows:
        if r.get("edit") == "data":  # another LP than the lower bound's edit: nothing to compare
            r["rel_diff_to_lower_bound"] = None
            continue
        a, b = r.get("objective"), ref.get(r["size"], {}).get("objective")
        r["rel_diff_to_lower_bound"] = abs(a - b) / abs(b) if a is not None and b else None
    return rows


def summarise(results: dict) -> dict:
    rows = [grid_row(r) for r in results["grid"]]
    compare_to_lower_bound(rows)
    summary = {"grid": rows, "exponents": exponents(rows), "settings": settings_rows(results["settings"]),
               "resolve": resolve_rows(results["resolve"])}
    summary["targets"] = targets(summary)
    return summary


def _at(rows, approach, size):
    return next((r for r in rows if r["approach"] == approach and (r["months"], r["scenarios"]) == size), {})


def targets(summary: dict) -> list[dict]:
    """The issue-5 targets for the current Pyomo core (pyomo-core), each with the measured value."""
    rows, out = summary["grid"], []
    core, lin = _at(rows, "pyomo-core", TARGET_SIZE), _at(rows, "linopy", TARGET_SIZE)
    default = next((s for s in summary["settings"] if s["setting"] == "default"
                    and (s["months"], s["scenarios"]) == TARGET_SIZE), {})

    def add(name, value, limit):
        out.append({"target": name, "value": value, "limit": limit,
                    "met": None if value is None else bool(value <= limit)})

    add("core overhead / linopy overhead at 120x50", _ratio(core.get("overhead_s"), lin.get("overhead_s")), 5.0)
    add("core overhead share of core total at 120x50", core.get("overhead_share_of_total"), 0.10)
    add("core total / HiGHS default solve on lp-matrix at 120x50",
        _ratio(core.get("total_s"), default.get("seconds")), 0.4)
    decomposed = _at(rows, "pyomo-decomposed", TARGET_SIZE)
    add("core by decomposition (solve_case from 16 scenarios): overhead / linopy overhead at 120x50",
        _ratio(decomposed.get("overhead_s"), lin.get("overhead_s")), 5.0)
    add("core by decomposition: overhead share of its total at 120x50", decomposed.get("overhead_share_of_total"), 0.10)
    add("core by decomposition: total / HiGHS default at 120x50",
        _ratio(decomposed.get("total_s"), default.get("seconds")), 0.4)
    two = _at(rows, "pyomo-decomposed-2w", TARGET_SIZE)
    if two:
        add("core by decomposition, 2 worker processes: total / HiGHS default at 120x50",
            _ratio(two.get("total_s"), default.get("seconds")), 0.4)
    for size, limit in (("ui", 0.2), ("24x1", 0.2), ("120x50", 2.0)):
        for name in ("pyomo-core-warm-both", "pyomo-core-warm", "pyomo-core-warm-data", "pyomo-compiler-rows"):
            r = next((r for r in summary["resolve"] if r["approach"] == name and r.get("size") == size), None)
            if r is not None:
                add(f"re-solve s, {name} at {size}", r.get("resolve_seconds"), limit)
    largest = max(((r["months"] * r["scenarios"], (r["months"], r["scenarios"])) for r in rows), default=(0, None))[1]
    peak = _at(rows, "pyomo-core", largest).get("peak_rss_mb") if largest else None
    add(f"core peak memory MB at the largest size {largest}", peak, 8192.0)
    add("core build exponent (all sizes)", summary["exponents"].get("pyomo-core", {}).get("all_sizes"), 1.1)
    return out


# --- rendering ----------------------------------------------------------------------------------

def _f(value, fmt="{:.2f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def _table(header: list[str], lines: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(line) + " |" for line in lines])


def render(results: dict) -> str:
    s = results.get("summary") or summarise(results)
    m = results.get("machine", {})
    parts = [f"Machine: {m.get('nproc')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, Python "
             f"{m.get('python')}; run {results.get('started')} - {results.get('finished')}; seed "
             f"{results.get('seed')}; timeout {results.get('timeout_s')} s per measurement", "", _grid_table(s["grid"]),
             "", _exponent_table(s["exponents"])]
    if s["settings"]:
        parts += ["", _settings_table(s["settings"])]
    if s["resolve"]:
        parts += ["", _resolve_table(s["resolve"])]
    parts += ["", _targets_table(s["targets"])]
    return "\n".join(parts)


def _grid_table(rows: list[dict]) -> str:
    header = ["T x S", "C/M/K/R", "vars", "cons", "nnz", "approach", "inputs", "build", "hand-off", "solve",
              "extract", "total", "overhead ratio", "overhead % total", "peak MB", "rel diff", "outcome"]
    lines = [[f"{r['months']}x{r['scenarios']}", f"{r['commodities']}/{r['members']}/{r['suppliers']}/{r['routes']}",
              _f(r["variables"], "{:,}"), _f(r["constraints"], "{:,}"), _f(r["nonzeros"], "{:,}"), r["approach"],
              _f(r["inputs_s"]), _f(r["build_s"]), _f(r["hand_off_s"]), _f(r["solve_s"]), _f(r["extract_s"]),
              _f(r["total_s"]), _f(r["overhead_ratio"], "{:.1f}x"),
              _f(None if r["overhead_share_of_total"] is None else 100 * r["overhead_share_of_total"], "{:.0f} %"),
              _f(r["peak_rss_mb"], "{:,.0f}"), _f(r["rel_diff_to_lower_bound"], "{:.1e}"), r["outcome"]]
             for r in rows]
    return "Seconds per step (fresh process each)\n" + _table(header, lines)


def _exponent_table(exps: dict) -> str:
    lines = [[name, _f(e["all_sizes"]), _f(e[f"cells_ge_{LARGE_CELLS}"])] for name, e in exps.items()]
    return _table(["approach", "build exponent, all sizes", f"build exponent, T x S >= {LARGE_CELLS}"], lines)


def _settings_table(rows: list[dict]) -> str:
    lines = [[r["setting"], f"{r['months']}x{r['scenarios']}", _f(r.get("seconds"), "{:.1f}"),
              _f(r.get("speedup_vs_default"), "{:.2f}x"), str(r.get("status", r["outcome"])),
              _f(r.get("simplex_iterations"), "{:,}"), _f(r.get("ipm_iterations"), "{:,}"),
              _f(r.get("rel_diff_to_default"), "{:.1e}"), _f(r.get("max_primal_infeasibility"), "{:.1e}"),
              _f(r.get("max_dual_infeasibility"), "{:.1e}"), _f(r.get("peak_rss_mb"), "{:,.0f}")]
             for r in rows]
    return "HiGHS settings on the lower-bound build\n" + _table(
        ["setting", "T x S", "solve s", "vs default", "status", "simplex it", "ipm it", "rel diff",
         "max primal inf", "max dual inf", "peak MB"], lines)


def _resolve_table(rows: list[dict]) -> str:
    lines = [[r["approach"], r.get("size") or f"{r['months']}x{r['scenarios']}", _f(r.get("cold_seconds")),
              _f(r.get("cold_iterations"), "{:,}"), _f(r.get("resolve_seconds"), "{:.3f}"),
              _f(r.get("second_edit_seconds"), "{:.3f}"),
              _f(r.get("iterations"), "{:,}"), _f(r.get("rel_diff_to_lower_bound"), "{:.1e}"),
              ", ".join(f"{k} {v:.3f}" for k, v in (r.get("breakdown") or {}).items()),
              ", ".join(sorted(set((r.get("path") or {}).values()))) or "-", r["outcome"]]
             for r in rows]
    return "Re-solve after one edit (seconds; size ui = the planner's default case, shipped stochastic set)\n" + _table(
        ["approach", "T x S", "cold solve", "cold it", "re-solve", "2nd edit", "warm it", "rel diff",
         "where the time goes (re-solve)", "path", "outcome"], lines)


def _targets_table(rows: list[dict]) -> str:
    lines = [[r["target"], _f(r["value"], "{:.3g}"), _f(r["limit"], "{:g}"),
              {True: "met", False: "MISSED", None: "not measured"}[r["met"]]] for r in rows]
    return "Issue-5 targets, current Pyomo core\n" + _table(["target", "measured", "limit", ""], lines)
