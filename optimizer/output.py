"""Write a run's tables and run record to a folder, all or nothing."""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .report import summary
from .run import RunResult

TABLES = ("stockpile_plan", "stock_trajectory", "flows", "transfers", "swaps", "shortfalls", "costs",
          "scarcity_prices", "replenishment")


def run_record(result: RunResult) -> dict:
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs_hash": result.inputs_hash, "case_fingerprint": result.case_fingerprint,
        "scenario_set": result.scenario_set.name, "scenario_file": result.scenario_set.origin,
        "mode": result.mode, "horizon_months": result.options.horizon_months,
        "cover_floors": result.options.cover_floors, "sharing": result.options.sharing,
        "python": platform.python_version(),
        "solutions": [{"label": s.label, "status": s.outcome.status, "message": s.outcome.message,
                       "objective_musd": s.objective_musd, "solver": s.outcome.solver,
                       "build_seconds": s.build_seconds, "solve_seconds": s.outcome.seconds,
                       "solver_warnings": s.outcome.warnings, **s.size} for s in result.solutions],
        "value_of_cooperation_musd": result.value_of_cooperation_musd,
        "crisis_value_of_cooperation_musd": result.crisis_value_musd,
        "calm_pooling_musd": result.calm_pooling_musd,
    }


@contextmanager
def staged_folder(out_dir: str | Path):
    """Yield an empty staging folder beside out_dir; on success it replaces out_dir, on any error
    it is removed, so a reader never sees a half-written output folder."""
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(20, "a file is in the way of the output folder", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, default=str))


def write_run(result: RunResult, out_dir: str | Path) -> Path:
    """Write CSVs + run_record.json + summary.json into out_dir, replacing it only once complete."""
    with staged_folder(out_dir) as staging:
        for name in TABLES:
            result.table(name).to_csv(staging / f"{name}.csv", index=False)
        result.tree().to_csv(staging / "scenario_tree.csv", index=False)
        write_json(staging / "run_record.json", run_record(result))
        write_json(staging / "summary.json", summary(result))
    return Path(out_dir)
