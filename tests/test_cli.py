"""The `stockpile` command: exit codes, JSON, output folders, and clear errors without tracebacks."""

import json
import shutil

import pandas as pd
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
