"""A chart of one indicator over time, one line per procedure: a PNG (Pillow) and a self-contained HTML
page (inline SVG, no script, no external resource). Months without a denominator (N/A) leave a gap."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from schemas.procedures import Catalogue
from vault.indicators import INDICATORS, compute_indicators

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 900, 420, 60, 220, 40, 50
FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[Decimal | None, ...]  # one per month; None: N/A


def months(start: date, end: date) -> list[tuple[date, date]]:
    spans = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        spans.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return spans


def monthly_series(
    session: Session, catalogue: Catalogue, start: date, end: date, indicator: str, agency_code: str | None
) -> tuple[list[str], list[Series]]:
    """The indicator per procedure per month (one agency, or all agencies together when None: then each
    agency's row is a separate line)."""
    spans = months(start, end)
    values: dict[str, list[Decimal | None]] = {}
    for index, (first, last) in enumerate(spans):
        rows = compute_indicators(
            session,
            catalogue,
            first,
            last,
            agency_codes=None if agency_code is None else [agency_code],
            by_procedure=True,
        )
        for row in rows:
            label = row.procedure_code or "*"
            if agency_code is None:
                label = f"{row.agency_code} {label}"
            values.setdefault(label, [None] * len(spans))[index] = row.rates[indicator].percent
    labels = [f"{first:%Y-%m}" for first, _ in spans]
    return labels, [Series(label, tuple(points)) for label, points in sorted(values.items())]


def _xy(index: int, count: int, value: Decimal) -> tuple[float, float]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x = LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)
    y = TOP + plot_h * (1 - float(value) / 100)
    return x, y


def _runs(series: Series, count: int) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(series.points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(_xy(index, count, value))
    return [run for run in runs if run]


def render_svg(title: str, months_labels: list[str], series: list[Series]) -> str:
    count = len(months_labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="Noto Sans, sans-serif" font-size="12">',
        f'<text x="{LEFT}" y="22" font-size="15">{html.escape(title)}</text>',
    ]
    for percent in range(0, 101, 20):
        _, y = _xy(0, 2, Decimal(percent))
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{percent}%</text>')
    for index, label in enumerate(months_labels):
        x, _ = _xy(index, count, Decimal(0))
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{label}</text>')
    for number, line in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        for run in _runs(line, count):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in run)
        legend_y = TOP + 18 * number
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 15}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
        )
        parts.append(f'<text x="{WIDTH - RIGHT + 32}" y="{legend_y + 11}">{html.escape(line.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(title: str, months_labels: list[str], series: list[Series]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(s.label)}</th>"
        + "".join(f"<td>{'N/A' if v is None else f'{v}%'}</td>" for v in s.points)
        + "</tr>"
        for s in series
    )
    head = "".join(f"<th>{m}</th>" for m in months_labels)
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}</style></head><body>\n"
        f"{render_svg(title, months_labels, series)}\n"
        f"<table><tr><th></th>{head}</tr>{rows}</table>\n</body></html>\n"
    )


def render_png(title: str, months_labels: list[str], series: list[Series], path: Path) -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 12) if FONT.exists() else ImageFont.load_default()
    draw.text((LEFT, 10), title, fill="black", font=font)
    count = len(months_labels)
    for percent in range(0, 101, 20):
        _, y = _xy(0, 2, Decimal(percent))
        draw.line([(LEFT, y), (WIDTH - RIGHT, y)], fill="#dddddd")
        draw.text((LEFT - 40, y - 7), f"{percent}%", fill="black", font=font)
    for index, label in enumerate(months_labels):
        x, _ = _xy(index, count, Decimal(0))
        draw.text((x - 20, HEIGHT - BOTTOM + 8), label, fill="black", font=font)
    for number, line in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        for run in _runs(line, count):
            if len(run) > 1:
                draw.line(run, fill=colour, width=2)
            for x, y in run:
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        legend_y = TOP + 18 * number
        draw.rectangle([WIDTH - RIGHT + 15, legend_y, WIDTH - RIGHT + 27, legend_y + 12], fill=colour)
        draw.text((WIDTH - RIGHT + 32, legend_y - 1), line.label, fill="black", font=font)
    image.save(path, format="PNG")


def chart_title(indicator: str) -> str:
    return f"{indicator} {INDICATORS[indicator]}"
