"""Helpers of the page tests: the tags and text of an HTML page, read with the standard parser."""

from __future__ import annotations

from html.parser import HTMLParser


class ParsedPage(HTMLParser):
    """Every start tag with its attributes, in order, and every piece of text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # an attribute without a value (``<input disabled>``) reads as "", as in a browser
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> ParsedPage:
    page = ParsedPage()
    page.feed(html)
    return page
