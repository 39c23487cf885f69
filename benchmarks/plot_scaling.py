"""Draw the scaling curve as a small hand-written SVG (no plotting library).

``python benchmarks/plot_scaling.py`` redraws docs/benchmark-scaling.svg from
benchmarks/results/scaling.json; run_all.py calls `write_svg` after a run.
Log-log axes: a cost that grows linearly with the exams runs parallel to the
dotted slope-1 guides.
"""

import json
import math
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "benchmark-scaling.svg"
WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 50
SERIES = (
    ("upload_s", "upload → 201", "#1f77b4", ""),
    ("floor_s", "floor (transport + pyarrow)", "#1f77b4", "6 4"),
    ("refresh_s", "refresh (36 requests)", "#d62728", ""),
)


def _log_ticks(low: float, high: float) -> list[float]:
    return [
        10.0**e
        for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ]


def _label(value: float, unit: str) -> str:
    if unit == "exams":
        return f"{value / 1e6:g}M" if value >= 1e6 else f"{value / 1e3:g}k"
    return f"{value:g} s" if value >= 1 else f"{value * 1000:g} ms"


def scaling_svg(sizes: list[dict], *, title: str) -> str:
    """Return an SVG of upload, floor and refresh time against exams."""
    points = {key: [] for key, *_ in SERIES}
    for size in sizes:
        for key in points:
            value = size["refresh_ms"] / 1000 if key == "refresh_s" else size[key]
            points[key].append((size["exams"], value))
    xs = [x for series in points.values() for x, _ in series]
    ys = [y for series in points.values() for _, y in series]
    x_ticks = _log_ticks(min(xs), max(xs))
    y_ticks = _log_ticks(min(ys), max(ys))
    x_low, x_high = math.log10(x_ticks[0]), math.log10(x_ticks[-1])
    y_low, y_high = math.log10(y_ticks[0]), math.log10(y_ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - x_low) / (x_high - x_low) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (math.log10(y) - y_low) / (y_high - y_low) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]
    for tick in x_ticks:
        x = px(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" '
            'stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
            f"{_label(tick, 'exams')}</text>"
        )
    for tick in y_ticks:
        y = py(tick)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_label(tick, 's')}</text>"
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">'
        "exams loaded (log)</text>"
    )
    for i, (key, name, colour, dash) in enumerate(SERIES):
        series = points[key]
        # Slope-1 guide through the largest size: linear growth follows it.
        x_end, y_end = series[-1]
        x_start = series[0][0]
        y_start = y_end * x_start / x_end
        if i != 1:
            out.append(
                f'<line x1="{px(x_start):.1f}" y1="{py(max(y_start, y_ticks[0])):.1f}" '
                f'x2="{px(x_end):.1f}" y2="{py(y_end):.1f}" stroke="{colour}" '
                'stroke-opacity="0.35" stroke-dasharray="1 3"/>'
            )
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in series)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="2"{extra}/>'
        )
        for x, y in series:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>'
            )
        legend_y = TOP + 10 + i * 20
        legend_x = LEFT + plot_w + 12
        out.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 22}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"{extra}/>'
        )
        out.append(
            f'<text x="{legend_x + 28}" y="{legend_y + 4}" font-size="11">'
            f"{escape(name)}</text>"
        )
    legend_y = TOP + 10 + len(SERIES) * 20
    out.append(
        f'<text x="{LEFT + plot_w + 12}" y="{legend_y + 4}" font-size="11" '
        'fill="#666">dotted: linear growth</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(sizes: list[dict], *, title: str, path: Path = OUTPUT) -> Path:
    path.write_text(scaling_svg(sizes, title=title), encoding="utf-8")
    return path


def main() -> int:
    results = json.loads(
        (ROOT / "benchmarks" / "results" / "scaling.json").read_text(encoding="utf-8")
    )
    print(write_svg(results["sizes"], title="TATviz: time against exams loaded"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
