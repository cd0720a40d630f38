"""`stockpile stress`: today's stockpile (or another plan) under each scenario of a set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..case import Case
from ..cli_common import (EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL, EXIT_OK, Command, check_run, data_option, fail,
                          load_inputs, scenario_dir_option)
from ..errors import InputError, Problem
from ..inputs import RunOptions
from .core import stress_test
from .plans import Plan, current_plan, load_plan, plan_from_table
from .report import render_stress_text, stress_summary, write_stress


@click.command(cls=Command)
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--plan", "plan_source", default="current", show_default=True,
              help="The stock to hold fixed: 'current' (stockpiles.csv), a CSV file with commodity, member, "
                   "initial_stock_t [, new_capacity_t], a run folder written by `stockpile solve --out` "
                   "(its stockpile_plan.csv), or a solve in the run store (its id, a unique prefix, or 'latest'; "
                   "its joint plan).")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--levers/--no-levers", default=True, show_default=True,
              help="Also solve with no lever and with each lever alone, to show what each covers.")
@click.option("--optimal/--no-optimal", default=True, show_default=True,
              help="Also solve the optimal plan, shown beside the fixed one.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the tables and summary.json to OUT/<scenario set>/.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Run store to take --plan RUN from (default: $KJ_STOCKPILE_STORE, else "
                   "~/.local/share/kj-stockpile/runs).")
@data_option
@scenario_dir_option
def stress(scenarios: tuple[str, ...], plan_source: str, horizon: int | None, levers: bool, optimal: bool,
           out_dir: Path | None, as_json: bool, store_dir: Path | None, data_dir: Path, scenario_dir: Path) -> None:
    """Stress-test today's stockpile (or another plan) against each SCENARIO set.

    The plan's stock and storage are held fixed and only each scenario's recourse is solved:
    shortfall by member, commodity and month, the first month short, how long the stock lasts,
    and what each lever (stock, spare supply, transfers, restraint) covers.

    Exit code 0: every LP optimal; 1: bad input; 2: a solve did not reach optimality."""
    case, sets = load_inputs(data_dir, scenario_dir, scenarios, horizon)
    check_run(case, sets, horizon, out_dir)
    try:
        plan = resolve_plan(plan_source, case, store_dir)
    except InputError as exc:
        fail(exc)
    results = []
    for scenario_set in sets:
        if not as_json:
            click.echo(f"stress-testing plan '{plan.name}' on {scenario_set.name} ...", err=True)
        try:
            results.append(stress_test(case, scenario_set, plan, RunOptions(horizon_months=horizon), levers, optimal))
        except InputError as exc:
            fail(exc)
    if out_dir is not None:
        for result in results:
            try:
                click.echo(f"wrote {write_stress(result, out_dir / result.scenario_set.name)}", err=True)
            except OSError as exc:
                click.echo(f"cannot write results to {out_dir}: {exc.strerror or exc}", err=True)
                sys.exit(EXIT_BAD_INPUT)
    all_optimal = all(r.optimal_everywhere for r in results)
    if as_json:
        click.echo(json.dumps({"status": "optimal" if all_optimal else "not_optimal",
                               "runs": [stress_summary(r) for r in results]}, indent=2, default=str))
    else:
        click.echo("\n\n".join(render_stress_text(r) for r in results))
    sys.exit(EXIT_OK if all_optimal else EXIT_NOT_OPTIMAL)


def resolve_plan(source: str, case: Case, store_dir: Path | None = None) -> Plan:
    """'current', a plan CSV, a run folder holding stockpile_plan.csv, or a solve in the run store."""
    if source == "current":
        return current_plan(case)
    path = Path(source)
    if path.is_dir():
        path = path / "stockpile_plan.csv"
    if path.exists():
        return load_plan(path, case)
    looks_like_a_file = path.suffix != "" or len(path.parts) > 1
    stored, why_not = (None, "") if looks_like_a_file else _stored_plan(source, store_dir)
    if stored is None:
        raise InputError([Problem("--plan", None, None, f"'{source}' is neither 'current' nor a plan CSV nor a run "
                                                        f"folder with stockpile_plan.csv nor a run in the run store"
                                                        f"{why_not}")])
    return stored


def _stored_plan(run_id: str, store_dir: Path | None) -> tuple[Plan | None, str]:
    """The first optimal solution's plan (the joint one in modes joint and both) of a stored solve,
    or None and why not. A run that is not a solve, or has no optimal plan, is an input error."""
    from ..store import RunNotFoundError, StoreError, load_run  # the store loads pyarrow: only when used

    try:
        run = load_run(store_dir, run_id)
    except RunNotFoundError:
        return None, ""
    except StoreError as exc:
        return None, f" ({exc})"
    plans = [s["label"] for s in run.solutions() if s["status"] == "optimal"
             and "stockpile_plan" in run.tables.get(s["label"], {})] if run.kind == "solve" else []
    if not plans:
        raise InputError([Problem("--plan", None, None, f"run {run.run_id} is a {run.kind} run with no optimal "
                                                        "plan; give a solve's run id")])
    return plan_from_table(run.tables[plans[0]]["stockpile_plan"], f"run {run.run_id} ({plans[0]})"), ""
