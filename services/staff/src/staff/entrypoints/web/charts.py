"""Charts for people, drawn by matplotlib on the server as SVG: readable without JavaScript,
with their words kept as text, and always shown beside a table of the same figures.

Each chart is an `<img>` of a `data:` URI with a short text alternative; the table below it is
the accessible form of the data. Only matplotlib's object API is used (no pyplot and no GUI
backend), and a chart is drawn in one thread at a time: its settings (`RC`) are applied to
matplotlib's one global set of settings while it draws, which another thread's chart would
otherwise change or restore half-way. The dashboard's charts (run charts, movement bars) are
of aggregate figures only, and the same figures always give the same chart: the last
`DRAWN_KEPT` of them are kept by their figures, so the same dashboard asked again (the next
manager, the same filters) is not drawn again until its figures change. Progress charts,
which show a family's scores, are never kept.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ParamSpec, cast

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter

# GOV.UK colours; each series also has its own dash pattern and marker, so colour is never the
# only way to tell lines apart (WCAG 1.4.1).
TEXT = "#0b0c0c"
SECONDARY = "#505a5f"
GRID = "#b1b4b6"
SERIES = (
    ("#1d70b8", "-", "o"),
    ("#d4351c", "--", "s"),
    ("#00703c", "-.", "^"),
    ("#4c2c92", ":", "D"),
    ("#b58840", (0, (5, 1, 1, 1)), "v"),
)
IMPROVED, UNCHANGED, DETERIORATED = "#00703c", "#505a5f", "#d4351c"

# Typed loosely: matplotlib types rc keys as a long Literal.
RC: Any = {
    "svg.fonttype": "none",  # text stays text: it scales, and can be searched and selected
    "svg.hashsalt": "lpm-staff",  # the same figures give the same file
    "font.family": "DejaVu Sans",  # ships with matplotlib, so layout is the same everywhere
    "font.size": 12,
    "axes.edgecolor": SECONDARY,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


P = ParamSpec("P")
_DRAWING = threading.Lock()


def _one_at_a_time(draw: Callable[P, Chart]) -> Callable[P, Chart]:
    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> Chart:
        with _DRAWING:
            return draw(*args, **kwargs)

    return drawn


DRAWN_KEPT = 64
_DRAWN: OrderedDict[Hashable, Chart] = OrderedDict()


def _frozen(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return cast(Hashable, value)


def _kept_by_figures(draw: Callable[P, Chart]) -> Callable[P, Chart]:
    """Drawn one at a time, and kept by the figures drawn (the least recently asked for go
    first)."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> Chart:
        key = (draw.__name__, _frozen(args), _frozen(sorted(kwargs.items())))
        with _DRAWING:
            chart = _DRAWN.get(key)
            if chart is None:
                chart = _DRAWN[key] = draw(*args, **kwargs)
                while len(_DRAWN) > DRAWN_KEPT:
                    _DRAWN.popitem(last=False)
            else:
                _DRAWN.move_to_end(key)
            return chart

    return drawn


@dataclass(frozen=True)
class Chart:
    """An SVG document and the words that stand for it."""

    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass(frozen=True)
class Series:
    """A line of dated scores: one sub-goal's baseline and tracking scores."""

    label: str
    points: Sequence[tuple[date, float]]
    baseline: tuple[date, float] | None = None


def month_label(month: str) -> str:
    """`2026-03` as `Mar 2026`."""
    year, number = month.split("-")[:2]
    return date(int(year), int(number), 1).strftime("%b %Y")


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def _render(fig: Figure, alt: str) -> Chart:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": alt})
    return Chart(buffer.getvalue(), alt)


@_kept_by_figures
def run_chart(
    title: str,
    points: Sequence[tuple[str, float | None]],
    centre: float | None,
    *,
    percent: bool = False,
) -> Chart:
    """A measure by month (`YYYY-MM`) with its median as a dashed centre line. A month with no
    figure is a gap in the line, not a zero."""
    months = [month_label(m) for m, _ in points]
    values = [math.nan if v is None else v for _, v in points]
    with matplotlib.rc_context(RC):
        fig = _figure(7.2, 3.4)
        ax = fig.add_subplot()
        colour, _, marker = SERIES[0]
        ax.plot(range(len(months)), values, color=colour, marker=marker, linewidth=2, label=title)
        if centre is not None:
            median = f"{centre:g}%" if percent else f"{centre:g}"
            ax.axhline(
                centre,
                color=SERIES[1][0],
                linestyle="--",
                linewidth=1.5,
                label=f"Median ({median})",
            )
        ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
        known = [v for v in values if not math.isnan(v)]
        top = max([*known, centre or 0.0, 1.0])
        if percent:
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        else:
            ax.set_ylim(0, top * 1.15)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.set_xlabel("Month")
        ax.set_ylabel("Per cent" if percent else "Number")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        fig.legend(loc="outside upper center", ncol=2, frameon=False, fontsize=11)
    span = f"from {months[0]} to {months[-1]}" if months else "with no months"
    alt = f"Run chart: {title}, by month {span}"
    if centre is not None:
        alt += f", median {centre:g}{'%' if percent else ''}"
    return _render(fig, alt + ". The figures are in the table below the chart.")


@_one_at_a_time
def progress_chart(series: Sequence[Series]) -> Chart:
    """Family scores 0-10 over time, one line per sub-goal; the baseline is a hollow square."""
    with matplotlib.rc_context(RC):
        fig = _figure(7.2, 3.6 + 0.25 * len(series))
        ax = fig.add_subplot()
        for i, line in enumerate(series):
            colour, style, marker = SERIES[i % len(SERIES)]
            days: list[Any] = [d for d, _ in line.points]  # matplotlib converts dates
            scores = [s for _, s in line.points]
            if line.baseline is not None:
                days = [line.baseline[0], *days]
                scores = [line.baseline[1], *scores]
                ax.plot(
                    [line.baseline[0]],  # type: ignore[arg-type]
                    [line.baseline[1]],
                    linestyle="none",
                    marker="s",
                    markersize=10,
                    markerfacecolor="white",
                    markeredgecolor=colour,
                    markeredgewidth=2,
                )
            ax.plot(
                days,
                scores,
                color=colour,
                linestyle=style,
                marker=marker,
                linewidth=2,
                label=line.label,
            )
        ax.set_ylim(-0.3, 10.3)
        ax.yaxis.set_major_locator(MultipleLocator(1))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))  # type: ignore[no-untyped-call]
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
        ax.set_xlabel("Date scored")
        ax.set_ylabel("Score (0 to 10)")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        if series:
            fig.legend(loc="outside lower center", ncol=1, frameon=False, fontsize=11)
    names = "; ".join(s.label for s in series) or "no sub-goals scored yet"
    alt = (
        f"Progress chart of family scores from 0 to 10 over time for: {names}. "
        "Baselines are hollow squares. The scores are in the table below the chart."
    )
    return _render(fig, alt)


@_kept_by_figures
def movement_bars(rows: Sequence[tuple[str, int, int, int]], title: str) -> Chart:
    """One bar per row (label, improved, unchanged, deteriorated) as shares of scored goals."""
    labels = [label for label, *_ in rows]
    with matplotlib.rc_context(RC):
        fig = _figure(7.2, 1.2 + 0.5 * max(len(rows), 1))
        ax = fig.add_subplot()
        left = [0.0] * len(rows)
        parts = (
            ("Improved", IMPROVED, 1, ""),
            ("Unchanged", UNCHANGED, 2, "//"),
            ("Deteriorated", DETERIORATED, 3, "xx"),
        )
        for name, colour, index, hatch in parts:
            shares: list[float] = []
            for _, improved, unchanged, deteriorated in rows:
                counts = (improved, unchanged, deteriorated)
                scored = sum(counts)
                shares.append(100 * counts[index - 1] / scored if scored else 0.0)
            ax.barh(
                labels, shares, left=left, color=colour, hatch=hatch, edgecolor="white", label=name
            )
            left = [a + b for a, b in zip(left, shares, strict=True)]
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.invert_yaxis()
        ax.set_xlabel("Share of scored goals")
        fig.legend(loc="outside upper center", ncol=3, frameon=False, fontsize=11)
    alt = f"{title}: improved, unchanged and deteriorated shares for {len(rows)} " + (
        "category." if len(rows) == 1 else "categories."
    )
    return _render(fig, alt + " The figures are in the table below the chart.")
