"""Progress for people: each sub-goal's 0-10 scores over time as one SVG line chart.

Standard library only, so it renders anywhere; every label is XML-escaped because goal wording
is typed by people and must never break or inject into the picture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from goals.domain.plan import FamilyPlan

SCORE_MIN = 0
SCORE_MAX = 10

# Okabe-Ito colours with dash patterns, so lines stay apart for colour-blind readers and in print.
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_DASHES = ("", "8 4", "2 4", "8 4 2 4")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 forbids even when escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

WIDTH = 760
_LEFT, _RIGHT, _TOP = 56, 28, 48
_PLOT_HEIGHT = 250
_AXIS_SPACE = 44
_LEGEND_ROW = 22
_LABEL_LIMIT = 60


@dataclass(frozen=True)
class ChartPoint:
    on: date
    score: int
    is_baseline: bool = False


@dataclass(frozen=True)
class ChartSeries:
    """One sub-goal's line: its Children and Families code, a short label and its points."""

    code: str
    label: str
    points: tuple[ChartPoint, ...]


def series_for_plan(plan: FamilyPlan) -> list[ChartSeries]:
    """A line for every sub-goal that has been worked on, in the order they were set."""
    return [
        ChartSeries(
            code=sub_goal.code,
            label=sub_goal.what,
            points=tuple(
                ChartPoint(p.on, p.score, p.is_baseline) for p in sub_goal.score_history()
            ),
        )
        for sub_goal in plan.sub_goals
        if sub_goal.was_active
    ]


def render_progress_chart(
    series: Sequence[ChartSeries], *, title: str = "Progress on our goals"
) -> str:
    """An SVG document: a line per sub-goal, 0-10 up the side, dates along the bottom."""
    for line in series:
        for point in line.points:
            if not SCORE_MIN <= point.score <= SCORE_MAX:
                raise ValueError(f"score {point.score} is outside {SCORE_MIN}-{SCORE_MAX}")

    plot_width = WIDTH - _LEFT - _RIGHT
    plot_bottom = _TOP + _PLOT_HEIGHT
    legend_top = plot_bottom + _AXIS_SPACE
    height = legend_top + _LEGEND_ROW * (len(series) + 1) + 8

    dates = [p.on for line in series for p in line.points]
    first, last = (min(dates), max(dates)) if dates else (None, None)

    def x(on: date) -> float:
        if first is None or last is None or first == last:
            return _LEFT + plot_width / 2
        return _LEFT + plot_width * (on - first).days / (last - first).days

    def y(score: int) -> float:
        return plot_bottom - _PLOT_HEIGHT * (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="chart-title">{_text(title)}</title>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="{_TOP - 20}" font-size="16" font-weight="bold">'
        f"{_text(title)}</text>",
    ]

    # Score axis: a grid line and label for every whole score.
    for score in range(SCORE_MIN, SCORE_MAX + 1):
        gy = _n(y(score))
        out.append(
            f'<line x1="{_LEFT}" y1="{gy}" x2="{_LEFT + plot_width}" y2="{gy}" '
            f'stroke="{"#888888" if score == SCORE_MIN else "#e5e5e5"}"/>'
        )
        out.append(f'<text x="{_LEFT - 8}" y="{_n(y(score) + 4)}" text-anchor="end">{score}</text>')
    out.append(
        f'<text x="16" y="{_n(_TOP + _PLOT_HEIGHT / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 16 {_n(_TOP + _PLOT_HEIGHT / 2)})">Score (0-10)</text>'
    )

    # Date axis.
    for tick in _date_ticks(first, last):
        tx = _n(x(tick))
        out.append(
            f'<line x1="{tx}" y1="{plot_bottom}" x2="{tx}" y2="{plot_bottom + 5}" stroke="#888888"/>'
        )
        out.append(
            f'<text x="{tx}" y="{plot_bottom + 20}" text-anchor="middle">{_date_label(tick)}</text>'
        )

    if not dates:
        out.append(
            f'<text x="{_n(_LEFT + plot_width / 2)}" y="{_n(_TOP + _PLOT_HEIGHT / 2)}" '
            'text-anchor="middle" fill="#555555">No scores yet</text>'
        )

    for i, line in enumerate(series):
        colour, dash = _COLOURS[i % len(_COLOURS)], _DASHES[i % len(_DASHES)]
        points = sorted(line.points, key=lambda p: (p.on, not p.is_baseline))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="sub-goal" data-code={quoteattr(_clean(line.code))}>')
        if len(points) > 1:
            coords = " ".join(f"{_n(x(p.on))},{_n(y(p.score))}" for p in points)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        for p in points:
            px, py = _n(x(p.on)), _n(y(p.score))
            what = "Baseline" if p.is_baseline else "Score"
            tip = f"<title>{_text(line.code)} {what} {p.score} on {_date_label(p.on)}</title>"
            if p.is_baseline:
                out.append(
                    f'<rect class="baseline" x="{_n(x(p.on) - 5)}" y="{_n(y(p.score) - 5)}" '
                    f'width="10" height="10" fill="#ffffff" stroke="{colour}" '
                    f'stroke-width="2">{tip}</rect>'
                )
            else:
                out.append(f'<circle cx="{px}" cy="{py}" r="4" fill="{colour}">{tip}</circle>')
        out.append("</g>")

    # Legend: code and short label per line, then the baseline marker.
    for i, line in enumerate(series):
        colour, dash = _COLOURS[i % len(_COLOURS)], _DASHES[i % len(_DASHES)]
        ly = legend_top + _LEGEND_ROW * i
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{_LEFT}" y1="{ly}" x2="{_LEFT + 28}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(
            f'<text x="{_LEFT + 36}" y="{ly + 4}"><tspan font-weight="bold">{_text(line.code)}'
            f"</tspan> {_text(_short(line.label))}</text>"
        )
    ly = legend_top + _LEGEND_ROW * len(series)
    out.append(
        f'<rect x="{_LEFT + 9}" y="{ly - 5}" width="10" height="10" fill="#ffffff" '
        'stroke="#333333" stroke-width="2"/>'
    )
    out.append(f'<text x="{_LEFT + 36}" y="{ly + 4}">Baseline (the family\'s first score)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _date_ticks(first: date | None, last: date | None, most: int = 6) -> list[date]:
    if first is None or last is None:
        return []
    span = (last - first).days
    if span == 0:
        return [first]
    steps = min(most - 1, span)
    ticks = [date.fromordinal(first.toordinal() + round(span * i / steps)) for i in range(steps)]
    return [*ticks, last]


def _date_label(on: date) -> str:
    # Month names spelt here, not by strftime, so the picture does not depend on the locale.
    return f"{on.day} {_MONTHS[on.month - 1]} {on.year}"


def _short(label: str) -> str:
    flat = " ".join(label.split())
    return flat if len(flat) <= _LABEL_LIMIT else flat[: _LABEL_LIMIT - 1].rstrip() + "…"


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _text(value: str) -> str:
    return escape(_clean(value))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
