"""Server-side SVG charts: plain markup, no script, no inline style (the CSP allows
neither); colours come from classes in cockpit.css, and series differ by pattern as well
as by colour. Each chart has a <title> and <desc> and sits next to a data table."""

from __future__ import annotations

import itertools
import math
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

W, H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 48, 12, 28, 46  # PAD_T: room for the unit
_ids = itertools.count(1)
CHAR_W = 8.0  # the mean width of a character at 14 px, to make room for labels


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(value: float) -> str:
    """A figure as the page's language writes it (1.234,5 in German, 1,234.5 in English)."""
    if value is None:
        return "–"
    if abs(value - round(value)) < 1e-9:
        return number_format(int(round(value)), 0, use_l10n=True, force_grouping=True)
    return number_format(value, 1, use_l10n=True, force_grouping=True)


def duration(hours: float) -> str:
    """Hours as a manager reads them: "20 Stunden" under two days, "3,4 Tage" above."""
    if hours >= 48:
        value = round(hours / 24, 1)
        return ngettext("%(n)s day", "%(n)s days", 1 if value == 1 else 2) % {"n": _fmt(value)}
    value = round(hours, 1)
    return ngettext("%(n)s hour", "%(n)s hours", 1 if value == 1 else 2) % {"n": _fmt(value)}


def _short(text: str, size: int) -> str:
    """`text` cut to `size` characters with an ellipsis (the whole text is in a <title>)."""
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _unit(unit: str, x: float = 4, y: float = 14) -> str:
    """The unit of the figures, written above the value axis (every chart says it)."""
    return f'<text class="unit" x="{x}" y="{y}">{escape(str(unit))}</text>' if unit else ""


def _open(title: str, desc: str, height: int = H) -> tuple[str, str]:
    uid = f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        "<defs>"
        '<pattern id="{u}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="s1"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern>'
        '<pattern id="{u}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" class="s2"/><circle cx="3" cy="3" r="1.4" class="dot"/>'
        "</pattern></defs>"
    ).replace("{u}", uid)
    return head, uid


def _axis(max_value: float, plot_h: float) -> str:
    out = []
    for i in range(5):
        value = max_value * i / 4
        y = PAD_T + plot_h - plot_h * i / 4
        out.append(
            f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_fmt(value)}</text>"
        )
    return "".join(out)


def _labels(labels: list[str], x_of, plot_bottom: float) -> str:
    every = max(1, math.ceil(len(labels) / 7))
    out = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        out.append(
            f'<text class="tick" x="{x_of(i):.1f}" y="{plot_bottom + 16:.1f}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return "".join(out)


def bar_chart(
    title: str, rows: list[tuple[str, float | None]], desc: str = "", unit: str = ""
) -> SafeString:
    """Vertical bars, one per label; a missing value (suppressed) is marked, not drawn.
    `unit` is the unit of the values (written above the axis)."""
    head, _uid = _open(title, desc or title)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    top = _nice_max(max([v for _, v in rows if v is not None] or [0]))
    n = max(len(rows), 1)
    slot = plot_w / n
    body = [_unit(unit), _axis(top, plot_h)]
    for i, (label, value) in enumerate(rows):
        x = PAD_L + i * slot + slot * 0.15
        if value is None:
            body.append(
                f'<text class="tick" x="{x + slot * 0.35:.1f}" y="{PAD_T + plot_h - 4:.1f}" '
                'text-anchor="middle">*</text>'
            )
            continue
        h = plot_h * value / top
        body.append(
            f'<rect class="bar s0" x="{x:.1f}" y="{PAD_T + plot_h - h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{escape(label)}: '
            f"{_fmt(value)}</title></rect>"
        )
    body.append(
        _labels([r[0] for r in rows], lambda i: PAD_L + i * slot + slot / 2, PAD_T + plot_h)
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (escaped above)


def line_chart(
    title: str, rows: list[tuple[str, float | None]], desc: str = "", unit: str = ""
) -> SafeString:
    """A line with point markers (values as labels on the points for few points)."""
    head, _uid = _open(title, desc or title)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    top = _nice_max(max([v for _, v in rows if v is not None] or [0]))
    n = max(len(rows) - 1, 1)

    def x_of(i):
        return PAD_L + plot_w * i / n

    body = [_unit(unit), _axis(top, plot_h)]
    points = [
        (x_of(i), PAD_T + plot_h - plot_h * v / top, label, v)
        for i, (label, v) in enumerate(rows)
        if v is not None
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, *_ in points)
        body.append(f'<polyline class="line" points="{path}"/>')
        for x, y, label, v in points:
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
                f"{escape(label)}: {_fmt(v)}</title></circle>"
            )
    body.append(_labels([r[0] for r in rows], x_of, PAD_T + plot_h))
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def hbar_chart(
    title: str, rows: list[tuple[str, float | None]], desc: str = "", unit: str = ""
) -> SafeString:
    """Horizontal bars with the value and its unit written at the end of each bar."""
    row_h = 26
    top_pad = 26 if unit else 10
    height = max(len(rows), 1) * row_h + top_pad + 10
    head, _uid = _open(title, desc or title, height)
    label_w = 250
    plot_w = W - label_w - 110
    top = max([v for _, v in rows if v is not None] or [0]) or 1
    body = [_unit(unit, label_w, 14)]
    for i, (label, value) in enumerate(rows):
        y = top_pad + i * row_h
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_short(label, 30))}</text>"
        )
        if value is None:
            body.append(f'<text class="tick" x="{label_w}" y="{y + 16}">*</text>')
            continue
        w = plot_w * value / top
        body.append(
            f'<rect class="bar s0" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}"/>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 16}">{_fmt(value)}'
            f"{' ' + escape(str(unit)) if unit else ''}</text>"
        )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def stacked_chart(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[int]]],
    desc: str = "",
    unit: str = "",
) -> SafeString:
    """Stacked bars per label; series 0/1/2 are solid, hatched and dotted (not colour
    alone), with a legend."""
    head, uid = _open(title, desc or title, H + 24)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals or [0]))
    slot = plot_w / max(len(labels), 1)
    fills = ["s0", f"url(#{uid}-hatch)", f"url(#{uid}-dots)"]
    body = [_unit(unit), _axis(top, plot_h)]
    for i in range(len(labels)):
        y = PAD_T + plot_h
        for k, (name, values) in enumerate(series):
            h = plot_h * values[i] / top
            y -= h
            fill = fills[k % 3]
            attr = f'class="bar {fill}"' if k == 0 else f'class="bar" fill="{fill}"'
            body.append(
                f'<rect {attr} x="{PAD_L + i * slot + slot * 0.15:.1f}" y="{y:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{escape(labels[i])} '
                f"{escape(name)}: {values[i]}</title></rect>"
            )
    body.append(_labels(labels, lambda i: PAD_L + i * slot + slot / 2, PAD_T + plot_h))
    x = PAD_L
    for k, (name, _values) in enumerate(series):
        fill = fills[k % 3]
        attr = f'class="bar {fill}"' if k == 0 else f'class="bar" fill="{fill}"'
        body.append(
            f'<rect {attr} x="{x}" y="{H + 4}" width="14" height="14"/>'
            f'<text class="label" x="{x + 20}" y="{H + 16}">{escape(name)}</text>'
        )
        x += 150
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def process_graph(title: str, nodes: list[str], edges: list[dict], labels: dict) -> SafeString:
    """Activities top to bottom; each edge an arc on the right (forward) or left (back)
    with its frequency and median time between the two steps written at its apex. Longer
    arcs bend further out, so their labels do not overlap. The picture is as wide as its
    labels need (they are never cut off)."""
    step = 64
    height = max(len(nodes), 1) * step + 20
    head, uid = _open(title, title, height)
    y_of = {name: 20 + i * step for i, name in enumerate(nodes)}
    cx = 380
    left, right = cx - 120.0, cx + 120.0  # the nodes; the arcs and their labels widen it
    body = [
        f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>'
        "</defs>"
    ]
    top_count = max([e["count"] for e in edges] or [1])
    for e in edges:
        y1, y2 = y_of[e["source"]] + 14, y_of[e["target"]] + 14
        rows = abs(y2 - y1) / step
        forward = y2 >= y1
        x = cx + 110 if forward else cx - 110
        bend = (40 + 75 * rows) if forward else -(30 + 30 * rows)
        ctrl = x + bend
        stroke = 1 + 5 * e["count"] / top_count
        if y1 == y2:
            path = f"M{x},{y1 - 6} C{ctrl},{y1 - 30} {ctrl},{y1 + 30} {x},{y1 + 6}"
        else:
            path = f"M{x},{y1} C{ctrl},{y1} {ctrl},{y2} {x},{y2}"
        hours = e.get("median_hours")
        when = "*" if hours is None else duration(hours)
        label = f"{e['count']}× · {when}"
        apex = x + 0.75 * bend
        lx = apex + (6 if forward else -6)
        anchor = "start" if forward else "end"
        reach = CHAR_W * len(label)  # about how wide the label is written
        left, right = min(left, lx - reach - 8), max(right, lx + reach + 8)
        source = escape(labels.get(e["source"], e["source"]))
        target = escape(labels.get(e["target"], e["target"]))
        body.append(
            f'<path class="edge" d="{path}" stroke-width="{stroke:.1f}" '
            f'marker-end="url(#{uid}-arrow)"><title>{source} → {target}: {escape(label)}</title>'
            f'</path><text class="value" x="{lx:.1f}" y="{(y1 + y2) / 2 + 5:.1f}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    for name in nodes:
        y = y_of[name]
        body.append(
            f'<rect class="node" x="{cx - 110}" y="{y}" width="220" height="28" rx="6"/>'
            f'<text class="label" x="{cx}" y="{y + 19}" text-anchor="middle">'
            f"{escape(_short(labels.get(name, name), 30))}</text>"
        )
    # drawn at its own size (14 px text): a narrow screen scrolls it in its box (cockpit.css)
    width = right - left
    box = f'viewBox="{left:.0f} 0 {width:.0f} {height}" width="{width:.0f}" height="{height}"'
    head = head.replace(f'viewBox="0 0 {W} {height}"', box)
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308
