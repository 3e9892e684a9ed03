"""Documentation links, people and citations, weights and "how to use" of the card."""

from __future__ import annotations

import pytest

from modelhub.catalog.card_docs import package_path, resolver
from modelhub.catalog.card_people import cite_entries, people
from modelhub.catalog.card_weights import weight_rows
from modelhub.catalog.howto import Target, how_to_use
from modelhub.web.markdown import render_markdown

FILES = {"README.md", "docs/guide.md", "docs/img/a.png", "cover.png"}


def _file_url(path: str) -> str:
    return f"/artifacts/rid/v1/files/{path}"


@pytest.mark.parametrize(
    ("raw", "folder", "expected"),
    [
        ("img/a.png", "docs", "docs/img/a.png"),
        ("./img/../img/a.png", "docs", "docs/img/a.png"),
        ("../cover.png", "docs", "cover.png"),
        ("/cover.png", "docs", "cover.png"),
        ("../../etc/passwd", "docs", None),
        ("..", "", None),
        ("https://example.org/a.png", "", None),
        ("//example.org/a.png", "", None),
        ("", "", None),
    ],
)
def test_package_paths_never_leave_the_package(raw: str, folder: str, expected: str | None) -> None:
    assert package_path(raw, folder=folder) == expected


def test_documentation_links_resolve_to_this_versions_files() -> None:
    resolve = resolver("docs", FILES, _file_url)
    text = (
        "# Guide\n\n![a](img/a.png) ![far](https://cdn.example.org/x.png) ![gone](../../x.png)\n\n"
        "[cover](../cover.png#top) [up](../../../etc/passwd) [web](https://example.org) [here](#s)"
        "\n\n<img src=x onerror=alert(1)>"
    )
    html = render_markdown(text, resolve=resolve, heading_offset=2)
    assert html.startswith("<h3>Guide</h3>")
    assert '<img src="/artifacts/rid/v1/files/docs/img/a.png" alt="a">' in html
    assert (
        '<a href="https://cdn.example.org/x.png" rel="noopener noreferrer nofollow">far</a>' in html
    )
    assert "gone" in html and 'x.png"' not in html.replace("cdn.example.org/x.png", "")
    assert 'href="/artifacts/rid/v1/files/cover.png#top"' in html
    assert "passwd" not in html and ">up</a>" in html
    assert 'href="#s"' in html and 'href="https://example.org"' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_outside_badge_inside_a_link_keeps_one_link() -> None:
    html = render_markdown("[![build](https://ci.example.org/b.svg)](https://ci.example.org)")
    assert html.count("<a ") == 1 and ">build</a>" in html and "<img" not in html


def test_comments_keep_their_rendering_but_outside_images_become_links() -> None:
    html = render_markdown("**bold** ![pic](https://example.org/p.png) [rel](a/b)")
    assert "<strong>bold</strong>" in html and "<img" not in html
    assert 'href="https://example.org/p.png"' in html and 'href="a/b"' in html


def test_people_and_citations_link_only_well_formed_identifiers() -> None:
    found = people(
        [
            {"name": "Ada L", "orcid": "0000-0002-1825-0097", "github_user": "ada"},
            {"name": "Bo", "orcid": "not an orcid", "github_user": "bad/name"},
            {"affiliation": "nobody"},
            "Cy",
        ]
    )
    assert [p.name for p in found] == ["Ada L", "Bo", "Cy"]
    assert found[0].orcid_url == "https://orcid.org/0000-0002-1825-0097"
    assert found[0].github_url == "https://github.com/ada"
    assert found[1].orcid_url is None and found[1].github_url is None
    cites = cite_entries(
        [
            {"text": "A", "doi": "https://doi.org/10.1000/xyz(1)"},
            {"text": "B", "doi": "doi:10.5281/zenodo.1", "url": "javascript:alert(1)"},
            {"text": "C", "url": "https://example.org/paper"},
            {"doi": "10.1/no-text"},
        ]
    )
    assert [c.doi_url for c in cites] == [
        "https://doi.org/10.1000/xyz(1)",
        "https://doi.org/10.5281/zenodo.1",
        None,
    ]
    assert [c.url for c in cites] == [None, None, "https://example.org/paper"]


def test_weights_in_order_with_framework_and_parent() -> None:
    rows = weight_rows(
        {
            "onnx": {"source": "w.onnx", "opset_version": 17, "parent": "pytorch_state_dict"},
            "pytorch_state_dict": {
                "source": "w.pt",
                "pytorch_version": "2.1",
                "architecture": {"source": "net.py", "callable": "Net"},
            },
        },
        lambda p: f"/f/{p}",
    )
    assert [r.format for r in rows] == ["pytorch_state_dict", "onnx"]
    assert rows[0].framework == "PyTorch 2.1" and rows[0].architecture == "Net from net.py"
    assert rows[1].framework == "ONNX opset 17" and rows[1].parent == "pytorch_state_dict"
    assert rows[1].url == "/f/w.onnx"


def _target(formats: tuple[str, ...], *, tags: tuple[str, ...] = (), kind: str = "model") -> Target:
    return Target(
        resource_id="rid",
        label="v2",
        published=True,
        type=kind,
        id_map_url="https://hub.example/id_map.json",
        collection_pattern="https://hub.example/artifacts/{bioimageio_id}/files/rdf.yaml",
        rdf_url="https://hub.example/artifacts/rid/v2/files/rdf.yaml",
        package_url="https://hub.example/artifacts/rid/v2/package.zip",
        weight_formats=formats,
        tags=tags,
    )


@pytest.mark.parametrize(
    ("formats", "tags", "shown"),
    [
        (("torchscript",), (), {"python", "deepimagej", "fiji", "ilastik", "imjoy"}),
        (("pytorch_state_dict",), (), {"python", "ilastik", "biapy"}),
        (("tensorflow_saved_model_bundle",), (), {"python", "deepimagej", "fiji", "imjoy"}),
        (("keras_hdf5",), ("ZeroCostDL4Mic",), {"python", "zerocostdl4mic"}),
    ],
)
def test_each_consumer_only_for_the_formats_it_runs(
    formats: tuple[str, ...], tags: tuple[str, ...], shown: set[str]
) -> None:
    use = how_to_use(_target(formats, tags=tags))
    assert {w.key for w in use.ways} == shown
    everyone = {"python", "deepimagej", "fiji", "ilastik", "zerocostdl4mic", "biapy", "imjoy"}
    assert {u.key for u in use.unavailable} == everyone - shown


def test_python_snippet_uses_the_hubs_urls_and_this_version() -> None:
    (python, *_) = how_to_use(_target(("onnx",))).ways
    assert python.code is not None
    assert "BIOIMAGEIO_ID_MAP=https://hub.example/id_map.json" in python.code
    assert "https://hub.example/artifacts/{bioimageio_id}/files/rdf.yaml" in python.code
    assert 'load_description("rid/v2")' in python.code and "bioimageio test rid/v2" in python.code
    dataset = how_to_use(_target((), kind="dataset"))
    assert [w.key for w in dataset.ways] == ["python"] and dataset.unavailable == []
