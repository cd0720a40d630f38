"""What every `stockpile` command shares: exit codes, the data and scenario folder options, the
command classes that make a usage error exit 1 (bad input), and loading the inputs with every
problem reported at once. Commands live in optimizer/cli.py and optimizer/coop/cli.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .case import DEFAULT_DATA_DIR, load_case
from .errors import InputError
from .scenarios import DEFAULT_SCENARIO_DIR, load_scenario_set

EXIT_OK, EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL = 0, 1, 2

data_option = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                           default=DEFAULT_DATA_DIR, show_default=True, help="Folder of input CSV tables.")
scenario_dir_option = click.option("--scenario-dir", type=click.Path(file_okay=False, path_type=Path),
                                   default=DEFAULT_SCENARIO_DIR, show_default=True,
                                   help="Folder of scenario YAML files.")


class _BadInputExit1:
    """Click exits 2 on a usage error; here 2 means 'not optimal', so a bad argument exits 1."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EXIT_BAD_INPUT
            raise


class Command(_BadInputExit1, click.Command):
    pass


class Group(_BadInputExit1, click.Group):
    command_class = Command


def load_inputs(data_dir: Path, scenario_dir: Path, names: tuple[str, ...]):
    """Load the case and every named scenario set, reporting all input problems at once."""
    try:
        case = load_case(data_dir)
    except InputError as exc:
        fail(exc)
    problems, sets = [], []
    for name in names:
        try:
            sets.append(load_scenario_set(name, case, scenario_dir))
        except InputError as exc:
            problems += exc.problems
    if problems:
        fail(InputError(problems))
    return case, sets


def fail(exc: InputError) -> None:
    click.echo(exc.report(), err=True)
    sys.exit(EXIT_BAD_INPUT)
