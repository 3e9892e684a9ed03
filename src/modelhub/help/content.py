"""The help texts shipped in the package (``content/*.md``), rendered like package
documentation: raw HTML escaped, the result sanitised."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from modelhub.catalog.tags import SYNONYMS, VOCABULARY


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    summary: str


TOPICS: tuple[Topic, ...] = (
    Topic("getting-started", "Getting started", "Find a model, download it and run it."),
    Topic(
        "build-a-package",
        "How to build a package",
        "What goes into a model package, checking it, uploading it, review and publication.",
    ),
    Topic("glossary", "Glossary", "The words the hub uses, in a sentence each."),
    Topic("tags", "Tags", "The tag vocabulary and the synonyms the search merges."),
    Topic("cli", "Command line", "The modelhub command and the bioimageio command with this hub."),
    Topic("api", "HTTP API", "Every route of the hub's API, from its OpenAPI schema."),
)
_HEADING = re.compile(r"^(#{2,3}) (.+)$", re.MULTILINE)


def topic(slug: str) -> Topic | None:
    return next((t for t in TOPICS if t.slug == slug), None)


@cache
def markdown_of(slug: str) -> str:
    """The shipped text of a topic (the tag page is written from the vocabulary)."""
    if slug == "tags":
        return _tags_text()
    return (resources.files("modelhub.help") / "content" / f"{slug}.md").read_text("utf-8")


def headings(text: str) -> list[str]:
    """The section headings (``##``/``###``) of a text, in order."""
    return [m.group(2).strip() for m in _HEADING.finditer(text)]


def _tags_text() -> str:
    lines = [
        "Tags help people find a resource. The hub keeps the words a package was uploaded with,",
        "but lists and searches each tag in one form: a synonym below finds, and is counted with,",
        "the tag it means. Use the vocabulary's words where one fits, and add your own for what",
        "it does not name (the organism, the structure, the lab's method).",
        "",
        "## Vocabulary",
        "",
        ", ".join(f"`{t}`" for t in VOCABULARY),
        "",
        "## Synonyms",
        "",
        "| written | listed and searched as |",
        "|---|---|",
        *(f"| `{s}` | `{c}` |" for s, c in sorted(SYNONYMS.items())),
        "",
        "Upper and lower case do not matter (`2D` is `2d`).",
    ]
    return "\n".join(lines) + "\n"
