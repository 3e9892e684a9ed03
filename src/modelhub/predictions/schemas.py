"""What the prediction routes answer (JSON, and the pages' twins)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class InputSpecRead(BaseModel):
    """One model input as the form shows it."""

    id: str
    axes: str  # the model's axes as image letters, e.g. "bcyx"
    description: str
    sizes: dict[str, str]  # axis letter -> "512", "≥ 64, step 16"…
    channels: int | None
    has_test_tensor: bool


class PredictInfo(BaseModel):
    """What a model can be run with here: ``GET /api/v1/resources/{id}/predict``."""

    resource_id: str
    name: str
    version: str
    versions: list[str]
    weight_formats: list[str]
    default_weight_format: str | None
    inputs: list[InputSpecRead]
    outputs: list[str]
    allowed: bool
    why_not: str | None
    max_bytes: int
    max_pixels: int
    formats: list[str]  # image formats accepted
    output_formats: list[str]
    predictions_url: str


class ErrorRead(BaseModel):
    code: str
    message: str


class InputRead(BaseModel):
    name: str
    file_name: str
    axes: str
    explanation: list[str]
    shape: list[int]
    dtype: str
    size: int
    preview_url: str
    planes: dict[str, int]


class OutputRead(BaseModel):
    name: str
    axes: str
    shape: list[int]
    dtype: str
    preview_url: str
    planes: dict[str, int]
    downloads: dict[str, str]  # format -> URL


class PredictionRead(BaseModel):
    id: str
    url: str
    page_url: str
    batch: str
    resource_id: str
    version: str
    weight_format: str
    status: str
    finished: bool
    queue_position: int | None
    progress: float
    progress_note: str | None
    error: ErrorRead | None
    message: str | None
    device: str | None
    warm: bool | None
    blocks: int | None
    load_s: float | None
    predict_s: float | None
    duration_s: float | None
    test_input: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime
    inputs: list[InputRead]
    outputs: list[OutputRead]


class PredictionList(BaseModel):
    predictions: list[PredictionRead]


class PlannedRead(BaseModel):
    name: str
    file_name: str
    axes: str
    explanation: list[str]
    shape: list[int]
    dtype: str


class PredictionPlan(BaseModel):
    """A dry run: how the images would be read, nothing stored or run."""

    resource_id: str
    version: str
    weight_format: str
    images: list[list[PlannedRead]]
