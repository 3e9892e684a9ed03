"""Nothing-changed uploads: a package that the hub already holds is refused, nothing stored.

Two packages are the same when they hold the same files (path and sha256) besides the
description, and the same description once the fields the hub writes itself (``HUB_SET``) are
left out: comments and layout do not count, since the description is compared by its content.
Each revision keeps this fingerprint in ``resource_versions.content_fingerprint`` (migration 0023
filled it in for the revisions stored before; it keeps its own copy of the recipe, which must
stay the same as ``fingerprint`` here).

An upload is compared with the published versions (yanked ones too: re-uploading a yanked
package would bring back what was withdrawn from use) and the open revisions of every resource,
except open revisions the uploader may not see: naming those would reveal someone's draft.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import OPEN_STATUSES, ResourceVersion, VersionStatus
from modelhub.errors import ErrorDetail, UploadRefused

# what the hub writes into a description itself (``catalog.rdf.render_description``)
HUB_SET = frozenset({"id", "version"})


def fingerprint(description: Mapping[str, Any], files: Iterable[tuple[str, str]]) -> str:
    """The sha256 of a package's content: its description (as JSON data, without ``HUB_SET``)
    and the ``(path, sha256)`` of its other files."""
    content = {
        "description": {k: v for k, v in description.items() if k not in HUB_SET},
        "files": sorted([path, sha] for path, sha in files),
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_identical(
    db: Session, *, content_fingerprint: str, uploader: User
) -> ResourceVersion | None:
    """The published version or open revision holding exactly this content, if any; a
    published one first."""
    found = db.scalars(
        select(ResourceVersion)
        .where(
            ResourceVersion.content_fingerprint == content_fingerprint,
            or_(
                ResourceVersion.status == VersionStatus.published,
                ResourceVersion.status.in_(OPEN_STATUSES),
            ),
        )
        .order_by(ResourceVersion.id)
    ).all()
    published = [v for v in found if v.status == VersionStatus.published]
    if published:
        return published[0]
    for version in found:
        if access.can_see_drafts(db, resource=version.resource, user=uploader):
            return version
    return None


def refuse_identical(db: Session, *, content_fingerprint: str, uploader: User) -> None:
    """Raise ``identical_upload`` (409) when the hub holds this content already."""
    same = find_identical(db, content_fingerprint=content_fingerprint, uploader=uploader)
    if same is None:
        return
    raise UploadRefused(
        _message(same),
        [ErrorDetail(("package",), f"identical to {same.resource_id} {same.label}")],
        code="identical_upload",
        status_code=409,
    )


_OPEN_STATES = {
    VersionStatus.draft: "a draft, not yet published",
    VersionStatus.in_review: "in review, not yet published",
    VersionStatus.changes_requested: "changes requested, not yet published",
}


def _message(same: ResourceVersion) -> str:
    if same.status == VersionStatus.published:
        state = "published, since yanked" if same.yanked_at is not None else "published"
    else:
        state = _OPEN_STATES.get(same.status, "not yet published")
    return (
        f"This package is identical to {same.resource_id} {same.label} ({state}): nothing was "
        "stored. Change something (a file, or the text of the description) to upload a new "
        "version."
    )
