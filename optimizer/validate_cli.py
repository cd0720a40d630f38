"""`stockpile validate`: check the data tables and scenario files, every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from .assumptions import FILE as ASSUMPTIONS_FILE, load_assumptions
from .cli_common import Command, InputCheck, check_inputs, data_option, fail, scenario_dir_option, warn
from .errors import InputError
from .scenarios import list_scenarios, scenario_folder_problem


@click.command(cls=Command)
@click.argument("scenarios", nargs=-1)
@data_option
@scenario_dir_option
def validate(scenarios: tuple[str, ...], data_dir: Path, scenario_dir: Path) -> None:
    """Check the data tables and scenario files (all of them if none are named).

    Exit code 0: every input valid; 1: the problems are listed, each with its file, row and field."""
    folder_problem = None if scenarios else scenario_folder_problem(scenario_dir)
    check = check_inputs(data_dir, scenario_dir, scenarios or tuple(list_scenarios(scenario_dir)))
    if folder_problem is not None:
        check.problems.insert(0, folder_problem)
    assumptions = _check_assumptions(check, data_dir)
    if check.problems:
        fail(InputError(check.problems))
    warn(check.warnings)
    rows = sum(len(df) for df in check.case.tables.values())
    click.echo(f"data OK: {len(check.case.tables)} tables, {rows} rows in {check.case.origin}")
    if assumptions is None:
        click.echo(f"assumptions: none ({ASSUMPTIONS_FILE} not in {data_dir})")
    else:
        click.echo(f"assumptions OK: {len(assumptions)} rows, each in range and matching the data")
    for s in check.sets:
        click.echo(f"scenario OK: {s.name} ({len(s.scenarios)} scenario(s)) - {s.title}")


def _check_assumptions(check: InputCheck, data_dir: Path) -> list | None:
    """The assumptions table, checked against the data when the data is valid (it names cells);
    its problems join the others. None when there is no such file."""
    if check.case is None or not (Path(data_dir) / ASSUMPTIONS_FILE).is_file():
        return None
    try:
        return load_assumptions(check.case, data_dir)
    except InputError as exc:
        check.problems += exc.problems
        return []
