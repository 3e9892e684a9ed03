"""URL state: parameters to query and back, and the catalog page's links."""

from __future__ import annotations

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams

from modelhub.search import params, query
from modelhub.search.links import CatalogLinks
from modelhub.search.schemas import SearchQuery

URL = "q=cell+seg&type=model&tags=a,b&tags=c&license=MIT&format=onnx&checked=true&sort=name&page=2"


def test_parameters_round_trip() -> None:
    parsed = params.from_params(QueryParams(URL))
    assert parsed.tags == ["a", "b", "c"] and parsed.formats == ["onnx"] and parsed.checked
    again = params.from_params(QueryParams(params.url(parsed)[2:]))
    assert again == parsed
    assert params.url(SearchQuery()) == "/"


def test_format_json_is_the_twin_not_a_filter() -> None:
    assert params.from_params(QueryParams("format=json&format=onnx")).formats == ["onnx"]


def test_bad_values_name_the_url_parameter() -> None:
    with pytest.raises(RequestValidationError) as caught:
        params.from_params(QueryParams("format=pickle&page=0"))
    locs = sorted(tuple(e["loc"]) for e in caught.value.errors())
    assert locs == [("query", "format", 0), ("query", "page")]


def test_links_toggle_one_thing_and_reset_the_page() -> None:
    links = CatalogLinks(params.from_params(QueryParams(URL)))
    assert "page=" not in links.tag("z")
    assert links.tag("c") == (
        "/?q=cell+seg&type=model&tags=a&tags=b&license=MIT&format=onnx&checked=true&sort=name"
    )
    assert "tags=z" in links.tag("z") and "format=" not in links.format("onnx")
    assert "checked" not in links.checked() and "license" not in links.license("MIT")
    assert links.page(3).endswith("&page=3")
    assert [c.label for c in links.chips()] == [
        "words: cell seg",
        "type: model",
        "tag: a",
        "tag: b",
        "tag: c",
        "license: MIT",
        "format: onnx",
        "checks passed",
    ]
    assert ("sort", "name") not in links.hidden_fields("sort")


def test_sort_defaults_follow_the_words() -> None:
    assert SearchQuery().effective_sort == "newest"
    assert SearchQuery(q="x").effective_sort == "relevance"
    assert SearchQuery(sort="relevance").effective_sort == "newest"
    assert SearchQuery(q="x", sort="name").effective_sort == "name"
    assert query.clean_tags([" A ", "a", "", "b"]) == ["a", "b"]
    assert query.format_mask(["onnx", "onnx", "pytorch_state_dict"]) == 0b101
