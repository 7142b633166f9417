"""Progress chart: well-formed SVG, a line per sub-goal, baseline marked, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from goals.adapters.chart import ChartPoint, ChartSeries, render_progress_chart, series_for_plan
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer

SVG = "{http://www.w3.org/2000/svg}"
START = date(2025, 3, 3)


def _series(code: str, label: str, scores: list[int]) -> ChartSeries:
    return ChartSeries(
        code=code,
        label=label,
        points=tuple(
            ChartPoint(START + timedelta(days=7 * i), score, is_baseline=i == 0)
            for i, score in enumerate(scores)
        ),
    )


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_chart_is_well_formed_svg_with_a_line_per_sub_goal() -> None:
    root = _parse(
        render_progress_chart(
            [_series("S1", "Feel safe at home", [3, 5, 8]), _series("E5", "School", [2, 2, 4])]
        )
    )

    assert root.tag == f"{SVG}svg"
    lines = root.findall(f".//{SVG}g[@class='sub-goal']")
    assert [g.get("data-code") for g in lines] == ["S1", "E5"]
    for g in lines:
        (polyline,) = g.findall(f"{SVG}polyline")
        assert len(polyline.get("points", "").split()) == 3


def test_the_baseline_point_is_marked_differently() -> None:
    root = _parse(render_progress_chart([_series("S1", "Safe", [3, 5, 8])]))
    group = root.find(f".//{SVG}g[@class='sub-goal']")
    assert group is not None
    baselines = group.findall(f"{SVG}rect[@class='baseline']")
    assert len(baselines) == 1
    assert len(group.findall(f"{SVG}circle")) == 2
    title = baselines[0].find(f"{SVG}title")
    assert title is not None and "Baseline 3" in (title.text or "")


def test_higher_scores_are_drawn_higher_and_later_dates_further_right() -> None:
    root = _parse(render_progress_chart([_series("S1", "Safe", [3, 5, 8])]))
    circles = root.findall(f".//{SVG}circle")
    xs = [float(c.get("cx", "0")) for c in circles]
    ys = [float(c.get("cy", "0")) for c in circles]
    assert xs == sorted(xs) and xs[0] < xs[1]
    assert ys[0] > ys[1]  # SVG y grows downwards: score 8 sits above score 5


def test_the_score_axis_runs_from_0_to_10_and_dates_are_labelled() -> None:
    root = _parse(render_progress_chart([_series("S1", "Safe", [3, 5, 8])]))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    for score in range(11):
        assert str(score) in texts
    assert "3 Mar 2025" in texts
    assert "17 Mar 2025" in texts


def test_the_legend_shows_code_and_short_label() -> None:
    long_label = "Jayden goes to school every day and arrives on time " * 3
    root = _parse(render_progress_chart([_series("E5", long_label, [2, 4])]))
    legend = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    entry = next(t for t in legend if t.startswith("E5 "))
    assert entry.startswith("E5 Jayden goes to school")
    assert entry.endswith("…") and len(entry) < 70


def test_labels_are_escaped_so_markup_cannot_get_in() -> None:
    hostile = '<script>alert("x")</script> & Mum\'s "goal" \x00\x1b'
    svg = render_progress_chart([_series("S1", hostile, [1, 2])], title="Tom & Jerry <family>")

    root = _parse(svg)
    assert root.find(f".//{SVG}script") is None
    assert "<script>" not in svg
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "Tom & Jerry <family>" in texts
    assert any("<script>alert" in t for t in texts)


def test_an_empty_chart_says_there_are_no_scores_yet() -> None:
    root = _parse(render_progress_chart([]))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "No scores yet" in texts


def test_a_single_score_is_drawn_without_a_line() -> None:
    root = _parse(render_progress_chart([_series("S1", "Safe", [4])]))
    assert root.find(f".//{SVG}polyline") is None
    assert len(root.findall(f".//{SVG}rect[@class='baseline']")) == 1


def test_a_score_off_the_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        render_progress_chart([_series("S1", "Safe", [3, 11])])


def test_a_plan_is_drawn_from_its_score_history(
    plan: FamilyPlan,
    started_goal: Callable[..., SubGoal],
    set_goal: Callable[..., SubGoal],
    mum: Scorer,
) -> None:
    sub_goal = started_goal("F2", baseline=2, what="Feel calmer in the evenings")
    set_goal("H1", queue=True)
    plan.record_score(sub_goal.id, score=6, on=sub_goal.set_on + timedelta(days=7), given_by=mum)

    (series,) = series_for_plan(plan)

    assert series.code == "F2" and series.label == "Feel calmer in the evenings"
    assert [(p.score, p.is_baseline) for p in series.points] == [(2, True), (6, False)]
    _parse(render_progress_chart(series_for_plan(plan)))
