"""data/assumptions.csv: every assumed number with its range, checked against the data it names."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer import InputError, load_case
from optimizer.assumptions import docs_with_table, load_assumptions
from optimizer.case import DEFAULT_DATA_DIR
from optimizer.edits import apply_edits

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data.md"


@pytest.fixture(scope="module")
def case():
    return load_case()


@pytest.fixture(scope="module")
def assumptions(case):
    return load_assumptions(case)


def test_shipped_assumptions_match_the_data_and_hold_their_values(assumptions):
    assert len(assumptions) >= 60
    for a in assumptions:
        assert a.low <= a.value <= a.high and a.low < a.high, a.name
        assert a.reasoning and a.source and a.unit, a.name


def test_every_end_of_every_range_gives_a_valid_case(case, assumptions):
    """Each assumption set to its low and to its high is a case the validator accepts: a changed
    import share rescales the member's other shares, a larger starting stock gets the storage."""
    for a in assumptions:
        for value in (a.low, a.high):
            edited = apply_edits(case, a.edits(value, case), f"{a.name}={value:g}")
            cells = edited.table(a.table)
            for column, wanted in a.where.items():
                cells = cells[cells[column].astype(str).isin(wanted.split("|"))]
            assert (cells[a.field].astype(float) == value).all(), a.name


def test_a_changed_import_share_rescales_the_others():
    """JP germanium: China 0.40, Canada 0.45, Belgium 0.10, Russia 0.05. China at 0.50 leaves 0.50
    for the rest, which held 0.60: each is scaled by 0.5 / 0.6, so Canada 0.375, Belgium 0.0833,
    Russia 0.04167."""
    case = load_case()
    share = next(a for a in load_assumptions(case) if a.name == "jp_germanium_china_share")
    edited = apply_edits(case, share.edits(0.5, case), "test")
    df = edited.table("import_shares")
    jp = df[(df["member"] == "JP") & (df["commodity"] == "germanium")].set_index("supplier")["import_share"]
    assert jp.to_dict() == pytest.approx({"china": 0.5, "canada": 0.375, "belgium": 0.1 / 1.2, "russia": 0.05 / 1.2})


def test_a_larger_starting_stock_brings_its_storage():
    """KR graphite: stock 0 in storage 0; at the high end, 5,000 t, storage rises to 5,000 t."""
    case = load_case()
    stock = next(a for a in load_assumptions(case) if a.name == "kr_graphite_stock")
    edited = apply_edits(case, stock.edits(5000.0, case), "test")
    row = edited.table("stockpiles").set_index(["member", "commodity"]).loc[("KR", "graphite")]
    assert (row["current_stock_t"], row["existing_capacity_t"]) == (5000.0, 5000.0)


def test_docs_show_the_current_table(assumptions):
    text = DOCS.read_text()
    assert docs_with_table(text, assumptions) == text, "run: python -m optimizer.assumptions"


def test_bad_rows_are_all_reported_with_row_and_field(tmp_path, case):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    path = folder / "assumptions.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "value"] = "12345"  # no longer what demand.csv holds
    df.loc[1, "low"] = "1e9"  # range no longer holds the value
    df.loc[2, "table"] = "demands"
    df.loc[3, "field"] = "member"
    df.loc[4, "where"] = "member=XX;commodity=gallium"
    df.loc[5, "reasoning"] = ""
    df.to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        load_assumptions(case, folder)
    found = {(p.row, p.field) for p in exc.value.problems}
    assert {(2, "value"), (3, "low,high"), (4, "table"), (5, "field"), (6, "where"), (7, "reasoning")} <= found
    assert all(p.file == "assumptions.csv" for p in exc.value.problems)
