"""Attack: a bare URL in anything the review comment quotes (a path, a name, a message).

md() escaped Markdown syntax, so `[x](https://evil.example)` stayed text, but GitHub also
autolinks bare text: an extended URL autolink starts at 'http://', 'https://' or 'ftp://', an
extended www autolink at 'www.' (GitHub Flavored Markdown, section 6.9). A manifest could make
the registry's own comment carry a clickable link. md() writes the ':' of '://' and the '.'
after 'www' as character references: the comment shows the same text, but nothing to link.
"""

from __future__ import annotations

import html
import re

import pytest

from plugindex.review.comment import md

# What GitHub's autolinker starts a link at (GFM 6.9), case-insensitively.
AUTOLINK_START = re.compile(r"(?i)(?:https?|ftp)://|www\.")

TEXTS = [
    "see https://evil.example/login for the fix",
    "http://127.0.0.1:8080/admin",
    "ftp://files.evil.example/x.tar.gz",
    "visit www.evil.example today",
    "WWW.EVIL.EXAMPLE and HTTPS://EVIL.EXAMPLE",
    "'https://a.example/?q=1&r=2', (www.b.example)",
    "a://b://c www.www.example",
]


@pytest.mark.parametrize("text", TEXTS)
def test_bare_urls_are_not_autolinked(text: str) -> None:
    out = md(text)
    assert AUTOLINK_START.search(out) is None, out
    assert AUTOLINK_START.search(html.unescape(out)) is not None  # ... but read the same


@pytest.mark.parametrize("text", TEXTS)
def test_the_comment_shows_the_same_characters(text: str) -> None:
    shown = html.unescape(md(text)).replace("\u200b", "")
    assert re.sub(r"\\(.)", r"\1", shown) == text


def test_a_markdown_link_stays_text_and_unlinked() -> None:
    out = md("[click](https://evil.example) ![x](https://evil.example/x.png)")
    assert AUTOLINK_START.search(out) is None
    assert "](" not in out
