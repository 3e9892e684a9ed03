"""Helpers of the page tests: logging in through the real form, reading forms and pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import httpx

from tests.conftest import LiveServer

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Page(HTMLParser):
    """The tags (with attributes) and the text of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def labelled(self) -> set[str]:
        """ids of the fields that have a <label for>."""
        return {str(a["for"]) for a in self.all("label") if a.get("for")}


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@contextmanager
def logged_in(server: LiveServer, username: str, password: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in through the real /login form."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login")
        done = client.post(
            "/login",
            data={"username": username, "password": password, "csrf": csrf_of(form.text)},
        )
        assert done.status_code == 303, done.text
        yield client


def post_form(client: httpx.Client, page: str, action: str, **fields: str) -> httpx.Response:
    """Open ``page`` (for its CSRF token) and post ``fields`` to ``action``, as a browser does."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **fields})
