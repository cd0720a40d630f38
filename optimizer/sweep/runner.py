"""Plan a sweep (its id, definition, design) and run it into its folder, resuming where it stopped.

The sweep's id is the SHA-256 of its definition: the data (fingerprint), the scenario set's
content, the mode and options, the method, sample count and seed, and every parameter with its
cells and range. A folder holds one sweep; resuming checks the id, so a changed input cannot be
mixed into an earlier sweep's samples.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..case import Case
from ..errors import InputError, Problem
from ..inputs import RunOptions
from ..run import MODES, inputs_key, resolved_options
from ..scenarios import ScenarioSet
from .design import Design, make_design, varied
from .evaluate import OPTIMAL, SampleOutcome, SweepContext
from .execute import engine_name, run_samples
from .parameters import DATA, Parameter
from .progress import Progress
from .store import DB_FILE, DEFINITION_FILE, SampleStore

CREATION_LEFTOVERS = {DB_FILE + ".tmp", DEFINITION_FILE}  # of a creation killed before the rename


@dataclass
class SweepPlan:
    sweep_id: str
    definition: dict
    design: Design
    context: SweepContext


@dataclass
class SweepRun:
    """What one call of run_sweep did."""

    folder: Path
    sweep_id: str
    planned: int  # samples in the design
    already_recorded: int  # found in the folder, not computed again
    computed: int  # by this call
    failed: int  # of those computed, how many did not end optimal
    seconds: float


def plan_sweep(case: Case, scenario_set: ScenarioSet, parameters: list[Parameter], method: str,
               samples: int | None = None, seed: int = 0, mode: str = "both",
               options: RunOptions = RunOptions(), origin: str = "sweep") -> SweepPlan:
    """The sweep's design and id. Samples solve on the sweep's workers, so the options' own
    decomposition workers and scheduler are dropped (one sample's LPs stay in one process)."""
    if mode not in MODES:
        raise InputError([Problem(origin, None, "mode", f"'{mode}' is not one of {', '.join(MODES)}")])
    design = make_design(parameters, method, samples, seed, origin)
    moving, _ = varied(parameters)
    options = resolved_options(scenario_set, replace(options, workers=None, scheduler=None))
    definition = {
        "scenario_set": scenario_set.name, "data": str(case.origin), "case_fingerprint": case.fingerprint(),
        "inputs_hash": inputs_key(case.fingerprint(), scenario_set, mode, options), "mode": mode,
        "options": {"horizon_months": options.horizon_months, "cover_floors": options.cover_floors,
                    "sharing": options.sharing, "time_limit_s": options.time_limit_s,
                    "transfers": options.transfers, "swaps": options.swaps, "cvar_weight": options.cvar_weight},
        "method": method, "samples": design.settings.get("samples"), "seed": seed,
        "parameters": [_described(p) for p in moving], "fixed": design.fixed,
    }
    sweep_id = hashlib.sha256(json.dumps(definition, sort_keys=True, default=str).encode()).hexdigest()
    context = SweepContext(sweep_id, case, scenario_set, tuple(moving), mode, options)
    return SweepPlan(sweep_id, definition, design, context)


def _described(p: Parameter) -> dict:
    out = {"name": p.name, "kind": p.kind, "low": p.low, "high": p.high, "base": p.base, "unit": p.unit,
           "integer": p.integer}
    if p.kind == DATA:
        a = p.assumption
        out.update(table=a.table, where=a.where, field=a.field, source=a.source)
    else:
        out["scenario"] = p.scenario
    return out


def default_folder(plan: SweepPlan, root: Path = Path("sweeps")) -> Path:
    """sweeps/<set>_<method>_<first 10 characters of the id>: the same inputs, the same folder."""
    return root / f"{plan.definition['scenario_set']}_{plan.definition['method']}_{plan.sweep_id[:10]}"


def open_store(plan: SweepPlan, folder: Path, resume: bool, retry_failed: bool = False) -> SampleStore:
    """The folder's store: new, or (resume) the same sweep's, begun earlier. InputError if the
    folder holds another sweep, or this one begun without resume."""
    folder = Path(folder)
    if not SampleStore.exists(folder):
        if folder.exists() and any(f.name not in CREATION_LEFTOVERS for f in folder.iterdir()):
            raise InputError([Problem(str(folder), None, None, "the folder exists and is not a sweep's; choose "
                                                                "another --out")])
        return SampleStore.create(folder, plan.sweep_id, plan.definition, plan.design)
    store = SampleStore(folder)
    if store.sweep_id != plan.sweep_id:
        store.close()
        raise InputError([Problem(str(folder), None, None, "the folder holds another sweep (other inputs, "
                                                            "method or parameters); choose another --out")])
    if not resume:
        done = len(store.recorded_ids())
        store.close()
        raise InputError([Problem(str(folder), None, None, f"this sweep has begun here ({done} samples recorded); "
                                                            "pass --resume to go on, or choose another --out")])
    if retry_failed:
        store.forget_failed()
    return store


def run_sweep(plan: SweepPlan, folder: Path, workers: int = 1, scheduler: str | None = None,
              resume: bool = False, retry_failed: bool = False, show_progress: bool = True,
              on_progress: Callable[[int, int, int], None] | None = None) -> SweepRun:
    """Compute every sample not yet recorded in `folder`, recording each as it finishes.
    on_progress, if given, is called after each recorded sample with (samples done, of the
    design's total, failed in this call): a UI's progress bar."""
    started = time.perf_counter()
    store = open_store(plan, folder, resume, retry_failed)
    try:
        design = store.design()
        recorded = store.recorded_ids()
        pending = [(i, design.values[i]) for i in range(design.size) if i not in recorded]
        session = store.new_session(engine_name(workers, scheduler))
        progress = Progress(design.size, len(recorded), enabled=show_progress)
        failed = 0

        def on_outcome(outcome: SampleOutcome) -> None:
            nonlocal failed
            store.record(outcome, session)
            failed += outcome.status != OPTIMAL
            progress.update(failed=outcome.status != OPTIMAL)
            if on_progress is not None:
                on_progress(progress.done, design.size, failed)

        try:
            if pending:
                run_samples(plan.context, pending, workers, scheduler, on_outcome)
        finally:
            progress.close()
        return SweepRun(Path(folder), plan.sweep_id, design.size, len(recorded), len(pending), failed,
                        time.perf_counter() - started)
    finally:
        store.close()
