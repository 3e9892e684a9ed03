"""The ``predict`` job: the hub prepares what a worker needs (package files, stored inputs,
limits), a Dask worker runs the model in a warm sandboxed host (`execute`), the hub writes the
result and hands the freed slot to the next prediction in the fair queue."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion
from modelhub.checks.limits import SandboxLimits
from modelhub.db import utcnow
from modelhub.jobs.progress import report
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.predictions import fair
from modelhub.predictions.execute import PredictInput, PredictReport, PredictTask, run_prediction
from modelhub.predictions.models import Prediction, PredictionBlob, PredictionStatus
from modelhub.storage.factory import StorageDescription

LOG_CHARS = 20_000


@dataclass(frozen=True)
class PredictSettings:
    """What the hub binds into the ``predict`` kind."""

    package_storage: StorageDescription
    results_storage: StorageDescription
    limits: SandboxLimits
    scratch_root: Path
    hidden_paths: tuple[Path, ...]
    allow_unsandboxed: bool
    slots: int
    hosts_memory_bytes: int
    host_idle_s: float
    block_pixels: int
    use_gpu: bool
    retention_hours: float
    spare_host: bool = True


def task_template(settings: PredictSettings) -> PredictTask:
    """A task without a model or images: what a worker needs to start its host pool."""
    return PredictTask(
        prediction_id="",
        package_storage=settings.package_storage,
        package_files=(),
        host_key="",
        weight_format="",
        inputs=(),
        results_storage=settings.results_storage,
        limits=settings.limits,
        scratch_root=str(settings.scratch_root),
        hidden_paths=tuple(str(p) for p in settings.hidden_paths),
        allow_unsandboxed=settings.allow_unsandboxed,
        host_memory_bytes=settings.hosts_memory_bytes,
        host_idle_s=settings.host_idle_s,
        max_block_pixels=settings.block_pixels,
        use_gpu=settings.use_gpu,
        spare_host=settings.spare_host,
    )


def host_key(version: ResourceVersion, weight_format: str) -> str:
    """What a warm host holds: one version's model with one weight format."""
    label = f"v{version.number}" if version.number is not None else f"r{version.revision}"
    return f"{version.resource_id}/{label}/{weight_format}/{version.rdf_sha256[:16]}"


def run_predict(task: PredictTask) -> PredictReport:
    """Worker side: run the prediction, telling the hub how far it got."""

    def progress(fraction: float, note: str) -> None:
        report({"progress": round(fraction, 4), "note": note[:200]})

    return run_prediction(task, progress)


def make_kind(settings: PredictSettings) -> JobKind:
    """The ``predict`` job kind bound to this hub's storage, sandbox and host settings."""

    def prepare(db: Session, payload: dict[str, Any]) -> PredictTask:
        prediction = db.get(Prediction, payload["prediction_id"])
        if prediction is None or prediction.status.finished:
            raise SkipJob("the prediction was cancelled or already has its result")
        version = db.get(ResourceVersion, prediction.version_id)
        if version is None:
            raise SkipJob("the version no longer exists")
        prediction.status = PredictionStatus.running
        prediction.started_at = prediction.started_at or utcnow()
        prediction.progress_note = "starting"
        return replace(
            task_template(settings),
            prediction_id=prediction.id,
            package_files=tuple((f.path, f.blob_sha256) for f in version.files),
            host_key=host_key(version, prediction.weight_format),
            weight_format=prediction.weight_format,
            inputs=tuple(
                PredictInput(
                    name=i["name"], blob=i["blob"], file_name=i["file_name"], axes=i["axes"]
                )
                for i in prediction.inputs
            ),
        )

    def apply(db: Session, payload: dict[str, Any], result: PredictReport) -> None:
        prediction = db.get(Prediction, payload["prediction_id"])
        if prediction is not None and not prediction.status.finished:
            record(db, prediction, result)
            keep = timedelta(hours=settings.retention_hours)
            prediction.expires_at = max(prediction.expires_at, utcnow() + keep)
        fair.admit(db, slots=settings.slots)

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        prediction = db.get(Prediction, payload["prediction_id"])
        if prediction is not None and not prediction.status.finished:
            prediction.status = PredictionStatus.failed
            prediction.error_code = "worker_failed"
            prediction.message = f"The prediction could not be run: {error}"
            prediction.finished_at = utcnow()
        fair.admit(db, slots=settings.slots)

    def progress(db: Session, payload: dict[str, Any], data: dict[str, Any]) -> None:
        prediction = db.get(Prediction, payload["prediction_id"])
        if prediction is None or prediction.status is not PredictionStatus.running:
            return
        fraction = data.get("progress")
        if isinstance(fraction, int | float) and 0 <= fraction <= 1:
            prediction.progress = max(prediction.progress, float(fraction))
        note = data.get("note")
        if isinstance(note, str):
            prediction.progress_note = note[:200]

    def affinity(task: PredictTask) -> str:
        return str(task.host_key)

    return JobKind(
        name=fair.PREDICT_JOB,
        prepare=prepare,
        run=run_predict,
        apply=apply,
        fail=fail,
        progress=progress,
        affinity=affinity,
    )


def record(db: Session, prediction: Prediction, result: PredictReport) -> None:
    """Write what the worker found (idempotent: the same report writes the same state)."""
    succeeded = result.status == "succeeded"
    prediction.status = PredictionStatus.succeeded if succeeded else PredictionStatus.failed
    prediction.error_code = None if succeeded else (result.error_code or "model_failed")
    prediction.message = result.message
    prediction.outputs = [
        {
            "name": o.name,
            "blob": o.blob,
            "axes": o.axes,
            "shape": list(o.shape),
            "dtype": o.dtype,
        }
        for o in result.outputs
    ]
    prediction.device = result.device
    prediction.warm = result.warm
    prediction.blocks = result.blocks
    prediction.load_s = result.load_s
    prediction.predict_s = result.predict_s
    prediction.duration_s = result.duration_s
    prediction.log = result.log[-LOG_CHARS:]
    prediction.progress = 1.0 if succeeded else prediction.progress
    prediction.progress_note = None
    prediction.finished_at = prediction.finished_at or utcnow()
    held = {b.sha256 for b in db.query(PredictionBlob).filter_by(prediction_id=prediction.id)}
    for output in result.outputs:
        if output.blob not in held:
            db.add(PredictionBlob(prediction_id=prediction.id, sha256=output.blob))
            held.add(output.blob)
