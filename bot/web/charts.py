"""Small server-rendered SVG charts: no JavaScript, no external resources, no inline styles.

Colours and fonts come from classes in knuff.css (the CSP forbids style attributes);
geometry uses SVG presentation attributes. Every chart has a <title> and <desc> for
screen readers, and the page shows the same numbers in a table next to it, so colour is
never the only way to read a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 18, 30  # room for axis labels and value labels


@dataclass(frozen=True)
class Series:
    """One colour of a chart: its key (CSS class `seg-<key>`) and its label."""

    key: str
    label: str


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(ident: str, title: str, desc: str, body: list[str], height: int = HEIGHT) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{ident}-t {ident}-d" focusable="false">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _axis(maximum: float, unit: str) -> list[str]:
    """Gridlines at 0, half and the top, labelled at the left."""
    parts = []
    plot = HEIGHT - TOP - BOTTOM
    for fraction in (0, 0.5, 1):
        y = TOP + plot * (1 - fraction)
        parts.append(f'<line class="{"axis" if fraction == 0 else "gridline"}" x1="{LEFT}" '
                     f'y1="{_n(y)}" x2="{WIDTH - RIGHT}" y2="{_n(y)}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">'
                     f'{escape(_n(maximum * fraction))}{escape(unit)}</text>')
    return parts


def _slots(count: int) -> tuple[float, float]:
    """Width of each column's slot and of its bar."""
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return slot, min(slot * 0.62, 56)


def columns(ident: str, title: str, desc: str, labels: Sequence[str],
            values: Sequence[float | None], *, maximum: float = 100, unit: str = " %",
            value_texts: Sequence[str] | None = None) -> Markup:
    """Vertical bars, one per label; None is "no data" (a dash, no bar)."""
    plot = HEIGHT - TOP - BOTTOM
    slot, bar = _slots(len(labels))
    body = _axis(maximum, unit)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i + (slot - bar) / 2
        middle = _n(x + bar / 2)
        text = value_texts[i] if value_texts else (
            "–" if value is None else f"{round(value)}{unit}")
        top = TOP + plot
        if value is not None and maximum:
            h = plot * min(value, maximum) / maximum
            top = TOP + plot - h
            body.append(f'<rect class="bar" x="{_n(x)}" y="{_n(top)}" width="{_n(bar)}" '
                        f'height="{_n(h)}"><title>{escape(label)}: {escape(text)}</title></rect>')
        body.append(f'<text class="value" x="{middle}" y="{_n(top - 4)}" '
                    f'text-anchor="middle">{escape(text)}</text>')
        body.append(f'<text x="{middle}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                    f'{escape(label)}</text>')
    return _svg(ident, title, desc, body)


def stacked(ident: str, title: str, desc: str, labels: Sequence[str],
            stacks: Sequence[dict[str, int]], series: Sequence[Series]) -> Markup:
    """Vertical stacked bars (counts), first series at the bottom, with a legend."""
    legend_height = 26
    plot = HEIGHT - TOP - BOTTOM
    totals = [sum(stack.get(s.key, 0) for s in series) for stack in stacks]
    maximum = _nice(max(totals, default=0))
    slot, bar = _slots(len(labels))
    body = _axis(maximum, "")
    for i, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        x = LEFT + slot * i + (slot - bar) / 2
        y = TOP + plot
        for s in series:
            n = stack.get(s.key, 0)
            if not n:
                continue
            h = plot * n / maximum
            y -= h
            body.append(f'<rect class="bar seg-{escape(s.key)}" x="{_n(x)}" y="{_n(y)}" '
                        f'width="{_n(bar)}" height="{_n(h)}"><title>{escape(label)} · '
                        f'{escape(s.label)}: {n}</title></rect>')
            if h >= 14:
                body.append(f'<text class="in-bar" x="{_n(x + bar / 2)}" y="{_n(y + h / 2 + 4)}"'
                            f' text-anchor="middle">{n}</text>')
        body.append(f'<text class="value" x="{_n(x + bar / 2)}" y="{_n(y - 4)}" '
                    f'text-anchor="middle">{totals[i] if totals[i] else "–"}</text>')
        body.append(f'<text x="{_n(x + bar / 2)}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle">{escape(label)}</text>')
    body.extend(_legend(series, HEIGHT + 8))
    return _svg(ident, title, desc, body, HEIGHT + legend_height)


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts, x = [], LEFT
    for s in series:
        parts.append(f'<rect class="bar seg-{escape(s.key)}" x="{x}" y="{y}" width="12" '
                     f'height="12"/><text x="{x + 16}" y="{y + 10}">{escape(s.label)}</text>')
        x += 30 + 8 * len(s.label)
    return parts


def _nice(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5, 10, 20, 50, …)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def rows(ident: str, title: str, desc: str, labels: Sequence[str],
         values: Sequence[int]) -> Markup:
    """Horizontal bars (counts), one per label, the count written at the end."""
    height, line, label_width = 24 * len(labels) + 12, 24, 150
    maximum = max(values, default=0) or 1
    room = WIDTH - label_width - RIGHT - 40
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 6 + line * i
        w = room * value / maximum
        body.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
                    f'{escape(label)}</text>')
        if value:
            body.append(f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{_n(w)}" '
                        f'height="{line - 8}"><title>{escape(label)}: {value}</title></rect>')
        body.append(f'<text class="value" x="{_n(label_width + w + 6)}" y="{y + 15}">'
                    f'{value}</text>')
    return _svg(ident, title, desc, body, height)
