"""The `stockpile` command: a table of subcommands, each loaded only when it runs, so that
`stockpile --help` and `--version` answer at once; an interrupt at any moment is one line and
exit 130 (143 for SIGTERM), never a traceback."""

from __future__ import annotations

import os
import signal


def _stop_while_loading(signum, frame):
    """Ctrl-C while this module's imports run: nothing has been read or written yet."""
    os.write(2, b"\nstockpile: interrupted (Ctrl-C) while starting; nothing was read or written\n")
    os._exit(130)


# Installed before the imports below and put back after them (a test importing this module keeps
# its own handler); from then on LazyGroup.main catches every interrupt.
_LOADING = signal.getsignal(signal.SIGINT) is signal.default_int_handler
try:
    if _LOADING:
        signal.signal(signal.SIGINT, _stop_while_loading)
except ValueError:  # imported outside the main thread, which alone may set handlers
    _LOADING = False

import errno  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import click  # noqa: E402

from .cli_common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, Group  # noqa: E402

# name -> ("module:attribute" of the click command, its one-line help for `stockpile --help`).
# The module is imported only when the command runs or shows its own help; the help is kept here
# so that listing the commands imports none of them (tests/test_cli.py checks the two agree).
# A new command is one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("optimizer.validate_cli:validate",
                 "Check the data tables and scenario files (all of them if none are named)."),
    "solve": ("optimizer.solve_cli:solve",
              "Solve each SCENARIO set (a name in the scenario folder or a path to a YAML file)."),
    "coop": ("optimizer.coop.cli:coop",
             "Coalition costs, fair cost shares (Shapley, IEA rule, core), swaps versus transfers and "
             "the cost-risk frontier for one SCENARIO set."),
    "stress": ("optimizer.stress.cli:stress",
               "Stress-test today's stockpile (or another plan) against each SCENARIO set."),
    "explain": ("optimizer.explain.cli:explain", "Explain why the joint plan of SCENARIO holds what it holds."),
    "sweep": ("optimizer.sweep.cli:sweep",
              "Sweep the assumption ranges (and scenario probabilities) of SCENARIO (default: stochastic)."),
    "runs": ("optimizer.store.cli:runs",
             "Past solves, coop runs and sweeps kept in the run store: list, show, compare, export."),
    "ui": ("optimizer.ui_cli:ui", "Open the planner in a browser (streamlit run ui/app.py) on the shipped data."),
}
PACKAGE = "kj-stockpile"


class LazyGroup(Group):
    """A group whose commands are the COMMANDS table, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return self.commands.get(name)
        module_name, attribute = COMMANDS[name][0].split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise click.ClickException(f"the command '{name}' cannot load: {exc}; reinstall with "
                                       "pip install -e .") from None
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table, without importing any command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, _stand_in(name).get_short_help_str(limit)) if name in COMMANDS
                else (name, self.commands[name].get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's main, but every usage error exits 1 (2 means 'not optimal') and an interrupt,
        whenever it comes, prints one line and exits 130 (143 for SIGTERM)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        with _Signals(self) as signals:
            try:
                code = super().main(args, prog_name or "stockpile", complete_var, False, **extra)
            except BaseException as exc:  # noqa: BLE001 - each kind is handled or raised again in _exit_code
                code = _exit_code(exc, signals.received)
        sys.exit(code)


def _stand_in(name: str) -> click.Command:
    """A command with only the table's help: click shortens it as it would the real command's."""
    return click.Command(name, help=COMMANDS[name][1])


class _Signals:
    """While a command runs, SIGINT and SIGTERM raise KeyboardInterrupt (staging folders are
    removed on the way out) and are remembered: a library that swallows the KeyboardInterrupt
    (Pyomo turns one during its lazy import of scipy into an ImportError) cannot turn an
    interrupt into a traceback. A second Ctrl-C raises again (the first may have been swallowed);
a staging folder it leaves is removed by the next run. Only the main thread can set handlers;
the old ones come back."""

    def __init__(self, group: click.Group):
        self.group = group
        self.received: int | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def _on_signal(self, signum, frame):
        self.received = self.received or signum
        raise KeyboardInterrupt

    def __exit__(self, *exc_info):
        # The command is over: in the stockpile program an interrupt now could only cut the exit
        # short (a traceback from interpreter shutdown), so it is ignored; a caller that runs the
        # CLI in its own process (tests) gets its handlers back.
        program = getattr(sys.modules.get("__main__"), "main", None) is self.group
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_IGN if program else handler)
        return False


def _exit_code(exc: BaseException, received: int | None) -> int | str | None:
    """The exit code for what ended the command, saying so in one line; anything that is neither
    an interrupt, an exit nor a usage error is a bug and is raised again with its traceback."""
    if received is not None or isinstance(exc, (KeyboardInterrupt, click.Abort)):
        signum = received or signal.SIGINT
        name = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted (Ctrl-C)"
        click.echo(f"\nstockpile: {name}; no half-written result is left", err=True)
        return EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + signum
    if isinstance(exc, SystemExit):
        return exc.code
    if isinstance(exc, click.ClickException):
        exc.show()
        return EXIT_BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        _quiet_broken_pipe()
        return EXIT_BAD_INPUT
    raise exc


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (| head): say nothing more, as click does."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's): nothing to quiet
        pass


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version(PACKAGE)
    except PackageNotFoundError:
        text = "unknown (not installed: pip install -e .)"
    click.echo(f"stockpile {text}")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def main() -> None:
    """Korea-Japan critical-mineral and LNG stockpile optimizer (Pyomo LP, HiGHS).

    Exit codes: 0 every LP optimal; 1 bad input (nothing solved or written); 2 a solve did not
    reach optimality; 130 interrupted (Ctrl-C)."""


if _LOADING:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if __name__ == "__main__":  # python -m optimizer.cli
    main()
