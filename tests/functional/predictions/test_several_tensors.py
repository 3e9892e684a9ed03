"""A model with two inputs and two outputs, through the API: images sent per input
(`image.raw`, `image.mask`) and paired in order, every output of every prediction checked
against numpy, unpaired images refused, a pair large enough to be predicted blockwise, and the
package's own pair of test inputs."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import tifffile
from PIL import Image

from tests.conftest import auth
from tests.functional.predictions.conftest import Running, npy_bytes, publish

pytestmark = [pytest.mark.slow, pytest.mark.once]

Files = list[tuple[str, tuple[str, bytes]]]


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _tif(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, image)
    return buffer.getvalue()


def _ask(running: Running, model: str, files: Files, **fields: str) -> Any:
    return running.http.post(
        f"/api/v1/resources/{model}/predictions",
        headers=auth(running.member),
        files=files or None,
        data={"wait": "60", **fields},
    )


def _check(running: Running, prediction: dict[str, Any], raw: np.ndarray, mask: np.ndarray) -> None:
    from tests.functional.predictions.two_tensors import expected

    assert prediction["status"] == "succeeded", prediction
    assert [i["name"] for i in prediction["inputs"]] == ["raw", "mask"]
    outputs = {o["name"]: o for o in prediction["outputs"]}
    assert set(outputs) == {"sum", "product"}
    for name, want in expected(raw, mask).items():
        got = running.http.get(outputs[name]["downloads"]["npy"], headers=auth(running.member))
        assert got.status_code == 200, got.text
        values = np.load(io.BytesIO(got.content))
        assert values.shape == tuple(outputs[name]["shape"])
        np.testing.assert_allclose(values.reshape(want.shape), want, rtol=1e-6, err_msg=name)


def test_two_inputs_and_two_outputs(
    running: Running, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.functional.predictions.two_tensors import build

    folder = build(tmp_path_factory.mktemp("two") / "package")
    model = publish(running.http, running.admin, folder, checked=True)  # 201: it validated
    rng = np.random.default_rng(11)
    raw_a = rng.random((40, 56), dtype=np.float32) * 10
    mask_a = (rng.random((40, 56)) > 0.5).astype(np.uint8) * 3
    raw_b = (rng.random((70, 70)) * 4000).astype(np.uint16)
    mask_b = rng.random((70, 70), dtype=np.float32)
    files: Files = [
        ("image.raw", ("a.npy", npy_bytes(raw_a))),
        ("image.mask", ("a-mask.png", _png(mask_a))),
        ("image.raw", ("b.tif", _tif(raw_b))),
        ("image.mask", ("b-mask.npy", npy_bytes(mask_b))),
    ]
    r = _ask(running, model, files)
    assert r.status_code == 202, r.text
    first, second = r.json()["predictions"]
    _check(running, first, raw_a, mask_a)
    _check(running, second, raw_b, mask_b)

    unpaired = _ask(running, model, files[:3])  # two raw images, one mask
    assert unpaired.status_code == 422, unpaired.text
    assert unpaired.json()["error"]["code"] == "inputs_unpaired"

    raw_c = rng.random((1200, 1100), dtype=np.float32)
    mask_c = rng.random((1200, 1100), dtype=np.float32)
    large = [
        ("image.raw", ("c.npy", npy_bytes(raw_c))),
        ("image.mask", ("c-mask.npy", npy_bytes(mask_c))),
    ]
    r = _ask(running, model, large)
    assert r.status_code == 202, r.text
    [tiled] = r.json()["predictions"]
    assert tiled["blocks"] == 4, tiled  # 2 x 2 windows of at most 1024² pixels (the default)
    _check(running, tiled, raw_c, mask_c)

    r = _ask(running, model, [], test_input="true")  # the package's own pair of test inputs
    assert r.status_code == 202, r.text
    [own] = r.json()["predictions"]
    _check(running, own, np.load(folder / "test_raw.npy"), np.load(folder / "test_mask.npy"))
