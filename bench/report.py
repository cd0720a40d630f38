"""Turn the raw measurements of bench/run.py into tables, fitted exponents and targets.

Definitions (also in bench/README.md):
- the reference is the project's own extensive form (optimizer.lp.assemble.assemble): the grid's
  pyomo-core row at the same size (else the HiGHS `default` setting's run on it);
- overhead = build + hand-off: what the modelling layer costs before HiGHS starts;
- overhead vs core = an approach's overhead / pyomo-core's at the same size;
- total = build + hand-off + solve + extract (the common `inputs` step is reported apart);
- rel diff = |objective - reference objective| / |reference objective|; for a re-solve the
  reference is the edited LP's extensive form solved cold in the same process (bench/resolve.py);
- exponent = slope of log(build seconds) against log(months x scenarios), least squares.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

STEPS = ("build", "hand_off", "solve", "extract")
REFERENCE = "pyomo-core"  # the extensive form, assembled as solve_coalition does
TARGET_SIZE = (120, 50)
LARGE_CELLS = 600  # months x scenarios from which the fixed costs no longer dominate the fit
WARM_RESOLVERS = {"pyomo-core-warm-both": "warm runner, mode both (scenario edit)",
                  "pyomo-core-warm": "warm runner, joint LP (scenario edit)",
                  "pyomo-core-warm-data": "warm runner, joint LP (data edit)"}
RESOLVE_LIMITS = (("ui", 0.2), ("120x50", 2.0))  # seconds from the edit to the new optimum's tables
DECOMPOSITION_LIMIT = 0.4  # x HiGHS's default simplex on the extensive form
PEAK_LIMIT_MB = 8192.0
EXPONENT_LIMIT = 1.1


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
    row = {"approach": record["approach"], "months": record["months"],
           "scenarios": record["scenarios"],
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


def _rel_diff(a, b):
    return abs(a - b) / abs(b) if a is not None and b else None


def _size(row: dict) -> tuple[int, int]:
    return row["months"], row["scenarios"]


def compare_to_reference(rows: list[dict], settings: list[dict]) -> None:
    """Add overhead vs core and optimum agreement against the extensive form at the same size:
    pyomo-core's run, else the default HiGHS setting's (same LP, same solver options)."""
    core = {_size(r): r for r in rows if r["approach"] == REFERENCE}
    default = {_size(s): s.get("objective") for s in settings if s["setting"] == "default"}
    for r in rows:
        base = core.get(_size(r), {})
        r["overhead_vs_core"] = _ratio(r["overhead_s"], base.get("overhead_s"))
        r["overhead_share_of_total"] = _ratio(r["overhead_s"], r["total_s"])
        r["rel_diff_to_reference"] = _rel_diff(r["objective_kusd"],
                                               base.get("objective_kusd") or default.get(_size(r)))


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
        large = [p for p in pts if p[0] >= LARGE_CELLS]
        out[name] = {"all_sizes": fit_exponent(pts), f"cells_ge_{LARGE_CELLS}": fit_exponent(large)}
    return out


def settings_rows(records: list[dict]) -> list[dict]:
    rows = [{"setting": r["setting"], "months": r["months"], "scenarios": r["scenarios"],
             "outcome": r["outcome"], "peak_rss_mb": r.get("peak_rss_mb"),
             **{k: v for k, v in _event(r, "done").items() if k not in ("event", "peak_rss_mb")}}
            for r in records]
    default = {_size(r): r for r in rows if r["setting"] == "default"}
    for r in rows:
        ref = default.get(_size(r), {})
        r["speedup_vs_default"] = _ratio(ref.get("seconds"), r.get("seconds"))
        r["rel_diff_to_default"] = _rel_diff(r.get("objective"), ref.get("objective"))
    return rows


def resolve_rows(records: list[dict]) -> list[dict]:
    """One resolver at one size; rel diff against the edited LP solved cold (its own record)."""
    rows = []
    for r in records:
        done, cold = _event(r, "done"), _event(r, "step", "cold_solve")
        row = {"approach": r["approach"], "months": r["months"], "scenarios": r["scenarios"],
               "size": "ui" if r.get("shipped") else f"{r['months']}x{r['scenarios']}",
               "outcome": r["outcome"], "cold_iterations": cold.get("iterations"),
               "error": r.get("error"), **{k: v for k, v in done.items() if k not in ("event",)}}
        row["rel_diff_to_reference"] = _rel_diff(row.get("objective"),
                                                 row.get("reference_objective"))
        before, after = row.get("objective_before"), row.get("objective")
        # how far the edit moves the optimum: an edit that does not bind leaves HiGHS nothing to do
        row["objective_change"] = (after - before) / abs(before) if after is not None and before \
            else None
        rows.append(row)
    return rows


def summarise(results: dict) -> dict:
    rows = [grid_row(r) for r in results["grid"]]
    settings = settings_rows(results["settings"])
    compare_to_reference(rows, settings)
    summary = {"grid": rows, "exponents": exponents(rows), "settings": settings,
               "resolve": resolve_rows(results["resolve"])}
    summary["targets"] = targets(summary)
    return summary


def _at(rows, approach, size):
    """The latest measurement of `approach` at `size` (merged runs: later runs come last)."""
    return next((r for r in reversed(rows) if r["approach"] == approach and _size(r) == size), {})


def _default_simplex_seconds(summary: dict) -> tuple[float | None, str]:
    """HiGHS's default (dual simplex) on the extensive form at TARGET_SIZE: the settings run's,
    else the solve step of pyomo-core (the same LP and options), and which one it is."""
    setting = next((s for s in reversed(summary["settings"])
                    if s["setting"] == "default" and _size(s) == TARGET_SIZE), {})
    if setting.get("seconds") is not None:
        return setting["seconds"], "HiGHS settings run"
    return _at(summary["grid"], REFERENCE, TARGET_SIZE).get("solve_s"), "pyomo-core's solve"


def targets(summary: dict) -> list[dict]:
    """The targets of the decision-grade model, each with the measured value, limit and met flag."""
    rows, out = summary["grid"], []

    def add(name, value, limit):
        out.append({"target": name, "value": value, "limit": limit,
                    "met": None if value is None else bool(value <= limit)})

    size = f"{TARGET_SIZE[0]}x{TARGET_SIZE[1]}"
    simplex, source = _default_simplex_seconds(summary)
    for approach, what in (("pyomo-decomposed", "1 worker"), ("pyomo-decomposed-2w", "2 workers")):
        add(f"decomposition ({what}) total / HiGHS default simplex on the extensive form "
            f"({source}) at {size}",
            _ratio(_at(rows, approach, TARGET_SIZE).get("total_s"), simplex), DECOMPOSITION_LIMIT)
    for where, limit in RESOLVE_LIMITS:
        for name, what in WARM_RESOLVERS.items():
            r = next((r for r in reversed(summary["resolve"])
                      if r["approach"] == name and r.get("size") == where), {})
            add(f"re-solve s after one edit, {what} at {where}", r.get("resolve_seconds"), limit)
    core = [r for r in rows if r["approach"] == REFERENCE and r.get("peak_rss_mb") is not None]
    largest = max(core, key=lambda r: r["months"] * r["scenarios"], default={})
    where = f"{largest['months']}x{largest['scenarios']}" if largest else "-"
    add(f"single LP (pyomo-core) peak memory MB at the largest size run ({where})",
        largest.get("peak_rss_mb"), PEAK_LIMIT_MB)
    add("single LP (pyomo-core) build exponent, all sizes",
        summary["exponents"].get(REFERENCE, {}).get("all_sizes"), EXPONENT_LIMIT)
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
             f"{m.get('python')}; commit {results.get('commit')}; run {results.get('started')} - "
             f"{results.get('finished')}; load average (1 min) around the measurements "
             f"{_load(results)}; seed {results.get('seed')}; timeout {results.get('timeout_s')} s "
             "per measurement", "", _grid_table(s["grid"]), "", _exponent_table(s["exponents"])]
    if s["settings"]:
        parts += ["", _settings_table(s["settings"])]
    if s["resolve"]:
        parts += ["", _resolve_table(s["resolve"]), "", _edits(s["resolve"])]
    parts += ["", _targets_table(s["targets"])]
    return "\n".join(parts)


def _load(results: dict) -> str:
    """The range of the 1-minute load averages taken before and after each measurement: other
    work on the machine inflates the timings."""
    loads = [x for key in ("grid", "settings", "resolve") for r in results.get(key, [])
             for x in r.get("load_average_1min", [])]
    return f"{min(loads):.2f}-{max(loads):.2f}" if loads else "-"


def _grid_table(rows: list[dict]) -> str:
    header = ["T x S", "C/M/K/R", "vars", "cons", "nnz", "approach", "inputs", "build", "hand-off",
              "solve", "extract", "total", "overhead vs core", "overhead % total", "peak MB",
              "rel diff", "outcome"]
    lines = [[f"{r['months']}x{r['scenarios']}",
              f"{r['commodities']}/{r['members']}/{r['suppliers']}/{r['routes']}",
              _f(r["variables"], "{:,}"), _f(r["constraints"], "{:,}"), _f(r["nonzeros"], "{:,}"),
              r["approach"], _f(r["inputs_s"]), _f(r["build_s"]), _f(r["hand_off_s"]),
              _f(r["solve_s"]), _f(r["extract_s"]), _f(r["total_s"]),
              _f(r["overhead_vs_core"], "{:.1f}x"), _percent(r["overhead_share_of_total"]),
              _f(r["peak_rss_mb"], "{:,.0f}"), _f(r["rel_diff_to_reference"], "{:.1e}"),
              _outcome(r)]
             for r in rows]
    return ("Seconds per step (fresh process each); rel diff against the extensive form "
            "(pyomo-core)\n" + _table(header, lines))


def _percent(share: float | None) -> str:
    return _f(None if share is None else 100 * share, "{:.0f} %")


def _outcome(row: dict) -> str:
    return row["outcome"] if not row.get("error") else f"{row['outcome']}: {row['error']}"


def _exponent_table(exps: dict) -> str:
    lines = [[name, _f(e["all_sizes"]), _f(e[f"cells_ge_{LARGE_CELLS}"])]
             for name, e in exps.items()]
    return _table(["approach", "build exponent, all sizes",
                   f"build exponent, T x S >= {LARGE_CELLS}"], lines)


def _settings_table(rows: list[dict]) -> str:
    lines = [[r["setting"], f"{r['months']}x{r['scenarios']}", _f(r.get("seconds"), "{:.1f}"),
              _f(r.get("speedup_vs_default"), "{:.2f}x"), str(r.get("status", r["outcome"])),
              _f(r.get("simplex_iterations"), "{:,}"), _f(r.get("ipm_iterations"), "{:,}"),
              _f(r.get("rel_diff_to_default"), "{:.1e}"),
              _f(r.get("max_primal_infeasibility"), "{:.1e}"),
              _f(r.get("max_dual_infeasibility"), "{:.1e}"), _f(r.get("peak_rss_mb"), "{:,.0f}")]
             for r in rows]
    return "HiGHS settings on the extensive form (optimizer.lp.assemble)\n" + _table(
        ["setting", "T x S", "solve s", "vs default", "status", "simplex it", "ipm it", "rel diff",
         "max primal inf", "max dual inf", "peak MB"], lines)


def _paths(path: dict | None) -> str:
    """The warm runner's paths after the edit: the joint LP's, then how many of the others took
    which (mode both: each member alone, and the calm reference's LPs)."""
    if not path:
        return "-"
    others = Counter(p for label, p in path.items() if label != "joint")
    rest = ", ".join(f"{p} {n}" for p, n in others.items())
    joint = f"joint {path['joint']}" if "joint" in path else ""
    return "; ".join(filter(None, [joint, f"others: {rest}" if rest else ""]))


def _resolve_table(rows: list[dict]) -> str:
    lines = [[r["approach"], r.get("size") or f"{r['months']}x{r['scenarios']}",
              r.get("edit") or "-", _f(r.get("cold_seconds")), _f(r.get("cold_iterations"), "{:,}"),
              _f(r.get("resolve_seconds"), "{:.3f}"), _f(r.get("second_edit_seconds"), "{:.3f}"),
              _f(r.get("iterations"), "{:,}"), _f(r.get("rows_edited"), "{:,}"),
              _f(r.get("objective_change"), "{:+.1e}"),
              _f(r.get("rel_diff_to_reference"), "{:.1e}"),
              ", ".join(f"{k} {v:.3f}" for k, v in (r.get("breakdown") or {}).items()),
              _paths(r.get("path")), _outcome(r)]
             for r in rows]
    header = ["approach", "T x S", "edit", "cold solve", "cold it", "re-solve", "2nd edit",
              "warm it", "rows edited", "objective change", "rel diff",
              "where the time goes (re-solve)", "path", "outcome"]
    return ("Re-solve after one edit (seconds; size ui = the planner's default case, shipped "
            "stochastic set; rel diff against the edited LP solved cold)\n" + _table(header, lines))


def _edits(rows: list[dict]) -> str:
    """The edit made at each size, in words (bench/resolve.py); the data edit is the same at
    every size."""
    sizes: dict = {}
    for r in rows:
        if r.get("edit_description"):
            where = "every size" if r.get("edit") == "data" else r.get("size")
            sizes.setdefault((r.get("edit"), r["edit_description"]), []).append(where)
    lines = [f"- {kind} edit, {', '.join(dict.fromkeys(where))}: {text}"
             for (kind, text), where in sizes.items()]
    return "\n".join(["Edits (bench/resolve.py)"] + (lines or ["- none recorded"]))


def _targets_table(rows: list[dict]) -> str:
    lines = [[r["target"], _f(r["value"], "{:.3g}"), _f(r["limit"], "{:g}"),
              {True: "met", False: "MISSED", None: "not measured"}[r["met"]]] for r in rows]
    return "Targets\n" + _table(["target", "measured", "limit", ""], lines)
