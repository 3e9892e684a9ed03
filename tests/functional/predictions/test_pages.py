"""The prediction pages on real parts: the form posted as a browser posts it (CSRF token,
multipart images), the redirect to the prediction's page, its JSON twin once the sandboxed model
has run, privacy, refusals shown on the form; and ``modelhub predict`` as a real subprocess."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import tifffile
from PIL import Image

from modelhub.web.cookies import CSRF_COOKIE
from tests.conftest import auth
from tests.functional.cli.common import run_cli
from tests.functional.predictions.conftest import Running, npy_bytes
from tests.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.once]


def _form(running: Running, token: str) -> tuple[httpx.Client, str]:
    """A browser-like client of ``token``'s person that has opened the model's form."""
    client = httpx.Client(base_url=running.server.url, headers=auth(token), timeout=120)
    page = client.get(f"/resources/{running.model}/predict")
    assert page.status_code == 200, page.text
    token_field = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token_field is not None and client.cookies[CSRF_COOKIE] == token_field.group(1)
    assert 'id="try-test"' in page.text and 'name="image"' in page.text
    return client, token_field.group(1)


def _finished(client: httpx.Client, path: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(path, params={"format": "json"}).json()
        return body if body["finished"] else None

    return eventually(done, timeout=240, interval=0.2, what=f"{path} finished")


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_form_post_redirects_to_a_private_prediction_page(running: Running) -> None:
    client, csrf = _form(running, running.member)
    name = "a-very-long-microscope-file-name-without-any-break-" * 4 + ".png"
    grey = (np.arange(40 * 56).reshape(40, 56) % 251).astype("uint8")
    sent = client.post(
        f"/resources/{running.model}/predict",
        data={"csrf": csrf, "weights": "torchscript"},
        files=[("image", (name, _png(grey)))],
    )
    assert sent.status_code == 303, sent.text
    target = sent.headers["location"]
    assert re.fullmatch(r"/predictions/[\w-]{22}", target)
    done = _finished(client, target)
    assert done["status"] == "succeeded" and done["error"] is None, done
    assert [i["file_name"] for i in done["inputs"]] == [name]
    assert done["inputs"][0]["axes"] == "yx" and done["inputs"][0]["explanation"]
    [output] = done["outputs"]
    assert output["shape"][-2:] == [40, 56]
    html = client.get(target).text
    for url in output["downloads"].values():
        assert url.removeprefix(running.server.url) in html
    assert 'class="output-preview"' in html and 'id="cancel"' not in html
    assert client.get(output["preview_url"]).headers["content-type"] == "image/png"
    # the owner's list has it; anyone else finds no such page
    mine = client.get("/predictions", params={"format": "json"}).json()["predictions"]
    assert mine[0]["id"] == done["id"]
    other = httpx.get(running.server.url + target, headers=auth(running.other))
    assert other.status_code == 404
    assert "no such prediction" in other.text.lower()
    client.close()


def test_form_refusals_and_several_images(running: Running) -> None:
    client, csrf = _form(running, running.member)
    path = f"/resources/{running.model}/predict"
    twin = client.get(path, params={"format": "json"}).json()
    assert twin["weight_formats"] == ["torchscript"] and twin["allowed"] is True
    assert [i["has_test_tensor"] for i in twin["inputs"]] == [True]
    before = client.get("/predictions", params={"format": "json"}).json()["predictions"]
    refused = client.post(path, data={"csrf": csrf}, files=[("image", ("notes.tif", b"text"))])
    assert refused.status_code == 422
    assert 'id="form-error"' in refused.text and "predict-form" in refused.text
    expired = client.post(path, data={"csrf": "forged"}, files=[("image", ("a.npy", b"x"))])
    assert expired.status_code == 403 and "The form expired" in expired.text
    after = client.get("/predictions", params={"format": "json"}).json()["predictions"]
    assert after == before
    # two images: one prediction each, and the list of this request's predictions
    images = [
        ("image", (f"plane{n}.npy", npy_bytes(np.full((24, 24), n, "float32")))) for n in (1, 2)
    ]
    sent = client.post(path, data={"csrf": csrf}, files=images)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/predictions?batch=")
    batch = client.get(sent.headers["location"] + "&format=json").json()
    assert sorted(p["inputs"][0]["file_name"] for p in batch["predictions"]) == [
        "plane1.npy",
        "plane2.npy",
    ]
    assert len({p["batch"] for p in batch["predictions"]}) == 1
    # nobody signed in: the form says to sign in, and posting it leads to the login page
    anonymous = httpx.get(running.server.url + path)
    assert anonymous.status_code == 200 and 'id="why-not"' in anonymous.text
    assert "predict-form" not in anonymous.text
    posted = httpx.post(running.server.url + path, data={"csrf": "x"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login?next=")
    client.close()


@pytest.mark.once
def test_cli_predicts_into_a_folder(running: Running, tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = run_cli(
        running.server,
        "predict",
        running.model,
        "--test-input",
        "-o",
        str(out),
        token=running.member,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = sorted(out.iterdir())
    assert result.name == "test_input_smoothed.tif"
    expected = np.load(running.folder / "test_output.npy")
    np.testing.assert_allclose(tifffile.imread(result).reshape(expected.shape), expected, atol=1e-4)
    assert "on cpu" in done.stdout and "1 of 1 predictions done" in done.stdout
    wrong = run_cli(
        running.server, "predict", running.model, "--test-input", "--weights", "onnx",
        "-o", str(out), token=running.member,
    )  # fmt: skip
    assert wrong.returncode == 1
    assert "cannot be run here with 'onnx' weights" in wrong.stderr
