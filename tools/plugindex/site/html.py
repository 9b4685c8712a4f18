"""Escaping and links for the generated pages: every string from a manifest goes through
``esc``; a URL becomes a link only when it is http or https."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    text = str(url or "")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    return text if scheme in ("http", "https") else None


def link(url: object, label: object) -> str:
    target = safe_url(url)
    if target is None:
        return esc(label)
    return f'<a href="{esc(target)}" rel="nofollow noopener">{esc(label)}</a>'
