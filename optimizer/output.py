"""Write a run's tables and run record to a folder: all or nothing, replacing an earlier result
atomically, and checked for writability before anything is solved.

A results folder is written into a staging folder beside it and then swapped in. At every
instant OUT/<set>/ is either the complete earlier result or the complete new one: on Linux the
two folders are exchanged in one rename (renameat2 RENAME_EXCHANGE); elsewhere the old folder is
renamed aside first and, if the process dies before the new one is in, the next run puts it back.
Staging folders are named after the run that owns them (host, process id), so a later run
removes those of runs that died (kill -9, power loss) and leaves those of runs still writing.
Two runs writing the same folder both succeed; the last to finish wins.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import stat
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem

if TYPE_CHECKING:  # the run's types only; importing them would load the model for every command
    import pandas as pd

    from .run import RunResult

TABLES = ("stockpile_plan", "stock_trajectory", "flows", "transfers", "swaps", "shortfalls", "costs",
          "scarcity_prices", "replenishment")
NAME_MAX_BYTES = 255  # the longest file or folder name ext4, APFS, NTFS and tmpfs accept


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


# -- staging folders: named after the run that owns them ------------------------------------------

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_STAGING = re.compile(r"^\.(?P<tag>.+)\.stockpile-(?P<kind>new|old|probe)-(?P<host>[0-9a-f]{8})"
                      r"-(?P<pid>\d+)-[0-9a-f]+$")


def _tag(name: str) -> str:
    """The target's name as it appears in its staging folders' names, short enough that the whole
    staging name stays within NAME_MAX_BYTES."""
    if len(name.encode()) <= 120:
        return name
    return name.encode()[:60].decode(errors="ignore") + "~" + hashlib.sha256(name.encode()).hexdigest()[:12]


def _staging_path(target: Path, kind: str) -> Path:
    return target.parent / f".{_tag(target.name)}.stockpile-{kind}-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"


def _make_staging(target: Path, kind: str = "new", made: list[Path] | None = None) -> Path:
    """A new empty folder beside target. os.mkdir with mode 0o777 leaves the permissions to the
    user's umask, as for any folder a tool makes (tempfile.mkdtemp would make it 0700). made, if
    given, gets the path before the folder exists, so that an interrupt at any point between can
    still remove it."""
    made = [] if made is None else made
    while True:
        path = _staging_path(target, kind)
        made.append(path)
        try:
            os.mkdir(path, 0o777)
            return path
        except FileExistsError:  # another run's folder (a 1 in 4 billion draw): not ours to remove
            made.remove(path)


def _owner_is_gone(match: re.Match) -> bool:
    """True when the staging folder's run is over: same host, its process no longer exists. A
    folder from another host (a shared drive) is never judged: its run may still be writing."""
    pid = int(match["pid"])
    if match["host"] != _HOST or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return False


def remove_stale(target: Path) -> None:
    """Remove the staging folders of target left by runs that died; if a run died between moving
    the old result aside and moving the new one in (no atomic exchange on this system), put the
    old result back first."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    tag = _tag(target.name)
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match is None or (match["kind"] != "probe" and match["tag"] != tag) or not _owner_is_gone(match):
            continue
        path = Path(entry.path)
        if match["kind"] == "old" and not os.path.lexists(target) and _try_rename_noreplace(path, target):
            continue
        shutil.rmtree(path, ignore_errors=True)


# -- renames ----------------------------------------------------------------------------------------

_AT_FDCWD, _RENAME_NOREPLACE, _RENAME_EXCHANGE = -100, 1, 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _renameat2():
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None


_RENAMEAT2 = _renameat2() if platform.system() == "Linux" else None


def _rename2(source: Path, target: Path, flags: int) -> bool:
    """renameat2(2); False when this system or file system cannot (the caller falls back)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(target))


def _try_rename_noreplace(source: Path, target: Path) -> bool:
    """Move source to target if nothing is at target; False if something is."""
    try:
        if _rename2(source, target, _RENAME_NOREPLACE):
            return True
        if os.path.lexists(target):
            return False
        os.rename(source, target)  # only a race with another writer can put a folder there first
        return True
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise


def _publish(staging: Path, target: Path) -> None:
    """Put the complete staging folder at target, replacing what is there, so that at no instant
    target is missing or partial (with renameat2) and never partial (without)."""
    while True:
        if _try_rename_noreplace(staging, target):
            return
        try:
            if _rename2(staging, target, _RENAME_EXCHANGE):
                shutil.rmtree(staging, ignore_errors=True)  # staging now holds the earlier result
                return
            if _replace_by_moving_aside(staging, target):
                return
        except FileNotFoundError:
            continue  # another writer moved target away in between: try again from the start


def _replace_by_moving_aside(staging: Path, target: Path) -> bool:
    aside = _staging_path(target, "old")
    os.rename(target, aside)  # from here until the next rename, remove_stale can restore it
    try:
        placed = _try_rename_noreplace(staging, target)
    except BaseException:  # an interrupt: the earlier result goes back where it was
        _try_rename_noreplace(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return placed  # False: another writer's result arrived first; ours goes in on the next round


# -- the public helpers -----------------------------------------------------------------------------

@contextmanager
def staged_folder(out_dir: str | Path):
    """Yield an empty staging folder beside out_dir; on success it replaces out_dir atomically, on
    any error (an interrupt included) it is removed, so a reader never sees a half-written output
    folder. Stale staging folders of out_dir from runs that died are removed first."""
    target = Path(out_dir)
    if _is_file(target):
        raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of the output folder", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    made: list[Path] = []
    try:
        staging = _make_staging(target, made=made)
        yield staging
        _zero_signs(staging)
        _publish(staging, target)
    except BaseException:
        for path in made:  # after an exchange it holds the earlier result, now replaced
            shutil.rmtree(path, ignore_errors=True)
        raise


def _is_file(path: Path) -> bool:
    """True if something other than a folder is at path, read in one stat: another writer may
    move the folder away between an exists() and an is_dir()."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


# A cell that is a zero with a minus sign, as pandas writes IEEE negative zero (-0.0, or -0.00 with
# a float format); planners read it as a small loss. Quoted cells are text and are left alone.
_NEGATIVE_ZERO = re.compile(r"(?m)(?<![^,\n])-(0(?:\.0*)?(?:[eE][+-]?0+)?)(?=,|\r?$)")


def _zero_signs(folder: Path) -> None:
    """Write every negative zero in the folder's CSV files as a plain zero. Done here, once, as
    every command's results folder passes through staged_folder whoever wrote its tables."""
    for path in folder.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        fixed = _NEGATIVE_ZERO.sub(r"\1", text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def _without_negative_zero(value):
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, dict):
        return {k: _without_negative_zero(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_negative_zero(v) for v in value]
    return value


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(_without_negative_zero(payload), indent=2, default=str))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False)


def write_run(result: RunResult, out_dir: str | Path) -> Path:
    """Write CSVs + run_record.json + summary.json into out_dir, replacing it only once complete."""
    from .report import summary  # the report needs the model's result types

    with staged_folder(out_dir) as staging:
        for name in TABLES:
            write_csv(result.table(name), staging / f"{name}.csv")
        write_csv(result.tree(), staging / "scenario_tree.csv")
        write_json(staging / "run_record.json", run_record(result))
        write_json(staging / "summary.json", summary(result))
    return Path(out_dir)


# -- before solving: can the results be written at all? --------------------------------------------

def output_problems(out_dir: str | Path, names: list[str]) -> list[Problem]:
    """Why results could not be written to out_dir/<name> for each name, found before any solve:
    a file in the way, a name too long, a folder that is read-only or cannot be made."""
    out = Path(out_dir)
    problems = [Problem(str(out), None, None, f"'{name}' is written twice (two scenario sets of that name); "
                                              "name each set once")
                for name in sorted({n for n in names if names.count(n) > 1})]
    try:
        problems += _folder_problems(out, names)
    except OSError as exc:
        problems.append(Problem(str(out), None, None, _reason(exc)))
    return problems


def _folder_problems(out: Path, names: list[str]) -> list[Problem]:
    too_long = [part for part in (*out.parts, *names) if len(os.fsencode(part)) > NAME_MAX_BYTES]
    if too_long:
        return [Problem(str(out), None, None, f"the name '{part[:40]}...' is {len(os.fsencode(part))} bytes; a "
                                              f"file system takes at most {NAME_MAX_BYTES}") for part in too_long]
    if out.exists() and not out.is_dir():
        return [Problem(str(out), None, None, "is a file, not a folder; give a folder for the results")]
    problems = [Problem(str(out), None, None, f"{out / name} is a file where the results folder goes; move it "
                                              "away or give another --out")
                for name in names if (out / name).exists() and not (out / name).is_dir()]
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return problems + [Problem(str(out), None, None, f"{existing} is a file, not a folder")]
    return problems + _probe(existing)


def _probe(folder: Path) -> list[Problem]:
    """Make and remove a folder where the results would go: the only test of writability that
    holds for read-only mounts, access lists and root alike."""
    try:
        probe = _make_staging(folder / "probe", "probe")
    except OSError as exc:
        return [Problem(str(folder), None, None, f"cannot write into this folder: {_reason(exc)}")]
    os.rmdir(probe)
    return []


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "a name is too long for the file system"
    return exc.strerror or str(exc)
