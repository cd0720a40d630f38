"""The `stockpile` command: validate inputs and solve scenario sets from the terminal."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import click

from .assumptions import FILE as ASSUMPTIONS_FILE, load_assumptions
from .cli_common import (EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL, EXIT_OK, Group, data_option, fail, load_inputs,
                         scenario_dir_option)
from .coop.cli import coop
from .errors import InputError
from .inputs import SHARING_RULES, RunOptions
from .output import write_run
from .report import render_text, summary
from .run import MODES, solve_case
from .scenarios import list_scenarios

UI_APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Korea-Japan critical-mineral and LNG stockpile optimizer (Pyomo LP, HiGHS)."""


@main.command()
@click.argument("scenarios", nargs=-1)
@data_option
@scenario_dir_option
def validate(scenarios: tuple[str, ...], data_dir: Path, scenario_dir: Path) -> None:
    """Check the data tables and scenario files (all of them if none are named)."""
    case, sets = load_inputs(data_dir, scenario_dir, scenarios or tuple(list_scenarios(scenario_dir)))
    rows = sum(len(df) for df in case.tables.values())
    click.echo(f"data OK: {len(case.tables)} tables, {rows} rows in {case.origin}")
    if (Path(data_dir) / ASSUMPTIONS_FILE).is_file():
        try:
            assumptions = load_assumptions(case, data_dir)
        except InputError as exc:
            fail(exc)
        click.echo(f"assumptions OK: {len(assumptions)} rows, each in range and matching the data")
    else:
        click.echo(f"assumptions: none ({ASSUMPTIONS_FILE} not in {data_dir})")
    for s in sets:
        click.echo(f"scenario OK: {s.name} ({len(s.scenarios)} scenario(s)) - {s.title}")


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--mode", type=click.Choice(MODES), default="joint", show_default=True,
              help="joint: one plan with transfers; independent: each member alone; both: and the "
                   "value of cooperation.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write result CSVs and a run record to OUT/<scenario set>/.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--floors/--no-floors", default=False, show_default=True,
              help="Enforce the days-of-cover targets of stockpiles.csv on the starting stock.")
@click.option("--sharing", type=click.Choice(SHARING_RULES), default="proportional", show_default=True,
              help="How a joint plan shares an unavoidable shortfall: in proportion to each member's normal "
                   "demand (the IEA principle), or as cost alone decides.")
@click.option("--time-limit", type=click.FloatRange(min=0), help="Seconds HiGHS may spend on each LP.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the scenario LPs of a decomposed solve (sets of 16 scenarios or "
                   "more); more than one pays only for very large sets (bench/README.md).")
@data_option
@scenario_dir_option
def solve(scenarios: tuple[str, ...], mode: str, out_dir: Path | None, as_json: bool,
          horizon: int | None, floors: bool, sharing: str, time_limit: float | None, workers: int,
          data_dir: Path, scenario_dir: Path) -> None:
    """Solve each SCENARIO set (a name in the scenario folder or a path to a YAML file).

    Exit code 0: every LP optimal; 1: bad input; 2: a solve did not reach optimality."""
    case, sets = load_inputs(data_dir, scenario_dir, scenarios)
    options = RunOptions(horizon_months=horizon, cover_floors=floors, time_limit_s=time_limit, workers=workers,
                         sharing=sharing)
    results = []
    for scenario_set in sets:
        if not as_json:
            click.echo(f"solving {scenario_set.name} ({mode}) ...", err=True)
        results.append(solve_case(case, scenario_set, mode, options))
    if out_dir is not None:
        for result in results:
            try:
                path = write_run(result, out_dir / result.scenario_set.name)
            except OSError as exc:
                click.echo(f"cannot write results to {out_dir}: {exc.strerror or exc}", err=True)
                sys.exit(EXIT_BAD_INPUT)
            click.echo(f"wrote {path}", err=True)
    all_optimal = all(r.optimal for r in results)
    if as_json:
        payload = {"status": "optimal" if all_optimal else "not_optimal",
                   "runs": [summary(r) for r in results]}
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo("\n\n".join(render_text(r) for r in results))
    sys.exit(EXIT_OK if all_optimal else EXIT_NOT_OPTIMAL)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED)
def ui(streamlit_args: tuple[str, ...]) -> None:
    """Open the planner in a browser (streamlit run ui/app.py) on the shipped data.

    Extra options go to Streamlit, e.g. `stockpile ui --server.port 8502`."""
    if importlib.util.find_spec("streamlit") is None:
        click.echo("the planner needs the ui extra: pip install -e '.[ui]'", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not UI_APP.is_file():
        click.echo(f"the planner app is missing at {UI_APP}; run from a clone of the repository "
                   "installed with pip install -e", err=True)
        sys.exit(EXIT_BAD_INPUT)
    # Ministry machines: no usage statistics leave them unless the user asks (a later flag wins).
    command = [sys.executable, "-m", "streamlit", "run", str(UI_APP),
               "--browser.gatherUsageStats", "false", *streamlit_args]
    sys.exit(subprocess.run(command, check=False).returncode)


main.add_command(coop)


if __name__ == "__main__":  # python -m optimizer.cli
    main()
