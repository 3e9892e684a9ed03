"""The "Related" entries of a card: a description's ``links``, each made a link where it can be.

An entry naming a published resource of this hub links to its page; an http(s) URL links out
(the page marks it ``noopener noreferrer nofollow``); anything else stays text. One query
finds which entries are resources here, whatever their number (at most ``MAX_LINKS`` read).
The dataset a model was trained on (``training_data``) becomes a link the same way."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.applications import MAX_LINKS
from modelhub.catalog.card_people import web_url
from modelhub.catalog.models import Resource
from modelhub.links import Links


class RelatedLink(BaseModel):
    """One ``links`` entry as written, and where it leads (None: text only)."""

    text: str
    url: str | None = None
    external: bool = False  # a URL of another site rather than a page of this hub


def training_data(db: Session, *, rdf: Any) -> RelatedLink | None:
    """The description's ``training_data``: a dataset of this hub (its id, alone or as
    ``{id: …}``) links to its page, a URL links out; a dataset described inline shows its name."""
    found = rdf.get("training_data") if isinstance(rdf, dict) else None
    if isinstance(found, dict):
        if isinstance(found.get("id"), str):
            found = found["id"]
        elif isinstance(found.get("name"), str):
            url = web_url(found.get("source")) or web_url(found.get("documentation"))
            return RelatedLink(text=found["name"].strip(), url=url, external=url is not None)
    if not isinstance(found, str) or not found.strip():
        return None
    return related_links(db, rdf={"links": [found]})[0]


def related_links(db: Session, *, rdf: Any) -> list[RelatedLink]:
    """The description's ``links`` (strings only, in their order, repeats dropped)."""
    found = rdf.get("links") if isinstance(rdf, dict) else None
    entries = [e.strip() for e in found if isinstance(e, str)] if isinstance(found, list) else []
    entries = list(dict.fromkeys(e for e in entries if e))[:MAX_LINKS]
    ids = [e for e in entries if len(e) <= 64 and web_url(e) is None]
    query = select(Resource.id).where(Resource.id.in_(ids), Resource.latest_version.is_not(None))
    here = set(db.scalars(query)) if ids else set()
    related = []
    for entry in entries:
        if entry in here:
            related.append(RelatedLink(text=entry, url=Links.resource_path(entry)))
        elif (url := web_url(entry)) is not None:
            related.append(RelatedLink(text=entry, url=url, external=True))
        else:
            related.append(RelatedLink(text=entry))
    return related
