"""Server-side SVG for the radar: a radar (spider) chart and a timeline. Plain markup, no
script or inline style (the CSP allows neither); colours come from classes in
cockpit.css and radar.css; every chart has <title> and <desc> and sits next to a data table
on its page."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)


def _head(title: str, desc: str, w: int, h: int, cls: str = "") -> str:
    uid = f"radar-chart-{next(_ids)}"
    return (
        f'<svg class="chart radar-chart{cls}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") if value != int(value) else str(int(value))


def spider(
    title: str,
    axes: list[str],
    series: list[tuple[str, list[float | None]]],
    max_value: float,
    desc: str = "",
) -> SafeString:
    """One polygon per series over the axes (a missing value counts as 0 in the shape and
    is marked with "*" at its axis). The first series is drawn solid, the second dashed."""
    width, height, cx, cy, radius = 760, 480, 380, 240, 165
    n = max(len(axes), 3)
    out = [_head(title, desc or title, width, height, " radar-spider-chart")]

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * (value / max_value if max_value else 0)
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    steps = int(max_value) if max_value == int(max_value) and max_value <= 8 else 4
    for s in range(1, steps + 1):
        ring = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, max_value * s / steps) for i in range(n))
        )
        out.append(f'<polygon class="grid ring" points="{ring}"/>')
        x, y = point(0, max_value * s / steps)
        out.append(
            f'<text class="tick" x="{x + 4:.1f}" y="{y + 4:.1f}">'
            f"{_fmt(max_value * s / steps)}</text>"
        )
    for i, label in enumerate(axes):
        x, y = point(i, max_value)
        out.append(f'<line class="grid" x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}"/>')
        lx, ly = point(i, max_value * 1.1)
        anchor = "middle" if abs(lx - cx) < 20 else ("start" if lx > cx else "end")
        short = label if len(label) <= 18 else label[:17] + "…"
        out.append(
            f'<text class="label" x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
    for k, (name, values) in enumerate(series):
        pts = [point(i, v or 0) for i, v in enumerate(values)]
        poly = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        cls = "area" if k == 0 else "area area-2"
        out.append(
            f'<polygon class="{cls}" points="{poly}"><title>{escape(name)}</title></polygon>'
        )
        for i, ((x, y), v) in enumerate(zip(pts, values, strict=False)):
            if v is None:
                out.append(f'<text class="tick" x="{x + 3:.1f}" y="{y - 3:.1f}">*</text>')
                continue
            out.append(
                f'<circle class="point{" point-2" if k else ""}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
                f"<title>{escape(name)} · {escape(axes[i])}: {_fmt(v)}</title></circle>"
            )
    return mark_safe("".join(out) + "</svg>")  # noqa: S308 (escaped above)


def timeline(
    title: str, rows: list[tuple[str, dt.date | None, dt.date | None]], desc: str = ""
) -> SafeString:
    """One row per entry: a filled circle at the decision, a diamond at the planned go-live,
    a line between them; month ticks along the top."""
    w, label_w, row_h, top = 640, 190, 28, 36
    dates = [d for _l, a, b in rows for d in (a, b) if d]
    h = top + max(len(rows), 1) * row_h + 12
    out = [_head(title, desc or title, w, h)]
    if not dates:
        return mark_safe("".join(out) + "</svg>")  # noqa: S308
    start = min(dates).replace(day=1)
    last = max(dates)
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    span = max((end - start).days, 1)
    plot_w = w - label_w - 16

    def x_of(d: dt.date) -> float:
        return label_w + plot_w * (d - start).days / span

    months = []
    m = start
    while m <= end:
        months.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    every = max(1, math.ceil(len(months) / 6))
    for i, m in enumerate(months):
        x = x_of(m)
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{h - 8}"/>')
        if i % every == 0:
            out.append(
                f'<text class="tick" x="{x:.1f}" y="{top - 12}" text-anchor="middle">'
                f"{m:%m/%Y}</text>"
            )
    for i, (label, decided, live) in enumerate(rows):
        y = top + i * row_h + row_h / 2
        short = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 5:.1f}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        if decided and live:
            out.append(
                f'<line class="line" x1="{x_of(decided):.1f}" x2="{x_of(live):.1f}" '
                f'y1="{y:.1f}" y2="{y:.1f}"/>'
            )
        if decided:
            out.append(
                f'<circle class="marker" cx="{x_of(decided):.1f}" cy="{y:.1f}" r="6">'
                f"<title>{escape(label)}: {decided:%d.%m.%Y}</title></circle>"
            )
        if live:
            x = x_of(live)
            out.append(
                f'<polygon class="marker-live" points="{x:.1f},{y - 8:.1f} {x + 8:.1f},{y:.1f} '
                f'{x:.1f},{y + 8:.1f} {x - 8:.1f},{y:.1f}"><title>{escape(label)}: '
                f"{live:%d.%m.%Y}</title></polygon>"
            )
    return mark_safe("".join(out) + "</svg>")  # noqa: S308
