"""`stockpile runs list|show|compare|export`: read the run store from the terminal.

Exit codes as every `stockpile` command: 0 ok, 1 bad input (an unknown run id, a store that is
missing, corrupt or newer than this version, an export target that exists), with one message
and no traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from ..cli_common import EXIT_BAD_INPUT, EXIT_OK, Group
from ..report import records
from .compare import compare_runs
from .errors import StoreError
from .export import export_run
from .headline import HEADLINE_PART
from .history import runs_table
from .location import STORE_ENV_VAR, store_path
from .present import comparison_text, run_text, runs_text
from .runs import KINDS, load_run

store_option = click.option(
    "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), envvar=STORE_ENV_VAR,
    help=f"Run store folder (default: ${STORE_ENV_VAR}, else ~/.local/share/kj-stockpile/runs).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.group(cls=Group)
def runs() -> None:
    """Past solves, coop runs and sweeps kept in the run store: list, show, compare, export."""


@runs.command("list")
@click.option("--kind", type=click.Choice(KINDS), help="Only runs of this kind.")
@click.option("--set", "label", help="Only runs of this scenario set (or sweep id).")
@click.option("--status", help="Only runs with this status (optimal, not_optimal, ...).")
@click.option("--since", help="Only runs recorded on or after this date (YYYY-MM-DD, UTC).")
@click.option("--grep", "text", help="Only runs whose id, set, title or command contains this text.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="At most this many (0: all).")
@json_option
@store_option
def list_command(kind, label, status, since, text, limit, as_json, store_dir) -> None:
    """The recorded runs, newest first."""
    if since is not None:
        try:
            since = date.fromisoformat(since).isoformat()
        except ValueError:
            _fail(f"--since: '{since}' is not a date like 2026-12-01")
    try:
        table = runs_table(store_dir, kind=kind, label=label, status=status, since_utc=since, text=text,
                           limit=limit or None)
    except StoreError as exc:
        _fail(str(exc))
    text = runs_text(table, str(store_path(store_dir)))
    click.echo(json.dumps(records(table), indent=2, default=str) if as_json else text)
    sys.exit(EXIT_OK)


@runs.command("show")
@click.argument("run_id")
@json_option
@store_option
def show_command(run_id, as_json, store_dir) -> None:
    """What RUN_ID ran (options, code, inputs), how each LP ended, and its headline (RUN_ID: an
    id from `stockpile runs list`, a unique start of one, or 'latest')."""
    try:
        run = load_run(store_dir, run_id, parts=[HEADLINE_PART])
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        payload = {"index": run.row, "record": run.record,
                   "headline": {name: records(df) for name, df in run.tables.get(HEADLINE_PART, {}).items()}}
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(run_text(run))
    sys.exit(EXIT_OK)


@runs.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--all-tables", is_flag=True, help="List every table, not only those that differ.")
@json_option
@store_option
def compare_command(run_a, run_b, all_tables, as_json, store_dir) -> None:
    """What differs from RUN_A to RUN_B: inputs, stock to hold (days of cover), expected cost, crisis
    value of cooperation, shortfall per member, and every stored table (differences are B - A)."""
    try:
        comparison = compare_runs(store_dir, run_a, run_b)
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        payload = {"a": comparison.a, "b": comparison.b, "inputs": records(comparison.inputs),
                   "numbers": records(comparison.numbers),
                   **{name: records(df) for name, df in comparison.headline().items()},
                   "tables": records(comparison.tables)}
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(comparison_text(comparison, all_tables))
    sys.exit(EXIT_OK)


@runs.command("export")
@click.argument("run_id")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--zip", "as_zip", is_flag=True, help="Write one zip file instead of a folder.")
@store_option
def export_command(run_id, target, as_zip, store_dir) -> None:
    """Write RUN_ID's tables (CSV), record (JSON) and inputs (data CSVs, scenario YAML) to the new
    folder or zip file TARGET."""
    try:
        path = export_run(store_dir, run_id, target, as_zip)
    except StoreError as exc:
        _fail(str(exc))
    click.echo(f"wrote {path}", err=True)
    sys.exit(EXIT_OK)
