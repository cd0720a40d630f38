"""`stockpile explain`: why the joint plan holds what it holds, member by commodity."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..cli_common import (EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL, EXIT_OK, Command, check_run, data_option,
                          load_inputs, scenario_dir_option)
from ..inputs import RunOptions
from ..output import staged_folder
from ..report import records
from .core import explain_plan, explanation_lines


@click.command(cls=Command)
@click.argument("scenario")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write explanation.csv to OUT/<scenario set>/.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@data_option
@scenario_dir_option
def explain(scenario: str, horizon: int | None, out_dir: Path | None, as_json: bool, data_dir: Path,
            scenario_dir: Path) -> None:
    """Explain why the joint plan of SCENARIO holds what it holds.

    For each member x commodity: what one day of cover more would save and cost, what one day
    less would lose and save, in which scenarios, and where the release limit binds.

    Exit code 0: optimal; 1: bad input; 2: the solve did not reach optimality."""
    case, [scenario_set] = load_inputs(data_dir, scenario_dir, (scenario,), horizon)
    check_run(case, [scenario_set], horizon, out_dir)
    if not as_json:
        click.echo(f"explaining the joint plan of {scenario_set.name} ...", err=True)
    solution, table = explain_plan(case, scenario_set, RunOptions(horizon_months=horizon))
    if not solution.optimal:
        click.echo(f"not optimal ({solution.outcome.status}): {solution.outcome.message}", err=True)
        sys.exit(EXIT_NOT_OPTIMAL)
    if out_dir is not None:
        try:
            with staged_folder(out_dir / scenario_set.name) as staging:
                table.to_csv(staging / "explanation.csv", index=False)
        except OSError as exc:
            click.echo(f"cannot write results to {out_dir}: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps({"scenario_set": scenario_set.name, "explanation": records(table)}, indent=2, default=str))
    else:
        click.echo(f"== why the joint plan of {scenario_set.name} holds what it holds (one day of cover more "
                   "and less, every scenario re-solved):")
        click.echo("\n".join(explanation_lines(table)))
    sys.exit(EXIT_OK)
