"""The hub's half for one entry: a valid entry becomes the next published version of its
resource (owned by the partner, published by the partner's account); an entry no longer listed
retires its resource (its versions are yanked with a reason, never deleted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.catalog.models import Resource, ResourceType, ResourceVersion, VersionFile
from modelhub.catalog.models import VersionStatus as Status
from modelhub.catalog.nicknames import nickname_emoji
from modelhub.catalog.publishing import finish_publication, next_number
from modelhub.catalog.rdf import SERVED_NAME
from modelhub.checks.service import queue_check
from modelhub.db import utcnow
from modelhub.partner_sync.worker import Ready
from modelhub.partners.models import Partner
from modelhub.review.yanking import flag, lift
from modelhub.storage.base import Storage
from modelhub.storage.media import media_type_for
from modelhub.storage.service import BlobBatch, sessions_beside
from modelhub.uploads.identical import fingerprint

TYPE_EMOJI = {"model": "🧩", "dataset": "🗂️", "notebook": "📓", "application": "🖥️"}


class IdTaken(Exception):
    """The entry's id names a resource that is not this partner's."""


def partner_account(db: Session, partner: Partner) -> User:
    """The account a partner's syncs act as: ``<id>[bot]``, which no person can register (the
    brackets) and nobody can log in to (no password, no e-mail)."""
    name = f"{partner.id}[bot]"
    user = db.scalar(select(User).where(User.username == name))
    if user is None:
        user = User(username=name, email=None, password_hash=None, role=Role.member)
        db.add(user)
        db.flush()
    return user


def publish_entry(
    db: Session, storage: Storage, *, partner: Partner, account: User, ready: Ready
) -> ResourceVersion | None:
    """Publish ``ready`` as the next version of its resource; None when the resource's latest
    version already holds exactly this package (its retirement, if any, is lifted)."""
    resource = db.get(Resource, ready.resource_id)
    if resource is not None and resource.partner_id != partner.id:
        raise IdTaken(ready.resource_id)
    if resource is None:
        resource = _new_resource(db, partner=partner, account=account, ready=ready)
    elif resource.type.value != ready.type:
        raise IdTaken(ready.resource_id)
    latest = _latest(db, resource)
    if latest is not None and _same(latest, ready):
        _unretire(db, resource=resource, account=account)
        return None
    # the worker stored the files (gc removes those no row names); each is claimed, then
    # looked for, before a row relies on it
    batch = BlobBatch(db, storage, sessions_beside(db))
    version = _new_version(db, resource=resource, account=account, ready=ready, batch=batch)
    finish_publication(db, storage, version=version, publisher=account, batch=batch)
    queue_check(db, version=version, trigger="sync", requested_by=None)
    return version


def retire(db: Session, *, resource_id: str, account: User, reason: str) -> int:
    """Yank the resource's published versions that are not yanked; how many were."""
    versions = db.scalars(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource_id,
            ResourceVersion.status == Status.published,
            ResourceVersion.yanked_at.is_(None),
        )
    )
    count = 0
    for version in versions:
        flag(db, version=version, actor=account, reason=reason)
        count += 1
    return count


def _unretire(db: Session, *, resource: Resource, account: User) -> None:
    """Lift the yanks the partner's account made (an entry listed again)."""
    yanked = db.scalars(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource.id,
            ResourceVersion.yanked_by_id == account.id,
        )
    )
    for version in yanked:
        lift(db, version=version, actor=account)


def _latest(db: Session, resource: Resource) -> ResourceVersion | None:
    return db.scalar(
        select(ResourceVersion)
        .where(ResourceVersion.resource_id == resource.id, ResourceVersion.number.is_not(None))
        .order_by(ResourceVersion.number.desc())
        .limit(1)
    )


def _same(version: ResourceVersion, ready: Ready) -> bool:
    """The same description and the same files (the served rdf.yaml is the hub's rendering)."""
    if version.rdf != ready.raw:
        return False
    have = {(f.path, f.blob_sha256) for f in version.files if f.path != SERVED_NAME}
    return have == {(path, sha) for path, sha, _ in ready.files[1:]}


def _new_resource(db: Session, *, partner: Partner, account: User, ready: Ready) -> Resource:
    name = ready.resource_id.rsplit("/", 1)[-1]
    resource = Resource(
        id=ready.resource_id,
        emoji=_emoji(ready.raw) or nickname_emoji(name) or TYPE_EMOJI.get(ready.type, "📦"),
        type=ResourceType(ready.type),
        name=ready.name,
        description=ready.description,
        license=ready.license,
        created_by_id=account.id,
        partner_id=partner.id,
    )
    db.add(resource)
    db.flush()
    return resource


def _emoji(raw: dict[str, Any]) -> str | None:
    config = raw.get("config")
    bioimageio = config.get("bioimageio") if isinstance(config, dict) else None
    icon = bioimageio.get("nickname_icon") if isinstance(bioimageio, dict) else None
    return icon if isinstance(icon, str) and 0 < len(icon) <= 8 else None


def _new_version(
    db: Session, *, resource: Resource, account: User, ready: Ready, batch: BlobBatch
) -> ResourceVersion:
    revision = (
        db.scalar(
            select(func.max(ResourceVersion.revision)).where(
                ResourceVersion.resource_id == resource.id
            )
        )
        or 0
    ) + 1
    description_sha = ready.files[0][1]
    version = ResourceVersion(
        resource_id=resource.id,
        revision=revision,
        number=next_number(db, resource_id=resource.id),
        status=Status.published,
        format_version=ready.format_version,
        name=ready.name,
        description=ready.description,
        license=ready.license,
        tags=list(ready.tags),
        authors=ready.authors,
        rdf=ready.raw,
        rdf_sha256=description_sha,
        # an upload of the same package is refused as identical to this version
        content_fingerprint=fingerprint(ready.raw, [(p, sha) for p, sha, _ in ready.files[1:]]),
        validation=ready.summary,
        change_note=f"From the collection of {resource.partner_id}.",
        uploader_id=account.id,
        created_at=utcnow(),
    )
    _record_blobs(db, batch, ready.files)
    version.files = [
        VersionFile(
            path=SERVED_NAME if i == 0 else path,
            blob_sha256=sha,
            size=size,
            media_type=media_type_for(SERVED_NAME if i == 0 else path),
        )
        for i, (path, sha, size) in enumerate(ready.files)
    ]
    db.add(version)
    db.flush()
    return version


def _record_blobs(db: Session, batch: BlobBatch, files: list[tuple[str, str, int]]) -> None:
    for _, sha, size in files:
        batch.adopt(sha, size)
    db.flush()
