"""``/help`` and ``/help/<topic>``: the help pages (JSON twins ``?format=json``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from modelhub.accounts.deps import OptionalUser
from modelhub.errors import HubError
from modelhub.help import content
from modelhub.help.api_reference import api_markdown
from modelhub.web import render
from modelhub.web.markdown import render_markdown

router = APIRouter(include_in_schema=False)


class TopicLink(BaseModel):
    slug: str
    title: str
    summary: str
    url: str


class HelpIndex(BaseModel):
    topics: list[TopicLink]


class HelpPage(BaseModel):
    slug: str
    title: str
    summary: str
    headings: list[str]
    markdown: str
    html: str
    topics: list[TopicLink]


def _topics() -> list[TopicLink]:
    return [
        TopicLink(slug=t.slug, title=t.title, summary=t.summary, url=f"/help/{t.slug}")
        for t in content.TOPICS
    ]


@router.get("/help")
def help_index(request: Request, user: OptionalUser) -> Response:
    """What the help holds."""
    return render.page(request, "help.html", HelpIndex(topics=_topics()), extra={"user": user})


@router.get("/help/{slug}")
def help_topic(request: Request, slug: str, user: OptionalUser) -> Response:
    """One help text."""
    topic = content.topic(slug)
    if topic is None:
        raise HubError(
            message=f"There is no help page {slug!r}.", status_code=404, code="help_not_found"
        )
    text = api_markdown(request.app.openapi()) if slug == "api" else content.markdown_of(slug)
    data = HelpPage(
        slug=topic.slug,
        title=topic.title,
        summary=topic.summary,
        headings=content.headings(text),
        markdown=text,
        html=render_markdown(text, heading_offset=0),
        topics=_topics(),
    )
    return render.page(request, "help_page.html", data, extra={"user": user})
