"""`stockpile ui`: the planner in a browser (Streamlit), on the shipped data."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import click

from .cli_common import EXIT_BAD_INPUT, Command
from .locations import REPOSITORY

UI_APP = REPOSITORY / "ui" / "app.py"


@click.command(cls=Command, context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
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
