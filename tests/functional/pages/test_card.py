"""The resource page as a model card: documentation, covers, inputs/outputs, weights, people,
how to use; its JSON twin; drafts only for their people. Format 0.5 (the shared package and a
demo build) and format 0.4 (a demo build)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import yaml
from PIL import Image

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, LiveServer, auth
from tests.functional.pages.common import parse

README = """# U-Net for nuclei

<script>alert("owned")</script>

![the cover](cover0.png) and ![outside](https://images.example.org/pic.png)

[Test input](./test_input.npy) · [secrets](../../etc/passwd) · [missing](nothing.md)
"""


def _upload(http: httpx.Client, token: str, folder: Path, tmp: Path) -> str:
    archive = zip_folder(folder, tmp / f"{folder.name}.zip")
    r = http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    return rid


def _publish(http: httpx.Client, token: str, rid: str) -> None:
    r = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert r.status_code == 201, r.text


def _edit_rdf(path: Path, change: Any) -> None:
    rdf = yaml.safe_load(path.read_text())
    change(rdf)
    path.write_text(yaml.safe_dump(rdf, sort_keys=False))


def _tags(html: str, name: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in parse(html).tags if tag == name]


def _headings(html: str, level: str) -> list[str]:
    return re.findall(rf"<{level}[^>]*>(.*?)</{level}>", html, flags=re.S)


def test_card_of_the_shared_package(
    http: httpx.Client, server: LiveServer, admin_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    rid_data = "nuclei-broad-dataset"
    folder = tmp_path / "unet"
    shutil.copytree(shared_model_dir, folder)
    (folder / "README.md").write_text(README)
    _edit_rdf(folder / "bioimageio.yaml", lambda rdf: rdf.update(training_data={"id": rid_data}))
    rid = _upload(http, admin_token, folder, tmp_path)
    _publish(http, admin_token, rid)
    html = http.get(f"/resources/{rid}").text
    files = f"{server.url}/artifacts/{rid}/v1/files"

    # pictures of the test and sample tensors, input → output, each a real PNG
    pictures = [i for i in _tags(html, "img") if "/samples/" in str(i["src"])]
    assert [i["src"] for i in pictures] == [
        f"/resources/{rid}/versions/v1/samples/{n}.png"
        for n in ("test-input-0", "test-output-0", "sample-input-0", "sample-output-0")
    ]
    assert "Test input raw of" in str(pictures[0]["alt"])
    for picture in pictures:
        r = http.get(str(picture["src"]), headers={"accept": "image/*"})
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.headers["x-content-type-options"] == "nosniff"
        with Image.open(io.BytesIO(r.content)) as image:
            assert image.format == "PNG" and max(image.size) <= 384
    missing = http.get(f"/resources/{rid}/versions/v1/samples/test-input-7.png")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert "Training data" in html and rid_data in html
    catalog = parse(http.get("/", params={"q": "nuclei"}).text).text
    assert "Constantin Pape, Fynn Beuttenmueller" in " ".join(catalog)  # authors on the card

    # structure: one h1, the card's sections, the README's title demoted below them
    assert len(_headings(html, "h1")) == 1
    h2 = set(_headings(html, "h2"))
    assert {"Documentation", "Inputs and outputs", "Weights", "How to use", "Files"} <= h2
    assert "U-Net for nuclei" in _headings(html, "h3")
    assert all(th.get("scope") in ("col", "row") for th in _tags(html, "th"))
    images = _tags(html, "img")
    assert images and all(img.get("alt") for img in images)
    assert {"src": f"{files}/cover0.png", "alt": "the cover"} in images  # from the README
    assert any(i["src"] == f"{files}/cover0.png" and "Cover image" in str(i["alt"]) for i in images)

    # the README is sanitised, its links resolved inside this version only
    assert "<script>" not in html and "&lt;script&gt;" in html
    hrefs = [a.get("href") for a in _tags(html, "a")]
    assert f"{files}/test_input.npy" in hrefs
    assert not any(h and "etc/passwd" in h for h in hrefs) and "secrets" in html
    assert "https://images.example.org/pic.png" in hrefs
    assert not any(i["src"] == "https://images.example.org/pic.png" for i in images)

    text = " ".join(parse(html).text)
    for expected in (
        "1 × 1 × 512 × 512",  # input shape
        "raw_intensity",
        "normalised to zero mean and unit variance (statistics per sample over axes x, y)",
        "any × 1 × raw.y × raw.x",  # output shape, by reference
        "halo y: 32, x: 32",
        "range [0, 1]",
        "logistic sigmoid",
        "PyTorch 2.5.1",
        "ONNX opset 20",
    ):
        assert expected in text, expected
    assert f"{files}/test_output.npy" in hrefs and f"{files}/weights.pt" in hrefs
    assert "https://doi.org/10.1007/978-3-319-24574-4_28" in hrefs
    assert "https://example.com/" in hrefs and "https://spdx.org/licenses/MIT.html" in hrefs
    assert f"/api/v1/resources/{rid}/versions/v1/citation.bib" in hrefs

    # how to use: every consumer that runs torchscript or onnx; the hub's own URLs
    ways = set(_headings(html, "h3"))
    assert {
        "Python (bioimageio.core)",
        "deepImageJ",
        "Fiji (through deepImageJ)",
        "ilastik",
    } <= ways
    assert "ZeroCostDL4Mic" not in ways and "ZeroCostDL4Mic" in text
    assert "ImJoy (BioEngine)" in ways and "BiaPy" not in ways  # no state dict here
    assert f"bioimageio test {rid}/v1" in text and f"{server.url}/id_map.json" in text

    # the JSON twin carries the same card
    twin = http.get(f"/resources/{rid}", params={"format": "json"}).json()
    card = twin["card"]
    assert card["documentation_html"] in html
    assert [t["shape"] for t in card["inputs"]] == ["1 × 1 × 512 × 512"]
    assert [w["format"] for w in card["weights"]] == ["torchscript", "onnx"]
    assert card["cite"][0]["doi_url"] in hrefs
    assert card["how_to_use"]["ways"][0]["key"] == "python"


def test_card_of_a_0_4_draft_then_published(
    http: httpx.Client, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    built = build_package("model-0.4", tmp_path / "legacy", seed=1)

    def only_state_dict(rdf: dict[str, Any]) -> None:
        del rdf["weights"]["torchscript"]

    _edit_rdf(built.description_path, only_state_dict)
    (built.root / "weights.torchscript.pt").unlink()
    rid = _upload(http, member_token, built.root, tmp_path)

    # strangers see no draft, in HTML or JSON
    for params in ({}, {"version": "draft"}, {"version": "draft", "format": "json"}):
        assert http.get(f"/resources/{rid}", params=params).status_code == 404
    draft = http.get(f"/resources/{rid}", params={"version": "draft"}, headers=auth(member_token))
    assert draft.status_code == 200
    text = " ".join(parse(draft.text).text)
    for expected in ("bcyx", "1 × 1 × (16 + 8·n) × (16 + 8·n)", "raw.y", "halo y: 2, x: 2"):
        assert expected in text, expected
    twin = http.get(
        f"/resources/{rid}",
        params={"version": "draft", "format": "json"},
        headers=auth(member_token),
    ).json()["card"]
    assert twin["citation_cff_url"] is None
    assert "-draft.zip" in twin["how_to_use"]["ways"][0]["code"]
    ways = {w["key"] for w in twin["how_to_use"]["ways"]}
    assert ways == {"python", "ilastik", "biapy"}  # deepImageJ, Fiji, BioEngine: no state dict
    assert {u["key"] for u in twin["how_to_use"]["unavailable"]} >= {"deepimagej", "fiji", "imjoy"}
    assert "deepImageJ" not in _headings(draft.text, "h3")

    _publish(http, admin_token, rid)
    card = http.get(f"/resources/{rid}", params={"format": "json"}).json()["card"]
    assert card["citation_cff_url"] == f"/api/v1/resources/{rid}/versions/v1/citation.cff"
    assert f"bioimageio test {rid}/v1" in card["how_to_use"]["ways"][0]["code"]
    assert card["weights"][0]["architecture"] == "tiny_net.py:TinyNet"


def test_card_of_a_0_5_package(http: httpx.Client, admin_token: str, tmp_path: Path) -> None:
    built = build_package("model-0.5-torchscript", tmp_path / "smooth", seed=2)

    def parametrized(rdf: dict[str, Any]) -> None:
        for axis in rdf["inputs"][0]["axes"][2:]:
            axis["size"] = {"min": 16, "step": 8}
        rdf["tags"].append("ZeroCostDL4Mic")
        rdf["training_data"] = {"id": "no-such-dataset"}

    _edit_rdf(built.description_path, parametrized)
    rid = _upload(http, admin_token, built.root, tmp_path)
    _publish(http, admin_token, rid)
    page = http.get(f"/resources/{rid}")
    text = " ".join(parse(page.text).text)
    sources = [str(i["src"]) for i in _tags(page.text, "img")]
    assert f"/resources/{rid}/versions/v1/samples/test-output-0.png" in sources
    unknown = http.get(f"/resources/{rid}/versions/v1/samples/weights.png")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/json"
    assert "Training data" in text and "no-such-dataset" in text
    for expected in ("batch, channel, y, x", "16 + 8·n", "halo y: 1, x: 1"):
        assert expected in text, expected
    card = http.get(f"/resources/{rid}", params={"format": "json"}).json()["card"]
    out = card["outputs"][0]
    assert out["name"] == "smoothed" and out["shape"] == "any × 1 × raw.y × raw.x"
    assert card["inputs"][0]["steps"][0]["name"] == "zero_mean_unit_variance"
    keys = [w["key"] for w in card["how_to_use"]["ways"]]
    assert keys == ["python", "deepimagej", "fiji", "ilastik", "imjoy", "zerocostdl4mic"]
    assert "ZeroCostDL4Mic" in _headings(page.text, "h3")
    assert card["documentation_html"].startswith("<h3>")
