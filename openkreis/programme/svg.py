"""The portfolio's roadmap as server-side SVG: one row per project, a bar from start to
planned end (status by colour *and* pattern), milestones as diamonds (filled when
reached), a line for today. No script, no inline style: classes in programme.css and the
cockpit's chart classes. The same figures stand in the table next to it."""

from __future__ import annotations

import datetime as dt
import itertools
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

W = 640
LABEL_W = 210
PAD_R = 14
ROW_H = 24
TOP = 34
_ids = itertools.count(1)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def roadmap(projects, today: dt.date) -> SafeString:
    dated = [p for p in projects if p.start and p.end]
    uid = f"roadmap-{next(_ids)}"
    height = TOP + max(len(dated), 1) * ROW_H + 12
    title = _("Roadmap of the projects")
    desc = _(
        "One bar per project from start to planned end; diamonds are milestones, filled "
        "when reached; the vertical line is today. The table below has the same figures."
    )
    out = [
        f'<svg class="chart roadmap" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        "<defs>"
        f'<pattern id="{uid}-amber" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="st-amber"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="st-hatch"/></pattern>'
        f'<pattern id="{uid}-red" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" class="st-red"/><circle cx="3" cy="3" r="1.5" '
        'class="st-dot"/></pattern></defs>'
    ]
    if not dated:
        out.append(
            f'<text x="8" y="{TOP}">{escape(_("No project has a start and an end yet."))}</text>'
        )
        return mark_safe("".join(out) + "</svg>")  # noqa: S308 (escaped above)
    first = min(min(p.start for p in dated), today)
    last = max(max(p.end for p in dated), today)
    span = max((last - first).days, 1)
    plot_w = W - LABEL_W - PAD_R

    def x_of(day: dt.date) -> float:
        return LABEL_W + plot_w * (day - first).days / span

    # years as ticks
    for year in range(first.year, last.year + 2):
        day = dt.date(year, 1, 1)
        if first <= day <= last:
            x = x_of(day)
            out.append(
                f'<line class="grid" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" '
                f'y2="{height - 8}"/><text class="tick" x="{x + 3:.1f}" y="{TOP - 10}">'
                f"{year}</text>"
            )
    for i, p in enumerate(dated):
        y = TOP + i * ROW_H
        status = p.get_status_display()
        label = f"{p.number}. {p.title}" if p.number else p.title
        out.append(
            f'<text class="label" x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_short(label, 26))}</text>"
        )
        x0, x1 = x_of(p.start), x_of(p.end)
        fill = {"green": 'class="st-green"', "amber": f'fill="url(#{uid}-amber)"'}.get(
            p.status, f'fill="url(#{uid}-red)"'
        )
        out.append(
            f'<rect {fill} x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 2):.1f}" '
            f'height="{ROW_H - 10}" rx="2"><title>{escape(label)}: {escape(str(status))}, '
            f"{date_format(p.start, 'SHORT_DATE_FORMAT')} – "
            f"{date_format(p.end, 'SHORT_DATE_FORMAT')}</title></rect>"
        )
        for m in p.milestones.all():
            if not first <= m.due <= last:
                continue
            mx, my = x_of(m.due), y + ROW_H / 2
            state = _("reached") if m.done_on else _("open")
            out.append(
                f'<path class="{"ms-done" if m.done_on else "ms-open"}" '
                f'd="M{mx:.1f} {my - 6:.1f} L{mx + 6:.1f} {my:.1f} L{mx:.1f} {my + 6:.1f} '
                f'L{mx - 6:.1f} {my:.1f} Z"><title>{escape(m.title)} '
                f"({date_format(m.due, 'SHORT_DATE_FORMAT')}, {escape(str(state))})</title></path>"
            )
    tx = x_of(today)
    out.append(
        f'<line class="today" x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{height - 8}"/>'
        f'<text class="tick" x="{min(tx + 3, W - 50):.1f}" y="{height - 1}">'
        f"{escape(_('today'))}</text>"
    )
    return mark_safe("".join(out) + "</svg>")  # noqa: S308 (escaped above)
