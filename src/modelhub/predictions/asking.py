"""Asking for predictions, shared by the API and the pages: the request's fields and images
(saved under the prediction byte limit), the checks and plan (`inputs`), the rows (`service`),
and waiting for what the workers do."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import anyio
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from modelhub.catalog import service as catalog
from modelhub.errors import ErrorDetail, HubError
from modelhub.hub import Hub
from modelhub.predictions import fair, info, service
from modelhub.predictions.inputs import MAX_IMAGES, Planned, Upload, group_uploads, plan
from modelhub.predictions.models import Prediction
from modelhub.predictions.owners import Requester, limits_for
from modelhub.predictions.retention import results_storage
from modelhub.predictions.schemas import PlannedRead, PredictionList, PredictionPlan
from modelhub.predictions.views import read
from modelhub.uploads.receive import chosen_files, save_part, too_large

MAX_WAIT_S = 60.0
IMAGE_FIELD = "image"
MAX_FILES = 4 * MAX_IMAGES  # images of a model with several inputs
FIELDS_BYTES = 64 * 1024  # a form of fields only (test_input=true&wait=30)


def wake(hub: Hub) -> None:
    """Tell this process's dispatcher (if it runs one) to look at the job queue now."""
    notify = getattr(hub.jobs, "notify", None)
    if notify is not None:
        notify()


def text_fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


async def save_images(form: FormData, area: Path, limit: int) -> dict[str, list[Upload]]:
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


def flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def seconds(value: str | None) -> float:
    try:
        return min(max(float(value or 0), 0.0), MAX_WAIT_S)
    except ValueError:
        raise HubError(
            "'wait' is a number of seconds.",
            details=(ErrorDetail(loc=("wait",), msg="not a number"),),
            status_code=422,
            code="invalid_request",
        ) from None


def create_predictions(
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
        if flag(fields.get("test_input")):
            planned = [info.test_inputs(io, version, hub.storage)]
        else:
            planned = plan(io, group_uploads(io, uploads), axes=axes, limits=limits)
        label = f"v{version.number}" if version.number is not None else "draft"
        if flag(fields.get("dry_run")):
            return plan_read(version.resource_id, label, weights, planned)
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
            test_input=flag(fields.get("test_input")),
        )
        db.commit()
        return listing(db, hub, made)


def plan_read(
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


def listing(db: Session, hub: Hub, predictions: Sequence[Prediction]) -> PredictionList:
    where = fair.positions(db, predictions)
    return PredictionList(predictions=[read(p, hub.links, where.get(p.id)) for p in predictions])


async def wait_for(
    hub: Hub, ids: list[str], requester: Requester, wait: float, *, until_change: bool = False
) -> PredictionList:
    """Wait until every prediction has finished (``until_change``: or any changed its status,
    place in the queue or progress) or ``wait`` seconds have passed; then the full answer.

    Between full reads (each second, for the places in the queue), a light query of the
    rows' status and progress runs every few hundredths of a second at first, so an answer
    comes within a moment of the result's commit without loading the database."""
    start = time.monotonic()
    deadline = start + wait
    found = await run_in_threadpool(reread, hub, ids, requester)
    first = _marks(found)
    last_full = start
    pause = 0.005
    while not all(p.finished for p in found.predictions) and time.monotonic() < deadline:
        await anyio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.3, 0.02 if time.monotonic() - start < 10 else 0.25)
        light = await run_in_threadpool(_states, hub, ids)
        moved = light != [(p.status, p.progress, p.progress_note) for p in found.predictions]
        full_due = until_change and time.monotonic() - last_full >= 1.0
        if moved or full_due or time.monotonic() >= deadline:
            found, last_full = (
                await run_in_threadpool(reread, hub, ids, requester),
                time.monotonic(),
            )
            if until_change and _marks(found) != first:
                break
    return found


def _marks(found: PredictionList) -> list[tuple[str, int | None, float, str | None]]:
    return [(p.status, p.queue_position, p.progress, p.progress_note) for p in found.predictions]


def _states(hub: Hub, ids: list[str]) -> list[tuple[str, float, str | None]]:
    """Status and progress of the rows, in the order of ``ids`` (owner checked before)."""
    with hub.sessions() as db:
        rows = db.execute(
            select(
                Prediction.id, Prediction.status, Prediction.progress, Prediction.progress_note
            ).where(Prediction.id.in_(ids))
        )
        found = {pid: (status.value, progress, note) for pid, status, progress, note in rows}
    return [found.get(i, ("gone", 0.0, None)) for i in ids]


def reread(hub: Hub, ids: list[str], requester: Requester) -> PredictionList:
    with hub.sessions() as db:
        rows = [service.get_own(db, prediction_id=i, requester=requester) for i in ids]
        return listing(db, hub, rows)
