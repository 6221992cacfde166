"""The benchmark's picture: every path a row, baselines told apart from the hub."""

import re

from lxml import etree

from bench.chart import rates_svg

ROWS = [("raw aio-pika hop", [300.0, 320.0], 1.0),
        ("FastStream doing the raw hop", [240.0, 250.0], 0.78),
        ("hub, SQLite", [150.0, 170.0], 0.52)]


def test_each_path_is_a_bar_to_its_median_with_a_dot_per_run_and_its_ratio() -> None:
    svg = etree.fromstring(rates_svg("t", ROWS, 320.0, baselines={ROWS[0][0], ROWS[1][0]})
                           .encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = svg.findall("s:rect", ns)[1:]  # the first is the background
    assert [bar.get("fill") for bar in bars] == ["#cfcfcf", "#cfcfcf", "#8ab4e8"]
    assert len(svg.findall("s:circle", ns)) == 6
    labels = [t.text for t in svg.findall("s:text", ns)]
    assert "160 (0.52x)" in labels and "245 (0.78x)" in labels
    # the hub's bar reaches its median (160) on the same scale as the raw hop's (310)
    widths = [float(bar.get("width")) for bar in bars]
    assert abs(widths[2] / widths[0] - 160 / 310) < 1e-3
    assert any(re.search("grey bars: baselines", t or "") for t in labels)


def test_without_baselines_every_bar_is_the_hubs_colour() -> None:
    svg = rates_svg("t", ROWS, 320.0)
    assert "#cfcfcf" not in svg and "grey bars" not in svg
