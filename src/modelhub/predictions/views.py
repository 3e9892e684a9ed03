"""A prediction as the API and pages show it: its row, its place in the queue, its links."""

from __future__ import annotations

from typing import Any

from modelhub.links import Links
from modelhub.predictions.models import Prediction
from modelhub.predictions.preview import planes
from modelhub.predictions.schemas import ErrorRead, InputRead, OutputRead, PredictionRead

OUTPUT_FORMATS = ("tiff", "npy", "zarr")


def _planes(item: dict[str, Any]) -> dict[str, int]:
    return planes(tuple(item["shape"]), item["axes"])


def read(prediction: Prediction, links: Links, position: int | None = None) -> PredictionRead:
    pid = prediction.id
    label = f"v{prediction.version_number}" if prediction.version_number is not None else "draft"
    error = (
        ErrorRead(code=prediction.error_code, message=prediction.message or "")
        if prediction.error_code
        else None
    )
    inputs = [
        InputRead(
            name=i["name"],
            file_name=i["file_name"],
            axes=i["axes"],
            explanation=list(i.get("explanation", [])),
            shape=list(i["shape"]),
            dtype=i["dtype"],
            size=i["size"],
            preview_url=links.absolute(links.prediction_preview_path(pid, "inputs", i["name"])),
            planes=_planes(i),
        )
        for i in prediction.inputs
    ]
    outputs = [
        OutputRead(
            name=o["name"],
            axes=o["axes"],
            shape=list(o["shape"]),
            dtype=o["dtype"],
            preview_url=links.absolute(links.prediction_preview_path(pid, "outputs", o["name"])),
            planes=_planes(o),
            downloads={
                fmt: links.absolute(links.prediction_output_path(pid, o["name"], fmt))
                for fmt in OUTPUT_FORMATS
            },
        )
        for o in prediction.outputs
    ]
    return PredictionRead(
        id=pid,
        url=links.prediction_api(pid),
        page_url=links.absolute(links.prediction_path(pid)),
        batch=prediction.batch,
        resource_id=prediction.resource_id,
        version=label,
        weight_format=prediction.weight_format,
        status=prediction.status.value,
        finished=prediction.status.finished,
        queue_position=position,
        progress=prediction.progress,
        progress_note=prediction.progress_note,
        error=error,
        message=prediction.message,
        device=prediction.device,
        warm=prediction.warm,
        blocks=prediction.blocks,
        load_s=prediction.load_s,
        predict_s=prediction.predict_s,
        duration_s=prediction.duration_s,
        test_input=prediction.test_input,
        created_at=prediction.created_at,
        started_at=prediction.started_at,
        finished_at=prediction.finished_at,
        expires_at=prediction.expires_at,
        inputs=inputs,
        outputs=outputs,
    )
