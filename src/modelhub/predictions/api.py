"""JSON routes of predictions: what a model can be run with, ask for predictions (images in a
multipart form, or the package's own test input), follow them, cancel them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.catalog import service as catalog
from modelhub.deps import DbSession, HubDep
from modelhub.errors import ErrorDetail, HubError
from modelhub.hub import Hub
from modelhub.predictions import fair, info, service
from modelhub.predictions.deps import Asker, Reader
from modelhub.predictions.inputs import MAX_IMAGES, Planned, Upload, group_uploads, plan
from modelhub.predictions.models import Prediction
from modelhub.predictions.owners import Requester, limits_for
from modelhub.predictions.retention import results_storage
from modelhub.predictions.schemas import (
    PlannedRead,
    PredictInfo,
    PredictionList,
    PredictionPlan,
    PredictionRead,
)
from modelhub.predictions.views import read
from modelhub.uploads.receive import chosen_files, form_of, save_part, staging_area, too_large

router = APIRouter(prefix="/api/v1", tags=["predictions"])
MAX_WAIT_S = 60.0
IMAGE_FIELD = "image"
MAX_FILES = 4 * MAX_IMAGES  # images of a model with several inputs
FIELDS_BYTES = 64 * 1024  # a form of fields only (test_input=true&wait=30)


def _wake(hub: Hub) -> None:
    notify = getattr(hub.jobs, "notify", None)  # a dispatcher: look at the queue now
    if notify is not None:
        notify()


@router.get("/resources/{resource_id:rid}/predict")
def predict_info(
    resource_id: str, hub: HubDep, db: DbSession, requester: Reader, version: str | None = None
) -> PredictInfo:
    """What this model can be run with here, and what the requester may send."""
    return info.predict_info(
        db, hub=hub, resource_id=resource_id, label=version, requester=requester
    )


@router.post("/resources/{resource_id:rid}/predictions", status_code=202, response_model=None)
async def ask(
    request: Request, response: Response, resource_id: str, hub: HubDep, requester: Asker
) -> PredictionList | PredictionPlan:
    """Run the model on the images of a multipart form (``image``; ``image.<input>`` for a
    model with several inputs) or, with ``test_input=true``, on its own test input. Fields or
    query parameters: ``version``, ``weights``, ``axes`` (``axes.<input>``), ``dry_run``
    (check and explain, run nothing), ``wait`` (seconds to wait for the results)."""
    limits = limits_for(hub.settings, requester)
    query = request.query_params
    kind = request.headers.get("content-type", "")
    multipart = kind.startswith("multipart/form-data")
    with staging_area(hub.settings.staging_dir) as area:
        uploads: dict[str, list[Upload]] = {}
        fields: dict[str, str] = dict(query)
        if multipart:
            async with form_of(
                request, limit=limits.max_bytes, max_files=MAX_FILES, max_fields=32
            ) as form:
                fields.update(_text_fields(form))
                uploads = await _save_images(form, area, limits.max_bytes)
        elif kind.startswith("application/x-www-form-urlencoded"):
            async with form_of(request, limit=FIELDS_BYTES, max_files=0, max_fields=32) as form:
                fields.update(_text_fields(form))
        elif await request.body():
            raise HubError(
                "Send the images as a multipart form (field 'image').",
                status_code=415,
                code="not_a_form",
            )
        made = await run_in_threadpool(_create, hub, resource_id, requester, uploads, fields)
    if isinstance(made, PredictionPlan):
        response.status_code = 200  # nothing was made
        return made
    _wake(hub)
    wait = _seconds(fields.get("wait"))
    if wait > 0:
        made = await _wait_for(hub, [p.id for p in made.predictions], requester, wait)
    return made


def _text_fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


async def _save_images(form: FormData, area: Path, limit: int) -> dict[str, list[Upload]]:
    found: dict[str, list[Upload]] = {}
    count = 0
    for field in {k for k, _ in form.multi_items()}:
        if field != IMAGE_FIELD and not field.startswith(IMAGE_FIELD + "."):
            continue
        name = field.removeprefix(IMAGE_FIELD).removeprefix(".")
        for part in chosen_files(form, field):
            count += 1
            target = area / f"image-{count}"
            saved = await save_part(part, target, limit=limit, refusal=too_large(limit))
            found.setdefault(name, []).append(
                Upload(file_name=(part.filename or "image")[-255:], path=target, size=saved.size)
            )
    return found


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _seconds(value: str | None) -> float:
    try:
        return min(max(float(value or 0), 0.0), MAX_WAIT_S)
    except ValueError:
        raise HubError(
            "'wait' is a number of seconds.",
            details=(ErrorDetail(loc=("wait",), msg="not a number"),),
            status_code=422,
            code="invalid_request",
        ) from None


def _create(
    hub: Hub,
    resource_id: str,
    requester: Requester,
    uploads: dict[str, list[Upload]],
    fields: dict[str, str],
) -> PredictionList | PredictionPlan:
    settings = hub.settings
    limits = limits_for(settings, requester)
    with hub.sessions() as db:
        version = catalog.get_version(
            db, resource_id=resource_id, label=fields.get("version"), viewer=requester.user
        )
        io = service.model_io(hub.storage, version)
        weights = service.choose_weights(io, fields.get("weights"))
        axes = {t.id: fields[f"axes.{t.id}"] for t in io.inputs if fields.get(f"axes.{t.id}")}
        if fields.get("axes") and len(io.inputs) == 1:
            axes[io.inputs[0].id] = fields["axes"]
        if _flag(fields.get("test_input")):
            planned = [info.test_inputs(io, version, hub.storage)]
        else:
            planned = plan(io, group_uploads(io, uploads), axes=axes, limits=limits)
        label = f"v{version.number}" if version.number is not None else "draft"
        if _flag(fields.get("dry_run")):
            return _plan_read(version.resource_id, label, weights, planned)
        service.check_allowance(db, requester=requester, limits=limits, count=len(planned))
        made = service.create(
            db,
            settings=settings,
            results=results_storage(settings),
            package_storage=hub.storage,
            version=version,
            weight_format=weights,
            requester=requester,
            planned=planned,
            test_input=_flag(fields.get("test_input")),
        )
        db.commit()
        return _list(db, hub, made)


def _plan_read(
    resource_id: str, label: str, weights: str, planned: Sequence[Sequence[Planned]]
) -> PredictionPlan:
    images = [
        [
            PlannedRead(
                name=p.name,
                file_name=p.file_name,
                axes=p.axes,
                explanation=list(p.explanation),
                shape=list(p.shape),
                dtype=p.dtype,
            )
            for p in row
        ]
        for row in planned
    ]
    return PredictionPlan(
        resource_id=resource_id, version=label, weight_format=weights, images=images
    )


def _list(db: DbSession, hub: Hub, predictions: Sequence[Prediction]) -> PredictionList:
    where = fair.positions(db, predictions)
    return PredictionList(predictions=[read(p, hub.links, where.get(p.id)) for p in predictions])


async def _wait_for(hub: Hub, ids: list[str], requester: Requester, wait: float) -> PredictionList:
    """Poll the rows until every prediction has finished or ``wait`` seconds have passed."""
    deadline = time.monotonic() + wait
    pause = 0.01
    while True:
        found = await run_in_threadpool(_reread, hub, ids, requester)
        if all(p.finished for p in found.predictions) or time.monotonic() >= deadline:
            return found
        await anyio.sleep(pause)
        pause = min(pause * 1.5, 0.25)


def _reread(hub: Hub, ids: list[str], requester: Requester) -> PredictionList:
    with hub.sessions() as db:
        rows = [service.get_own(db, prediction_id=i, requester=requester) for i in ids]
        return _list(db, hub, rows)


@router.get("/predictions")
def mine(hub: HubDep, db: DbSession, requester: Reader) -> PredictionList:
    """The requester's predictions, newest first (the last hundred)."""
    return _list(db, hub, service.list_own(db, requester=requester))


@router.get("/predictions/{prediction_id}")
async def one(
    prediction_id: str, hub: HubDep, requester: Reader, wait: str | None = None
) -> PredictionRead:
    """One of the requester's predictions; ``wait`` (seconds, at most 60) waits for its end."""
    seconds = _seconds(wait)
    found = await _wait_for(hub, [prediction_id], requester, seconds)
    return found.predictions[0]


@router.delete("/predictions/{prediction_id}")
def cancel(
    prediction_id: str, hub: HubDep, db: DbSession, requester: Reader, response: Response
) -> PredictionRead:
    """Cancel a prediction that has not finished (a finished one is left as it is)."""
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    service.cancel(db, prediction=prediction, settings=hub.settings)
    db.commit()
    _wake(hub)
    return read(prediction, hub.links)
