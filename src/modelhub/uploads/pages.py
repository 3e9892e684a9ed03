"""The upload wizard, the page of one's own upload (checks, fixes, submit) and "my uploads".

The wizard posts to the same acceptance path as the API (``accept_upload``); a refused package
is kept in the staging area for the fix form (``wizard``), never in the database."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.catalog.tag_usage import tag_suggestions
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Forbidden, UploadRefused
from modelhub.hub import Hub
from modelhub.links import Links
from modelhub.review import service as review
from modelhub.uploads import page_forms, receive, status, wizard
from modelhub.uploads.accept import accept_upload, limits_of
from modelhub.uploads.fields import license_choices
from modelhub.uploads.page_models import UploadPage
from modelhub.uploads.schemas import UploadResult
from modelhub.web import render

router = APIRouter(include_in_schema=False)

_EXPIRED_FORM = "The form expired. Please reload the page and try again."


def _to_login(request: Request, target: str | None = None) -> RedirectResponse:
    if target is None:
        query = request.url.query
        target = request.url.path + (f"?{query}" if query else "")
    return RedirectResponse(Links.login_path(target), status_code=303)


def _wizard(request: Request, data: UploadPage, user: User, status_code: int = 200) -> Response:
    hub = request.app.state.hub
    with hub.sessions() as db:  # one indexed query: the tag field's suggestions
        tags = tag_suggestions(db)
    extra = {"user": user, "licenses": license_choices(), "tag_suggestions": tags}
    return render.page(request, "upload.html", data, status_code=status_code, extra=extra)


def _accepted(result: UploadResult) -> RedirectResponse:
    return RedirectResponse(Links.upload_path(result.resource_id, done="uploaded"), status_code=303)


def _check_csrf(request: Request, form: FormData) -> None:
    if not render.csrf_ok(request, page_forms.text(form, "csrf", 128)):
        raise Forbidden(_EXPIRED_FORM)


def _refused(
    hub: Hub, exc: UploadRefused, resource_id: str | None, change_note: str | None
) -> UploadPage:
    """The wizard for a refusal that the form cannot help with: every problem listed."""
    return UploadPage(
        resource_id=resource_id,
        change_note=change_note or "",
        max_upload_bytes=hub.settings.max_upload_bytes,
        refused=True,
        message=exc.message,
        code=exc.code,
        package_problems=wizard.problems_of(exc),
    )


@router.get("/upload")
def upload_form(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    staged: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The upload wizard; ``resource_id`` adds a revision to one's own resource, ``staged``
    reopens the fix form of a refused upload."""
    if user is None:
        return _to_login(request)
    if resource_id:
        status.managed_resource(db, resource_id=resource_id, user=user)
    if staged:
        state = wizard.store_of(hub).load(staged, user.id)
        return _wizard(request, wizard.page_for(hub, state), user)
    data = UploadPage(resource_id=resource_id, max_upload_bytes=hub.settings.max_upload_bytes)
    return _wizard(request, data, user)


@router.post("/upload")
async def upload_package(request: Request, hub: HubDep, user: OptionalUser) -> Response:
    """Receive a package (a zip as ``file``, a folder's files as ``files``, or the ``url`` to
    fetch it from) and accept it like the API; refused, the page shows the problems and the fix
    form."""
    if user is None:
        return _to_login(request, Links.upload_path())
    resource_id: str | None = None
    change_note: str | None = None
    try:
        with receive.staging_area(hub.settings.staging_dir) as area:
            got = await receive.receive_package(
                request, area=area, limits=limits_of(hub), surface=page_forms.WIZARD,
                check_form=lambda form: _check_csrf(request, form),
            )  # fmt: skip
            resource_id, change_note = got.resource_id, got.change_note
            try:
                result = await run_in_threadpool(
                    accept_upload, hub, area=area, uploader_id=user.id, files=got.files,
                    resource_id=resource_id, change_note=change_note, url=got.url,
                )  # fmt: skip
            except UploadRefused as exc:
                state = await run_in_threadpool(
                    wizard.stage_refused, hub, area=area, owner_id=user.id,
                    resource_id=resource_id, change_note=change_note, exc=exc,
                )  # fmt: skip
                if state is None:
                    raise
                data = await run_in_threadpool(wizard.page_for, hub, state)
                return _wizard(request, data, user, exc.status_code)
    except UploadRefused as exc:
        data = _refused(hub, exc, resource_id, change_note)
        return _wizard(request, data, user, exc.status_code)
    return _accepted(result)


@router.post("/upload/fix")
async def upload_fix(request: Request, hub: HubDep, user: OptionalUser) -> Response:
    """Apply the fix form to a refused upload and accept it (``intent=preview``: only check
    it and show the rdf.yaml it would submit)."""
    if user is None:
        return _to_login(request, Links.upload_path())
    limits = limits_of(hub)
    with receive.staging_area(hub.settings.staging_dir) as area:
        async with receive.form_of(
            request, limit=limits.max_upload_bytes, max_files=2, max_fields=1200
        ) as form:
            _check_csrf(request, form)
            key = page_forms.text(form, "staged", 64)
            note = page_forms.text(form, "change_note", receive.NOTE_CHARS).strip() or None
            fix = wizard.Fix(values=page_forms.fix_values(form), change_note=note)
            added = receive.chosen_files(form, "cover_file")
            if added:
                target = area / "cover"
                await page_forms.save_cover(added[0], target, limits)
                fix.cover = (added[0].filename or "cover.png", target)
            preview = page_forms.text(form, "intent", 16) == "preview"
        state, result = await run_in_threadpool(
            wizard.fix_and_accept, hub, key=key, owner_id=user.id, fix=fix, preview=preview
        )
    if result is not None:
        return _accepted(result)
    data = await run_in_threadpool(wizard.page_for, hub, state, checked_ok=not state.errors)
    return _wizard(request, data, user, 422 if state.errors else 200)


@router.get("/upload/{resource_id:rid}")
def upload_status(
    request: Request,
    resource_id: str,
    db: DbSession,
    user: OptionalUser,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """One's own upload: the open revision's state, its warnings and check, and the actions."""
    if user is None:
        return _to_login(request)
    data = status.status_page(db, resource_id=resource_id, user=user, notice=done)
    return render.page(request, "upload_status.html", data, extra={"user": user})


def _act(
    request: Request, db: DbSession, user: User | None, resource_id: str, action: str,
    csrf: str, revision: int | None,
) -> Response:  # fmt: skip
    if user is None:
        return _to_login(request, Links.upload_path(resource_id))
    if not render.csrf_ok(request, csrf):
        raise Forbidden(_EXPIRED_FORM)
    status.managed_resource(db, resource_id=resource_id, user=user)
    review.act(db, resource_id=resource_id, action=action, actor=user, revision=revision)
    db.commit()
    done = "submitted" if action == "submit" else "withdrawn"
    return RedirectResponse(Links.upload_path(resource_id, done=done), status_code=303)


_CSRF = Annotated[str, Form(max_length=128)]
_REVISION = Annotated[int | None, Form(ge=1)]


@router.post("/upload/{resource_id:rid}/submit")
def upload_submit(
    request: Request, resource_id: str, db: DbSession, user: OptionalUser,
    csrf: _CSRF = "", revision: _REVISION = None,
) -> Response:  # fmt: skip
    """Submit the open revision for review (the revision the page showed)."""
    return _act(request, db, user, resource_id, "submit", csrf, revision)


@router.post("/upload/{resource_id:rid}/withdraw")
def upload_withdraw(
    request: Request, resource_id: str, db: DbSession, user: OptionalUser,
    csrf: _CSRF = "", revision: _REVISION = None,
) -> Response:  # fmt: skip
    """Withdraw the open revision; it will not be published."""
    return _act(request, db, user, resource_id, "withdraw", csrf, revision)


@router.get("/me/uploads")
def my_uploads(request: Request, db: DbSession, user: OptionalUser) -> Response:
    """The resources one maintains or uploaded to, with their state and check."""
    if user is None:
        return _to_login(request)
    data = status.my_uploads(db, user=user)
    return render.page(request, "my_uploads.html", data, extra={"user": user})
