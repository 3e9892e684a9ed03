"""What a model can be run with here (the form of the site, the CLI's checks), and its own
test input as a ready-made input set ("Try it with the test image")."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from modelhub.catalog import service as catalog
from modelhub.catalog.models import ResourceVersion
from modelhub.errors import ErrorDetail, HubError
from modelhub.hub import Hub
from modelhub.predictions import service
from modelhub.predictions.inputs import Planned, model_letters
from modelhub.predictions.owners import Requester, limits_for
from modelhub.predictions.schemas import InputSpecRead, PredictInfo
from modelhub.predictions.spec import AxisSpec, ModelIO, TensorSpec
from modelhub.predictions.views import OUTPUT_FORMATS
from modelhub.storage.base import Storage

IMAGE_FORMATS = ["tiff", "png", "npy", "ome-zarr (zip)"]


def _size(axis: AxisSpec) -> str:
    if axis.size is not None:
        return str(axis.size)
    if axis.min is not None:
        return f"≥ {axis.min}" + (f", step {axis.step}" if axis.step else "")
    return "any"


def _input(spec: TensorSpec) -> InputSpecRead:
    letters = model_letters(spec)
    channels = next((a.size for a in spec.axes if a.kind == "channel"), None)
    return InputSpecRead(
        id=spec.id,
        axes=letters,
        description=spec.description,
        sizes={letter: _size(a) for letter, a in zip(letters, spec.axes, strict=True)},
        channels=channels,
        has_test_tensor=spec.test_file is not None,
    )


def predict_info(
    db: Session, *, hub: Hub, resource_id: str, label: str | None, requester: Requester
) -> PredictInfo:
    version = catalog.get_version(db, resource_id=resource_id, label=label, viewer=requester.user)
    io = service.model_io(hub.storage, version)
    runnable = service.runnable_weights(io)
    resource = catalog.get_resource(db, resource_id=resource_id, viewer=requester.user)
    versions = [
        f"v{v.number}" if v.number is not None else "draft"
        for v in catalog.visible_versions(db, resource=resource, viewer=requester.user)
    ]
    allowed = requester.user is not None or hub.settings.predict_anonymous
    why_not = None
    if not runnable:
        allowed, why_not = False, "This hub cannot run any of this model's weight formats."
    elif not allowed:
        why_not = "Sign in to run this model on your images."
    limits = limits_for(hub.settings, requester)
    return PredictInfo(
        resource_id=version.resource_id,
        name=version.name,
        version=f"v{version.number}" if version.number is not None else "draft",
        versions=versions,
        weight_formats=runnable,
        default_weight_format=runnable[0] if runnable else None,
        inputs=[_input(t) for t in io.inputs],
        outputs=[t.id for t in io.outputs],
        allowed=allowed,
        why_not=why_not,
        max_bytes=limits.max_bytes,
        max_pixels=limits.max_pixels,
        formats=IMAGE_FORMATS,
        output_formats=list(OUTPUT_FORMATS),
        predictions_url=hub.links.predictions_api(version.resource_id),
    )


def test_inputs(io: ModelIO, version: ResourceVersion, storage: Storage) -> list[Planned]:
    """The package's own test tensors, one per input, laid out as the model wants them."""
    files = {f.path: f for f in version.files}
    planned = []
    for spec in io.inputs:
        found = files.get(spec.test_file or "")
        if found is None:
            message = f"This model has no test input for '{spec.id}' to try it with."
            raise HubError(
                message=message,
                details=(ErrorDetail(loc=("test_input",), msg=message),),
                status_code=422,
                code="no_test_input",
            )
        shape = _npy_shape(storage, found.blob_sha256)
        planned.append(
            Planned(
                name=spec.id,
                file_name=found.path.rsplit("/", 1)[-1],
                axes=model_letters(spec),
                explanation=("The model's own test input, laid out as the model reads it.",),
                shape=shape[0],
                dtype=shape[1],
                size=found.size,
                blob=found.blob_sha256,
            )
        )
    return planned


def _npy_shape(storage: Storage, blob: str) -> tuple[tuple[int, ...], str]:
    """Shape and number type from the ``.npy`` header of a test tensor."""
    try:
        with storage.open(blob) as src:
            major, _ = np.lib.format.read_magic(src)
            read = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read(src)
    except (ValueError, OSError):
        message = "The model's test input is not a readable .npy file."
        raise HubError(message=message, status_code=422, code="no_test_input") from None
    return tuple(int(n) for n in shape), str(dtype)
