"""The `stockpile` command: exit codes, JSON, output folders, and clear errors without tracebacks."""

import json
import os
import re
import shutil
import stat

import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer.case import DEFAULT_DATA_DIR
from optimizer.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_shipped_inputs():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "data OK" in result.output and "scenario OK: stochastic" in result.output


def test_solve_json_reports_status_objective_and_headline():
    result = run("solve", "baseline", "--json", "--horizon", "6")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "optimal"
    [run_summary] = payload["runs"]
    [joint] = run_summary["solutions"]
    assert joint["status"] == "optimal" and joint["objective_musd"] > 0
    assert {row["commodity"] for row in joint["stockpile"]} == {
        "graphite", "rare_earths", "heavy_rare_earths", "gallium", "germanium", "lng"}


def test_solve_both_writes_all_tables_and_run_record(tmp_path):
    out = tmp_path / "out"
    result = run("solve", "rare_earth_japan_2010", "--mode", "both", "--horizon", "6", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Value of cooperation" in result.stdout
    folder = out / "rare_earth_japan_2010"
    for name in ("stockpile_plan", "stock_trajectory", "flows", "transfers", "shortfalls", "costs",
                 "scarcity_prices"):
        df = pd.read_csv(folder / f"{name}.csv")
        assert "solution" in df.columns
    record = json.loads((folder / "run_record.json").read_text())
    assert [s["status"] for s in record["solutions"]] == ["optimal"] * 3
    assert record["solutions"][0]["solver"].startswith("HiGHS")
    assert len(record["inputs_hash"]) == 64
    # issue 16: this run's stockpile_plan.csv held 19 cells '-0.0'; and the folder was mode 0700
    negative_zero = re.compile(r"(^|,)-0(\.0*)?(,|$)", re.M)
    assert not any(negative_zero.search(p.read_text()) for p in folder.glob("*.csv"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask


def test_bad_input_exits_1_without_traceback_or_output(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    df = pd.read_csv(data / "demand.csv", dtype=str, keep_default_na=False)
    df.loc[0, "demand_t_per_year"] = "lots"
    df.to_csv(data / "demand.csv", index=False)
    out = tmp_path / "out"
    result = run("solve", "baseline", "no_such_scenario", "--data", str(data), "--out", str(out))
    assert result.exit_code == 1
    assert "demand.csv, row 2, field 'demand_t_per_year': 'lots' is not a number" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_scenario_lists_known_ones():
    result = run("solve", "hormuz")
    assert result.exit_code == 1
    assert "scenario file not found; known scenarios:" in result.stderr
    assert "hormuz_closure" in result.stderr


def test_solve_that_stops_early_exits_2_and_says_why(tmp_path):
    result = run("solve", "stochastic", "--time-limit", "0", "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    [joint] = payload["runs"][0]["solutions"]
    assert joint["status"] == "time_limit"
    assert "time limit" in joint["message"]
    assert "stockpile" not in joint  # a non-optimal solve is never shown as a plan


def test_empty_table_and_unwritable_output_are_clear_errors(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "members.csv").write_text("")
    result = run("validate", "--data", str(data))
    assert result.exit_code == 1 and "members.csv: not a readable CSV file" in result.stderr
    out = tmp_path / "out"
    (tmp_path / "members.csv").write_text("x")
    result = run("solve", "baseline", "--horizon", "3", "--out", str(tmp_path / "members.csv"))
    assert result.exit_code == 1 and "is a file" in result.stderr  # refused before solving
    out.mkdir()
    (out / "baseline").write_text("a file where the scenario's folder goes")
    result = run("solve", "baseline", "--horizon", "3", "--out", str(out))
    assert result.exit_code == 1 and "cannot write results to" in result.stderr
    assert "Traceback" not in result.output


def test_coop_json_and_output_folder(tmp_path):
    result = run("coop", "rare_earth_japan_2010", "--horizon", "6", "--risk-weights", "0,1", "--json",
                 "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    shares = {row["member"]: row for row in report["shares"]}
    assert abs(sum(row["shapley_musd"] for row in shares.values()) - report["coalition_cost_musd"]) < 1e-6
    assert [row["weight"] for row in report["risk_frontier"]] == [0.0, 1.0]
    for name in ("coalitions", "shares", "savings", "cover_per_dollar", "exchanges", "risk_frontier"):
        assert (tmp_path / "rare_earth_japan_2010" / f"{name}.csv").is_file()


def test_coop_rejects_bad_risk_weights():
    result = run("coop", "baseline", "--risk-weights", "0,2")
    assert result.exit_code == 1 and "between 0 and 1" in result.stderr


def test_workers_option_is_checked():
    """--workers takes a positive count; 0 is a usage error (exit 1, not a traceback)."""
    assert run("solve", "baseline", "--workers", "0").exit_code == 1
    result = run("solve", "baseline", "--json", "--horizon", "3", "--workers", "1")
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "optimal"


def test_a_usage_error_exits_1_in_every_command():
    """Exit 2 means 'not optimal'; a wrong option or a missing argument is bad input (1), also in
    `stockpile coop`, which once kept Click's own 2."""
    for args in (("solve", "--bogus"), ("solve",), ("coop", "--bogus"), ("coop",), ("validate", "--bogus")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)


# -- issue 16: the command line itself ---------------------------------------------------------------

def test_version_names_the_installed_package():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"stockpile {version('kj-stockpile')}\n"


def test_help_lists_every_command_with_the_help_its_module_gives():
    """The table's one-line help (shown without importing the command) is the command's own."""
    import importlib

    from optimizer.cli import COMMANDS

    result = run("--help")
    assert result.exit_code == 0
    for name, (target, short_help) in COMMANDS.items():
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert command.get_short_help_str(10_000) == short_help, name  # its whole first sentence
        assert f"  {name}  " in result.stdout


HELP_PROBE = """
import sys
from optimizer.cli import COMMANDS, main
try:
    main(["--help"])
except SystemExit as exc:
    assert exc.code == 0
commands = sorted({target.split(":")[0] for target, _ in COMMANDS.values()} & set(sys.modules))
heavy = sorted({"pandas", "pyomo", "numpy", "highspy", "scipy", "pydantic"} & {m.split(".")[0] for m in sys.modules})
print(commands, heavy)
"""


def test_help_imports_no_command_and_no_model():
    """`stockpile --help` must answer in well under 0.5 s: it may import no command module, nor
    pandas or Pyomo (1.6 s of imports). Needs optimizer/__init__.py to import its names lazily."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[] []", done.stdout


def test_an_unknown_command_is_a_usage_error_exit_1():
    result = run("solv", "baseline")
    assert result.exit_code == 1 and "No such command 'solv'" in result.stderr


def _no_solve(monkeypatch):
    """Make any solve fail the test: what is checked here must be refused before solving."""
    def refuse(*args, **kwargs):
        raise AssertionError("solved although the run should have been refused first")
    monkeypatch.setattr("optimizer.solve_cli.solve_case", refuse)
    monkeypatch.setattr("optimizer.coop.cli.cooperation_report", refuse)


def test_an_unwritable_output_folder_is_refused_before_solving(tmp_path, monkeypatch):
    """The probe folder cannot be made (as in a read-only folder, whoever runs the test): exit 1
    with the reason, nothing solved, for solve and for coop."""
    _no_solve(monkeypatch)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("optimizer.output._make_staging", denied)
    for command in ("solve", "coop"):
        result = run(command, "baseline", "--horizon", "2", "--out", str(tmp_path / "out"))
        assert result.exit_code == 1, result.output
        assert f"cannot write results to {tmp_path / 'out'}: cannot write into this folder: Permission denied" \
            in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not os.path.isdir("/sys/fs") or os.access("/sys/fs", os.W_OK) and os.geteuid() != 0,
                    reason="needs a read-only file system (/sys on Linux)")
def test_a_read_only_file_system_is_refused_before_solving(monkeypatch):
    """/sys is mounted read-only for every user, root included (mkdir says 'Operation not permitted')."""
    _no_solve(monkeypatch)
    result = run("solve", "baseline", "--horizon", "2", "--out", "/sys/fs/stockpile-test")
    assert result.exit_code == 1 and "cannot write into this folder" in result.stderr


def test_two_sets_with_one_name_cannot_share_a_folder(tmp_path, monkeypatch):
    _no_solve(monkeypatch)
    copy = tmp_path / "x" / "baseline.yaml"
    copy.parent.mkdir()
    shutil.copy(DEFAULT_DATA_DIR.parent / "scenarios" / "baseline.yaml", copy)
    result = run("solve", "baseline", str(copy), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "'baseline' is written twice" in result.stderr


def test_staged_folders_respect_the_umask_and_write_no_negative_zero(tmp_path):
    """umask 027 gives folders 0750 and files 0640 (mkdtemp gave 0700); -0.0 in a table and in a
    JSON summary is written as 0.0, while -0.05 and a text '-0.0 t' in quotes stay as they are."""
    from optimizer.output import staged_folder, write_json

    old = os.umask(0o027)
    try:
        with staged_folder(tmp_path / "out" / "set") as staging:
            pd.DataFrame({"x": [-0.0, -0.05, 1.0], "note": ["-0.0 t", "a", "b"]}).to_csv(staging / "t.csv", index=False)
            write_json(staging / "s.json", {"v": -0.0, "rows": [{"w": -0.0}]})
    finally:
        os.umask(old)
    folder = tmp_path / "out" / "set"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert stat.S_IMODE((folder / "t.csv").stat().st_mode) == 0o640
    assert (folder / "t.csv").read_text() == "x,note\n0.0,-0.0 t\n-0.05,a\n1.0,b\n"
    assert json.loads((folder / "s.json").read_text()) == {"v": 0.0, "rows": [{"w": 0.0}]}
    assert "-0.0" not in (folder / "s.json").read_text()


@pytest.mark.parametrize("args, option", [
    (("solve", "baseline", "--time-limit", "nan"), "--time-limit"),
    (("solve", "baseline", "--time-limit", "inf"), "--time-limit"),
    (("coop", "baseline", "--risk-level", "nan"), "--risk-level"),
    (("coop", "baseline", "--risk-weights", "0,nan"), "--risk-weights"),
])
def test_nan_and_inf_options_are_usage_errors(args, option, monkeypatch):
    """FloatRange(0, 1) lets nan through (every comparison with nan is false)."""
    _no_solve(monkeypatch)
    result = run(*args)
    assert result.exit_code == 1 and option in result.stderr and "Traceback" not in result.output


# -- issue 17: interrupts --------------------------------------------------------------------------

def test_ctrl_c_during_a_solve_is_one_line_and_exit_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("optimizer.solve_cli.solve_case", interrupted)
    result = run("solve", "baseline", "--horizon", "2")
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines()[-1] == "stockpile: interrupted (Ctrl-C); no half-written result is left"
    assert "Traceback" not in result.output and "Aborted" not in result.output


def test_an_interrupt_a_library_swallows_still_exits_130(monkeypatch):
    """Pyomo turns a Ctrl-C during its lazy import of scipy into an ImportError raised later; the
    signal itself is what counts."""
    import signal

    def swallowed(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass
        raise ImportError("initialization failed")
    monkeypatch.setattr("optimizer.solve_cli.solve_case", swallowed)
    result = run("solve", "baseline", "--horizon", "2")
    assert result.exit_code == 130 and "ImportError" not in result.output


def test_ctrl_c_while_writing_keeps_the_earlier_result_and_no_staging(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run("solve", "baseline", "--horizon", "2", "--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "baseline").iterdir()}

    def interrupted(path, payload):
        raise KeyboardInterrupt
    monkeypatch.setattr("optimizer.output.write_json", interrupted)
    result = run("solve", "baseline", "--horizon", "2", "--out", str(out))
    assert result.exit_code == 130
    assert {p.name: p.read_bytes() for p in (out / "baseline").iterdir()} == before
    assert [p.name for p in out.iterdir()] == ["baseline"]


# -- issue 17: inputs accepted but wrong -----------------------------------------------------------

def test_validate_refuses_a_missing_looping_or_empty_scenario_folder(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "empty").mkdir()
    for folder, message in (("missing", "scenario folder not found"), ("loop", "symbolic link that loops"),
                            ("empty", "holds no scenario file")):
        result = run("validate", "--scenario-dir", str(tmp_path / folder))
        assert result.exit_code == 1 and message in result.stderr, folder


def test_validate_lists_data_and_scenario_problems_together(tmp_path):
    """A bad demand cell, a missing swaps.csv, and a scenario with an unknown commodity and an
    .inf multiplier: all four in one report (a data error once hid every scenario error)."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "swaps.csv").unlink()
    df = pd.read_csv(data / "demand.csv", dtype=str, keep_default_na=False)
    df.loc[0, "demand_t_per_year"] = "lots"
    df.to_csv(data / "demand.csv", index=False)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "bad.yaml").write_text(
        "name: bad\ntitle: t\nhorizon_months: 12\nscenarios:\n  - name: a\n    probability: 1\n    events:\n"
        "      - {type: export_ban, commodity: unobtainium, supplier: china, start_month: 1, duration_months: 1,"
        " severity: 1}\n      - {type: price_shock, commodity: lng, start_month: 1, duration_months: 1,"
        " multiplier: .inf}\n")
    result = run("validate", "--data", str(data), "--scenario-dir", str(scenarios))
    assert result.exit_code == 1
    for text in ("demand.csv, row 2, field 'demand_t_per_year'", "swaps.csv: file missing",
                 "bad.yaml, field 'scenarios[0].events[1].multiplier'"):
        assert text in result.stderr, text


def test_an_event_after_the_horizon_is_an_error_by_default_and_a_warning_when_shortened(tmp_path):
    """No horizon_months in the file, a ban from month 30: beyond the default 24 months it is an
    error naming file, scenario and event; with --horizon 2 the file's month-1 ban still acts and
    the month-30 one is a warning."""
    path = tmp_path / "late.yaml"
    path.write_text("name: late\ntitle: t\nscenarios:\n  - name: s\n    probability: 1\n    events:\n"
                    "      - {type: export_ban, commodity: gallium, supplier: china, start_month: 1, duration_months: 1,"
                    " severity: 1}\n"
                    "      - {type: export_ban, commodity: gallium, supplier: china, start_month: 30, duration_months: 1,"
                    " severity: 1}\n")
    result = run("solve", str(path))
    assert result.exit_code == 1
    assert ("late.yaml, field 'scenarios[0].events[1].start_month': scenario 's', event 2 (export_ban on gallium "
            "from china) starts in month 30, after the last month 24 of the default horizon") in result.stderr
    result = run("solve", str(path), "--horizon", "2", "--json")
    assert result.exit_code == 0
    assert "warning: late.yaml: 1 event(s) start after month 2 (--horizon) and change nothing: scenario 's' " \
           "event(s) 2 (month 30)" in result.stderr


def test_the_lp_size_is_bounded_before_anything_is_built(tmp_path, monkeypatch):
    """100 scenarios x (600 months + 1 of cargoes at sea: the longest voyage, 41 days, is one
    month) x 218 estimated columns per scenario-month (70 routes + 12 transfers + 12 swaps + 4
    domestic sources + 10 x 2 members x 6 commodities) = 13,101,800 columns, above the 10 M
    bound: refused before solve_case."""
    _no_solve(monkeypatch)
    entries = "".join(f"  - name: s{i}\n    probability: 0.01\n    events: []\n" for i in range(100))
    (tmp_path / "big.yaml").write_text(f"name: big\ntitle: t\nscenarios:\n{entries}")
    result = run("solve", str(tmp_path / "big.yaml"), "--horizon", "600")
    assert result.exit_code == 1
    assert "100 scenario(s) over 600 months make an LP of about 13,101,800 columns" in result.stderr


def test_the_size_estimate_bounds_the_shipped_lps_from_above():
    """The estimate is an upper bound on the pinned LP sizes (tests/regression_values.py), and
    not a wild one (within 2x), so the bound refuses only what is truly large."""
    from optimizer import load_case, load_scenario_set
    from optimizer.limits import estimated_columns
    from regression_values import PINNED

    case = load_case()
    for name in ("baseline", "stochastic", "hormuz_closure"):
        columns = estimated_columns(case, load_scenario_set(name, case), 24)
        assert PINNED[name][2] <= columns <= 2 * PINNED[name][2], name


def test_stress_and_explain_run_from_the_command_line(tmp_path):
    """Both commands answer on a shipped set, write their tables with --out and exit 0."""
    result = run("stress", "rare_earth_japan_2010", "--horizon", "6", "--no-optimal", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "rare_earth_japan_2010"
    for name in ("plan", "exposure", "shortfall_by_month", "levers"):
        assert (folder / f"{name}.csv").is_file(), name
    assert "what each lever covers" in result.stdout
    result = run("explain", "rare_earth_japan_2010", "--horizon", "6", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["explanation"]
    assert {(r["commodity"], r["member"]) for r in rows} >= {("rare_earths", "JP"), ("lng", "KR")}


def test_solve_explain_adds_the_explanation_of_the_joint_plan():
    """`solve --explain` gives what `stockpile explain` gives for the same set and options: one
    sentence per member x commodity in text, the same rows in JSON."""
    text = run("solve", "rare_earth_japan_2010", "--horizon", "6", "--explain", "--no-store")
    assert text.exit_code == 0, text.output
    assert "why the joint plan of rare_earth_japan_2010 holds what it holds" in text.stdout
    alone = json.loads(run("explain", "rare_earth_japan_2010", "--horizon", "6", "--json").stdout)["explanation"]
    payload = json.loads(run("solve", "rare_earth_japan_2010", "--horizon", "6", "--explain", "--json",
                             "--no-store").stdout)
    (one,) = payload["runs"]
    assert one["explanation"] == alone
    assert sum(line.startswith("- ") for line in text.stdout.splitlines()) == len(alone)


def test_stress_takes_the_plan_of_a_stored_solve(tmp_path):
    """--plan RUN holds the stored joint plan fixed: its stock equals the solve's stock to hold,
    and a coop or unknown run id is refused with exit 1."""
    store = str(tmp_path / "store")
    solved = run("solve", "rare_earth_japan_2010", "--horizon", "6", "--json", "--store", store)
    assert solved.exit_code == 0, solved.output
    run_id = json.loads(solved.stdout)["runs"][0]["run_id"]
    result = run("stress", "rare_earth_japan_2010", "--horizon", "6", "--plan", run_id[:12], "--store", store,
                 "--no-levers", "--no-optimal", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    held = pd.read_csv(tmp_path / "out" / "rare_earth_japan_2010" / "plan.csv")
    from optimizer.store import load_run

    stock = load_run(store, run_id).tables["joint"]["stockpile_plan"]
    merged = held.merge(stock, on=["commodity", "member"], suffixes=("_held", "_solved"))
    assert len(merged) == len(stock) > 0
    assert merged["initial_stock_t_held"].to_numpy() == pytest.approx(merged["initial_stock_t_solved"].to_numpy())
    missing = run("stress", "baseline", "--plan", "no-such-run", "--store", store)
    assert missing.exit_code == 1 and "nor a run in the run store" in missing.stderr


def test_stress_refuses_a_plan_it_cannot_read():
    result = run("stress", "baseline", "--plan", "no_such_plan.csv")
    assert result.exit_code == 1 and "neither 'current' nor a plan CSV" in result.stderr


def test_solve_records_in_the_run_store_and_answers_the_same_inputs_from_it(tmp_path):
    """The first solve is recorded; the same command again is answered from the store with the
    same objective; --no-store neither reads nor records."""
    store = tmp_path / "store"
    first = run("solve", "baseline", "--horizon", "3", "--json", "--store", str(store))
    second = run("solve", "baseline", "--horizon", "3", "--json", "--store", str(store))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    a, b = (json.loads(r.stdout)["runs"][0] for r in (first, second))
    assert (a["from_store"], b["from_store"]) == (False, True) and a["run_id"] == b["run_id"]
    assert a["solutions"][0]["objective_musd"] == b["solutions"][0]["objective_musd"]
    listed = run("runs", "list", "--store", str(store))
    assert listed.exit_code == 0 and a["run_id"] in listed.stdout
    third = run("solve", "baseline", "--horizon", "3", "--json", "--no-store")
    assert third.exit_code == 0 and "run_id" not in json.loads(third.stdout)["runs"][0]
