"""Small server-rendered SVG charts for the reports page: bars, lines over weeks, intervals.

Every function returns a complete `<svg>` element as `Markup`, with `<title>` and `<desc>`
for screen readers (`role="img"`, `aria-labelledby`). All text passes through `escape`, so a
label a customer or a store controls can never add markup. No script, no style attribute:
colours are presentation attributes and CSS classes (the page's CSP allows no inline style).

Geometry (all charts are `WIDTH` wide, scaled by the browser through `viewBox`):

- `bar_chart`: one row per bar; the label column is `LABEL_WIDTH`, the bar area `PLOT_WIDTH`;
  a bar is `PLOT_WIDTH * value / maximum` wide (`maximum` defaults to the largest value);
  zero and negative values draw no bar (width 0) but keep their row and value text.
- `line_chart`: x evenly spaced over the labels (weeks), y from 0 to the largest value (or
  `y_max`); a `None` value is a gap: the line breaks there and no point is drawn.
- `interval_chart`: one row per estimate with its low..high interval as a horizontal bar and
  a vertical zero line, over `INTERVAL_PLOT_WIDTH`; the scale always includes 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 110
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH
# An interval's text ("12.0% [-1.5%, 25.0%]") needs a wider value column than a bar's.
INTERVAL_VALUE_WIDTH = 170
INTERVAL_PLOT_WIDTH = WIDTH - LABEL_WIDTH - INTERVAL_VALUE_WIDTH
ROW_HEIGHT = 24
BAR_HEIGHT = 16
TOP = 8
LABEL_CHARS = 26
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280")
LINE_HEIGHT = 240
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 64, 24, 36, 44

Format = Callable[[float], str]


def number(value: float) -> str:
    """Whole numbers without decimals, others with two."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def percent(value: float) -> str:
    """A share (0..1) as a percentage with one decimal."""
    return f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Bar:
    """One bar: its label and value; `text` replaces the formatted value when given."""

    label: str
    value: float
    text: str | None = None


@dataclass(frozen=True)
class Series:
    """One line: its name and one value (or None for a gap) per x label."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Interval:
    """One row of an interval chart: an estimate and its low..high interval."""

    label: str
    estimate: float
    low: float
    high: float


def _f(value: float) -> str:
    """A coordinate, short and stable."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "\u2026"


def _open(kind: str, title: str, desc: str, height: float, seed: str) -> str:
    ident = "c" + hashlib.sha256(f"{kind}\0{title}\0{desc}\0{seed}".encode()).hexdigest()[:12]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {_f(height)}" width="{WIDTH}" height="{_f(height)}" '
        f'aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    fmt: Format = number,
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars, one row each, with the label left and the value right."""
    largest = maximum if maximum is not None else max((b.value for b in bars), default=0.0)
    height = TOP * 2 + ROW_HEIGHT * max(len(bars), 1)
    parts = [_open("bars", title, desc, height, repr(bars))]
    for row, bar in enumerate(bars):
        y = TOP + row * ROW_HEIGHT
        width = PLOT_WIDTH * bar.value / largest if largest > 0 and bar.value > 0 else 0.0
        width = min(width, PLOT_WIDTH)
        shown = bar.text if bar.text is not None else fmt(bar.value)
        middle = y + ROW_HEIGHT / 2
        parts.append(
            f'<g class="row"><title>{escape(bar.label)}: {escape(shown)}</title>'
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{_f(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(bar.label))}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{_f(y + (ROW_HEIGHT - BAR_HEIGHT) / 2)}" '
            f'width="{_f(width)}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            f'<text class="value" x="{_f(LABEL_WIDTH + width + 6)}" y="{_f(middle)}" '
            f'dominant-baseline="middle">{escape(shown)}</text></g>'
        )
    if not bars:
        parts.append(f'<text x="{WIDTH / 2}" y="{TOP + 16}" text-anchor="middle">No data</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)


def _ticks(top: float) -> list[float]:
    return [0.0, top / 2, top]


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    fmt: Format = number,
    y_max: float | None = None,
) -> Markup:
    """Lines over `labels` (weeks), one per series, with a point and its value per label."""
    values = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else max(values, default=0.0)
    top = top if top > 0 else 1.0
    plot_w = WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    bottom = LINE_TOP + plot_h

    def x(i: int) -> float:
        return LINE_LEFT + (plot_w * i / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return bottom - plot_h * max(v, 0.0) / top

    parts = [_open("lines", title, desc, LINE_HEIGHT, repr((labels, series)))]
    for tick in _ticks(top):
        parts.append(
            f'<line class="grid" x1="{LINE_LEFT}" x2="{WIDTH - LINE_RIGHT}" y1="{_f(y(tick))}" '
            f'y2="{_f(y(tick))}" stroke="#ddd"/>'
            f'<text class="tick" x="{LINE_LEFT - 6}" y="{_f(y(tick))}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(fmt(tick))}</text>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text class="label" x="{_f(x(i))}" y="{bottom + 18}" text-anchor="middle">'
            f"{escape(_short(label, 12))}</text>"
        )
    for n, line in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<g class="series"><rect x="{LINE_LEFT + n * 180}" y="10" width="12" height="12" '
            f'fill="{colour}"/><text class="legend" x="{LINE_LEFT + n * 180 + 18}" y="20">'
            f"{escape(_short(line.name))}</text>"
        )
        runs: list[list[str]] = [[]]
        for i, value in enumerate(line.values[: len(labels)]):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{_f(x(i))},{_f(y(value))}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline class="line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
        for i, value in enumerate(line.values[: len(labels)]):
            if value is not None:
                parts.append(
                    f'<circle class="point" cx="{_f(x(i))}" cy="{_f(y(value))}" r="4" '
                    f'fill="{colour}"><title>{escape(line.name)}, {escape(labels[i])}: '
                    f"{escape(fmt(value))}</title></circle>"
                )
        parts.append("</g>")
    if not labels:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{LINE_HEIGHT / 2}" text-anchor="middle">No data</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)


def interval_chart(
    rows: Sequence[Interval], *, title: str, desc: str, fmt: Format = number
) -> Markup:
    """One row per estimate: a point on a horizontal low..high bar, with a zero line."""
    low = min([0.0, *(min(r.low, r.estimate) for r in rows)])
    high = max([0.0, *(max(r.high, r.estimate) for r in rows)])
    if high == low:
        low, high = -1.0, 1.0

    def x(v: float) -> float:
        return LABEL_WIDTH + INTERVAL_PLOT_WIDTH * (v - low) / (high - low)

    height = TOP * 2 + ROW_HEIGHT * max(len(rows), 1)
    parts = [_open("intervals", title, desc, height, repr(rows))]
    parts.append(
        f'<line class="zero" x1="{_f(x(0))}" x2="{_f(x(0))}" y1="{TOP}" y2="{height - TOP}" '
        f'stroke="#555" stroke-dasharray="3 3"/>'
    )
    for row_number, row in enumerate(rows):
        middle = TOP + row_number * ROW_HEIGHT + ROW_HEIGHT / 2
        shown = f"{fmt(row.estimate)} [{fmt(row.low)}, {fmt(row.high)}]"
        parts.append(
            f'<g class="row"><title>{escape(row.label)}: {escape(shown)}</title>'
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{_f(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(row.label))}</text>'
            f'<line class="interval" x1="{_f(x(row.low))}" x2="{_f(x(row.high))}" '
            f'y1="{_f(middle)}" y2="{_f(middle)}" stroke="{PALETTE[0]}" stroke-width="3"/>'
            f'<circle class="estimate" cx="{_f(x(row.estimate))}" cy="{_f(middle)}" r="5" '
            f'fill="{PALETTE[1]}"/>'
            f'<text class="value" x="{WIDTH - INTERVAL_VALUE_WIDTH + 8}" y="{_f(middle)}" '
            f'dominant-baseline="middle">{escape(shown)}</text></g>'
        )
    if not rows:
        parts.append(f'<text x="{WIDTH / 2}" y="{TOP + 16}" text-anchor="middle">No data</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)
