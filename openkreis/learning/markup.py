"""The lessons' small safe Markdown subset → HTML (no Markdown library is a dependency).

Supported: paragraphs (blank line), **bold**, lists ("- " or "1. "), links `[text](https://…)`
(https only, or a path of this portal starting with "/"), images `![alt](learning/…)` from the
app's static folder. Everything else is text: the input is escaped first, so county data can
never inject HTML.
"""

from __future__ import annotations

import re

from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBER = re.compile(r"^\d+[.)]\s+(.*)$")
_STATIC = re.compile(r"^learning/[a-z0-9][a-z0-9/_-]*\.(png|jpe?g|svg|webp)$")
_PATH = re.compile(r"^/[A-Za-z0-9/_\-.#?=&;]*$")


def _image(match: re.Match) -> str:
    alt, src = match.group(1), match.group(2)
    if not _STATIC.match(src):
        return alt
    return f'<img src="{escape(static(src))}" alt="{alt}" loading="lazy">'


def _link(match: re.Match) -> str:
    text, url = match.group(1), match.group(2).replace("&amp;", "&")
    if url.startswith("https://"):
        return f'<a href="{escape(url)}" rel="noopener">{text}</a>'
    if _PATH.match(url) and not url.startswith("//"):
        return f'<a href="{escape(url)}">{text}</a>'
    return text


def _inline(text: str) -> str:
    text = escape(text)
    text = _IMAGE.sub(_image, text)
    text = _LINK.sub(_link, text)
    return _BOLD.sub(r"<strong>\1</strong>", text)


def allowed_url(url: str) -> bool:
    """Whether a lesson's link may be shown (https, or a path of this portal)."""
    return url.startswith("https://") or bool(_PATH.match(url) and not url.startswith("//"))


def render(source: str) -> SafeString:
    """The HTML of a lesson text (escaped; only the subset above becomes markup)."""
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", (source or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.match(x).group(1))}</li>" for x in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif all(_NUMBER.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBER.match(x).group(1))}</li>" for x in lines)
            blocks.append(f"<ol>{items}</ol>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(blocks))  # noqa: S308 (escaped above, subset only)
