"""Bar charts as SVG markup (pure: plain data in, a string out; no Flask, no database).

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` a screen reader speaks, each bar has
its own ``<title>`` (the tooltip a mouse or a long press shows) and ``data-value``, and every text is escaped,
so a hostile label is shown as text and never runs. With nothing to draw, the chart says so instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLUMN_WIDTH = 480  # the viewBox scales to the page: wide enough for 14 x 24 hourly bars, small text still legible
COLUMN_HEIGHT = 200
ROW_WIDTH = 400
ROW_HEIGHT = 26
LABEL_WIDTH = 140
VALUE_WIDTH = 60
MAX_LABEL = 20  # characters before a row label is shortened (the whole one stays in the bar's title)
INK, MUTED, GRID = "#1b1f24", "#5b6470", "#d8dde3"
ACCENT = "#0b5cad"


@dataclass(frozen=True)
class Column:
    """One vertical bar: its value, its full name (tooltip) and the short axis ``tick`` under it ("" for none)."""

    label: str
    value: int
    tick: str = ""


@dataclass(frozen=True)
class Row:
    """One horizontal bar, as consecutive ``parts`` of one series each; ``note`` replaces the total at its end."""

    label: str
    parts: tuple[int, ...]
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.parts)


@dataclass(frozen=True)
class Series:
    """A part of a row: its name (legend and tooltip) and its colour."""

    name: str
    colour: str


def nice_top(highest: int) -> int:
    """The axis' top: the first of 1, 2, 5, 10, 20, 25, 50, 100 ... at or above ``highest`` (at least 1)."""
    scale = 1
    while True:
        for step in (1, 2, 2.5, 5):
            top = int(step * scale)
            if top == step * scale and top >= highest:
                return max(top, 1)
        scale *= 10


def _open(width: int, height: int, title: str, desc: str) -> str:
    """The ``<svg>`` start, named by its ``<title>`` (and ``aria-label``) and described by its ``<desc>``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="13" '
        f'style="max-width: {width * 3 // 2}px"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    )


def _empty(width: int, height: int, title: str, desc: str, empty: str) -> str:
    start = _open(width, height, title, desc)
    return (
        f'{start}<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="{GRID}"/>'
        f'<text class="no-data" x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" fill="{MUTED}" '
        f'font-size="14">{escape(empty)}</text></svg>'
    )


def column_chart(columns: Sequence[Column], title: str, desc: str, empty: str) -> str:
    """Vertical bars over time (reports per hour), heights proportional to values, ticks under the axis."""
    highest = max((c.value for c in columns), default=0)
    if highest <= 0:
        return _empty(COLUMN_WIDTH, COLUMN_HEIGHT, title, desc, empty)
    top = nice_top(highest)
    left, right, upper, lower = 34, 6, 10, 30
    plot_w, plot_h = COLUMN_WIDTH - left - right, COLUMN_HEIGHT - upper - lower
    slot = plot_w / len(columns)
    gap = slot * 0.15 if slot >= 3 else 0  # thin bars touch rather than vanish between gaps
    start = _open(COLUMN_WIDTH, COLUMN_HEIGHT, title, desc)
    parts = [start]
    for level in sorted({0, top // 2 if top % 2 == 0 else 0, top}):
        y = upper + plot_h - plot_h * level / top
        parts.append(
            f'<line x1="{left}" x2="{COLUMN_WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{level}</text>'
        )
    for index, column in enumerate(columns):
        x = left + index * slot
        height = plot_h * column.value / top
        parts.append(
            f'<rect class="bar" data-value="{column.value}" x="{x + gap / 2:.2f}" y="{upper + plot_h - height:.2f}" '
            f'width="{max(slot - gap, 0.5):.2f}" height="{height:.2f}" fill="{ACCENT}">'
            f"<title>{escape(column.label)}: {column.value}</title></rect>"
        )
        if column.tick:
            parts.append(f'<line x1="{x:.2f}" x2="{x:.2f}" y1="{upper + plot_h}" y2="{upper + plot_h + 4}" '
                         f'stroke="{MUTED}"/><text x="{x:.2f}" y="{COLUMN_HEIGHT - lower + 16}" fill="{INK}" '
                         f'text-anchor="middle">{escape(column.tick)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def row_chart(rows: Sequence[Row], series: Sequence[Series], title: str, desc: str, empty: str) -> str:
    """Horizontal bars, one row each, optionally split into parts of several series with a legend above."""
    highest = max((r.total for r in rows), default=0)
    legend = len(series) > 1
    upper = 24 if legend else 4
    height = upper + ROW_HEIGHT * max(len(rows), 1) + 4
    if highest <= 0:
        return _empty(ROW_WIDTH, max(height, 60), title, desc, empty)
    plot_w = ROW_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    start = _open(ROW_WIDTH, height, title, desc)
    parts = [start]
    if legend:
        key = 4
        for one in series:
            parts.append(f'<rect x="{key}" y="6" width="12" height="12" fill="{one.colour}"/>'
                         f'<text x="{key + 16}" y="16" fill="{INK}">{escape(one.name)}</text>')  # fmt: skip
            key += 24 + 8 * len(one.name)
    for index, row in enumerate(rows):
        y = upper + index * ROW_HEIGHT
        label = row.label if len(row.label) <= MAX_LABEL else row.label[: MAX_LABEL - 1] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 17}" text-anchor="end" fill="{INK}">{escape(label)}'
                     f"<title>{escape(row.label)}</title></text>")  # fmt: skip
        x = float(LABEL_WIDTH)
        for value, one in zip(row.parts, series, strict=False):
            width = plot_w * value / highest
            if value:
                parts.append(
                    f'<rect class="bar" data-value="{value}" x="{x:.2f}" y="{y + 4}" width="{width:.2f}" '
                    f'height="{ROW_HEIGHT - 8}" fill="{one.colour}"><title>{escape(row.label)} · '
                    f"{escape(one.name)}: {value}</title></rect>"
                )
            x += width
        parts.append(f'<text x="{x + 6:.2f}" y="{y + 17}" fill="{INK}">{escape(row.note or str(row.total))}</text>')
    parts.append("</svg>")
    return "".join(parts)
