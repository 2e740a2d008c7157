"""SVG charts for the site, written by hand: per-group metrics with CI error bars,
disparities, data-card distributions and lineage. Pure functions from numbers to bytes.

They draw what they are given and never compute a statistic; every text they place is
untrusted and XML-escaped, and the same input always gives the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 680
LABEL_WIDTH = 250
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 30
ROW = 22
TOP = 34
BOTTOM = 34
MAX_LABEL = 38
ROWS_MAX = 50
"""Rows of one dot or bar chart at most, so that no chart is taller than 1,200 px
(TOP + 50 rows x ROW + BOTTOM = 1,168); the page's tables list every row."""
_FLAG = '<tspan class="flag"> ⚠</tspan>'

_STYLE = (
    "<style>"
    ".cardgen-chart text{font:12px sans-serif;fill:#222}"
    ".cardgen-chart .title{font-weight:bold;font-size:13px}"
    ".cardgen-chart .grid{stroke:#ccc}"
    ".cardgen-chart .mark{fill:#3f51b5}"
    ".cardgen-chart .mark.small{fill:#fff;stroke:#b34700;stroke-width:2}"
    ".cardgen-chart .ci{stroke:#3f51b5;stroke-width:2}"
    ".cardgen-chart .ci.small{stroke:#b34700}"
    ".cardgen-chart .reference{stroke:#555;stroke-dasharray:4 3}"
    ".cardgen-chart .undefined{fill:#b00020;font-style:italic}"
    ".cardgen-chart .flag{fill:#b34700}"
    ".cardgen-chart .node{fill:#e8eaf6;stroke:#3f51b5}"
    ".cardgen-chart .node.current{fill:#3f51b5}"
    ".cardgen-chart .current-label{fill:#fff}"
    ".cardgen-chart .edge{stroke:#555;stroke-width:1.5;fill:none}"
    "</style>"
)


def xml(text: object) -> str:
    """Text made safe for SVG element content and attribute values (XML-escaped)."""
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt(value: float) -> str:
    """Fixed formatting for values drawn and printed on charts (3 decimals, no -0)."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _coord(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


@dataclass(frozen=True)
class Point:
    """One row of a dot chart: a group's value with its interval, or why it has none."""

    label: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    small: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Bar:
    """One bar: a label and a non-negative value, optionally flagged as small."""

    label: str
    value: float
    small: bool = False
    text: str = ""


class _Scale:
    def __init__(self, values: list[float], reference: float | None, unit: bool):
        finite = [v for v in values if math.isfinite(v)]
        if reference is not None:
            finite.append(reference)
        low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if unit and low >= 0 and high <= 1:
            low, high = 0.0, 1.0
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        pad = (high - low) * 0.05 if not (unit and (low, high) == (0.0, 1.0)) else 0.0
        self.low, self.high = low - pad, high + pad

    def __call__(self, value: float) -> float:
        return PLOT_LEFT + (value - self.low) / (self.high - self.low) * (PLOT_RIGHT - PLOT_LEFT)

    def ticks(self, count: int = 5) -> list[float]:
        step = (self.high - self.low) / (count - 1)
        return [self.low + i * step for i in range(count)]


def _open(title: str, height: int, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" class="cardgen-chart {kind}">',
        f"<title>{xml(title)}</title>",
        _STYLE,
        f'<text class="title" x="8" y="18">{xml(_short(title, 90))}</text>',
    ]


def _axis(scale: _Scale, top: int, bottom: int) -> list[str]:
    parts = ['<g class="axis">']
    for tick in scale.ticks():
        x = _coord(scale(tick))
        parts.append(f'<line class="grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>')
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{fmt(tick)}</text>')
    parts.append("</g>")
    return parts


def dot_chart(
    title: str, points: list[Point], reference: float | None = None, unit: bool = True
) -> str:
    """A dot-and-whisker chart: one row and one mark per group with a defined value.

    Args:
        title: the chart's title (untrusted text; escaped).
        points: one row per group, in the order to draw them.
        reference: a value to draw as a dashed line (the overall value, or the no-gap
            value of a disparity: 0 for differences, 1 for ratios).
        unit: values are rates in [0, 1]; the axis then spans exactly [0, 1].

    Returns:
        The SVG document. An undefined value is drawn as a labelled gap, never as 0;
        a small group's mark is hollow and its label says so.
    """
    values = [v for p in points for v in (p.value, p.ci_low, p.ci_high) if v is not None]
    scale = _Scale(values, reference, unit)
    height = TOP + ROW * max(len(points), 1) + BOTTOM
    bottom = height - BOTTOM
    parts = _open(title, height, "dot-chart")
    parts += _axis(scale, TOP - 4, bottom)
    if reference is not None:
        x = _coord(scale(reference))
        parts.append(f'<line class="reference" x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{bottom}"/>')
    for i, point in enumerate(points):
        y = TOP + ROW * i + ROW // 2
        label = _short(point.label)
        if point.n is not None:
            label += f" (n={point.n:,})"
        css = "group small" if point.small else "group"
        parts.append(f'<g class="{css}" data-group="{xml(point.label)}">')
        parts.append(
            f'<text x="{LABEL_WIDTH}" y="{y + 4}" text-anchor="end">{xml(label)}'
            f"{_FLAG if point.small else ''}</text>"
        )
        if point.value is None:
            reason = _short(f"undefined: {point.reason or 'no value'}", 60)
            parts.append(
                f'<text class="undefined" x="{PLOT_LEFT}" y="{y + 4}">{xml(reason)}</text>'
            )
        else:
            small = " small" if point.small else ""
            if point.ci_low is not None and point.ci_high is not None:
                x1, x2 = _coord(scale(point.ci_low)), _coord(scale(point.ci_high))
                parts.append(f'<line class="ci{small}" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/>')
                for x in (x1, x2):
                    parts.append(
                        f'<line class="ci{small}" x1="{x}" y1="{y - 5}" x2="{x}" y2="{y + 5}"/>'
                    )
            ci = (
                f" [{fmt(point.ci_low)}, {fmt(point.ci_high)}]"
                if point.ci_low is not None and point.ci_high is not None
                else " (no CI)"
            )
            parts.append(
                f'<circle class="mark{small}" cx="{_coord(scale(point.value))}" '
                f'cy="{y}" r="4.5"><title>{xml(point.label)}: {fmt(point.value)}'
                f"{ci}</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def bar_chart(title: str, bars: list[Bar]) -> str:
    """Horizontal bars from 0: one mark per bar (e.g. each group's share of the rows).

    Returns:
        The SVG document; small groups are drawn hollow and flagged.
    """
    scale = _Scale([0.0] + [b.value for b in bars], None, unit=True)
    height = TOP + ROW * max(len(bars), 1) + BOTTOM
    parts = _open(title, height, "bar-chart")
    parts += _axis(scale, TOP - 4, height - BOTTOM)
    for i, bar in enumerate(bars):
        y = TOP + ROW * i
        small = " small" if bar.small else ""
        width = max(scale(bar.value) - scale(0.0), 0.0)
        parts.append(f'<g class="group{small}" data-group="{xml(bar.label)}">')
        parts.append(
            f'<text x="{LABEL_WIDTH}" y="{y + ROW // 2 + 4}" text-anchor="end">'
            f"{xml(_short(bar.label))}"
            f"{_FLAG if bar.small else ''}</text>"
        )
        parts.append(
            f'<rect class="mark{small}" x="{_coord(scale(0.0))}" y="{y + 4}" '
            f'width="{_coord(width)}" height="{ROW - 8}"><title>{xml(bar.label)}: '
            f"{xml(bar.text or fmt(bar.value))}</title></rect>"
        )
        parts.append(
            f'<text x="{_coord(scale(0.0) + width + 4)}" y="{y + ROW // 2 + 4}">'
            f"{xml(bar.text or fmt(bar.value))}</text>"
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def histogram(title: str, edges: list[float], counts: list[int]) -> str:
    """Vertical bars over equal-width bins: one mark per bin.

    Returns:
        The SVG document, with the first and last edge and the largest count labelled.
    """
    height = 200
    top, bottom, left, right = 30, height - 30, 60, WIDTH - 20
    peak = max(counts, default=0) or 1
    parts = _open(title, height, "histogram")
    bins = max(len(counts), 1)
    width = (right - left) / bins
    parts.append(f'<line class="grid" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak:,}</text>')
    for i, count in enumerate(counts):
        bar_height = (bottom - top) * count / peak
        low, high = edges[i], edges[i + 1]
        parts.append(
            f'<rect class="mark" x="{_coord(left + i * width + 1)}" '
            f'y="{_coord(bottom - bar_height)}" width="{_coord(max(width - 2, 1))}" '
            f'height="{_coord(bar_height)}"><title>[{fmt(low)}, {fmt(high)}]: '
            f"{count:,}</title></rect>"
        )
    if edges:
        parts.append(f'<text x="{left}" y="{bottom + 16}">{fmt(edges[0])}</text>')
        parts.append(
            f'<text x="{right}" y="{bottom + 16}" text-anchor="end">{fmt(edges[-1])}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def lineage_diagram(title: str, bases: list[str], current: str, derived: list[str]) -> str:
    """Base models → this model → models derived from it, as boxes and arrows.

    Returns:
        The SVG document (the page lists the same names as links).
    """
    rows = max(len(bases), len(derived), 1)
    height = 40 + rows * 34
    box_w, box_h = 200, 24
    columns = {0: bases, 1: [current], 2: derived}
    xs = {0: 10, 1: 240, 2: 470}
    parts = _open(title, height, "lineage")
    centres: dict[int, list[float]] = {}
    for column, names in columns.items():
        centres[column] = []
        for i, name in enumerate(names):
            y = 34 + i * 34
            centres[column].append(y + box_h / 2)
            css = "node current" if column == 1 else "node"
            text_css = ' class="current-label"' if column == 1 else ""
            parts.append(
                f'<g class="lineage-node" data-name="{xml(name)}">'
                f'<rect class="{css}" x="{xs[column]}" y="{y}" width="{box_w}" '
                f'height="{box_h}" rx="4"/>'
                f'<text{text_css} x="{xs[column] + 8}" y="{y + 16}">'
                f"{xml(_short(name, 28))}</text></g>"
            )
    target = centres[1][0]
    for centre in centres[0]:
        parts.append(
            f'<path class="edge" d="M{xs[0] + box_w} {_coord(centre)} L{xs[1]} {_coord(target)}"/>'
        )
    for centre in centres[2]:
        parts.append(
            f'<path class="edge" d="M{xs[1] + box_w} {_coord(target)} L{xs[2]} {_coord(centre)}"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def height(svg: str) -> int:
    """The height of a chart, read from its root element."""
    return int(svg.split('height="', 1)[1].split('"', 1)[0])


def stack(title: str, charts: list[tuple[str, str]]) -> str:
    """Several charts one above the other in one SVG file, each with a `<view>` of its own.

    A page shows each chart as its own image, `FILE.svg#VIEW_ID` (the SVG fragment
    identifier of that view), while thousands of cards keep one file per section.

    Args:
        title: the file's title.
        charts: (view id, chart SVG) pairs, in order.

    Returns:
        The SVG document; each chart keeps its own title, classes and marks.
    """
    parts, offset, width = [], 0, WIDTH
    for view, chart in charts:
        tall = height(chart)
        parts.append(
            f'<view id="{xml(view)}" viewBox="0 {offset} {width} {tall}"/>\n'
            + chart.replace("<svg ", f'<svg y="{offset}" ', 1).rstrip("\n")
        )
        offset += tall + 12
    total = max(offset - 12, 1)
    # No width or height: an image showing one view then takes its size (and aspect
    # ratio) from that view, not from the whole file.
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" '
        'role="img" class="cardgen-charts">'
    )
    return "\n".join([head, f"<title>{xml(title)}</title>", *parts, "</svg>"]) + "\n"


def _value(point: Point) -> str:
    text = f"{point.label} {fmt(point.value)}" if point.value is not None else point.label
    if point.value is not None and point.ci_low is not None and point.ci_high is not None:
        text += f" [{fmt(point.ci_low)}, {fmt(point.ci_high)}]"
    return text


def describe_dots(points: list[Point], reference: float | None, reference_name: str) -> str:
    """A dot chart in words (its text alternative): how many rows, the lowest and highest
    value with their intervals, the reference line, small and undefined rows.

    Returns:
        One or two sentences; labels are as given (escape them for the page).
    """
    defined = [p for p in points if p.value is not None]
    text = f"Dot chart of {len(points):,} row{'s' if len(points) != 1 else ''}"
    if defined:
        low = min(defined, key=lambda p: p.value if p.value is not None else 0.0)
        high = max(defined, key=lambda p: p.value if p.value is not None else 0.0)
        text += f": lowest {_value(low)}, highest {_value(high)}"
    if reference is not None:
        text += f"; dashed line at {fmt(reference)} ({reference_name})"
    text += "."
    small = sum(p.small for p in points)
    undefined = len(points) - len(defined)
    if small:
        text += f" {small:,} with too few observations (hollow orange marks)."
    if undefined:
        text += f" {undefined:,} undefined (no value drawn)."
    return text


def describe_bars(bars: list[Bar]) -> str:
    """A bar chart in words: how many bars, the largest and the smallest."""
    if not bars:
        return "Bar chart with no bars."
    large = max(bars, key=lambda b: b.value)
    small = min(bars, key=lambda b: b.value)
    flagged = sum(b.small for b in bars)
    text = (
        f"Bar chart of {len(bars):,} groups: largest {large.label} "
        f"{large.text or fmt(large.value)}, smallest {small.label} "
        f"{small.text or fmt(small.value)}."
    )
    if flagged:
        text += f" {flagged:,} with too few rows (hollow orange bars)."
    return text


def describe_histogram(edges: list[float], counts: list[int]) -> str:
    """A histogram in words: its range, number of bins and its fullest bin."""
    if not counts or len(edges) != len(counts) + 1:
        return "Histogram with no bins."
    peak = max(range(len(counts)), key=lambda i: counts[i])
    return (
        f"Histogram of {sum(counts):,} values in {len(counts)} equal bins from "
        f"{fmt(edges[0])} to {fmt(edges[-1])}; the fullest bin, [{fmt(edges[peak])}, "
        f"{fmt(edges[peak + 1])}], holds {counts[peak]:,}."
    )
