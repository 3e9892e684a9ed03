"""Helpers of the upload page tests: a browser-like client logged in through the real form,
HTML forms read the way a browser would send them, and small real packages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select

from modelhub.all_models import Base
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.hub import Hub
from tests.conftest import LiveServer, make_user

PASSWORD = "a long enough password"


@contextmanager
def browser(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A client with the user's session cookie, logged in through /login."""
    make_user(server.hub, username, password=PASSWORD)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page = Page(client.get("/login").text)
        r = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf": page.csrf, "next": "/"},
        )
        assert r.status_code == 303, r.text
        yield client


class Page(HTMLParser):
    """The tags, attributes, labels and forms of one HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.forms: dict[str, list[tuple[str, dict[str, str | None]]]] = {}
        self.textareas: dict[str, str] = {}
        self._form: str | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self.selected: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "form":
            self._form = a.get("id") or a.get("action") or "?"
            self.forms[self._form] = []
        elif tag in ("input", "select", "textarea") and self._form is not None:
            self.forms[self._form].append((tag, a))
        if tag == "textarea":
            self._textarea = a.get("id")
            self.textareas[self._textarea or ""] = ""
        if tag == "select":
            self._select = a.get("name")
        if tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data

    @property
    def csrf(self) -> str:
        return next(
            a["value"] or "" for t, a in self.tags if t == "input" and a.get("name") == "csrf"
        )

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(a for _, a in self.tags if a.get("id") == element_id)

    def has_id(self, element_id: str) -> bool:
        return any(a.get("id") == element_id for _, a in self.tags)

    def form_data(self, form_id: str) -> list[tuple[str, str]]:
        """What a browser sends for the form as it is (file inputs left empty)."""
        out: list[tuple[str, str]] = []
        for tag, a in self.forms[form_id]:
            name = a.get("name")
            if not name or a.get("type") in ("file", "submit"):
                continue
            if tag == "textarea":
                out.append((name, self.textareas.get(a.get("id") or "", "")))
            elif tag == "select":
                out.append((name, self.selected.get(name, "")))
            elif a.get("type") == "checkbox":
                if "checked" in a:
                    out.append((name, a.get("value") or "on"))
            else:
                out.append((name, a.get("value") or ""))
        return out


def unlabelled_fields(page: Page) -> list[str]:
    """Ids of visible form fields without a <label for>."""
    labelled = {a.get("for") for t, a in page.tags if t == "label"}
    fields = [
        a.get("id") or a.get("name") or "?"
        for t, a in page.tags
        if t in ("input", "select", "textarea") and a.get("type") != "hidden"
    ]
    return [f for f in fields if f not in labelled]


def package_zip(tmp: Path, kind: str = "model-0.4", **changes: Any) -> tuple[bytes, dict[str, Any]]:
    """A small real package as zip bytes, with top-level rdf.yaml fields changed (None
    removes one); returns the zip and the rdf as written."""
    folder = tmp / "pkg"
    build_package(kind, folder, name="Upload wizard model")
    rdf = yaml.safe_load((folder / "rdf.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            rdf.pop(key, None)
        else:
            rdf[key] = value
    (folder / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    return zip_folder(folder, tmp / "pkg.zip").read_bytes(), rdf


def table_count(hub: Hub, table: str) -> int:
    """The number of rows in one of the hub's tables."""
    query = select(func.count()).select_from(Base.metadata.tables[table])
    with hub.engine.connect() as conn:
        count: int = conn.execute(query).scalar_one()
    return count
