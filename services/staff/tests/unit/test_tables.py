"""One table for the page and its CSV download: the same figures, and nothing a spreadsheet
would run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from staff.entrypoints.web.tables import Table, csv_cell, show

TABLE = Table(
    "table-1",
    "Table 1: children made subject to a child protection plan",
    ["Cluster", "Children", "Monthly average", "Difference"],
    [["Inner East", 3, Decimal("0.20"), Decimal("-0.09")], ['=HYPERLINK("x")', 0, None, 1.0]],
    foot=[["Total", 3, Decimal("0.20"), None]],
)


def test_the_csv_has_the_head_every_row_and_the_totals() -> None:
    rows = list(csv.reader(io.StringIO(TABLE.csv())))
    assert rows[0] == ["Cluster", "Children", "Monthly average", "Difference"]
    assert rows[1] == ["Inner East", "3", "0.20", "-0.09"]
    assert rows[3] == ["Total", "3", "0.20", ""]
    assert len(rows) == 4


def test_text_that_a_spreadsheet_would_run_is_made_inert_but_negative_numbers_stay() -> None:
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_cell("+1 555") == "'+1 555"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("-0.09") == "-0.09"
    assert csv_cell(Decimal("-3")) == "-3"
    assert csv_cell(None) == ""


def test_the_page_shows_a_dash_for_no_figure_and_whole_numbers_without_decimals() -> None:
    assert show(None) == "–"
    assert show(0) == "0" and show(Decimal("0")) == "0"
    assert show(1.0) == "1"
    assert show(2.25) == "2.2" or show(2.25) == "2.3"
    assert show(Decimal("0.20")) == "0.20"


def test_the_govuk_table_marks_figures_numeric_and_labels_each_row() -> None:
    params = TABLE.govuk()
    assert params["caption"].startswith("Table 1")
    assert params["firstCellIsHeader"] is True
    assert params["head"][0] == {"text": "Cluster"}
    assert params["head"][1] == {"text": "Children", "format": "numeric"}
    assert params["rows"][0][3] == {"text": "-0.09", "format": "numeric"}
    assert params["rows"][1][2] == {"text": "–", "format": "numeric"}
    assert params["rows"][2][0] == {"text": "Total"}
    assert params["attributes"] == {"id": "table-1"}
