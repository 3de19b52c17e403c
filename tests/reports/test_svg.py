"""assistant/reports/svg.py: geometry from the values, accessible and escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from assistant.reports import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # a well-formed document, or this raises


def _widths(root: ET.Element) -> list[float]:
    return [float(r.get("width", "nan")) for r in root.iterfind(".//s:rect[@class='bar']", NS)]


def test_bar_widths_are_proportional_to_the_values() -> None:
    bars = [svg.Bar("a", 10), svg.Bar("b", 5), svg.Bar("c", 2.5), svg.Bar("d", 0)]
    root = _parse(svg.bar_chart(bars, title="t", desc="d"))
    assert _widths(root) == [svg.PLOT_WIDTH, svg.PLOT_WIDTH / 2, svg.PLOT_WIDTH / 4, 0]
    values = [t.text for t in root.iterfind(".//s:text[@class='value']", NS)]
    assert values == ["10", "5", "2.50", "0"]


def test_all_zero_and_negative_bars_draw_nothing_but_keep_their_rows() -> None:
    zero = _parse(svg.bar_chart([svg.Bar("a", 0), svg.Bar("b", 0)], title="t", desc="d"))
    assert _widths(zero) == [0, 0]
    mixed = _parse(svg.bar_chart([svg.Bar("a", -3), svg.Bar("b", 6)], title="t", desc="d"))
    assert _widths(mixed) == [0, svg.PLOT_WIDTH]
    empty = _parse(svg.bar_chart([], title="t", desc="d"))
    assert _widths(empty) == [] and "No data" in ET.tostring(empty, encoding="unicode")


def test_a_fixed_maximum_scales_rates_and_caps_the_bar() -> None:
    bars = [svg.Bar("half", 0.5), svg.Bar("over", 1.5)]
    root = _parse(svg.bar_chart(bars, title="t", desc="d", fmt=svg.percent, maximum=1.0))
    assert _widths(root) == [svg.PLOT_WIDTH / 2, svg.PLOT_WIDTH]
    assert [t.text for t in root.iterfind(".//s:text[@class='value']", NS)] == ["50.0%", "150.0%"]


@pytest.mark.parametrize(
    "chart",
    [
        lambda text: svg.bar_chart([svg.Bar(text, 1)], title=text, desc=text),
        lambda text: svg.line_chart([text], [svg.Series(text, [1.0])], title=text, desc=text),
        lambda text: svg.interval_chart(
            [svg.Interval(text, 0.1, -0.1, 0.2)], title=text, desc=text
        ),
    ],
)
def test_text_is_escaped_and_the_chart_is_labelled(chart: object) -> None:
    evil = '</title><script>alert("x")</script>&<b>'
    markup = chart(evil)  # type: ignore[operator]
    assert "<script" not in markup and "<b>" not in markup
    root = _parse(markup)
    assert root.get("role") == "img"
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert title.text == evil and desc.text == evil
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.find(".//s:script", NS) is None


def test_a_long_label_is_shortened_but_kept_whole_in_its_tooltip() -> None:
    label = "a" * 40
    root = _parse(svg.bar_chart([svg.Bar(label, 1)], title="t", desc="d"))
    shown = root.find(".//s:text[@class='label']", NS)
    tip = root.find(".//s:g/s:title", NS)
    assert shown is not None and shown.text == "a" * (svg.LABEL_CHARS - 1) + "\u2026"
    assert tip is not None and tip.text == f"{label}: 1"


def _points(root: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(c.get("cx", "nan")), float(c.get("cy", "nan")))
        for c in root.iterfind(".//s:circle[@class='point']", NS)
    ]


def test_lines_span_the_weeks_and_break_at_gaps() -> None:
    weeks = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    root = _parse(
        svg.line_chart(weeks, [svg.Series("mean", [4.0, 2.0, None, 0.0])], title="t", desc="d")
    )
    plot_h = svg.LINE_HEIGHT - svg.LINE_TOP - svg.LINE_BOTTOM
    bottom = svg.LINE_TOP + plot_h
    left, right = svg.LINE_LEFT, svg.WIDTH - svg.LINE_RIGHT
    third = (right - left) / 3
    assert _points(root) == [
        (left, svg.LINE_TOP),
        (pytest.approx(left + third), svg.LINE_TOP + plot_h / 2),
        (right, bottom),
    ]
    lines = root.findall(".//s:polyline", NS)
    assert len(lines) == 1  # the gap leaves the last point on its own
    assert len(lines[0].get("points", "").split()) == 2


def test_an_all_zero_line_lies_on_the_axis_and_y_max_fixes_the_scale() -> None:
    zero = _parse(svg.line_chart(["w1", "w2"], [svg.Series("s", [0.0, 0.0])], title="t", desc="d"))
    bottom = svg.LINE_HEIGHT - svg.LINE_BOTTOM
    assert [y for _, y in _points(zero)] == [bottom, bottom]
    rate = _parse(svg.line_chart(["w1"], [svg.Series("s", [0.25])], title="t", desc="d", y_max=1.0))
    plot_h = svg.LINE_HEIGHT - svg.LINE_TOP - svg.LINE_BOTTOM
    ((x, y),) = _points(rate)
    assert x == svg.LINE_LEFT + (svg.WIDTH - svg.LINE_LEFT - svg.LINE_RIGHT) / 2
    assert y == pytest.approx(bottom - plot_h / 4)


def _intervals(root: ET.Element) -> tuple[float, list[tuple[float, float, float]]]:
    zero = root.find(".//s:line[@class='zero']", NS)
    assert zero is not None
    rows = []
    for group in root.iterfind(".//s:g[@class='row']", NS):
        line, point = group.find("s:line", NS), group.find("s:circle", NS)
        assert line is not None and point is not None
        rows.append(
            (float(line.get("x1", "")), float(point.get("cx", "")), float(line.get("x2", "")))
        )
    return float(zero.get("x1", "")), rows


def test_intervals_sit_either_side_of_the_zero_line() -> None:
    rows = [
        svg.Interval("better", 0.2, 0.1, 0.3),
        svg.Interval("worse", -0.2, -0.3, -0.1),
        svg.Interval("unclear", 0.0, -0.1, 0.1),
    ]
    zero, drawn = _intervals(_parse(svg.interval_chart(rows, title="t", desc="d")))
    assert zero == svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH / 2  # the scale is -0.3..0.3
    (b_low, b_mid, b_high), (w_low, w_mid, w_high), (u_low, u_mid, u_high) = drawn
    assert zero < b_low < b_mid < b_high == svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH
    assert svg.LABEL_WIDTH == w_low < w_mid < w_high < zero
    assert u_low < u_mid == zero < u_high


def test_an_all_positive_scale_still_shows_zero_and_all_zero_is_centred() -> None:
    zero, drawn = _intervals(
        _parse(svg.interval_chart([svg.Interval("a", 2, 1, 4)], title="t", desc="d"))
    )
    assert zero == svg.LABEL_WIDTH
    assert drawn == [
        (
            svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH / 4,
            svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH / 2,
            svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH,
        )
    ]
    zero, drawn = _intervals(
        _parse(svg.interval_chart([svg.Interval("a", 0, 0, 0)], title="t", desc="d"))
    )
    assert zero == svg.LABEL_WIDTH + svg.INTERVAL_PLOT_WIDTH / 2 and drawn == [(zero, zero, zero)]
