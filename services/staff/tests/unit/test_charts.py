"""Charts drawn by matplotlib: their words are text in the SVG, escaped, and the same figures
always give the same picture."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from staff.entrypoints.web import charts

YEAR = [(f"2026-{m:02d}", float(m)) for m in range(1, 13)]


def test_a_run_chart_labels_its_months_axes_and_median_as_text() -> None:
    chart = charts.run_chart("Contacts received", YEAR, 6.5)
    for words in ("Jan 2026", "Dec 2026", "Month", "Number", "Contacts received", "Median (6.5)"):
        assert words in chart.svg
    assert "<script" not in chart.svg
    assert chart.alt.startswith("Run chart: Contacts received, by month from Jan 2026 to Dec 2026")
    assert "median 6.5" in chart.alt


def test_a_percentage_run_chart_runs_from_0_to_100_per_cent() -> None:
    chart = charts.run_chart("Reviews on time", YEAR, None, percent=True)
    assert "100%" in chart.svg and "0%" in chart.svg
    assert "Median" not in chart.svg


def test_a_month_without_a_figure_is_left_out_not_drawn_as_zero() -> None:
    gap = charts.run_chart(
        "Plans closed", [("2026-01", 4.0), ("2026-02", None), ("2026-03", 4.0)], None
    )
    zero = charts.run_chart(
        "Plans closed", [("2026-01", 4.0), ("2026-02", 0.0), ("2026-03", 4.0)], None
    )
    assert gap.svg != zero.svg


def test_the_same_figures_give_the_same_svg() -> None:
    assert (
        charts.run_chart("Contacts", YEAR, 3.0).svg == charts.run_chart("Contacts", YEAR, 3.0).svg
    )


def test_charts_drawn_at_once_in_several_threads_are_those_drawn_alone() -> None:
    """Pages draw their charts off the event loop, several pages at a time: matplotlib's
    settings are one global, so a chart must not draw with another's half-restored."""
    start = date(2026, 1, 5)
    lines = [
        [charts.Series(f"Goal {i}", [(start + timedelta(days=14 * d), d % 10) for d in range(8)])]
        for i in range(8)
    ]
    alone = [charts.progress_chart(line).svg for line in lines]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(2):
            assert list(pool.map(lambda line: charts.progress_chart(line).svg, lines)) == alone


def test_the_same_figures_are_drawn_once_and_a_familys_scores_never_kept(monkeypatch) -> None:
    monkeypatch.setattr(charts, "DRAWN_KEPT", 2)
    first = charts.run_chart("Kept", YEAR, 2.0)
    assert charts.run_chart("Kept", list(YEAR), 2.0) is first
    assert charts.run_chart("Kept", YEAR, 2.0, percent=True) is not first
    assert charts.run_chart("Kept", YEAR, 2.5).svg != first.svg
    # Two other charts later, the least recently asked for is drawn again, the same.
    charts.run_chart("Other", YEAR, 1.0)
    again = charts.run_chart("Kept", YEAR, 2.0)
    assert again is not first and again == first
    line = [charts.Series("S1 mornings", [(date(2026, 1, 5), 4.0)])]
    assert charts.progress_chart(line) is not charts.progress_chart(line)


def test_words_from_records_are_escaped_in_the_svg() -> None:
    start = date(2026, 11, 2)
    line = charts.Series("S1 <script>alert(1)</script> & mornings", [(start, 4.0)], (start, 3.0))
    chart = charts.progress_chart([line])
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg


def test_a_progress_chart_scores_0_to_10_with_a_line_per_sub_goal() -> None:
    start = date(2026, 11, 2)
    week = [start + timedelta(days=7 * i) for i in range(1, 5)]
    chart = charts.progress_chart(
        [
            charts.Series(
                "S1 Mornings are calm",
                list(zip(week, [4.0, 5.0, 6.0, 7.0], strict=True)),
                (start, 3.0),
            ),
            charts.Series(
                "E5 School on time",
                list(zip(week, [2.0, 2.0, 4.0, 5.0], strict=True)),
                (start, 2.0),
            ),
        ]
    )
    assert "Score (0 to 10)" in chart.svg and "Date scored" in chart.svg
    assert "S1 Mornings are calm" in chart.svg and "E5 School on time" in chart.svg
    assert ">10<" in chart.svg
    assert "S1 Mornings are calm; E5 School on time" in chart.alt


def test_movement_bars_are_shares_of_scored_goals_and_an_empty_row_draws() -> None:
    chart = charts.movement_bars(
        [("Child safeguarding", 8, 1, 1), ("Education outcomes", 0, 0, 0)], "Goal movement"
    )
    for words in ("Child safeguarding", "Education outcomes", "Improved", "Deteriorated", "100%"):
        assert words in chart.svg
    assert "2 categories" in chart.alt


def test_a_chart_is_an_image_of_its_own_svg() -> None:
    chart = charts.run_chart("Contacts", YEAR, None)
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    assert base64.b64decode(chart.data_uri[len(prefix) :]).decode() == chart.svg
