"""What every `stockpile` command shares: exit codes, the data and scenario folder options, the
command classes that make a usage error exit 1 (bad input), a number option that refuses nan and
inf, and loading the inputs with every problem reported at once. The command table is in
optimizer/cli.py; each command lives in its own module and imports the model only when it runs.

This module stays light (click and the standard library): `stockpile --help` imports it."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from .errors import InputError, Problem
from .locations import DEFAULT_DATA_DIR, DEFAULT_SCENARIO_DIR

EXIT_OK, EXIT_BAD_INPUT, EXIT_NOT_OPTIMAL = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

data_option = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                           default=DEFAULT_DATA_DIR, show_default=True, help="Folder of input CSV tables.")
scenario_dir_option = click.option("--scenario-dir", type=click.Path(file_okay=False, path_type=Path),
                                   default=DEFAULT_SCENARIO_DIR, show_default=True,
                                   help="Folder of scenario YAML files.")


def store_options(command):
    """--store DIR / --no-store: where runs are recorded and answered from (optimizer/store)."""
    command = click.option("--no-store", is_flag=True,
                           help="Neither answer from the run store nor record into it.")(command)
    return click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
                        help="Run store folder (default: $KJ_STOCKPILE_STORE, else "
                             "~/.local/share/kj-stockpile/runs); identical inputs are answered from it.")(command)


def report_store(answer, quiet: bool = False) -> None:
    """One line on stderr: where the answer came from or went, or why the store was not used."""
    if answer.store_error:
        click.echo(f"warning: run store not used: {answer.store_error}", err=True)
    elif not quiet:
        verb = "answered from the run store" if answer.recalled else "recorded in the run store"
        click.echo(f"{verb} as run {answer.run_id}", err=True)


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


class FiniteFloat(click.FloatRange):
    """click.FloatRange that also refuses nan and inf: every comparison with nan is false, so
    FloatRange(0, 1) lets 'nan' through to the model."""

    name = "finite number"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


@dataclass
class InputCheck:
    """The inputs of a run as far as they could be read: every problem, and warnings that do not
    stop it (an event after a horizon the user shortened)."""

    case: object | None  # optimizer.case.Case, typed loosely to keep this module light
    sets: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_inputs(data_dir: Path, scenario_dir: Path, names: tuple[str, ...],
                 horizon: int | None = None) -> InputCheck:
    """Check the data and every named scenario set, all at once: a data problem does not hide a
    scenario problem (scenario files are then checked against the names that could be read)."""
    from .case import check_case
    from .scenarios import check_scenario_file

    data = check_case(data_dir)
    out = InputCheck(data.case, problems=list(data.problems))
    for name in names:
        scenario_set, problems = check_scenario_file(name, data.case or data.names, scenario_dir)
        out.problems += problems
        if scenario_set is not None:
            out.sets.append(scenario_set)
            _check_horizon(scenario_set, horizon, out)
    return out


def _check_horizon(scenario_set, horizon: int | None, out: InputCheck) -> None:
    """Events after the last month change nothing: an error when the horizon is the default (the
    file should say its horizon), a warning when the user shortened it with --horizon. A horizon
    the file gives is checked when the file is read."""
    from .inputs import DEFAULT_HORIZON_MONTHS
    from .scenarios import events_beyond_horizon

    if horizon is not None:
        out.warnings += _late_events_warning(scenario_set, horizon)
    elif scenario_set.horizon_months is None:
        out.problems += events_beyond_horizon(scenario_set, DEFAULT_HORIZON_MONTHS,
                                              "the default horizon (the file gives no horizon_months)")


def _late_events_warning(scenario_set, horizon: int) -> list[Problem]:
    """One warning per set for the events a shortened --horizon leaves out, grouped by scenario."""
    late: dict[str, list[str]] = {}
    for scenario in scenario_set.scenarios:
        for j, event in enumerate(scenario.events):
            if event.start_month > horizon:
                late.setdefault(scenario.name, []).append(f"{j + 1} (month {event.start_month})")
    if not late:
        return []
    count = sum(map(len, late.values()))
    which = "; ".join(f"scenario '{name}' event(s) {', '.join(events)}" for name, events in late.items())
    return [Problem(scenario_set.origin, None, None, f"{count} event(s) start after month {horizon} (--horizon) "
                                                     f"and change nothing: {which}")]


def load_inputs(data_dir: Path, scenario_dir: Path, names: tuple[str, ...], horizon: int | None = None):
    """Load the case and every named scenario set, reporting all input problems at once (exit 1)
    and printing the warnings."""
    check = check_inputs(data_dir, scenario_dir, names, horizon)
    if check.problems:
        fail(InputError(check.problems))
    warn(check.warnings)
    return check.case, check.sets


def check_run(case, sets: list, horizon: int | None, out_dir: Path | None) -> None:
    """Before anything is solved: every LP within the size this tool builds, and the results
    folder writable (exit 1 saying why), so that a long solve is never thrown away."""
    from .inputs import DEFAULT_HORIZON_MONTHS
    from .limits import size_problems
    from .output import output_problems

    problems = [p for s in sets for p in size_problems(case, s, horizon or s.horizon_months or DEFAULT_HORIZON_MONTHS)]
    if problems:
        fail(InputError(problems))
    if out_dir is not None:
        unwritable = output_problems(out_dir, [s.name for s in sets])
        if unwritable:
            for p in unwritable:
                click.echo(f"cannot write results to {out_dir}: {p.message}", err=True)
            click.echo("nothing was solved or written", err=True)
            sys.exit(EXIT_BAD_INPUT)


def warn(warnings: list[Problem]) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def fail(exc: InputError) -> None:
    click.echo(exc.report(), err=True)
    sys.exit(EXIT_BAD_INPUT)
