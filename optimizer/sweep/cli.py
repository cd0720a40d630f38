"""`stockpile sweep`: which assumptions the answer hangs on (docs/sweeps.md).

Registered in optimizer/cli.py as optimizer.sweep.cli:sweep; `python -m optimizer.sweep.cli`
runs it alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..cli_common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_NOT_OPTIMAL, EXIT_OK, Command, data_option, fail, \
    load_inputs, scenario_dir_option, store_options
from ..errors import InputError
from ..inputs import SHARING_RULES, RunOptions
from ..run import MODES
from ..cluster import ClusterError
from .definition import command_line_spec, sweep_parameters
from .design import METHODS
from .runner import default_folder, plan_sweep, run_sweep
from .summary import COMPLETE, record_in_store, render_text, sweep_summary, write_tables

DEFAULT_SCENARIO = "stochastic"  # the planner's default case


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@click.option("--method", type=click.Choice(METHODS), default="oat", show_default=True,
              help="oat: each parameter's low and high in turn (a tornado); morris: screening; sobol: "
                   "variance-based indices; lhs: Latin hypercube; mc: Monte Carlo.")
@click.option("--samples", type=click.IntRange(min=2),
              help="lhs, mc: samples; morris: trajectories (x (parameters + 1) samples); sobol: base count, "
                   "a power of 2 (x (parameters + 2) samples). Not used by oat.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sampler.")
@click.option("--file", "sweep_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Sweep file (YAML): assumptions to sweep, ranges given directly, scenario probabilities.")
@click.option("--assumptions", help="'all', 'none' or comma-separated names in assumptions.csv "
                                    "(default: all, unless --file is given).")
@click.option("--probabilities", is_flag=True,
              help="Also sweep each scenario's probability from 0.5 to 1.5 times its own; the scenario "
                   "without events takes the rest, so that they sum to 1.")
@click.option("--mode", type=click.Choice(MODES), default="both", show_default=True,
              help="Runs per sample; both gives the crisis value of cooperation.")
@click.option("--horizon", type=click.IntRange(1, 600), help="Months to plan (default: the file's, else 24).")
@click.option("--floors/--no-floors", default=False, show_default=True, help="Enforce the days-of-cover targets.")
@click.option("--sharing", type=click.Choice(SHARING_RULES), default="proportional", show_default=True,
              help="How a joint plan shares an unavoidable shortfall.")
@click.option("--time-limit", type=click.FloatRange(min=0), help="Seconds HiGHS may spend on each LP.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local worker processes (a Dask LocalCluster); 1 runs in this process.")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler (tcp://host:8786): run the samples on its "
                                                     "cluster instead of local processes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The sweep's folder (default: sweeps/<set>_<method>_<id>). Each sample is stored as it "
                   "finishes.")
@click.option("--resume", is_flag=True, help="Go on with the sweep begun in the folder (same inputs).")
@click.option("--retry-failed", is_flag=True, help="With --resume: compute failed samples again.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@store_options
@data_option
@scenario_dir_option
def sweep(scenario: str, method: str, samples: int | None, seed: int, sweep_file: Path | None,
          assumptions: str | None, probabilities: bool, mode: str, horizon: int | None, floors: bool, sharing: str,
          time_limit: float | None, workers: int, scheduler: str | None, out_dir: Path | None, resume: bool,
          retry_failed: bool, as_json: bool, quiet: bool, store_dir: Path | None, no_store: bool, data_dir: Path,
          scenario_dir: Path) -> None:
    """Sweep the assumption ranges (and scenario probabilities) of SCENARIO (default: stochastic).

    Exit code 0: every sample optimal; 1: bad input; 2: a sample failed or was not optimal (recorded
    with its reason; the others are kept); 130: interrupted (Ctrl-C; resume with --resume)."""
    case, (scenario_set,) = load_inputs(data_dir, scenario_dir, (scenario,))
    options = RunOptions(horizon_months=horizon, cover_floors=floors, time_limit_s=time_limit, sharing=sharing)
    origin, folder = str(sweep_file or "sweep"), out_dir
    try:
        spec = command_line_spec(sweep_file, assumptions, probabilities, data_dir)
        parameters = sweep_parameters(case, scenario_set, data_dir, spec, origin)
        plan = plan_sweep(case, scenario_set, parameters, method, samples, seed, mode, options, origin)
        folder = out_dir or default_folder(plan)
        if not as_json:
            click.echo(f"sweep {plan.sweep_id[:10]}: {method}, {plan.design.size} samples of "
                       f"{len(plan.context.parameters)} parameters, mode {mode}, into {folder}", err=True)
        done = run_sweep(plan, folder, workers, scheduler, resume, retry_failed, show_progress=not quiet)
    except InputError as exc:
        fail(exc)
    except ClusterError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:  # the samples recorded stay: say how to go on
        click.echo(f"\ninterrupted; the samples recorded are kept in {folder}: go on with the same command "
                   "and --resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    summary = sweep_summary(done.folder)
    write_tables(summary)
    if not no_store:
        summary["run_id"] = _record(store_dir, summary, case, scenario_set, quiet or as_json)
    if as_json:
        payload = {k: v for k, v in summary.items() if k != "tables"}
        payload["tables"] = {name: table.to_dict(orient="records") for name, table in summary["tables"].items()}
        click.echo(json.dumps(payload, indent=1, default=str))
    else:
        click.echo(render_text(summary))
    sys.exit(EXIT_OK if summary["status"] == COMPLETE else EXIT_NOT_OPTIMAL)


def _record(store_dir: Path | None, summary: dict, case, scenario_set, quiet: bool) -> str | None:
    """Record the finished sweep in the run store (`stockpile runs list` shows it); a store that
    cannot be written is a warning, not a failed sweep: the sweep's own folder holds every sample."""
    from ..store import StoreError, command_line

    try:
        run_id, now = record_in_store(store_dir, summary, case, scenario_set, command_line())
    except (StoreError, OSError) as exc:
        click.echo(f"warning: run store not used: {exc}", err=True)
        return None
    if not quiet:
        click.echo(f"{'recorded in' if now else 'already in'} the run store as run {run_id}", err=True)
    return run_id


if __name__ == "__main__":  # python -m optimizer.sweep.cli
    sweep()
