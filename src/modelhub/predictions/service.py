"""Predictions as the rest of the hub sees them: ask for some, read your own, cancel, write
what the workers found. Services never commit; the routes do."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceType, ResourceVersion
from modelhub.checks.runtimes import runtime_missing
from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES
from modelhub.config import Settings
from modelhub.db import utcnow
from modelhub.errors import ErrorDetail, HubError, ResourceNotFound
from modelhub.predictions import fair
from modelhub.predictions.inputs import Planned
from modelhub.predictions.models import Prediction, PredictionBlob, PredictionStatus
from modelhub.predictions.owners import Limits, Requester
from modelhub.predictions.spec import ModelIO, ModelIOError, read_model_io
from modelhub.storage.base import Storage

PREFERRED_WEIGHTS = (
    "torchscript",
    "pytorch_state_dict",
    "onnx",
    "tensorflow_saved_model_bundle",
    "keras_hdf5",
    "keras_v3",
)
_IO_CACHE: dict[str, ModelIO] = {}
_IO_CACHE_SIZE = 256


class TooMany(HubError):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message=message, status_code=429, code=code)


def _refused(code: str, message: str, loc: tuple[str | int, ...]) -> HubError:
    detail = (ErrorDetail(loc=loc, msg=message),)
    return HubError(message=message, details=detail, status_code=422, code=code)


def model_io(storage: Storage, version: ResourceVersion) -> ModelIO:
    """The inputs, outputs and weight formats of ``version`` (read once per description)."""
    if version.resource.type is not ResourceType.model:
        raise _refused("not_a_model", "Only models can be run on images.", ("resource",))
    cached = _IO_CACHE.get(version.rdf_sha256)
    if cached is not None:
        return cached
    files = {f.path: f.blob_sha256 for f in version.files}
    name = next((n for n in DESCRIPTION_FILES if n in files), None)
    if name is None:
        raise _refused("not_a_model", "This version has no model description.", ("resource",))
    with tempfile.TemporaryDirectory(prefix="modelhub-io-") as folder:
        with storage.open(files[name]) as src:
            (Path(folder) / name).write_bytes(src.read())
        try:
            io = read_model_io(Path(folder))
        except ModelIOError as exc:
            raise _refused("not_runnable", str(exc), ("resource",)) from None
    if len(_IO_CACHE) >= _IO_CACHE_SIZE:
        _IO_CACHE.pop(next(iter(_IO_CACHE)))
    _IO_CACHE[version.rdf_sha256] = io
    return io


def runnable_weights(io: ModelIO) -> list[str]:
    """The model's weight formats this hub can run, best first."""
    order = {name: i for i, name in enumerate(PREFERRED_WEIGHTS)}
    found = [w for w in io.weight_formats if runtime_missing(w) is None]
    return sorted(found, key=lambda w: order.get(w, len(order)))


def choose_weights(io: ModelIO, wanted: str | None) -> str:
    runnable = runnable_weights(io)
    if not runnable:
        raise _refused(
            "no_runnable_weights",
            "This hub cannot run any of this model's weight formats "
            f"({', '.join(io.weight_formats) or 'none'}).",
            ("weights",),
        )
    if wanted is None or wanted == "":
        return runnable[0]
    if wanted not in runnable:
        raise _refused(
            "unknown_weight_format",
            f"This model cannot be run here with '{wanted}' weights; choose one of: "
            f"{', '.join(runnable)}.",
            ("weights",),
        )
    return wanted


def _owned_by(requester: Requester) -> Any:
    if requester.user is not None:
        return Prediction.owner_user_id == requester.user.id
    return Prediction.owner_trial == requester.trial


def check_allowance(db: Session, *, requester: Requester, limits: Limits, count: int) -> None:
    """Refuse (429) more predictions than the requester may ask for now."""
    since = utcnow() - timedelta(hours=1)
    recent = select(func.count()).select_from(Prediction).where(Prediction.created_at > since)
    made = db.scalar(recent.where(_owned_by(requester))) or 0
    if requester.anonymous and requester.client is not None:
        by_address = db.scalar(recent.where(Prediction.client_hash == requester.client)) or 0
        made = max(made, by_address)
    if made + count > limits.per_hour:
        raise TooMany(
            f"You can run {limits.per_hour} predictions an hour here; please wait a little"
            + ("" if not requester.anonymous else ", or sign in for more")
            + ".",
            code="rate_limited",
        )
    waiting = db.scalar(
        select(func.count())
        .select_from(Prediction)
        .where(_owned_by(requester), Prediction.status == PredictionStatus.waiting)
    )
    if (waiting or 0) + count > limits.max_waiting:
        raise TooMany(
            f"You already have {waiting} predictions waiting; at most {limits.max_waiting} may "
            "wait at a time. Please send the rest when these are done.",
            code="queue_full",
        )


def create(
    db: Session,
    *,
    settings: Settings,
    results: Storage,
    version: ResourceVersion,
    weight_format: str,
    requester: Requester,
    planned: Sequence[Sequence[Planned]],
    package_storage: Storage,
    test_input: bool = False,
) -> list[Prediction]:
    """Store the inputs and add one waiting prediction per set of images; the fair queue
    then hands out what fits (in the caller's transaction)."""
    batch = secrets.token_hex(8)
    now = utcnow()
    expires = now + timedelta(hours=settings.predict_retention_hours)
    made = []
    for row in planned:
        inputs = [_store(results, package_storage, p) for p in row]
        prediction = Prediction(
            id=secrets.token_urlsafe(16)[:22],
            batch=batch,
            resource_id=version.resource_id,
            version_id=version.id,
            version_number=version.number,
            weight_format=weight_format,
            owner_user_id=requester.user_id,
            owner_trial=None if requester.user is not None else requester.trial,
            client_hash=requester.client,
            status=PredictionStatus.waiting,
            inputs=inputs,
            outputs=[],
            test_input=test_input,
            progress=0.0,
            log="",
            created_at=now,
            expires_at=expires,
        )
        db.add(prediction)
        db.flush()
        for blob in {i["blob"] for i in inputs}:
            db.add(PredictionBlob(prediction_id=prediction.id, sha256=blob))
        made.append(prediction)
    db.flush()
    fair.admit(db, slots=settings.predict_slots)
    return made


def _store(results: Storage, package_storage: Storage, planned: Planned) -> dict[str, Any]:
    if planned.path is not None:
        blob = results.put_file(planned.path).sha256
    elif planned.blob is not None:
        blob = results.put_stream(package_storage.iter_bytes(planned.blob)).sha256
    else:
        raise ValueError("a planned input has neither a file nor a blob")
    return {
        "name": planned.name,
        "blob": blob,
        "file_name": planned.file_name,
        "axes": planned.axes,
        "explanation": list(planned.explanation),
        "shape": list(planned.shape),
        "dtype": planned.dtype,
        "size": planned.size,
    }


def get_own(db: Session, *, prediction_id: str, requester: Requester) -> Prediction:
    """The requester's prediction; anyone else's answers as if it did not exist."""
    prediction = db.get(Prediction, prediction_id)
    if prediction is None or not _owns(prediction, requester):
        raise ResourceNotFound("There is no such prediction (it may have expired).")
    return prediction


def _owns(prediction: Prediction, requester: Requester) -> bool:
    if requester.user is not None:
        return prediction.owner_user_id == requester.user.id
    return requester.trial is not None and prediction.owner_trial == requester.trial


def list_own(db: Session, *, requester: Requester, limit: int = 100) -> list[Prediction]:
    if requester.user is None and requester.trial is None:
        return []
    query = select(Prediction).where(_owned_by(requester))
    return list(db.scalars(query.order_by(Prediction.created_at.desc()).limit(limit)))


def cancel(db: Session, *, prediction: Prediction, settings: Settings) -> None:
    """Stop a prediction that has not finished (its job's result, if any, is dropped)."""
    if prediction.status.finished:
        return
    prediction.status = PredictionStatus.cancelled
    prediction.finished_at = utcnow()
    prediction.message = "Cancelled."
    fair.admit(db, slots=settings.predict_slots)
