"""A picture of a benchmark's runs: each path's rate beside the raw hop's, as an SVG file.

One row per path: a bar to the median rate over the runs, a dot for each run, and the median
ratio to the baseline; dashed lines mark the baseline (the faster raw hop's median), half of
it (the target) and 0.8 of it (the goal). No plotting library: the picture is a few rectangles and lines.
"""

import statistics
from collections.abc import Collection, Sequence
from html import escape

_WIDTH, _LABEL, _ROW, _TOP = 860, 300, 30, 56
_BAR = _WIDTH - _LABEL - 120


def rates_svg(title: str, rows: Sequence[tuple[str, Sequence[float], float]],
              baseline: float, unit: str = "orders/s",
              baselines: Collection[str] = ()) -> str:
    """``rows``: each path's name, its rate in each run and its ratio to the baseline (as the
    benchmark's table gives it); ``baseline``: the raw hop's rate, where the lines are drawn;
    ``baselines``: the rows that are baselines, not the hub (drawn grey)."""
    top = max([baseline, *(rate for _, rates, _ in rows for rate in rates)]) * 1.05
    height = _TOP + _ROW * len(rows) + 40

    def x(rate: float) -> float:
        return _LABEL + _BAR * rate / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="12" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for share, label, colour in ((1.0, "raw hop", "#555"), (0.8, "goal 0.8x", "#2a7"),
                                 (0.5, "target 0.5x", "#d62")):
        at = x(baseline * share)
        parts.append(f'<line x1="{at:.1f}" y1="{_TOP - 14}" x2="{at:.1f}" '
                     f'y2="{height - 30}" stroke="{colour}" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{at:.1f}" y="{_TOP - 18}" text-anchor="middle" '
                     f'fill="{colour}">{label}</text>')
    for n, (name, rates, ratio) in enumerate(rows):
        y = _TOP + n * _ROW
        median = statistics.median(rates)
        parts.append(f'<text x="{_LABEL - 8}" y="{y + 18}" text-anchor="end">'
                     f'{escape(name)}</text>')
        fill = "#cfcfcf" if name in baselines else "#8ab4e8"
        parts.append(f'<rect x="{_LABEL}" y="{y + 5}" width="{x(median) - _LABEL:.1f}" '
                     f'height="{_ROW - 10}" fill="{fill}"/>')
        for rate in rates:
            parts.append(f'<circle cx="{x(rate):.1f}" cy="{y + _ROW / 2}" r="3.5" '
                         f'fill="#1f4e8c"/>')
        parts.append(f'<text x="{x(max(rates)) + 8:.1f}" y="{y + 18}">{median:,.0f} '
                     f'({ratio:.2f}x)</text>')
    runs = max(len(rates) for _, rates, _ in rows)
    parts.append(f'<text x="12" y="{height - 10}" fill="#555">{unit}: bar = median of '
                 f'{runs} run(s), dots = each run; ratio = median of each run\'s ratio to its '
                 f'faster raw hop{"; grey bars: baselines, blue: the hub" if baselines else ""}'
                 '</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# each party's colour and name in the CPU picture
_PARTS = {"server": ("#3b78c2", "the server (hub worker or baseline)"),
          "started by the server": ("#8ab4e8", "its relay process"),
          "broker": ("#e8913b", "RabbitMQ"),
          "PostgreSQL": ("#6a9f58", "PostgreSQL"),
          "load generator": ("#a0a0a0", "load generator"),
          "other": ("#dcdcdc", "rest of the machine")}


def cores_svg(title: str, rows: Sequence[tuple[str, Sequence[tuple[str, float]], float]],
              unit: str = "CPU ms per order") -> str:
    """``rows``: each path's name, its CPU by party (``_PARTS``' keys) and how busy the machine
    was (0..1). One stacked bar per path, each party a segment; the total and the busy share
    at its end."""
    top = max(sum(ms for _, ms in parts) for _, parts, _ in rows) * 1.05
    height = _TOP + _ROW * len(rows) + 40

    def width(ms: float) -> float:
        return _BAR * ms / top

    parts_svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="12" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    legend_x = 12.0
    for colour, label in _PARTS.values():
        parts_svg.append(f'<rect x="{legend_x:.1f}" y="{_TOP - 22}" width="10" height="10" '
                         f'fill="{colour}"/>')
        parts_svg.append(f'<text x="{legend_x + 14:.1f}" y="{_TOP - 13}" font-size="11">'
                         f'{escape(label)}</text>')
        legend_x += 24 + 6.2 * len(label)
    for n, (name, parts, busy) in enumerate(rows):
        y = _TOP + n * _ROW
        parts_svg.append(f'<text x="{_LABEL - 8}" y="{y + 18}" text-anchor="end">'
                         f'{escape(name)}</text>')
        at = float(_LABEL)
        for key, ms in parts:
            colour = _PARTS[key][0]
            parts_svg.append(f'<rect x="{at:.1f}" y="{y + 5}" width="{width(ms):.1f}" '
                             f'height="{_ROW - 10}" fill="{colour}"><title>{escape(key)}: '
                             f'{ms:.2f} ms</title></rect>')
            at += width(ms)
        total = sum(ms for _, ms in parts)
        parts_svg.append(f'<text x="{at + 8:.1f}" y="{y + 18}">{total:.1f} ms '
                         f'({100 * busy:.0f} % busy)</text>')
    parts_svg.append(f'<text x="12" y="{height - 10}" fill="#555">{unit}, each party\'s '
                     'median over the runs; busy: the share of both cores\' time not idle'
                     '</text>')
    parts_svg.append("</svg>")
    return "\n".join(parts_svg) + "\n"
