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
