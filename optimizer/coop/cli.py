"""`stockpile coop`: what cooperation is worth, who pays what, and at what risk."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..cli_common import (EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL, EXIT_OK, Command, FiniteFloat, check_run, data_option,
                          load_inputs, report_store, scenario_dir_option, store_options)
from ..inputs import RunOptions
from .game import NotOptimalError, cooperation_report
from .report import coop_summary, render_coop_text, write_coop


def _weights(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a comma-separated list of numbers") from None
    if not values or any(not 0 <= w <= 1 for w in values):  # nan fails every comparison: refused too
        raise click.BadParameter("each weight must be between 0 and 1")
    return values


@click.command(cls=Command)
@click.argument("scenario")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--floors/--no-floors", default=False, show_default=True,
              help="Enforce the days-of-cover targets on the starting stock in every coalition.")
@click.option("--risk-level", type=FiniteFloat(0, 1, max_open=True), default=0.95, show_default=True,
              help="CVaR level: the frontier weighs the mean cost of the worst (1 - level) of outcomes.")
@click.option("--risk-weights", default="0,0.25,0.5,0.75,1", show_default=True,
              help="Weights w of CVaR in (1 - w) x expected cost + w x CVaR for the frontier.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the report's CSV tables and summary.json to OUT/<scenario set>/ (checked writable "
                   "before solving).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of tables.")
@store_options
@data_option
@scenario_dir_option
def coop(scenario: str, horizon: int | None, floors: bool, risk_level: float, risk_weights: str,
         out_dir: Path | None, as_json: bool, store_dir: Path | None, no_store: bool, data_dir: Path,
         scenario_dir: Path) -> None:
    """Coalition costs, fair cost shares (Shapley, IEA rule, core), swaps versus transfers and the
    cost-risk frontier for one SCENARIO set.

    Exit code 0: every LP optimal; 1: bad input (nothing solved or written); 2: a solve did not
    reach optimality; 130: interrupted."""
    try:
        weights = _weights(risk_weights)
    except click.BadParameter as exc:
        click.echo(f"--risk-weights: {exc.message}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    case, [scenario_set] = load_inputs(data_dir, scenario_dir, (scenario,), horizon)
    check_run(case, [scenario_set], horizon, out_dir)
    if not as_json:
        click.echo(f"solving every coalition for {scenario_set.name} ...", err=True)
    options = RunOptions(horizon_months=horizon, cover_floors=floors)
    try:
        if no_store:
            report = cooperation_report(case, scenario_set, options, weights, risk_level)
        else:
            from ..store import command_line, cooperation_with_store  # the store loads pyarrow: only when used

            answer = cooperation_with_store(store_dir, case, scenario_set, options, weights, risk_level,
                                            command=command_line(), compute=cooperation_report)
            report_store(answer, quiet=as_json)
            report = answer.answer
    except NotOptimalError as exc:
        click.echo(f"not optimal, no cost split computed: {exc}", err=True)
        sys.exit(EXIT_NOT_OPTIMAL)
    if out_dir is not None:
        try:
            click.echo(f"wrote {write_coop(report, out_dir / scenario_set.name)}", err=True)
        except OSError as exc:
            click.echo(f"cannot write results to {out_dir}: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    click.echo(json.dumps(coop_summary(report), indent=2, default=str) if as_json else render_coop_text(report))
    sys.exit(EXIT_OK)
