"""Search over HTTP: words, filters (AND), sorts, facets, pages, and bad parameters; the same
ordered results on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.functional.search import corpus


@pytest.fixture
def catalog(server: LiveServer) -> LiveServer:
    corpus.build(server.hub)
    return server


def ids(http: httpx.Client, **params: Any) -> list[str]:
    r = http.get("/api/v1/resources", params={"per_page": 100, **params})
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


NEWEST = ["doc-only", "smith-model", "seg-explorer", "denoise-nb", "mito-em", "cell-tracker"]
NEWEST.append("nucleus-unet")


def test_relevance_weighs_fields_and_orders_ties_the_same_everywhere(
    catalog: LiveServer, http: httpx.Client
) -> None:
    # name (16) > tags (8) > description (4) > authors (2) > documentation (1); ties: newest
    expected = ["seg-explorer", "nucleus-unet", "mito-em", "denoise-nb", "smith-model"]
    expected.append("doc-only")
    assert ids(http, q="segmentation") == expected
    assert ids(http, q="Ségmentation") == expected  # accents folded
    assert ids(http, q="segm") == expected  # the last word is also a prefix
    assert ids(http, q="segmentation", sort="relevance") == expected


def test_words_combine_with_and_over_every_field(catalog: LiveServer, http: httpx.Client) -> None:
    assert ids(http, q="nucleus segmentation") == ["nucleus-unet"]
    assert ids(http, q="nuclei unet") == ["nucleus-unet"]  # a tag and a name word
    assert ids(http, q="kreshuk") == ["nucleus-unet"]  # authors
    assert ids(http, q="zebrafish embryo") == ["doc-only"]  # documentation, stemmed
    assert ids(http, q="cells time") == ["cell-tracker"]  # description
    assert ids(http, q="mito-em") == ["mito-em"]  # the nickname
    assert ids(http, q="segmentation zebra") == ["doc-only"]
    assert ids(http, q="tracker zebrafish") == []
    assert ids(http, q="segment") != [] and ids(http, q="xyzzy") == []


def test_each_filter_and_their_combination(catalog: LiveServer, http: httpx.Client) -> None:
    assert ids(http, tags=["segmentation", "em"]) == ["mito-em"]
    assert ids(http, tags="segmentation,nuclei") == ["nucleus-unet"]
    assert ids(http, tags=["segmentation", "nothing-like-it"]) == []
    assert ids(http, tags="EM") == ["doc-only", "mito-em"]
    assert ids(http, type="dataset") == ["mito-em"]
    assert ids(http, type="application") == ["seg-explorer"]
    assert ids(http, license="CC-BY-4.0") == ["cell-tracker"]
    assert ids(http, format="onnx") == ["doc-only", "smith-model", "nucleus-unet"]
    assert ids(http, format=["onnx", "pytorch_state_dict"]) == ["doc-only"]
    assert ids(http, checked="true") == []  # no check has run yet
    assert ids(http, q="segmentation", type="model", format="onnx") == [
        "nucleus-unet",
        "smith-model",
        "doc-only",
    ]
    assert ids(http, q="segmentation", tags="em", license="MIT") == ["doc-only"]


def test_sorts(catalog: LiveServer, http: httpx.Client) -> None:
    assert ids(http) == NEWEST  # no words: newest first
    assert ids(http, sort="relevance") == NEWEST
    assert ids(http, sort="newest") == NEWEST
    assert ids(http, sort="oldest") == NEWEST[::-1]
    assert ids(http, sort="downloads") == NEWEST  # no downloads yet: ties by newest
    by_name = ids(http, sort="name")
    assert by_name[:3] == ["cell-tracker", "denoise-nb", "mito-em"]
    assert by_name[-1] == "seg-explorer"
    assert ids(http, q="segmentation", sort="name")[0] == "denoise-nb"


def test_pages_cover_the_results_once(catalog: LiveServer, http: httpx.Client) -> None:
    seen = []
    for page in range(1, 5):
        body = http.get("/api/v1/resources", params={"per_page": 2, "page": page}).json()
        assert body["total"] == 7 and body["page"] == page and body["per_page"] == 2
        seen += [item["id"] for item in body["items"]]
    assert seen == NEWEST
    beyond = http.get("/api/v1/resources", params={"per_page": 2, "page": 9}).json()
    assert beyond["items"] == [] and beyond["total"] == 7


def _facet(body: dict[str, Any], name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in body["facets"][name]}


def test_facets_count_the_current_results(catalog: LiveServer, http: httpx.Client) -> None:
    everything = http.get("/api/v1/resources", params={"per_page": 100}).json()
    items = everything["items"]
    # the kept counts (no condition) equal counting the results themselves
    assert _facet(everything, "type") == {
        "model": 4,
        "dataset": 1,
        "notebook": 1,
        "application": 1,
    }
    assert _facet(everything, "license") == {"MIT": 5, "CC-BY-4.0": 1, "CC0-1.0": 1}
    assert _facet(everything, "format") == {"onnx": 3, "pytorch_state_dict": 2, "torchscript": 1}
    tags = _facet(everything, "tags")
    for tag, n in tags.items():
        assert n == sum(tag in item["tags"] for item in items)
    # synonyms are one tag: "em" and "Electron-Microscopy" count as "electron-microscopy"
    assert tags["segmentation"] == 2 and tags["classification"] == 2
    assert tags["electron-microscopy"] == 2 and "em" not in tags
    assert tags["nuclei"] == 1 and "nucleus" not in tags  # stored as "nucleus"
    assert everything["facets"]["checked"] == 0

    models = http.get("/api/v1/resources", params={"type": "model", "tags": "em"}).json()
    assert models["total"] == 1
    assert _facet(models, "type") == {"model": 1}
    assert _facet(models, "tags") == {"electron-microscopy": 1, "classification": 1}
    selected = [v["value"] for v in models["facets"]["tags"] if v["selected"]]
    assert selected == ["electron-microscopy"]
    assert ids(http, tags="nuclei") == ids(http, tags="nucleus") == ["nucleus-unet"]
    assert ids(http, tags="electron-microscopy") == ids(http, tags="em")
    assert _facet(models, "format") == {"onnx": 1, "pytorch_state_dict": 1}
    words = http.get("/api/v1/resources", params={"q": "segmentation"}).json()
    assert words["total"] == 6 and sum(_facet(words, "type").values()) == 6
    assert _facet(words, "license") == {"MIT": 5, "CC0-1.0": 1}


def test_bad_parameters_answer_422(catalog: LiveServer, http: httpx.Client) -> None:
    for params, loc in (
        ({"type": "robot"}, "type"),
        ({"format": "pickle"}, "format"),
        ({"sort": "best"}, "sort"),
        ({"page": 0}, "page"),
        ({"per_page": 1000}, "per_page"),
        ({"checked": "perhaps"}, "checked"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
    ):
        r = http.get("/api/v1/resources", params=params)
        assert r.status_code == 422, params
        error = r.json()["error"]
        assert error["code"] == "invalid_request" and error["details"][0]["loc"][0] == loc
