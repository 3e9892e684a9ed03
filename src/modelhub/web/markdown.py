"""Markdown from people and packages, rendered to HTML that is safe to show on our pages."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# raw HTML in the source is escaped, not passed through; nh3 then keeps only harmless markup
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}}


def render_markdown(text: str) -> str:
    """Sanitised HTML for ``text``: no scripts, styles, event handlers or javascript: links;
    links open with rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        _PARSER.render(text),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
