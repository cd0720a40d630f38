"""`stockpile runs`: listing, showing, comparing and exporting from the terminal; exit code 1 with
one clear message (no traceback) for an unknown run, a missing, corrupt or newer store, a bad
option or an export target that exists."""

import json
import sqlite3
import zipfile

import pytest
from click.testing import CliRunner

from optimizer import solve_case
from optimizer.store import record_result
from optimizer.store.cli import runs
from optimizer.store.location import INDEX_FILE, STORE_ENV_VAR
from store_fixtures import ban_month_1, calm, one_member


def run(store, *args):
    result = CliRunner().invoke(runs, [*args, "--store", str(store)], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Korea alone: a calm run (12 M USD) and a ban in month 1 (21 M USD, 1 kt short)."""
    folder = tmp_path_factory.mktemp("store")
    case = one_member()
    calm_id = record_result(folder, solve_case(case, calm(case), "joint"), case, "stockpile solve calm")
    ban_id = record_result(folder, solve_case(case, ban_month_1(case), "joint"), case, "stockpile solve ban")
    return folder, calm_id, ban_id


def test_list_show_and_compare(store):
    folder, calm_id, ban_id = store
    listed = run(folder, "list")
    assert listed.exit_code == 0 and "2 run(s)" in listed.output
    assert listed.output.index(ban_id) < listed.output.index(calm_id)  # newest first
    rows = json.loads(run(folder, "list", "--json", "--limit", "1").stdout)
    assert [r["run_id"] for r in rows] == [ban_id] and rows[0]["expected_cost_musd"] == pytest.approx(21.0)
    shown = run(folder, "show", ban_id)
    assert shown.exit_code == 0
    assert f"run {ban_id}: solve of fixture (mode joint), optimal" in shown.stdout
    assert "expected cost 21.0 M USD" in shown.stdout and "stockpile solve ban" in shown.stdout
    payload = json.loads(run(folder, "show", "latest", "--json").stdout)
    assert payload["index"]["run_id"] == ban_id and payload["headline"]["shortfall"][0]["shortfall_pct"] == \
        pytest.approx(100 / 12)
    compared = run(folder, "compare", calm_id, ban_id)
    assert compared.exit_code == 0 and "differences are b - a" in compared.stdout
    assert "scenario_set fixture.yaml" in compared.stdout  # the only input that differs
    payload = json.loads(run(folder, "compare", calm_id, ban_id, "--json").stdout)
    numbers = {r["quantity"]: r for r in payload["numbers"]}
    assert numbers["expected cost (M USD)"]["difference"] == pytest.approx(9.0)


def test_export_folder_and_zip(store, tmp_path):
    folder, _, ban_id = store
    assert run(folder, "export", ban_id, str(tmp_path / "out")).exit_code == 0
    assert (tmp_path / "out" / "tables" / "joint" / "stockpile_plan.csv").is_file()
    assert (tmp_path / "out" / "inputs" / "scenarios" / "fixture.yaml").is_file()
    assert json.loads((tmp_path / "out" / "record.json").read_text())["run_id"] == ban_id
    assert run(folder, "export", ban_id, str(tmp_path / "run.zip"), "--zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "run.zip") as archive:
        assert "manifest.csv" in archive.namelist() and "inputs/data/suppliers.csv" in archive.namelist()
    again = run(folder, "export", ban_id, str(tmp_path / "out"))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_bad_input_exits_1_with_a_message(store, tmp_path):
    folder, calm_id, _ = store
    unknown = run(folder, "show", "nope")
    assert unknown.exit_code == 1 and "no run 'nope'" in unknown.stderr
    assert run(folder, "compare", calm_id, "nope").exit_code == 1
    usage = run(folder, "compare", calm_id)
    assert usage.exit_code == 1 and "Missing argument" in usage.output
    assert run(folder, "list", "--since", "last week").exit_code == 1
    assert run(folder, "list", "--kind", "other").exit_code == 1
    empty = tmp_path / "nothing"
    assert run(empty, "list").exit_code == 0 and "no runs in the store" in run(empty, "list").stdout
    missing = run(empty, "show", "latest")
    assert missing.exit_code == 1 and "no run store at" in missing.stderr


def test_a_newer_or_corrupt_store_exits_1(tmp_path):
    newer, corrupt = tmp_path / "newer", tmp_path / "corrupt"
    case = one_member()
    record_result(newer, solve_case(case, calm(case), "joint"), case)
    with sqlite3.connect(newer / INDEX_FILE) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run(newer, "list")
    assert result.exit_code == 1 and "written by a newer kj-stockpile" in result.stderr
    corrupt.mkdir()
    (corrupt / INDEX_FILE).write_text("garbage " * 500)
    result = run(corrupt, "show", "latest")
    assert result.exit_code == 1 and "corrupt" in result.stderr


def test_the_store_folder_comes_from_the_environment(store, monkeypatch):
    folder, _, ban_id = store
    monkeypatch.setenv(STORE_ENV_VAR, str(folder))
    result = CliRunner().invoke(runs, ["show", ban_id])
    assert result.exit_code == 0 and ban_id in result.stdout
