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
from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines

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


NODE_W, NODE_H = 200, 30  # a step's box; its name is cut to fit (whole in its <title>)
NODE_CHARS = 24
LABEL_H = 16


class _Box:
    """What grandalf's layout needs of a drawn vertex or edge: its size, where it is."""

    def __init__(self, w: float = NODE_W, h: float = NODE_H):
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)
        self.points: list = []

    def setpath(self, points) -> None:
        self.points = [tuple(p) for p in points]


def layout(nodes: list[str], edges: list[dict]) -> tuple[dict, dict]:
    """A layered (Sugiyama) layout of the process graph by grandalf: steps in rows from
    top to bottom in the order of the process, crossings reduced, each edge routed around
    the steps between its ends (through the rows it crosses). Back edges (a case going
    back a step) are routed upwards. Returns ({node: (x, y) centre}, {(source, target):
    [points]}); a self-loop has no points (drawn at its node)."""
    vertices = {name: Vertex(name) for name in nodes}
    for v in vertices.values():
        v.view = _Box()
    links = []
    for e in edges:
        if e["source"] == e["target"] or e["source"] not in vertices:
            continue
        if e["target"] not in vertices:
            continue
        link = Edge(vertices[e["source"]], vertices[e["target"]], w=e["count"])
        link.view = _Box()
        links.append(link)
    graph = Graph(list(vertices.values()), links)
    x_offset = 0.0
    for component in graph.C:
        sug = SugiyamaLayout(component)
        sug.xspace, sug.yspace = 36, 56
        sug.route_edge = route_with_lines
        order = {name: i for i, name in enumerate(nodes)}
        # roots: the steps no case reaches from another (else the first in process order)
        roots = [v for v in component.sV if not v.e_in()] or [
            min(component.sV, key=lambda v: order[v.data])
        ]
        sug.init_all(roots=roots, optimize=True)
        sug.draw(3)
        xs = [v.view.xy[0] for v in component.sV]
        shift = x_offset - min(xs) + NODE_W / 2
        for v in component.sV:
            v.view.xy = (v.view.xy[0] + shift, v.view.xy[1])
        for link in component.sE:
            link.view.points = [(x + shift, y) for x, y in link.view.points]
        x_offset = max(v.view.xy[0] for v in component.sV) + NODE_W / 2 + 48
    where = {name: v.view.xy for name, v in vertices.items()}
    routes = {(link.v[0].data, link.v[1].data): link.view.points for link in links}
    return where, routes


def _overlaps(a, b, gap: float = 2.0) -> bool:
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def process_graph(title: str, nodes: list[str], edges: list[dict], labels: dict) -> SafeString:
    """The process as a layered graph (`layout`): steps in rows, each edge a line with an
    arrow, as thick as it is frequent, with its frequency and median time written beside
    it where there is room (the most frequent first; every edge has them in its <title>
    and in the table below the graph). Drawn at its own size: wide graphs scroll sideways
    in their box and nothing is cut off."""
    where, routes = layout(nodes, edges)
    both_ways = {(e["source"], e["target"]) for e in edges}
    top_count = max([e["count"] for e in edges] or [1])
    node_boxes = [
        (x - NODE_W / 2, y - NODE_H / 2, x + NODE_W / 2, y + NODE_H / 2) for x, y in where.values()
    ]
    placed: list = []
    edge_svg, label_svg = [], []
    extent = list(node_boxes)
    for e in sorted(edges, key=lambda e: (-e["count"], e["source"], e["target"])):
        source, target = e["source"], e["target"]
        if source not in where or target not in where:
            continue
        hours = e.get("median_hours")
        label = f"{e['count']}× · {'*' if hours is None else duration(hours)}"
        name = f"{labels.get(source, source)} → {labels.get(target, target)}: {label}"
        stroke = 1 + 4 * e["count"] / top_count
        if source == target:
            x, y = where[source]
            x0 = x + NODE_W / 2
            path = (
                f"M{x0:.1f},{y - 8:.1f} C{x0 + 34:.1f},{y - 26:.1f} "
                f"{x0 + 34:.1f},{y + 26:.1f} {x0:.1f},{y + 8:.1f}"
            )
            anchor_at = (x0 + 30, y)
            extent.append((x0, y - 26, x0 + 34, y + 26))
        else:
            points = routes[(source, target)]
            if (target, source) in both_ways:  # A → B and B → A: side by side, not on top
                shift = 5 if where[source][1] <= where[target][1] else -5
                points = [(px + shift, py) for px, py in points]
            path = "M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in points)
            mid = len(points) // 2
            (ax, ay), (bx, by) = points[mid - 1], points[mid]
            anchor_at = ((ax + bx) / 2 + 6, (ay + by) / 2)
            extent.extend((px, py, px, py) for px, py in points)
        edge_svg.append(
            f'<path class="edge" d="{path}" stroke-width="{stroke:.1f}" '
            f'marker-end="url(#UID-arrow)"><title>{escape(name)}</title></path>'
        )
        lx, ly = anchor_at
        box = (lx, ly - LABEL_H / 2 - 2, lx + CHAR_W * len(label), ly + LABEL_H / 2)
        if any(_overlaps(box, other) for other in placed + node_boxes):
            continue  # no room: the figure stays in the <title> and the table
        placed.append(box)
        extent.append(box)
        label_svg.append(
            f'<text class="value" x="{lx:.1f}" y="{ly + 5:.1f}">{escape(label)}</text>'
        )
    node_svg = []
    for name, (x, y) in where.items():
        full = labels.get(name, name)
        node_svg.append(
            f'<g><title>{escape(full)}</title><rect class="node" x="{x - NODE_W / 2:.1f}" '
            f'y="{y - NODE_H / 2:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text class="label" x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle">'
            f"{escape(_short(full, NODE_CHARS))}</text></g>"
        )
    left = min(b[0] for b in extent) - 8 if extent else 0
    top = min(b[1] for b in extent) - 8 if extent else 0
    right = max(b[2] for b in extent) + 8 if extent else W
    bottom = max(b[3] for b in extent) + 8 if extent else H
    width, height = right - left, bottom - top
    head, uid = _open(title, title, int(height))
    box = (
        f'viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}"'
    )
    head = head.replace(f'viewBox="0 0 {W} {int(height)}"', box)
    defs = (
        f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>'
        "</defs>"
    )
    edges_markup = "".join(edge_svg).replace("UID-arrow", f"{uid}-arrow")
    body = defs + edges_markup + "".join(node_svg) + "".join(label_svg)
    return mark_safe(head + body + "</svg>")  # noqa: S308
