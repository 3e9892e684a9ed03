"""The model card page (`/resources/{id}`): the catalog's card with the checks of the version and,
for the people taking part, its open review; the JSON twin (``?format=json``) from the same data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.catalog import service, views
from modelhub.catalog.applications import linked_applications
from modelhub.catalog.card import CardData, build_card
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.catalog.related import RelatedLink, related_links, training_data
from modelhub.catalog.schemas import ResourceRead, VersionRead
from modelhub.checks import service as checks
from modelhub.checks.schemas import CheckRunDetail
from modelhub.compat import views as compat_views
from modelhub.compat.schemas import VersionSummaries
from modelhub.deps import DbSession, HubDep
from modelhub.links import Links
from modelhub.pages.usage import ResourceUsageSection
from modelhub.pages.usage_data import resource_section
from modelhub.review import thread
from modelhub.review import views as review_views
from modelhub.review.schemas import ReviewState
from modelhub.web import render

router = APIRouter(include_in_schema=False)


class OpenIn(BaseModel):
    """An "Open in <application>" action: a published application the version links to."""

    id: str
    name: str
    url: str


class ResourceCard(BaseModel):
    resource: ResourceRead
    version: VersionRead
    checks: list[CheckRunDetail]
    card: CardData
    # the open revision's review (state, thread) for the people who take part in it
    review: ReviewState | None = None
    # published applications among a published version's ``links`` (``catalog.applications``)
    open_in: list[OpenIn] = []
    # the version's ``links``: pages of resources here, other sites, or text (``catalog.related``)
    related: list[RelatedLink] = []
    # the dataset the model was trained on (``training_data``), linked the same way
    training_data: RelatedLink | None = None
    # partners' test summaries and the "compatible with" badges (published versions only)
    compatibility: VersionSummaries | None = None
    # downloads: totals, per version and consumer software, over time (``_card_usage.html``)
    usage: ResourceUsageSection | None = None


@router.get("/resources/{resource_id:rid}")
def resource_page(
    request: Request,
    resource_id: str,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    version: str | None = None,
) -> Response:
    """A resource's card: documentation, covers, inputs and outputs, weights and their checks,
    partners' test results and the software it works with, people and citations, versions,
    files to download and how to use it."""
    links = hub.links
    resource = service.get_resource(db, resource_id=resource_id, viewer=user)
    chosen = service.get_version(db, resource_id=resource_id, label=version, viewer=user)
    runs = checks.latest_per_library(checks.runs_of(db, version=chosen))
    review = None
    if user is not None and chosen.status.is_open:
        items = thread.thread(db, resource_id=resource_id, viewer=user)
        review = review_views.review_state(
            db, version=chosen, viewer=user, items=items,
            allow_own=hub.settings.allow_self_approval,
        )  # fmt: skip
    data = ResourceCard(
        resource=views.resource_read(db, resource, links, viewer=user, with_versions=True),
        version=views.version_read(chosen, links),
        checks=[CheckRunDetail.model_validate(r) for r in runs],
        card=build_card(chosen, storage=hub.storage, links=links),
        review=review,
        open_in=_open_in(db, chosen),
        related=related_links(db, rdf=chosen.rdf),
        training_data=training_data(db, rdf=chosen.rdf),
        compatibility=(
            compat_views.version_summaries(db, version=chosen)
            if chosen.number is not None
            else None
        ),
        usage=(
            resource_section(db, resource_id=resource.id)
            if resource.latest_version is not None
            else None
        ),
    )
    return render.page(request, "resource.html", data, extra={"user": user})


def _open_in(db: Session, version: ResourceVersion) -> list[OpenIn]:
    if version.status is not VersionStatus.published:
        return []
    return [
        OpenIn(id=app.id, name=app.name,
               url=Links.open_app_path(version.resource_id, app.id, version.label))
        for app in linked_applications(db, version=version)
    ]  # fmt: skip
