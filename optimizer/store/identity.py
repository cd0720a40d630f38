"""What makes two runs identical, so that the second can be answered from the store.

Two runs are identical when their store keys are equal. The key is the SHA-256 of:
- the kind of run (solve, coop);
- the model inputs: the data as given (Case.fingerprint: every table's content), the scenario
  set's overrides of it, every scenario's name, probability and events, the set's risk window,
  and the mode (two sets whose different overrides happen to give the same data are different
  runs: a needless solve, never a wrong answer);
- the options: every RunOptions field with the horizon resolved (optimizer.run.resolved_options),
  except `workers`, which changes how fast a decomposed set is solved, not what is solved; for
  coop runs also the CVaR weights and level of the frontier;
- the code: the package version, the SHA-256 of every optimizer/**/*.py file (so an uncommitted
  edit counts as a new version) and the versions of highspy and Pyomo, which build and solve the LP.
The git commit is recorded beside it for people, but the source hash decides: a commit does not
say whether the working tree was edited.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from dataclasses import asdict, replace
from functools import lru_cache
from pathlib import Path

from ..case import Case
from ..inputs import RunOptions
from ..run import inputs_key, resolved_options
from ..scenarios import ScenarioSet

PACKAGE = "kj-stockpile"
_SOURCE_ROOT = Path(__file__).resolve().parents[1]  # optimizer/
_REPO_ROOT = _SOURCE_ROOT.parent


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=1)
def source_sha256() -> str:
    """SHA-256 over the relative path and bytes of every .py file under optimizer/."""
    digest = hashlib.sha256()
    for path in sorted(_SOURCE_ROOT.rglob("*.py")):
        digest.update(path.relative_to(_SOURCE_ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def git_commit() -> str | None:
    """The checked-out commit, read from .git (no subprocess); None outside a git checkout."""
    git = _REPO_ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = git / ref
        if loose.is_file():
            return loose.read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        return None
    return None


def code_version() -> dict:
    """What the key holds of the code (package, source, highspy, pyomo) and, for people, the
    commit and the Python version."""
    return {"package": _version(PACKAGE), "source_sha256": source_sha256(),
            "highspy": _version("highspy"), "pyomo": _version("pyomo"),
            "commit": git_commit(), "python": platform.python_version()}


def keyed_code(code: dict) -> dict:
    """The part of code_version() that decides identity."""
    return {k: code[k] for k in ("package", "source_sha256", "highspy", "pyomo")}


def options_record(options: RunOptions) -> dict:
    return asdict(options)


def store_key(kind: str, case: Case, scenario_set: ScenarioSet, mode: str, options: RunOptions,
              extra: dict | None = None, code: dict | None = None) -> str:
    """The key of docs/store.md, "Identical runs". case: as given to the run (before the set's
    overrides, which are keyed as they are written: applying them takes longer than a small solve);
    options: as given (the horizon is resolved here)."""
    model_options = replace(resolved_options(scenario_set, options), workers=None)
    inputs = inputs_key(case.fingerprint(), scenario_set, mode, model_options)
    overrides = [[e.table, e.where, e.values] for e in scenario_set.overrides]
    payload = {"kind": kind, "inputs": inputs, "overrides": overrides,
               "risk_window_months": scenario_set.risk_window_months, "extra": extra or {},
               "code": keyed_code(code or code_version())}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
