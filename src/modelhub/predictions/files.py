"""A prediction's pictures and files, for its owner only: a PNG of one plane of any input or
output (the page's previews, with a slice/channel pick), and each result as ``.npy``, TIFF or
a zipped OME-Zarr (converted once, on first download, and kept with the prediction)."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm.attributes import flag_modified

from modelhub.deps import DbSession, HubDep
from modelhub.errors import ErrorDetail, HubError, ResourceNotFound
from modelhub.predictions import service
from modelhub.predictions.deps import Reader
from modelhub.predictions.images import ImageProblem, open_image
from modelhub.predictions.models import Prediction, PredictionBlob
from modelhub.predictions.preview import preview_png
from modelhub.predictions.retention import results_storage
from modelhub.predictions.writing import convert
from modelhub.storage.base import Storage

router = APIRouter(prefix="/api/v1", tags=["predictions"])
SUFFIXES: dict[str, str] = {"npy": ".npy", "tiff": ".tif", "zarr": ".ome.zarr.zip"}
_PICK = re.compile(r"[a-z]")
PRIVATE = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}


def _item(prediction: Prediction, side: str, name: str) -> dict[str, Any]:
    items = prediction.inputs if side == "inputs" else prediction.outputs
    found = next((i for i in items if i["name"] == name), None)
    if side not in ("inputs", "outputs") or found is None:
        raise ResourceNotFound(f"This prediction has no {side[:-1]} called '{name}'.")
    return found


def _expired() -> HubError:
    return HubError(
        "This file is no longer kept (predictions are deleted after a while).",
        status_code=410,
        code="expired",
    )


@contextlib.contextmanager
def _local_copy(results: Storage, blob: str) -> Iterator[Path]:
    """A local file with the blob's bytes: the blob's own file, or a temporary copy when the
    storage has no local files (S3)."""
    path = results.local_path(blob)
    if path is not None:
        yield path
        return
    if not results.exists(blob):
        raise _expired()
    with tempfile.TemporaryDirectory(prefix="modelhub-blob-") as folder:
        copy = Path(folder) / "blob"
        with results.open(blob) as src, copy.open("wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        yield copy


@router.get("/predictions/{prediction_id}/{side}/{name}/preview.png")
def preview(
    request: Request, prediction_id: str, side: str, name: str, hub: HubDep, db: DbSession,
    requester: Reader,
) -> Response:  # fmt: skip
    """One plane of an input or output as a PNG; query ``z=3&c=0&t=0`` picks the plane."""
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    item = _item(prediction, side, name)
    pick = _pick(dict(request.query_params))
    with _local_copy(results_storage(hub.settings), item["blob"]) as path:
        try:
            source = open_image(path, file_name=item.get("file_name", f"{name}.npy"))
            png = preview_png(source, item["axes"], pick=pick)
        except ImageProblem as problem:
            raise HubError(problem.message, status_code=422, code=problem.code) from None
    return Response(png, media_type="image/png", headers=PRIVATE)


def _pick(params: dict[str, str]) -> dict[str, int]:
    pick = {}
    for key, value in params.items():
        if not _PICK.fullmatch(key) or not value.lstrip("-").isdigit():
            message = f"'{key}={value}': pick a plane with one letter and a number, like z=3."
            detail = ErrorDetail(loc=(key,), msg="not a plane")
            raise HubError(message, details=(detail,), status_code=422, code="invalid_request")
        pick[key] = int(value)
    return pick


@router.get("/predictions/{prediction_id}/outputs/{file_name}")
def download(
    prediction_id: str, file_name: str, hub: HubDep, db: DbSession, requester: Reader
) -> Response:
    """A result as a file: ``<name>.npy``, ``<name>.tiff`` or ``<name>.zarr``."""
    prediction = service.get_own(db, prediction_id=prediction_id, requester=requester)
    name, _, fmt = file_name.rpartition(".")
    if fmt not in SUFFIXES:
        raise ResourceNotFound("Results come as .npy, .tiff or .zarr (a zipped OME-Zarr).")
    item = _item(prediction, "outputs", name)
    results = results_storage(hub.settings)
    blob = item["blob"] if fmt == "npy" else item.get("formats", {}).get(fmt)
    if blob is None or not results.exists(blob):
        with _local_copy(results, item["blob"]) as npy:
            blob = _convert(results, npy, fmt, item["axes"])  # type: ignore[arg-type]
        _keep(db, prediction, item, fmt, blob)
    stem = f"{prediction.resource_id.replace('/', '__')}-{prediction.id}-{name}"
    local = results.local_path(blob)
    if local is not None:
        return FileResponse(
            local,
            media_type="application/octet-stream",
            filename=stem + SUFFIXES[fmt],
            headers=PRIVATE,
        )
    if not results.exists(blob):
        raise _expired()
    headers = {
        **PRIVATE,
        "Content-Disposition": f"attachment; filename*=utf-8''{quote(stem + SUFFIXES[fmt])}",
        "Content-Length": str(results.size(blob)),
    }
    return StreamingResponse(
        results.iter_bytes(blob), media_type="application/octet-stream", headers=headers
    )


def _convert(results: Storage, npy: Path, fmt: Literal["tiff", "zarr"], axes: str) -> str:
    with tempfile.TemporaryDirectory(prefix="modelhub-result-") as folder:
        made = convert(npy, fmt, Path(folder) / f"result{SUFFIXES[fmt]}", axes)
        return results.put_file(made, move=True).sha256


def _keep(db: DbSession, prediction: Prediction, item: dict[str, Any], fmt: str, blob: str) -> None:
    item.setdefault("formats", {})[fmt] = blob
    flag_modified(prediction, "outputs")
    if db.get(PredictionBlob, (prediction.id, blob)) is None:
        db.add(PredictionBlob(prediction_id=prediction.id, sha256=blob))
    db.commit()
