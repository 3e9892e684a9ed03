"""Predictions on real parts, through the API: a published model run in the sandbox on its own
test input and on people's images (PNG, TIFF), results downloaded in every format and compared
with what the model gives in-process; refusals that keep nothing; privacy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from PIL import Image

from modelhub.demo import nets
from tests.conftest import auth
from tests.functional.predictions.conftest import Running, npy_bytes

pytestmark = [pytest.mark.slow, pytest.mark.once]


def _ask(
    running: Running, token: str, files: list[tuple[str, tuple[str, bytes]]], **fields: str
) -> Any:
    r = running.http.post(
        f"/api/v1/resources/{running.model}/predictions",
        headers=auth(token),
        files=files or None,
        data={"wait": "120", **fields},
    )
    return r


def _expected(image: np.ndarray) -> np.ndarray:
    """The demo model's output computed in this process (normalise, smooth, sigmoid)."""
    batch = image.astype("float32")[np.newaxis, np.newaxis]
    out = nets.predict(nets.make_smoothing_filter(), nets.zero_mean_unit_variance(batch))
    return np.asarray(out[0, 0])


def test_the_test_image_in_one_click_then_warm(running: Running) -> None:
    first = _ask(running, running.member, [], test_input="true")
    assert first.status_code == 202, first.text
    done = first.json()["predictions"][0]
    assert done["status"] == "succeeded", done
    assert done["device"] == "cpu" and done["test_input"] is True
    [output] = done["outputs"]
    raw = running.http.get(output["downloads"]["npy"], headers=auth(running.member))
    assert raw.status_code == 200
    got = np.load(io.BytesIO(raw.content))
    expected = np.load(running.folder / "test_output.npy")
    assert got.shape == tuple(output["shape"])
    np.testing.assert_allclose(got.reshape(expected.shape), expected, atol=1e-4)
    tiff = running.http.get(output["downloads"]["tiff"], headers=auth(running.member))
    assert tiff.status_code == 200
    np.testing.assert_allclose(tifffile.imread(io.BytesIO(tiff.content)).reshape(got.shape), got)
    png = running.http.get(output["preview_url"], headers=auth(running.member))
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    again = _ask(running, running.member, [], test_input="true").json()["predictions"][0]
    assert again["status"] == "succeeded" and again["warm"] is True, again


def test_own_images_of_other_sizes_and_formats(running: Running) -> None:
    rng = np.random.default_rng(5)
    grey = (rng.random((90, 130)) * 200).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG")
    stack = (rng.random((70, 70)) * 4000).astype("uint16")
    tif = io.BytesIO()
    tifffile.imwrite(tif, stack)
    files = [
        (
            "image",
            ("a rather long file name of a microscope image " * 3 + ".png", buffer.getvalue()),
        ),
        ("image", ("cells.tif", tif.getvalue())),
    ]
    r = _ask(running, running.member, files)
    assert r.status_code == 202, r.text
    made = r.json()["predictions"]
    assert [p["status"] for p in made] == ["succeeded", "succeeded"], made
    for prediction, image in zip(made, (grey, stack), strict=True):
        assert prediction["inputs"][0]["axes"] == "yx"
        assert prediction["inputs"][0]["explanation"]
        [output] = prediction["outputs"]
        got = np.load(
            io.BytesIO(
                running.http.get(output["downloads"]["npy"], headers=auth(running.member)).content
            )
        )
        np.testing.assert_allclose(got.reshape(image.shape), _expected(image), atol=1e-4)
    # private: another person does not even learn that it exists
    other = running.http.get(made[0]["url"], headers=auth(running.other))
    assert other.status_code == 404
    mine = running.http.get("/api/v1/predictions", headers=auth(running.member)).json()
    assert {p["id"] for p in made} <= {p["id"] for p in mine["predictions"]}


def _predictions_kept(running: Running) -> int:
    from sqlalchemy import func, select

    from modelhub.predictions.models import Prediction

    with running.server.hub.sessions() as db:
        return db.scalar(select(func.count()).select_from(Prediction)) or 0


def test_refused_images_keep_nothing(running: Running) -> None:
    before = _predictions_kept(running)
    blobs = running.server.hub.settings.predictions_dir / "blobs"
    stored = {p for p in blobs.rglob("*") if p.is_file()} if blobs.exists() else set()
    text = _ask(running, running.member, [("image", ("notes.tif", b"these are not pixels"))])
    assert text.status_code == 422, text.text
    assert text.json()["error"]["code"] in {"unsupported_image", "unreadable_image"}
    rgb = io.BytesIO()
    Image.fromarray(np.zeros((32, 32, 3), dtype="uint8")).save(rgb, format="PNG")
    colour = _ask(running, running.member, [("image", ("rgb.png", rgb.getvalue()))], axes="yxc")
    assert colour.status_code == 422, colour.text
    error = colour.json()["error"]
    assert error["code"] == "wrong_channel_count" and error["details"][0]["loc"][0] == "images"
    wrong = _ask(
        running, running.member, [("image", ("x.npy", npy_bytes(np.zeros((20, 20)))))], axes="zyx"
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "axes_mismatch"
    anonymous = running.http.post(
        f"/api/v1/resources/{running.model}/predictions", data={"test_input": "true"}
    )
    assert anonymous.status_code == 401
    weights = _ask(running, running.member, [], test_input="true", weights="onnx")
    assert weights.status_code == 422 and weights.json()["error"]["code"] == "unknown_weight_format"
    assert _predictions_kept(running) == before
    after = {p for p in blobs.rglob("*") if p.is_file()} if blobs.exists() else set()
    assert after == stored


def test_dry_run_explains_and_runs_nothing(running: Running, tmp_path: Path) -> None:
    before = _predictions_kept(running)
    image = npy_bytes(np.ones((40, 50), dtype="float32"))
    r = _ask(running, running.member, [("image", ("plane.npy", image))], dry_run="true")
    assert r.status_code == 200, r.text
    planned = r.json()["images"][0][0]
    assert planned["axes"] == "yx" and planned["explanation"]
    assert _predictions_kept(running) == before
