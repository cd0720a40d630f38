"""`stockpile solve`: solve scenario sets and print, or write, the plans."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_common import (EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL, EXIT_OK, Command, FiniteFloat, check_run, data_option,
                         load_inputs, report_store, scenario_dir_option, store_options)
from .inputs import SHARING_RULES, RunOptions
from .output import write_run
from .report import records, render_text, summary
from .run import MODES, solve_case


@click.command(cls=Command)
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--mode", type=click.Choice(MODES), default="joint", show_default=True,
              help="joint: one plan with transfers; independent: each member alone; both: and the "
                   "value of cooperation.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write result CSVs and a run record to OUT/<scenario set>/ (checked writable before solving).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--floors/--no-floors", default=False, show_default=True,
              help="Enforce the days-of-cover targets of stockpiles.csv on the starting stock.")
@click.option("--sharing", type=click.Choice(SHARING_RULES), default="proportional", show_default=True,
              help="How a joint plan shares an unavoidable shortfall: in proportion to each member's normal "
                   "demand (the IEA principle), or as cost alone decides.")
@click.option("--time-limit", type=FiniteFloat(min=0), help="Seconds HiGHS may spend on each LP.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the scenario LPs of a decomposed solve (sets of 16 scenarios or "
                   "more), on a Dask LocalCluster; more than one pays only for very large sets (bench/README.md).")
@click.option("--explain", is_flag=True,
              help="Also say why the joint plan holds what it holds (one day of cover more and less per member "
                   "x commodity, re-solved; as `stockpile explain`).")
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask scheduler (tcp://host:8786): a decomposed solve's scenario LPs run on its cluster.")
@store_options
@data_option
@scenario_dir_option
def solve(scenarios: tuple[str, ...], mode: str, out_dir: Path | None, as_json: bool,
          horizon: int | None, floors: bool, sharing: str, time_limit: float | None, workers: int,
          explain: bool, scheduler: str | None, store_dir: Path | None, no_store: bool, data_dir: Path, scenario_dir: Path) -> None:
    """Solve each SCENARIO set (a name in the scenario folder or a path to a YAML file).

    Exit code 0: every LP optimal; 1: bad input (nothing solved or written); 2: a solve did not
    reach optimality; 130: interrupted."""
    case, sets = load_inputs(data_dir, scenario_dir, scenarios, horizon)
    check_run(case, sets, horizon, out_dir)
    options = RunOptions(horizon_months=horizon, cover_floors=floors, time_limit_s=time_limit, workers=workers,
                         scheduler=scheduler, sharing=sharing)
    results, stored = [], []
    for scenario_set in sets:
        if not as_json:
            click.echo(f"solving {scenario_set.name} ({mode}) ...", err=True)
        if no_store:
            results.append(solve_case(case, scenario_set, mode, options))
            stored.append({})
            continue
        from .store import command_line, solve_with_store  # the store loads pyarrow: only when used

        answer = solve_with_store(store_dir, case, scenario_set, mode, options, command=command_line(),
                                  solve=solve_case)
        report_store(answer, quiet=as_json)
        results.append(answer.answer)
        stored.append({"run_id": answer.run_id, "from_store": answer.recalled})
    if out_dir is not None:
        for result in results:
            _write(result, out_dir)
    all_optimal = all(r.optimal for r in results)
    explained = [_explanation(case, r, options, as_json) if explain and r.optimal else None for r in results]
    if as_json:
        runs = [{**summary(r), **ids} for r, ids in zip(results, stored)]
        for run, table in zip(runs, explained):
            if table is not None:
                run["explanation"] = records(table)
        click.echo(json.dumps({"status": "optimal" if all_optimal else "not_optimal", "runs": runs}, indent=2,
                              default=str))
    else:
        click.echo("\n\n".join(render_text(r) + _explanation_text(r, table) for r, table in zip(results, explained)))
    sys.exit(EXIT_OK if all_optimal else EXIT_NOT_OPTIMAL)


def _explanation(case, result, options: RunOptions, quiet: bool):
    """The joint plan's explanation table (optimizer.explain), or None if its re-solves fail."""
    from .explain.core import explain_plan

    if not quiet:
        click.echo(f"explaining the joint plan of {result.scenario_set.name} ...", err=True)
    solution, table = explain_plan(case, result.scenario_set, options)
    if not solution.optimal:
        click.echo(f"no explanation: the joint plan's solve was not optimal ({solution.outcome.message})", err=True)
        return None
    return table


def _explanation_text(result, table) -> str:
    if table is None:
        return ""
    from .explain.core import explanation_lines

    heading = (f"== why the joint plan of {result.scenario_set.name} holds what it holds (one day of cover more "
               "and less, every scenario re-solved):")
    return "\n\n" + "\n".join([heading, *explanation_lines(table)])


def _write(result, out_dir: Path) -> None:
    """Write one run's folder; a failure found only now (a full disk) leaves the earlier result."""
    try:
        path = write_run(result, out_dir / result.scenario_set.name)
    except OSError as exc:
        click.echo(f"cannot write results to {out_dir}: {exc.strerror or exc}; any earlier result there is "
                   "unchanged", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"wrote {path}", err=True)
