"""JSON routes of predictions: what a model can be run with, ask for predictions (images in a
multipart form, or the package's own test input), follow them, cancel them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.deps import DbSession, HubDep
from modelhub.errors import HubError
from modelhub.predictions import info, service
from modelhub.predictions.asking import (
    FIELDS_BYTES,
    MAX_FILES,
    create_predictions,
    listing,
    save_images,
    seconds,
    text_fields,
    wait_for,
    wake,
)
from modelhub.predictions.deps import Asker, Reader
from modelhub.predictions.inputs import Upload
from modelhub.predictions.owners import limits_for
from modelhub.predictions.schemas import PredictInfo, PredictionList, PredictionPlan, PredictionRead
from modelhub.predictions.views import read
from modelhub.uploads.receive import form_of, staging_area

router = APIRouter(prefix="/api/v1", tags=["predictions"])


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
                fields.update(text_fields(form))
                uploads = await save_images(form, area, limits.max_bytes)
        elif kind.startswith("application/x-www-form-urlencoded"):
            async with form_of(request, limit=FIELDS_BYTES, max_files=0, max_fields=32) as form:
                fields.update(text_fields(form))
        else:
            async for chunk in request.stream():  # never read into memory: refused at once
                if chunk:
                    raise HubError(
                        "Send the images as a multipart form (field 'image').",
                        status_code=415,
                        code="not_a_form",
                    )
        made = await run_in_threadpool(
            create_predictions, hub, resource_id, requester, uploads, fields
        )
    if isinstance(made, PredictionPlan):
        response.status_code = 200  # nothing was made
        return made
    wake(hub)
    wait = seconds(fields.get("wait"))
    if wait > 0:
        made = await wait_for(hub, [p.id for p in made.predictions], requester, wait)
    return made


@router.get("/predictions")
def mine(hub: HubDep, db: DbSession, requester: Reader) -> PredictionList:
    """The requester's predictions, newest first (the last hundred)."""
    return listing(db, hub, service.list_own(db, requester=requester))


@router.get("/predictions/{prediction_id}")
async def one(
    prediction_id: str, hub: HubDep, requester: Reader, wait: str | None = None
) -> PredictionRead:
    """One of the requester's predictions; ``wait`` (seconds, at most 60) waits until its
    status, queue position or progress changes."""
    found = await wait_for(hub, [prediction_id], requester, seconds(wait), until_change=True)
    return found.predictions[0]


@router.delete("/predictions/{prediction_id}")
def cancel(
    prediction_id: str, hub: HubDep, db: DbSession, requester: Reader, response: Response
) -> PredictionRead:
    """Cancel a prediction that has not finished (a finished one is left as it is)."""
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    service.cancel(db, prediction=prediction, settings=hub.settings)
    db.commit()
    wake(hub)
    return read(prediction, hub.links)
