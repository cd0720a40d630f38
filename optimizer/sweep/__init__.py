"""Sensitivity sweeps over the assumption ranges and scenario probabilities (docs/sweeps.md), run
in this process, on local worker processes or on a Dask cluster, stored sample by sample so that a
killed sweep resumes.

    parameters.py     what is swept (data cells, probabilities) and the probability rule
    definition.py     the sweep file and the command's options -> parameters
    design.py         the samples of each method (oat, morris, sobol, lhs, mc)
    sample_inputs.py  one sample's case and scenario set
    evaluate.py       one sample solved warm (per-process evaluator), its status and answers
    headline.py       the answers recorded per sample
    execute.py        in process or as Dask tasks (optimizer/cluster.py: which Dask cluster)
    store.py          the sweep's folder (SQLite, one transaction per sample)
    runner.py         plan (id, design) and run with resume; progress.py: the progress line
    tables.py         tornado, distribution, below-target, Sobol and Morris tables (pure)
    summary.py        the summary the run store records, CSVs and the terminal view
    cli.py            `stockpile sweep`
"""

from .definition import SweepFile, command_line_spec, read_sweep_file, sweep_parameters
from .parameters import Parameter, scenario_probabilities
from .runner import SweepPlan, SweepRun, default_folder, plan_sweep, run_sweep
from .summary import sweep_summary

__all__ = ["Parameter", "SweepFile", "SweepPlan", "SweepRun", "command_line_spec", "default_folder", "plan_sweep",
           "read_sweep_file", "run_sweep", "scenario_probabilities", "sweep_parameters", "sweep_summary"]
