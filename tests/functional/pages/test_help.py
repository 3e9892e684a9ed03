"""The help pages: each answers with its headings and a JSON twin, raw HTML in a text stays
text, and every link inside the hub that a help page holds leads somewhere."""

from __future__ import annotations

import re

import httpx
import pytest

from modelhub.cli import COMMANDS
from modelhub.help import content
from tests.functional.pages.common import parse

EXPECTED = {
    "getting-started": ["Find a model", "Download a model", "Run a model"],
    "build-a-package": ["What goes into a model package", "Review and publication"],
    "glossary": ["Resource", "Draft", "Revision", "Weight format", "Test tensors", "Yank"],
    "tags": ["Vocabulary", "Synonyms"],
    "cli": ["modelhub", "bioimageio"],
    "api": ["uploads", "resources"],
}


def test_every_help_page_answers_with_its_headings_and_json_twin(http: httpx.Client) -> None:
    index = parse(http.get("/help").text)
    links = {a.get("href") for tag, a in index.tags if tag == "a"}
    assert {f"/help/{t.slug}" for t in content.TOPICS} <= links
    assert "/help" in links  # the site's header and footer
    assert [t["slug"] for t in http.get("/help?format=json").json()["topics"]] == list(EXPECTED)
    inside: set[str] = set()
    for slug, headings in EXPECTED.items():
        r = http.get(f"/help/{slug}")
        assert r.status_code == 200, slug
        h2 = re.findall(r"<h2>(.*?)</h2>", r.text)
        assert all(h in h2 for h in headings), (slug, h2)
        twin = http.get(f"/help/{slug}", params={"format": "json"}).json()
        assert twin["slug"] == slug and set(headings) <= set(twin["headings"])
        page = parse(r.text)
        inside |= {
            str(a.get("href")).split("#")[0]
            for tag, a in page.tags
            if tag == "a" and str(a.get("href") or "").startswith("/")
        }
    for href in sorted(inside - {""}):  # every page a help page links to answers
        assert http.get(href, follow_redirects=True).status_code == 200, href
    assert http.get("/help/nothing-here").status_code == 404


def test_raw_html_in_help_text_is_not_rendered(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        content, "markdown_of", lambda slug: "## Hi\n\n<script>alert(1)</script><b>x</b>\n"
    )
    text = http.get("/help/glossary").text
    assert "<script>alert" not in text and "<b>x</b>" not in text
    assert "&lt;script&gt;" in text


def test_the_command_line_page_names_every_command(http: httpx.Client) -> None:
    text = http.get("/help/cli").text
    assert all(f"modelhub {name}" in text for name in COMMANDS)
