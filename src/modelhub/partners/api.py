"""JSON routes of community partners: the list and details (anyone), applying (members),
deciding (admins), maintainers and tokens (the partner's maintainers and admins), and
``/partners/me`` for a partner token. Each route validates, calls the service and commits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from modelhub.accounts.deps import AdminUser, CurrentUser
from modelhub.deps import DbSession, HubDep
from modelhub.partners import ci_hook, registry, service, tokens, views
from modelhub.partners.deps import CurrentPartner
from modelhub.partners.models import ApplicationStatus
from modelhub.partners.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApproveRequest,
    DeclineRequest,
    MaintainerAdd,
    MaintainerRead,
    PartnerDetail,
    PartnerRead,
    PartnerTokenCreate,
    PartnerTokenCreated,
    PartnerTokenRead,
    PartnerUpdate,
)

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


@router.get("")
def list_partners(db: DbSession) -> list[PartnerRead]:
    """The approved community partners."""
    return views.partners_read(db)


@router.get("/me")
def partner_of_token(partner: CurrentPartner, db: DbSession) -> PartnerRead:
    """The partner whose token made this request (partner tokens only)."""
    return views.partner_read(db, registry.get_partner(db, partner_id=partner.id))


# -- applications (declared before /{partner_id}: "applications" is never a partner id) ------


@router.post("/applications", status_code=201)
def apply(body: ApplicationCreate, db: DbSession, user: CurrentUser) -> ApplicationRead:
    """Apply to become a community partner; the admins decide."""
    application = service.apply(db, applicant=user, data=body)
    db.commit()
    return views.application_read(db, application)


@router.get("/applications")
def list_applications(
    db: DbSession,
    user: CurrentUser,
    status: Annotated[ApplicationStatus | None, Query(description="applied, approved…")] = None,
) -> list[ApplicationRead]:
    """Every application (admins) or your own: waiting ones first."""
    rows = service.list_applications(db, viewer=user, status=status)
    return [views.application_read(db, a) for a in rows]


@router.get("/applications/{application_id}")
def get_application(application_id: int, db: DbSession, user: CurrentUser) -> ApplicationRead:
    """One application (its applicant and admins)."""
    application = service.get_application(db, application_id=application_id, viewer=user)
    return views.application_read(db, application)


@router.post("/applications/{application_id}/approve")
def approve(
    application_id: int, body: ApproveRequest, db: DbSession, admin: AdminUser
) -> ApplicationRead:
    """Approve under the agreed partner id (admins); the applicant maintains the partner."""
    service.approve(
        db,
        application_id=application_id,
        actor=admin,
        partner_id=body.partner_id,
        message=body.message,
    )
    db.commit()
    application = service.get_application(db, application_id=application_id, viewer=admin)
    return views.application_read(db, application)


@router.post("/applications/{application_id}/decline")
def decline(
    application_id: int, body: DeclineRequest, db: DbSession, admin: AdminUser
) -> ApplicationRead:
    """Decline with a message for the applicant (admins)."""
    application = service.decline(
        db, application_id=application_id, actor=admin, message=body.message
    )
    db.commit()
    return views.application_read(db, application)


# -- one partner ------------------------------------------------------------------------------


@router.get("/{partner_id}")
def get_partner(partner_id: str, db: DbSession) -> PartnerDetail:
    """A partner: details, maintainers, sync status, its resources and collection entries."""
    return views.partner_detail(db, registry.get_partner(db, partner_id=partner_id))


@router.patch("/{partner_id}")
def update_partner(
    partner_id: str, body: PartnerUpdate, db: DbSession, user: CurrentUser
) -> PartnerRead:
    """Change a partner's details (its maintainers and admins)."""
    partner = registry.update_partner(db, partner_id=partner_id, actor=user, changes=body)
    db.commit()
    return views.partner_read(db, partner)


@router.get("/{partner_id}/maintainers")
def list_maintainers(partner_id: str, db: DbSession) -> list[MaintainerRead]:
    """The accounts that maintain the partner."""
    registry.get_partner(db, partner_id=partner_id)
    people = registry.maintainers_of(db, partner_id=partner_id)
    return [MaintainerRead(username=u.username, added_at=link.added_at) for u, link in people]


@router.post("/{partner_id}/maintainers", status_code=201)
def add_maintainer(
    partner_id: str, body: MaintainerAdd, db: DbSession, user: CurrentUser
) -> list[MaintainerRead]:
    """Add a maintainer by username or e-mail (its maintainers and admins)."""
    registry.add_maintainer(db, partner_id=partner_id, actor=user, name=body.username)
    db.commit()
    return list_maintainers(partner_id, db)


@router.delete("/{partner_id}/maintainers/{username}", status_code=204)
def remove_maintainer(partner_id: str, username: str, db: DbSession, user: CurrentUser) -> Response:
    """Remove a maintainer, never the last one (its maintainers and admins)."""
    registry.remove_maintainer(db, partner_id=partner_id, actor=user, username=username)
    db.commit()
    return Response(status_code=204)


@router.get("/{partner_id}/ci-hook")
def get_ci_hook(partner_id: str, db: DbSession, user: CurrentUser) -> ci_hook.CiHookRead:
    """The partner's CI hook, never its secret (its maintainers and admins)."""
    return ci_hook.read(registry.managed(db, partner_id=partner_id, actor=user))


@router.put("/{partner_id}/ci-hook")
def set_ci_hook(
    partner_id: str, body: ci_hook.CiHookSet, hub: HubDep, db: DbSession, user: CurrentUser
) -> ci_hook.CiHookRead:
    """Set the URL that hears of published and yanked versions (its maintainers and admins);
    the answer that makes a secret is the only one that shows it."""
    partner, secret = ci_hook.set_hook(
        db,
        partner_id=partner_id,
        actor=user,
        url=body.url,
        new_secret=body.new_secret,
        allow_private=hub.settings.webhook_allow_private,
    )
    db.commit()
    return ci_hook.read(partner, secret)


@router.delete("/{partner_id}/ci-hook")
def remove_ci_hook(partner_id: str, db: DbSession, user: CurrentUser) -> ci_hook.CiHookRead:
    """Stop the notices to the partner's CI (its maintainers and admins)."""
    partner = ci_hook.remove_hook(db, partner_id=partner_id, actor=user)
    db.commit()
    return ci_hook.read(partner)


@router.get("/{partner_id}/tokens")
def list_tokens(partner_id: str, db: DbSession, user: CurrentUser) -> list[PartnerTokenRead]:
    """The partner's tokens, never their secrets (its maintainers and admins)."""
    rows = tokens.list_tokens(db, partner_id=partner_id, actor=user)
    return [PartnerTokenRead.model_validate(t) for t in rows]


@router.post("/{partner_id}/tokens", status_code=201)
def create_token(
    partner_id: str, body: PartnerTokenCreate, db: DbSession, user: CurrentUser
) -> PartnerTokenCreated:
    """A token for the partner's automation; this answer is the only time its secret shows."""
    token, secret = tokens.create_token(db, partner_id=partner_id, actor=user, name=body.name)
    db.commit()
    return PartnerTokenCreated(**PartnerTokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/{partner_id}/tokens/{token_id}")
def revoke_token(
    partner_id: str, token_id: int, db: DbSession, user: CurrentUser
) -> PartnerTokenRead:
    """Revoke a token: it stops working at once (its maintainers and admins)."""
    token = tokens.revoke_token(db, partner_id=partner_id, actor=user, token_id=token_id)
    db.commit()
    return PartnerTokenRead.model_validate(token)
