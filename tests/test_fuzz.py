"""Seeded fuzzing of the inputs (issue 17): each case mutates a copy of the shipped data or a small
scenario set, or an option, in one way whose right answer is known, and runs `stockpile solve
--out` on it. A rejected input must exit 1 without a traceback, name the file, row and field the
test put the fault in, and leave the output folder as it was; an accepted variant (blank lines,
CRLF, a byte-order mark, padded headers, quoted line breaks, reordered columns) must stay valid.

STOCKPILE_FUZZ_CASES=5000 runs more cases than the few hundred of a normal run; a failing case
is rerun alone by its id (test_fuzz_case[123]), which is also its seed.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.locations import DEFAULT_DATA_DIR
from optimizer.schema import TABLES, TABLES_BY_NAME

CASES = int(os.environ.get("STOCKPILE_FUZZ_CASES", "300"))
SEED = 20261202
SHIPPED = {t.name: list(csv.reader(io.StringIO((DEFAULT_DATA_DIR / t.file).read_text(encoding="utf-8"),
                                               newline=""))) for t in TABLES}
NUMBERS = [(t.name, c) for t in TABLES for c in t.columns if c.kind in ("number", "integer")]
IDS = [(t.name, c.name) for t in TABLES for c in t.columns if c.kind == "id"]
REFERENCES = [(t.name, r.columns[0]) for t in TABLES for r in t.references if len(r.columns) == 1]


@dataclass
class Case:
    """One fuzz case: the files to write, the command's extra arguments, what must be said."""

    tables: dict[str, list[list[str]]] = field(
        default_factory=lambda: {k: [r[:] for r in v] for k, v in SHIPPED.items()})
    raw: dict[str, bytes] = field(default_factory=dict)  # data files written as these bytes
    missing: set[str] = field(default_factory=set)
    scenarios: dict[str, bytes] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    command: str = "solve"
    expect: list[str] = field(default_factory=list)  # substrings the error output must hold
    valid: bool = False
    labels: list[str] = field(default_factory=list)  # the kind of case and of mutation, for the coverage test


# -- writing a CSV with a layout of our choosing, remembering each record's line -------------------

def csv_bytes(rows: list[list[str]], rng: random.Random, noisy: bool) -> tuple[bytes, list[int]]:
    """rows (header first) as a CSV file, and the line each row starts on. A noisy layout adds
    blank lines, line breaks inside quoted source cells, CRLF and a byte-order mark."""
    newline = "\r\n" if noisy and rng.random() < 0.3 else "\n"
    source = rows[0].index("source")
    out, lines, line = [], [], 1
    for i, row in enumerate(rows):
        while noisy and i > 0 and rng.random() < 0.15:
            out.append(rng.choice(["", "   "]) + newline)
            line += 1
        cells = [_cell(c, noisy and i > 0 and j == source and rng.random() < 0.2) for j, c in enumerate(row)]
        if i == 0 and noisy and rng.random() < 0.3:
            cells = [f"  {c} " for c in cells]  # a header padded with spaces is accepted
        text = ",".join(cells)
        lines.append(line)
        line += text.count("\n") + 1
        out.append(text.replace("\n", newline) + newline)
    bom = "\ufeff" if noisy and rng.random() < 0.2 else ""
    return (bom + "".join(out)).encode("utf-8", errors="surrogateescape"), lines


def _cell(text: str, break_line: bool) -> str:
    if break_line:
        text = text + "\nsecond line of the source"
    if any(ch in text for ch in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


# -- the mutations: each returns a Case and the location it must be reported at ------------------

def _where(table: str, line: int, column: str) -> str:
    return f"{table}.csv, row {line}, field '{column}'"


def mutate_number(rng, case):
    """Text that is no finite number, an empty cell, or a number outside the column's range."""
    table, col = rng.choice(NUMBERS)
    j = case.tables[table][0].index(col.name)
    r = rng.randrange(1, len(case.tables[table]))
    choices = ["abc", "12k", "x1", "1.2.3", "nan", "inf", "-inf", "1e400", "--5", "0x10", ""]
    if col.high is not None:
        choices.append(repr(col.high * 10 + 1))
    if col.low is not None:
        choices.append(repr(col.low - 1))
    if col.positive:
        choices.append("0")
    case.tables[table][r][j] = rng.choice(choices)
    return table, r, col.name


def mutate_id(rng, case):
    table, column = rng.choice(IDS)
    j = case.tables[table][0].index(column)
    r = rng.randrange(1, len(case.tables[table]))
    case.tables[table][r][j] = rng.choice(["9abc", "a-b", "a b", "ü", "x.y"])
    return table, r, column


def mutate_reference(rng, case):
    table, column = rng.choice([(t, c) for t, c in REFERENCES if len(case.tables[t]) > 1])
    j = case.tables[table][0].index(column)
    r = rng.randrange(1, len(case.tables[table]))
    case.tables[table][r][j] = "zz_unknown"
    return table, r, column


def mutate_byte(rng, case):
    """A byte that is not UTF-8 (or a NUL) in any cell, text cells included."""
    table = rng.choice([t for t in SHIPPED if len(SHIPPED[t]) > 1])
    r = rng.randrange(1, len(case.tables[table]))
    j = rng.randrange(len(case.tables[table][0]))
    bad = rng.choice(["\udce9", "\udcff", "\x00"])  # written as the bytes 0xE9, 0xFF, 0x00
    cell = case.tables[table][r][j]
    k = rng.randrange(len(cell) + 1)
    case.tables[table][r][j] = cell[:k] + bad + cell[k:]
    return table, r, case.tables[table][0][j]


def mutate_extra_cell(rng, case):
    table = rng.choice([t for t in SHIPPED if len(SHIPPED[t]) > 1])
    r = rng.randrange(1, len(case.tables[table]))
    case.tables[table][r].append("stray")
    return table, r, case.tables[table][0][-1]


def mutate_duplicate(rng, case):
    table = rng.choice([t for t in SHIPPED if len(SHIPPED[t]) > 1])
    r = rng.randrange(1, len(case.tables[table]))
    case.tables[table].append(case.tables[table][r][:])
    return table, len(case.tables[table]) - 1, ",".join(TABLES_BY_NAME[table].key)


MUTATIONS = (mutate_number, mutate_number, mutate_id, mutate_reference, mutate_byte, mutate_extra_cell,
             mutate_duplicate)


def data_case(rng: random.Random) -> Case:
    """One cell-level fault in one table (sometimes with another table's file missing), written
    with a noisy layout: the row named must be the line the fault is on."""
    case = Case()
    mutation = rng.choice(MUTATIONS)
    case.labels.append(mutation.__name__)
    table, r, column = mutation(rng, case)
    if rng.random() < 0.2:
        gone = rng.choice([t for t in SHIPPED if t != table])
        case.missing.add(gone)
        case.expect.append(f"{gone}.csv: file missing")
    data, lines = csv_bytes(case.tables[table], rng, noisy=True)
    case.raw[table] = data
    case.expect.append(_where(table, lines[r], column))
    return case


def unclosed_quote_case(rng: random.Random) -> Case:
    """A source cell whose closing quote is missing: the reader runs on into the next lines (or
    to the end of the file); the row named is the one whose quote was left open."""
    case = Case()
    table = rng.choice([t for t in SHIPPED if len(SHIPPED[t]) > 1])
    r = rng.randrange(1, len(case.tables[table]))
    data, lines = csv_bytes(case.tables[table], rng, noisy=False)
    rows = data.decode().split("\n")  # a plain layout: one record per line (no cell holds a line break)
    record = rows[lines[r] - 1]
    assert record.endswith('"') or '"' not in record.rsplit(",", 1)[-1], record
    rows[lines[r] - 1] = record[:-1] if record.endswith('"') else record[:record.rindex(",") + 1] + '"' + \
        record.rsplit(",", 1)[-1]
    case.raw[table] = "\n".join(rows).encode()
    case.expect.append(_where(table, lines[r], "source"))
    return case


# -- scenario files -------------------------------------------------------------------------------

def base_set() -> dict:
    return {"name": "fz", "title": "fuzz", "horizon_months": 24, "scenarios": [
        {"name": "s0", "probability": 0.5, "events": [
            {"type": "export_ban", "commodity": "gallium", "supplier": "china", "start_month": 2,
             "duration_months": 3, "severity": 0.5},
            {"type": "price_shock", "commodity": "lng", "start_month": 1, "duration_months": 2, "multiplier": 2.0},
            {"type": "demand_shock", "commodity": "graphite", "start_month": 1, "duration_months": 2, "change": 0.2},
            {"type": "chokepoint_closure", "chokepoint": "hormuz", "start_month": 1, "duration_months": 1}]},
        {"include": "inc", "probability": 0.5}]}


def inc_set() -> dict:
    return {"name": "inc", "title": "included", "scenarios": [{"name": "i", "probability": 1.0, "events": [
        {"type": "export_ban", "commodity": "graphite", "supplier": "china", "start_month": 1,
         "duration_months": 2, "severity": 0.8}]}]}


def dump(data) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


def scenario_case(rng: random.Random) -> Case:
    """One fault in a scenario file or the file it includes; the field named is where it is."""
    case, main_set, inc = Case(args=["fz"]), base_set(), inc_set()
    k = rng.randrange(4)
    event = main_set["scenarios"][0]["events"][k]
    at = f"scenarios[0].events[{k}]"
    kind = rng.randrange(9)
    case.labels.append(f"scenario_fault_{kind}")
    if kind == 0:
        key = {0: "severity", 1: "multiplier", 2: "change", 3: "duration_months"}[k]
        event[key] = rng.choice([float("inf"), float("-inf"), float("nan"), 1e300, -5] + ([0] if k != 2 else []))
        case.expect.append(f"fz.yaml, field '{at}.{key}'")
    elif kind == 1:
        event["start_month"] = rng.randint(25, 600)
        case.expect += [f"fz.yaml, field '{at}.start_month'", "scenario 's0'", f"event {k + 1}"]
    elif kind == 2:
        event[rng.choice(["colour", "severty", "months"])] = 1
        case.expect.append(f"fz.yaml, field '{at}.")
    elif kind == 3:
        main_set["scenarios"][0]["probability"] = float("nan")
        case.expect.append("fz.yaml, field 'scenarios[0].probability'")
    elif kind == 4:
        key = "chokepoint" if k == 3 else "commodity"
        event[key] = "unobtainium"
        case.expect.append(f"fz.yaml, field '{at}.{key}'")
    elif kind == 5:
        inc["scenarios"][0]["events"][0]["start_month"] = rng.randint(25, 600)
        inc["horizon_months"] = 600
        case.expect += ["fz.yaml, field 'scenarios[1].include'", "scenario 'inc'", "event 1 of inc.yaml"]
    elif kind == 6:  # the included file is not UTF-8: said at the include, in the file asked for
        case.scenarios["inc.yaml"] = dump(inc).replace(b"included", b"incl\xe9ded")
        case.expect.append("fz.yaml, field 'scenarios[1].include'")
    elif kind == 7:
        case.scenarios["fz.yaml"] = dump(main_set).replace(b"title: fuzz", rng.choice(
            [b"title: fu\xe9zz", b"title: fu\x00zz", b"title: 2024-13-45"]))
        case.expect.append("fz.yaml, row 2")  # the title's line
    else:
        depth = rng.choice([60, 1000, 5000])
        main_set["description"] = "PLACEHOLDER"
        text = dump(main_set).replace(b"PLACEHOLDER", b"[" * depth + b"]" * depth)
        case.scenarios["fz.yaml"] = text
        case.expect.append("fz.yaml: nested more than")
    case.scenarios.setdefault("fz.yaml", dump(main_set))
    case.scenarios.setdefault("inc.yaml", dump(inc))
    return case


def option_case(rng: random.Random) -> Case:
    long_name = "x" * rng.randint(256, 600)
    args, expect = rng.choice([
        (["baseline", "--time-limit", rng.choice(["nan", "inf", "-1", "-inf"])], "--time-limit"),
        (["baseline", "--horizon", rng.choice(["0", "601", "abc", "nan"])], "--horizon"),
        (["baseline", "--workers", rng.choice(["0", "-2", "x"])], "--workers"),
        (["baseline", "--mode", "jointly"], "--mode"),
        ([long_name], "too long"),
        (["baseline", "--data", f"/tmp/{long_name}"], "too long"),
        (["baseline", "--scenario-dir", f"/tmp/{long_name}"], "too long"),
        (["baseline", "--risk-level", rng.choice(["nan", "inf", "1", "-0.5"])], "--risk-level"),
        (["baseline", "--risk-weights", rng.choice(["nan", "0,inf", "0,,1", "2"])], "--risk-weights"),
    ])
    return Case(args=args, expect=[expect], command="coop" if "--risk-level" in args or "--risk-weights" in args
                else "solve")


def valid_case(rng: random.Random) -> Case:
    """No fault, only a layout the reader must accept."""
    case = Case(valid=True)
    for table in rng.sample(sorted(SHIPPED), 4):
        rows = case.tables[table]
        if rng.random() < 0.3:  # columns in another order are the same table
            order = list(range(len(rows[0])))
            rng.shuffle(order)
            rows[:] = [[row[j] for j in order] for row in rows]
        case.raw[table] = csv_bytes(rows, rng, noisy=True)[0]
    return case


def make_case(seed: int) -> Case:
    rng = random.Random(SEED + seed)
    kind = rng.choices([data_case, unclosed_quote_case, scenario_case, option_case, valid_case],
                       weights=[50, 6, 28, 8, 8])[0]
    case = kind(rng)
    case.labels.append(kind.__name__)
    return case


# -- running a case -------------------------------------------------------------------------------

def write_inputs(case: Case, root: Path) -> tuple[Path, Path]:
    data, scenarios = root / "data", root / "scenarios"
    data.mkdir()
    for t in TABLES:
        if t.name in case.missing:
            continue
        if t.name in case.raw:
            (data / t.file).write_bytes(case.raw[t.name])
        else:
            shutil.copy(DEFAULT_DATA_DIR / t.file, data / t.file)
    shutil.copytree(DEFAULT_DATA_DIR.parent / "scenarios", scenarios)
    for name, text in case.scenarios.items():
        (scenarios / name).write_bytes(text)
    return data, scenarios


@pytest.mark.parametrize("seed", range(CASES))
def test_fuzz_case(seed, tmp_path):
    case = make_case(seed)
    data, scenarios = write_inputs(case, tmp_path)
    if case.valid:
        result = CliRunner().invoke(main, ["validate", "baseline", "--data", str(data),
                                           "--scenario-dir", str(scenarios)])
        assert result.exit_code == 0, result.output
        return
    out = tmp_path / "out"
    (out / "baseline").mkdir(parents=True)
    (out / "baseline" / "summary.json").write_text("an earlier result")
    (out / "fz").mkdir()
    args = case.args or ["baseline"]
    command = [case.command, *args, "--out", str(out)]
    command += [] if "--horizon" in args else ["--horizon", "2"]  # a short run, had the input been accepted
    command += [] if "--data" in args else ["--data", str(data)]
    command += [] if "--scenario-dir" in args else ["--scenario-dir", str(scenarios)]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no exception escaped
    assert "Traceback" not in result.output
    for text in case.expect:
        assert text in result.stderr, (text, result.stderr)
    assert sorted(p.name for p in out.iterdir()) == ["baseline", "fz"]  # nothing new, nothing staged
    assert [p.name for p in (out / "baseline").iterdir()] == ["summary.json"]
    assert (out / "baseline" / "summary.json").read_text() == "an earlier result"
    assert not any((out / "fz").iterdir())


def test_the_fuzz_cases_cover_every_class():
    """The few hundred seeds of a normal run reach every kind of case, every cell mutation and
    every scenario fault, so a class cannot silently drop out when the weights change."""
    seen = {label for seed in range(min(CASES, 300)) for label in make_case(seed).labels}
    wanted = {"data_case", "unclosed_quote_case", "scenario_case", "option_case", "valid_case",
              *(m.__name__ for m in MUTATIONS), *(f"scenario_fault_{k}" for k in range(9))}
    assert wanted <= seen, wanted - seen


def test_the_shipped_cells_hold_no_line_break():
    """unclosed_quote_case edits a record as one line of the file."""
    assert not any("\n" in cell for rows in SHIPPED.values() for row in rows for cell in row)
