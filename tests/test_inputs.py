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


# -- issue 17: every problem at once, each at the line an editor shows -----------------------------

def write_lines(path, lines):
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_a_missing_file_does_not_hide_another_tables_cell_errors(data_copy):
    """swaps.csv is gone and demand.csv row 2 holds 'lots': both are reported (the missing file
    once, not again as 'table missing')."""
    (data_copy / "swaps.csv").unlink()
    edit_cell(data_copy, "demand", 0, "demand_t_per_year", "lots")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    found = sorted((p.file, p.row or 0, p.field or "") for p in info.value.problems)
    assert found == [("demand.csv", 2, "demand_t_per_year"), ("swaps.csv", 0, "")]


def test_rows_are_the_lines_an_editor_shows_after_blank_lines_and_quoted_line_breaks(data_copy):
    """demand.csv rewritten as: line 1 header, line 2 blank, line 3 KR graphite whose source
    spans lines 3-5 (two line breaks inside quotes), line 6 blank, line 7 JP graphite with
    demand 'lots'. pandas would call that row 3; the editor shows it on line 7."""
    lines = (data_copy / "demand.csv").read_bytes().decode().splitlines()
    assert lines[1].startswith("KR,graphite,86000,") and lines[2].startswith("JP,graphite,65000,")
    first = 'KR,graphite,86000,"one\ntwo\nthree"'
    second = lines[2].replace("65000", "lots")
    write_lines(data_copy / "demand.csv", [lines[0].encode(), b"", first.encode(), b"", second.encode(),
                                           *(line.encode() for line in lines[3:])])
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    assert [(p.file, p.row, p.field) for p in info.value.problems] == [("demand.csv", 7, "demand_t_per_year")]


@pytest.mark.parametrize("raw, message", [
    (b"caf\xe9", "holds the byte 0xE9, which is not UTF-8"),
    (b"a\x00b", "holds a NUL byte"),
])
def test_a_byte_that_is_not_text_is_named_by_row_and_field(data_copy, raw, message):
    """The byte goes into row 3's source cell (JP graphite, line 3): the problem names that line
    and field, not a byte offset, and no other problem is invented."""
    path = data_copy / "demand.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:-1] + raw + b'"'
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.field) == ("demand.csv", 3, "source")
    assert message in problem.message and "position" not in problem.message


def test_a_utf16_file_is_said_to_be_utf16(data_copy):
    path = data_copy / "members.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    assert any(p.file == "members.csv" and "UTF-16" in p.message for p in info.value.problems)


def test_an_extra_cell_and_an_unclosed_quote_name_their_row(data_copy):
    """members.csv line 2 gets a stray cell after 'source'; the last line of swaps.csv loses the
    closing quote of its source, which then runs to the end of the file."""
    members = data_copy / "members.csv"
    lines = members.read_bytes().split(b"\n")
    lines[1] += b",stray"
    members.write_bytes(b"\n".join(lines))
    swaps = data_copy / "swaps.csv"
    text = swaps.read_bytes().rstrip(b"\n")
    assert text.endswith(b'"')
    swaps.write_bytes(text[:-1] + b"\n")
    last_line = text.count(b"\n") + 1
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    found = {(p.file, p.row, p.field): p.message for p in info.value.problems}
    assert "the row has 5 cells but the header 4 columns" in found[("members.csv", 2, "source")]
    assert "never closed" in found[("swaps.csv", last_line, "source")]


def test_a_quote_closed_too_early_does_not_swallow_the_next_row(data_copy):
    """Line 2's source loses its closing quote: the quote then ends at line 3's opening quote and
    the lenient reader would read lines 2-3 as one row of 4 cells, silently dropping JP graphite."""
    path = data_copy / "demand.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1][:-1]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    assert [(p.file, p.row, p.field) for p in info.value.problems][:1] == [("demand.csv", 2, "source")]


def test_a_header_padded_with_spaces_is_accepted(data_copy):
    path = data_copy / "demand.csv"
    lines = path.read_bytes().split(b"\n")
    lines[0] = b" , ".join(b"  " + name + b" " for name in lines[0].split(b","))
    path.write_bytes(b"\n".join(lines))
    assert load_case(data_copy).table("demand").equals(load_case().table("demand"))


def test_a_repeated_column_is_named():
    path_case = load_case()
    df = path_case.table("members").copy()
    df.insert(1, "member ", df["member"], allow_duplicates=True)  # 'member ' strips to 'member'
    tables = dict(path_case.tables, members=df)
    from optimizer import case_from_tables
    with pytest.raises(InputError) as info:
        case_from_tables(tables)
    assert ("members.csv", 1, "member") in {(p.file, p.row, p.field) for p in info.value.problems}


def test_every_number_has_a_plausible_range_and_the_shipped_data_is_inside():
    """Each numeric column has an upper bound (a mistyped 1e9 is caught by validation, not by a
    solve that grows without end), and load_case() above accepts every shipped value."""
    from optimizer.schema import TABLES

    unbounded = [(t.name, c.name) for t in TABLES for c in t.columns
                 if c.kind in ("number", "integer") and c.high is None]
    assert unbounded == []
    load_case()


def test_a_voyage_of_a_billion_days_is_rejected_before_any_solve(data_copy):
    """transit_days 1e9 once passed validation and made solve grow past 6.7 GB; 365 days is the
    bound (no voyage takes a year)."""
    edit_cell(data_copy, "routes", 0, "transit_days", "1000000000")
    with pytest.raises(InputError) as info:
        load_case(data_copy)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.field) == ("routes.csv", 2, "transit_days")
    assert "above the largest valid value 365" in problem.message


# -- scenario files -------------------------------------------------------------------------------

SMALL_SET = """name: {name}
title: small
horizon_months: 24
scenarios:
  - name: ban
    probability: 1.0
    events:
      - {{type: export_ban, commodity: gallium, supplier: china, start_month: {start}, duration_months: 2, severity: 1}}
"""


def test_a_scenario_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    """Latin-1 'é' on line 2 (the title): one problem, file and line, no UnicodeDecodeError;
    including that file from another names the including file at its include."""
    (tmp_path / "latin.yaml").write_bytes(SMALL_SET.format(name="latin", start=1).replace(
        "title: small", "title: caf\xe9").encode("latin-1"))
    (tmp_path / "outer.yaml").write_text("name: outer\ntitle: o\nscenarios:\n  - include: latin\n    probability: 1\n")
    case = load_case()
    with pytest.raises(InputError) as info:
        load_scenario_set(tmp_path / "latin.yaml", case)
    [problem] = info.value.problems
    assert (problem.file, problem.row) == ("latin.yaml", 2) and "0xE9 is not UTF-8" in problem.message
    with pytest.raises(InputError) as info:
        load_scenario_set(tmp_path / "outer.yaml", case)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == ("outer.yaml", "scenarios[0].include")
    assert "latin.yaml, row 2" in problem.message


@pytest.mark.parametrize("body, message", [
    ("description: " + "[" * 5000 + "]" * 5000, "nested more than 50 levels"),
    ("description: " + "[" * 60 + "]" * 60, "nested more than 50 levels"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     "more than 1,000,000 values"),  # 10^6 x's once expanded
    ("a: &a [*a]\n", "refers to a value that contains it"),
    ("title: 2024-13-45\n", "row 1"),
])
def test_hostile_yaml_is_refused_in_words(tmp_path, body, message):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(InputError) as info:
        load_scenario_set(path, load_case())
    assert message in str(info.value)


@pytest.mark.parametrize("event, field", [
    ("{type: price_shock, commodity: lng, start_month: 1, duration_months: 2, multiplier: .inf}", "multiplier"),
    ("{type: demand_shock, commodity: lng, start_month: 1, duration_months: 2, change: .inf}", "change"),
    ("{type: export_ban, commodity: lng, supplier: qatar, start_month: 1, duration_months: 2, severity: .nan}",
     "severity"),
])
def test_infinite_or_nan_event_numbers_are_rejected(tmp_path, event, field):
    path = tmp_path / "inf.yaml"
    path.write_text(f"name: inf\ntitle: t\nscenarios:\n  - name: a\n    probability: 1\n    events:\n      - {event}\n")
    with pytest.raises(InputError) as info:
        load_scenario_set(path, load_case())
    [problem] = info.value.problems
    assert problem.field == f"scenarios[0].events[0].{field}" and "finite" in problem.message


def test_a_nan_probability_does_not_pass_as_summing_to_one(tmp_path):
    """nan compares false with everything, so 'abs(total - 1) > tolerance' let it through."""
    path = tmp_path / "nanp.yaml"
    path.write_text("name: nanp\ntitle: t\nscenarios:\n  - name: a\n    probability: .nan\n    events: []\n")
    with pytest.raises(InputError, match="scenarios\\[0\\].probability"):
        load_scenario_set(path, load_case())


def test_an_event_after_the_files_horizon_names_file_scenario_and_event(tmp_path):
    """horizon_months 24, the ban starts in month 30: rejected, naming small.yaml, scenario
    'ban', event 1 and its start_month field."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_SET.format(name="small", start=30))
    with pytest.raises(InputError) as info:
        load_scenario_set(path, load_case())
    [problem] = info.value.problems
    assert (problem.file, problem.field) == ("small.yaml", "scenarios[0].events[0].start_month")
    assert "scenario 'ban', event 1 (export_ban on gallium from china) starts in month 30" in problem.message
    path.write_text(SMALL_SET.format(name="small", start=24))
    assert load_scenario_set(path, load_case()).scenarios[0].events[0].start_month == 24


def test_a_scenario_name_cannot_leave_the_results_folder():
    from optimizer import scenario_set_from_dict

    data = {"name": "../../etc", "title": "t", "scenarios": [{"name": "a", "probability": 1, "events": []}]}
    with pytest.raises(InputError, match="field 'name'"):
        scenario_set_from_dict(data, load_case())


# -- the API: a wrongly shaped call is an input problem too -----------------------------------------

def _api_calls(case):
    from optimizer import case_from_tables, list_scenarios, scenario_set_from_dict
    from optimizer.edits import CellEdit, apply_edits

    good = {"name": "x", "title": "t", "scenarios": [{"name": "a", "probability": 1, "events": []}]}
    return [
        lambda: load_case(123), lambda: load_case(["data"]),
        lambda: load_scenario_set(None, case), lambda: load_scenario_set("baseline", None),
        lambda: load_scenario_set("baseline", case, folder=3),
        lambda: scenario_set_from_dict(good, None), lambda: scenario_set_from_dict(None, case),
        lambda: scenario_set_from_dict(good, case, file=None), lambda: scenario_set_from_dict([1, 2], case),
        lambda: case_from_tables(None), lambda: case_from_tables({"members": "not a table"}),
        lambda: case_from_tables({}), lambda: list_scenarios(5),
        lambda: apply_edits(None, [], "x"), lambda: apply_edits(case, None, "x"),
        lambda: apply_edits(case, [CellEdit("demand", None, {"demand_t_per_year": 1})], "x"),
        lambda: apply_edits(case, [CellEdit("demand", {"member": ["KR"], "commodity": "graphite"},
                                            {"demand_t_per_year": 1})], "x"),
        lambda: apply_edits(case, ["not an edit"], "x"),
        lambda: apply_edits(case, [CellEdit("demand", {"member": "KR", "commodity": "graphite"}, None)], "x"),
    ]


def test_wrongly_shaped_api_calls_raise_input_error_naming_the_argument():
    """Each call passes one argument of the wrong shape (None for a case, a list for a key,
    a number for a path); each must raise InputError, which names what is wrong, and nothing else."""
    case = load_case()
    for i, call in enumerate(_api_calls(case)):
        with pytest.raises(InputError) as info:
            call()
        assert info.value.problems and str(info.value.problems[0]), i
