"""Resource ids in routes (``modelhub.web.ids``): every route taking an id takes namespaced ids
(``ilastik/pixel-classifier``) too, and never takes a route word for the second half of one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from modelhub.app import create_app
from modelhub.config import Settings
from modelhub.web.ids import (
    MAX_ID_LENGTH,
    ROUTE_WORDS,
    file_stem,
    is_namespaced,
    is_valid_name,
)

_PARAM = re.compile(r"\{[^}]*\}(?:\.[a-z]+)?")  # a parameter, with its file suffix


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data = tmp_path_factory.mktemp("ids")
    return create_app(Settings(data_dir=data, database_url=f"sqlite:///{data / 'hub.sqlite3'}"))


def _routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every API route, also inside included routers."""
    for route in app.routes:
        router = getattr(route, "original_router", None)  # FastAPI includes routers lazily
        if router is not None:
            for inner in router.routes:
                if isinstance(inner, APIRoute):
                    yield router.prefix + inner.path, inner
        elif isinstance(route, APIRoute):
            yield route.path, route


def test_every_route_taking_a_resource_id_takes_namespaced_ones(app: FastAPI) -> None:
    taking = [(path, route) for path, route in _routes(app) if "{resource_id" in path]
    assert len(taking) > 40
    assert [p for p, _ in taking if "{resource_id:rid}" not in p] == []
    # FastAPI sees a path parameter named resource_id, not a query parameter
    for path, route in taking:
        names = {p.name for p in route.dependant.path_params}
        assert "resource_id" in names, path
        assert "resource_id" not in {q.name for q in route.dependant.query_params}, path


def test_every_word_after_an_id_is_a_route_word(app: FastAPI) -> None:
    after = {
        segment
        for path, _ in _routes(app)
        if "{resource_id:rid}" in path
        for segment in path.split("{resource_id:rid}", 1)[1].split("/")
        if segment and not _PARAM.fullmatch(segment)
    }
    assert after <= ROUTE_WORDS, sorted(after - ROUTE_WORDS)
    assert {"versions", "files", "package.zip", "review", "checks", "actions"} <= after


def test_the_source_declares_no_route_with_a_plain_resource_id() -> None:
    import modelhub

    src = Path(modelhub.__file__).parent
    plain = re.compile(r"""["']/[^"']*\{resource_id\}""")
    found = [
        f"{path.relative_to(src)}:{n}"
        for path in sorted(src.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if plain.search(line) and 'f"' not in line and "f'" not in line
    ]
    assert found == []


_FILES = "/artifacts/{resource_id:rid}/files/{path:path}"
_VERSION_FILES = "/artifacts/{resource_id:rid}/{label}/files/{path:path}"
_RESOURCE = "/api/v1/resources/{resource_id:rid}"


@pytest.mark.parametrize(
    ("route", "path", "expected"),
    [
        (_FILES, "/artifacts/affable-shark/files/rdf.yaml", ("affable-shark", "rdf.yaml")),
        (_FILES, "/artifacts/ilastik/pixel-classifier/files/rdf.yaml",
         ("ilastik/pixel-classifier", "rdf.yaml")),
        (_FILES, "/artifacts/ilastik/pixel-classifier/files/files/x",
         ("ilastik/pixel-classifier", "files/x")),
        (_FILES, "/artifacts/affable-shark/v1/files/rdf.yaml", None),
        (_VERSION_FILES, "/artifacts/affable-shark/v1/files/a", ("affable-shark", "v1", "a")),
        (_VERSION_FILES, "/artifacts/affable-shark/1/files/a", ("affable-shark", "1", "a")),
        (_VERSION_FILES, "/artifacts/affable-shark/DRAFT/files/a", ("affable-shark", "DRAFT", "a")),
        (_VERSION_FILES, "/artifacts/affable-shark/r2/files/a", ("affable-shark", "r2", "a")),
        (_VERSION_FILES, "/artifacts/bioimage-io/affable-shark/v3/files/a",
         ("bioimage-io/affable-shark", "v3", "a")),
        (_RESOURCE, "/api/v1/resources/affable-shark", ("affable-shark",)),
        (_RESOURCE, "/api/v1/resources/ilastik/pixel-classifier", ("ilastik/pixel-classifier",)),
        (_RESOURCE, "/api/v1/resources/affable-shark/versions", None),
        (_RESOURCE, "/api/v1/resources/affable-shark/Versions", None),
        (_RESOURCE, "/api/v1/resources/affable-shark/package.zip", None),
        (_RESOURCE, "/api/v1/resources/affable-shark/latest", None),
        (_RESOURCE, "/api/v1/resources/a/b", None),  # a partner id has 2 characters or more
        (_RESOURCE, "/api/v1/resources/ilastik/pixel/extra", None),
    ],
)  # fmt: skip
def test_what_the_convertor_takes(route: str, path: str, expected: tuple[str, ...] | None) -> None:
    regex, _, _ = compile_path(route)
    match = regex.match(path)
    assert (tuple(match.groupdict().values()) if match else None) == expected


@pytest.mark.parametrize(
    "name", ["pixel-classifier", "affable-shark", "unet_2d.v0", "3d-unet", "stardist.2d"]
)
def test_names_that_can_follow_a_partner_id(name: str) -> None:
    assert is_valid_name(name)
    assert is_namespaced(f"ilastik/{name}")


@pytest.mark.parametrize(
    "name",
    [
        *sorted(ROUTE_WORDS),
        "v1",
        "V12",
        "7",
        "r3",
        "Draft",
        "",
        "-x",
        ".hidden",
        "_x",
        "Pixel",  # bioimage.io ids are lower case
        "a/b",
        "a b",
        "caf\u00e9",
        "x" * 62,
    ],
)
def test_names_that_cannot(name: str) -> None:
    assert not is_valid_name(name)


def test_the_whole_id_fits_its_column() -> None:
    name = "n" * (MAX_ID_LENGTH - len("ilastik/"))
    assert is_valid_name(name, partner_id="ilastik")
    assert not is_valid_name(name + "n", partner_id="ilastik")
    assert is_namespaced(f"ilastik/{name}")
    assert not is_namespaced(f"ilastik/{name}n")
    assert not is_namespaced("affable-shark")
    assert not is_namespaced("Ilastik/x")


def test_file_names_never_hold_a_slash() -> None:
    assert file_stem("ilastik/pixel-classifier") == "ilastik__pixel-classifier"
    assert file_stem("affable-shark") == "affable-shark"
