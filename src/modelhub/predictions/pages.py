"""The pages of predictions: "Run this model on your images" (a model's form), one
prediction's page (status, previews, downloads) and "My predictions", each with its JSON twin.

The form posts to its own page route and creates predictions with the same code as the API
(``asking.create_predictions``): without a script it still works, and with one the page asks
the API for a dry run to show how each chosen image will be read. The prediction page polls
the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Forbidden, HubError
from modelhub.hub import Hub
from modelhub.links import Links
from modelhub.predictions import fair, info, service
from modelhub.predictions.asking import (
    MAX_FILES,
    create_predictions,
    save_images,
    text_fields,
    wake,
)
from modelhub.predictions.deps import Reader, asker
from modelhub.predictions.owners import Requester, limits_for
from modelhub.predictions.schemas import PredictInfo, PredictionList, PredictionRead
from modelhub.predictions.views import read
from modelhub.uploads.page_forms import text
from modelhub.uploads.receive import form_of, staging_area
from modelhub.web import render

router = APIRouter(include_in_schema=False)

_EXPIRED_FORM = "The form expired. Please reload the page and try again."
# the form's own fields; anything else a person adds is not passed on
_FIELDS = ("version", "weights", "test_input")
STATUS_WORDS = {
    "waiting": "Waiting in the queue",
    "queued": "About to start",
    "running": "Running",
    "succeeded": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
ERROR_WORDS = {
    "model_failed": "The model stopped with an error on this image.",
    "model_timeout": "The model took longer than this hub allows one prediction.",
    "out_of_memory": "The model needed more memory than this hub gives one prediction.",
    "sandbox_unavailable": "This hub cannot run models at the moment.",
    "output_invalid": "The model's result could not be read.",
    "expired": "This prediction's files are no longer kept.",
}
AXIS_WORDS = {
    "b": "batch",
    "c": "channels",
    "t": "time",
    "z": "depth (z)",
    "y": "rows (y)",
    "x": "columns (x)",
    "i": "index",
}


def _human_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:,.3g} {unit}"
    return f"{size:,} bytes"


def _pixels(count: int) -> str:
    return f"{count / 1e6:,.3g} million" if count >= 1_000_000 else f"{count:,}"


def _to_login(target: str) -> RedirectResponse:
    return RedirectResponse(Links.login_path(target), status_code=303)


def _form_page(
    request: Request,
    hub: Hub,
    data: PredictInfo,
    user: User | None,
    requester: Requester,
    *,
    error: HubError | None = None,
    chosen: dict[str, str] | None = None,
) -> Response:
    limits = limits_for(hub.settings, requester)
    extra: dict[str, Any] = {
        "user": user,
        "error": error,
        "chosen": chosen or {},
        "max_size": _human_size(data.max_bytes),
        "max_pixels": _pixels(data.max_pixels),
        "per_hour": limits.per_hour,
        "retention_hours": f"{hub.settings.predict_retention_hours:g}",
        "login_url": Links.login_path(Links.predict_path(data.resource_id)),
        "can_try": bool(data.inputs) and all(i.has_test_tensor for i in data.inputs),
    }
    status = error.status_code if error is not None else 200
    return render.page(request, "predict.html", data, status_code=status, extra=extra)


@router.get("/resources/{resource_id:rid}/predict")
def predict_form(
    request: Request,
    resource_id: str,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    requester: Reader,
    version: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Run this model on your images: the form (the JSON twin is the API's ``PredictInfo``)."""
    data = info.predict_info(
        db, hub=hub, resource_id=resource_id, label=version, requester=requester
    )
    return _form_page(request, hub, data, user, requester)


def _info(hub: Hub, resource_id: str, label: str | None, requester: Requester) -> PredictInfo:
    with hub.sessions() as db:
        return info.predict_info(
            db, hub=hub, resource_id=resource_id, label=label, requester=requester
        )


@router.post("/resources/{resource_id:rid}/predict")
async def predict_send(
    request: Request, resource_id: str, hub: HubDep, user: OptionalUser
) -> Response:
    """Receive the form (images, or ``test_input``) and create the predictions like the API;
    then go to the prediction's page (several images: to the list of this request's
    predictions). A refusal shows the form again with the hub's message."""
    if user is None and not hub.settings.predict_anonymous:
        return _to_login(Links.predict_path(resource_id))
    cookies = Response()  # a trial browser's first request gets its cookie here
    requester = asker(request, cookies, user)
    limits = limits_for(hub.settings, requester)
    fields: dict[str, str] = {}
    try:
        with staging_area(hub.settings.staging_dir) as area:
            async with form_of(
                request, limit=limits.max_bytes, max_files=MAX_FILES, max_fields=64
            ) as form:
                if not render.csrf_ok(request, text(form, "csrf", 128)):
                    raise Forbidden(_EXPIRED_FORM, code="csrf_failed")
                sent = text_fields(form)
                fields = {k: v for k, v in sent.items() if k in _FIELDS or k.startswith("axes.")}
                fields = {k: v.strip() for k, v in fields.items() if v.strip()}
                uploads = (
                    {}
                    if fields.get("test_input")
                    else await save_images(form, area, limits.max_bytes)
                )
            made = await run_in_threadpool(
                create_predictions, hub, resource_id, requester, uploads, fields
            )
    except HubError as exc:
        data = await run_in_threadpool(_info, hub, resource_id, fields.get("version"), requester)
        page = _form_page(request, hub, data, user, requester, error=exc, chosen=fields)
        return _with_cookies(page, cookies)
    wake(hub)
    first = made.predictions if isinstance(made, PredictionList) else []  # the form: no dry run
    if not first:
        return RedirectResponse(Links.predict_path(resource_id), status_code=303)
    target = (
        Links.prediction_path(first[0].id)
        if len(first) == 1
        else Links.predictions_path() + f"?batch={first[0].batch}"
    )
    return _with_cookies(RedirectResponse(target, status_code=303), cookies)


def _with_cookies(response: Response, source: Response) -> Response:
    response.headers.raw.extend(h for h in source.headers.raw if h[0] == b"set-cookie")
    return response


def _planes(data: PredictionRead) -> dict[str, int]:
    """The picker's choices: every axis besides y and x that some preview has more than once."""
    found: dict[str, int] = {}
    every = [i.planes for i in data.inputs] + [o.planes for o in data.outputs]
    for planes in every:
        for letter, count in planes.items():
            if count > 1:
                found[letter] = max(found.get(letter, 0), count)
    return dict(sorted(found.items(), key=lambda kv: "btczi".find(kv[0])))


def _picked(request: Request, planes: dict[str, int]) -> dict[str, int]:
    pick = {}
    for letter, count in planes.items():
        value = request.query_params.get(letter, "")
        if value.isdigit() and int(value) < count:
            pick[letter] = int(value)
        else:
            pick[letter] = count // 2 if letter == "z" else 0
    return pick


def _preview(
    links: Links, pid: str, side: str, name: str, own: dict[str, int], pick: dict[str, int]
) -> str:
    mine = {k: min(v, own[k] - 1) for k, v in pick.items() if own.get(k, 0) > 1}
    return links.prediction_preview_path(pid, side, name, mine)


@router.get("/predictions/{prediction_id}")
def prediction_page(
    request: Request, prediction_id: str, hub: HubDep, db: DbSession, user: OptionalUser,
    requester: Reader,
) -> Response:  # fmt: skip
    """One of your predictions (anyone else's is not found): status, previews, downloads."""
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    position = fair.positions(db, [prediction]).get(prediction.id)
    data = read(prediction, hub.links, position)
    planes = _planes(data)
    pick = _picked(request, planes)
    previews = {
        (side, item.name): _preview(hub.links, data.id, side, item.name, item.planes, pick)
        for side, items in (("inputs", data.inputs), ("outputs", data.outputs))
        for item in items
    }
    extra = {
        "user": user,
        "planes": planes,
        "pick": pick,
        "previews": previews,
        "status_words": STATUS_WORDS,
        "error_words": ERROR_WORDS,
        "axis_words": AXIS_WORDS,
        "model_url": Links.resource_path(data.resource_id, data.version),
        "again_url": Links.predict_path(data.resource_id, data.version),
    }
    return render.page(request, "prediction.html", data, extra=extra)


@router.post("/predictions/{prediction_id}/cancel")
def prediction_cancel(
    request: Request, prediction_id: str, hub: HubDep, db: DbSession, requester: Reader,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:  # fmt: skip
    """Cancel one of your predictions that has not finished, then show it again."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden(_EXPIRED_FORM, code="csrf_failed")
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    service.cancel(db, prediction=prediction, settings=hub.settings)
    db.commit()
    wake(hub)
    return RedirectResponse(Links.prediction_path(prediction_id), status_code=303)


@router.get("/predictions")
def my_predictions(
    request: Request, hub: HubDep, db: DbSession, user: OptionalUser, requester: Reader,
    batch: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:  # fmt: skip
    """Your predictions, newest first (``batch``: only those of one request)."""
    rows = service.list_own(db, requester=requester)
    if batch:
        rows = [p for p in rows if p.batch == batch]
    where = fair.positions(db, rows)
    data = PredictionList(predictions=[read(p, hub.links, where.get(p.id)) for p in rows])
    extra = {"user": user, "batch": batch, "status_words": STATUS_WORDS}
    return render.page(request, "predictions.html", data, extra=extra)
