"""Inline SVG pictures for the dashboard page: a run chart, and bars of shares. No scripts."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from outcomes.domain.run_chart import RunChart

WIDTH, HEIGHT = 620, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


def _fmt(value: Decimal | float) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def run_chart_svg(chart: RunChart, title: str) -> str:
    """Months along the bottom, the measure up the side, and its median as a dashed line."""
    values = [p.value for p in chart.points if p.value is not None]
    centre = chart.centre_line
    top = max([*values, centre or Decimal(0), Decimal(1)])
    bottom = min([*values, Decimal(0)])
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(chart.points) - 1, 1)

    def y(v: Decimal) -> float:
        return TOP + plot_h - float((v - bottom) / span) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#555"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#555"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11">{_fmt(top)}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="11">'
        f"{_fmt(bottom)}</text>",
    ]
    if centre is not None:
        cy = y(centre)
        parts.append(
            f'<line x1="{LEFT}" y1="{cy:.1f}" x2="{WIDTH - RIGHT}" y2="{cy:.1f}" '
            'stroke="#c0392b" stroke-dasharray="6 4"><title>median '
            f"{_fmt(centre)}</title></line>"
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{cy - 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#c0392b">median {_fmt(centre)}</text>'
        )
    points = [
        (LEFT + i * step, y(p.value), p) for i, p in enumerate(chart.points) if p.value is not None
    ]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5f8b" stroke-width="2"/>')
    for px, py, p in points:
        value = _fmt(p.value) if p.value is not None else ""
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#1f5f8b">'
            f"<title>{escape(p.month)}: {value}</title></circle>"
        )
    label_every = max(1, len(chart.points) // 12)
    for i, p in enumerate(chart.points):
        if i % label_every == 0:
            parts.append(
                f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
                f'text-anchor="middle">{escape(p.month)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def share_bars_svg(rows: list[tuple[str, int, int, int]], title: str) -> str:
    """One stacked bar per row: (label, improved, unchanged, deteriorated), as shares."""
    bar_h, gap, label_w = 18, 8, 230
    height = TOP + len(rows) * (bar_h + gap) + 10
    plot_w = WIDTH - label_w - RIGHT
    colours = ("#2e8b57", "#b0b0b0", "#c0392b")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, *counts) in enumerate(rows):
        y0 = TOP + i * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + 13}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        total = sum(counts) or 1
        x = float(label_w)
        for count, colour, name in zip(
            counts, colours, ("improved", "unchanged", "deteriorated"), strict=True
        ):
            w = plot_w * count / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y0}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                f"<title>{escape(label)}: {count} {name}</title></rect>"
            )
            x += w
    parts.append("</svg>")
    return "".join(parts)
