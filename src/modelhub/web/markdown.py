"""Markdown from people and packages, rendered to HTML that is safe to show on our pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# raw HTML in the source is escaped, not passed through; nh3 then keeps only harmless markup
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

Resolver = Callable[[str], str | None]
"""Maps a link target that names no scheme or host (``images/a.png``, ``../x``) to the URL to
use, or None to drop it."""


def is_external(target: str) -> bool:
    """A target with a scheme (``https:``, ``mailto:``) or a host (``//example.org``)."""
    return bool(_SCHEME.match(target)) or target.startswith("//")


def render_markdown(text: str, *, resolve: Resolver | None = None, heading_offset: int = 0) -> str:
    """Sanitised HTML for ``text``: no scripts, styles, event handlers or javascript: links;
    links open with rel="noopener noreferrer nofollow".

    Images from outside the hub become plain links to them (the hub's Content-Security-Policy
    would block them anyway). With ``resolve``, relative link and image targets go through it
    (a package's documentation points at its own files); targets it refuses lose their link,
    images their picture (the alt text stays). ``heading_offset`` demotes headings so that a
    document fits under the page's own (``# Title`` → ``<h3>`` with an offset of 2)."""
    tokens = _PARSER.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and heading_offset:
            level = min(6, int(token.tag[1]) + heading_offset)
            token.tag = f"h{level}"
        if token.children:
            token.children = _rewrite_inline(token.children, resolve)
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _rewrite_inline(children: list[Token], resolve: Resolver | None) -> list[Token]:
    out: list[Token] = []
    in_link = False
    for token in children:
        if token.type == "link_open":
            in_link = True
            href = str(token.attrGet("href") or "")
            if resolve is not None and href and not href.startswith("#") and not is_external(href):
                target = resolve(href)
                if target is None:
                    token.attrs.pop("href", None)
                else:
                    token.attrSet("href", target)
            out.append(token)
        elif token.type == "link_close":
            in_link = False
            out.append(token)
        elif token.type == "image":
            out.extend(_rewrite_image(token, resolve, in_link=in_link))
        else:
            out.append(token)
    return out


def _rewrite_image(token: Token, resolve: Resolver | None, *, in_link: bool) -> list[Token]:
    src = str(token.attrGet("src") or "")
    alt = token.content or ""
    if is_external(src):
        text = Token("text", "", 0, content=alt or src)
        if in_link:  # a badge inside a link: its words, never a link inside a link
            return [text]
        # a link in place of the picture, named by its alt text (or the address itself)
        opening = Token("link_open", "a", 1, attrs={"href": src})
        return [opening, text, Token("link_close", "a", -1)]
    if resolve is None:
        return [token]
    target = resolve(src) if src else None
    if target is None:
        return [Token("text", "", 0, content=alt)] if alt else []
    token.attrSet("src", target)
    return [token]
