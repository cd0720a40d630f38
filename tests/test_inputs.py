"""Bad input gets a clear error naming file, row and field, with every problem at once."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from builders import ban, scenarios, tiny_case
from optimizer import InputError, load_case, load_scenario_set
from optimizer.case import DEFAULT_DATA_DIR
from optimizer.inputs import lead_time_months

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture
def data_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def edit_cell(folder, table, row, column, value):
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False)


def test_shipped_data_is_valid():
    case = load_case()
    assert set(case.commodities) == {"graphite", "rare_earths", "heavy_rare_earths", "gallium", "germanium", "lng"}
    assert set(case.members) == {"KR", "JP"}


def test_every_data_row_has_a_source():
    case = load_case()
    for name, df in case.tables.items():
        assert (df["source"].astype(str).str.len() > 0).all(), name


def test_all_problems_are_reported_at_once_with_file_row_field(data_copy):
    edit_cell(data_copy, "demand", 0, "demand_t_per_year", "-5")
    edit_cell(data_copy, "suppliers", 1, "price_usd_per_t", "cheap")
    edit_cell(data_copy, "commodities", 0, "model_unit", "lb")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    text = str(info.value)
    assert "demand.csv, row 2, field 'demand_t_per_year': -5 is below the smallest valid value 0" in text
    assert "suppliers.csv, row 3, field 'price_usd_per_t': 'cheap' is not a number" in text
    assert "commodities.csv, row 2, field 'model_unit': 'lb' is not one of: t, kt, Mt" in text
    assert len(info.value.problems) == 3


def test_problems_of_every_stage_are_reported_together(data_copy):
    """A bad cell (demand_response.csv), an unknown name (routes.csv) and shares that do not sum to
    1 (import_shares.csv) are found by three stages of checks (cells, references, rules across
    tables); the planner gets all three at once, not one per attempt."""
    edit_cell(data_copy, "demand_response", 0, "restraint_cost_usd_per_t", "lots")
    edit_cell(data_copy, "routes", 0, "member", "XX")
    edit_cell(data_copy, "import_shares", 0, "import_share", "0.0")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    found = {(p.file, p.row, p.field) for p in info.value.problems}
    assert found == {("demand_response.csv", 2, "restraint_cost_usd_per_t"), ("routes.csv", 2, "member"),
                     ("import_shares.csv", None, "import_share")}


def test_unknown_reference_names_valid_choices(data_copy):
    edit_cell(data_copy, "routes", 0, "member", "CN")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.field) == ("routes.csv", 2, "member")
    assert "'CN' is not defined in members.csv; valid: JP, KR" in problem.message


def test_missing_file_and_unknown_column(data_copy):
    (data_copy / "transfers.csv").unlink()
    df = pd.read_csv(data_copy / "demand.csv", dtype=str)
    df.rename(columns={"demand_t_per_year": "demand_kt"}).to_csv(data_copy / "demand.csv", index=False)
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    text = str(info.value)
    assert "transfers.csv: file missing" in text
    (data_copy / "transfers.csv").write_text((DEFAULT_DATA_DIR / "transfers.csv").read_text())
    with pytest.raises(InputError) as info2:
        load_case(data_copy)
    text2 = str(info2.value)
    assert "demand.csv, row 1, field 'demand_t_per_year': missing column(s)" in text2
    assert "demand.csv, row 1, field 'demand_kt': unknown column(s)" in text2


def test_shares_must_sum_to_one(data_copy):
    edit_cell(data_copy, "import_shares", 0, "import_share", "0.0")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    [problem] = info.value.problems
    assert problem.file == "import_shares.csv" and problem.field == "import_share"
    assert "shares of member KR, commodity graphite (rows 2, 3, 4, 5, 6) sum to 0.03" in problem.message


def test_lead_time_rounds_to_nearest_month():
    """0-14 days arrive the same month, 15-44 days the next, 45-74 two months later."""
    assert [lead_time_months(d) for d in (0, 14, 15, 44, 45, 74, 75)] == [0, 0, 1, 1, 2, 2, 3]


def write_yaml(folder, name, text):
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def test_scenario_errors_name_file_and_field(tmp_path):
    case = load_case()
    path = write_yaml(tmp_path, "bad", """
name: bad
title: bad
horizon_months: 12
scenarios:
  - name: a
    probability: 0.5
    colour: red
    events:
      - type: export_ban
        commodity: galium
        supplier: china
        start_month: 1
        duration_months: -3
        severity: 1.0
  - name: b
    probability: 0.2
    events: []
""")
    with pytest.raises(InputError) as info:
        load_scenario_set(path, case)
    text = str(info.value)
    assert "bad.yaml, field 'scenarios[0].colour': unknown key" in text
    assert "bad.yaml, field 'scenarios[0].events[0].duration_months': Input should be greater than 0" in text


def test_scenario_unknown_names_and_probabilities(tmp_path):
    case = load_case()
    path = write_yaml(tmp_path, "names", """
name: names
title: names
scenarios:
  - name: a
    probability: 0.5
    events:
      - {type: export_ban, commodity: galium, supplier: china, start_month: 1, duration_months: 3, severity: 1}
      - {type: chokepoint_closure, chokepoint: suez_canal_x, start_month: 1, duration_months: 3}
  - name: b
    probability: 0.2
    events: []
""")
    with pytest.raises(InputError) as info:
        load_scenario_set(path, case)
    fields = {p.field for p in info.value.problems}
    assert {"scenarios[0].events[0].commodity", "scenarios[0].events[1].chokepoint",
            "scenarios[*].probability"} <= fields
    assert "probabilities sum to 0.7; they must sum to 1" in str(info.value)


def test_every_shipped_scenario_is_valid():
    case = load_case()
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    assert {"baseline", "gallium_germanium_ban", "graphite_licensing", "rare_earth_japan_2010",
            "heavy_rare_earth_2025", "hormuz_closure", "taiwan_strait_disruption",
            "combined_worst_case", "stochastic"} <= set(names)
    for name in names:
        scenario_set = load_scenario_set(name, case)
        assert abs(sum(s.probability for s in scenario_set.scenarios) - 1) < 1e-9


def test_fixture_scenarios_validate_event_names():
    case = tiny_case()
    with pytest.raises(InputError, match="unknown name 'b'"):
        scenarios(case, ("x", 1.0, [ban(1, 1, supplier="b")]))


def test_edits_are_pure_and_revalidated():
    from optimizer.edits import CellEdit, apply_edits

    case = load_case()
    edited = apply_edits(case, [CellEdit("demand", {"member": "KR", "commodity": "gallium"},
                                         {"demand_t_per_year": 24.0})], "test")
    demand = edited.table("demand").set_index(["member", "commodity"])["demand_t_per_year"]
    assert demand[("KR", "gallium")] == 24.0
    assert load_case().fingerprint() == case.fingerprint() != edited.fingerprint()
    with pytest.raises(InputError) as info:
        apply_edits(case, [CellEdit("demand", {"member": "KR", "commodity": "gallium"},
                                    {"demand_t_per_year": -1.0}),
                           CellEdit("nope", {}, {"x": 1}),
                           CellEdit("demand", {"member": "CN", "commodity": "gallium"},
                                    {"demand_t_per_year": 1.0})], "test")
    text = str(info.value)
    assert "unknown table 'nope'" in text and "no row of demand.csv has member=CN" in text


def test_scenario_overrides_change_the_case_it_solves(tmp_path):
    case = load_case()
    sensitivity = load_scenario_set("korea_graphite_67pct", case)
    shares = sensitivity.apply_to(case).table("import_shares").set_index(["member", "commodity", "supplier"])
    assert shares.loc[("KR", "graphite", "china"), "import_share"] == 0.67
    assert sensitivity.scenarios[0].events == load_scenario_set("graphite_licensing", case).scenarios[0].events
