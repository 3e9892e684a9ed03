"""How package files are presented: the whole table, and file names that try to break out of
the Content-Disposition header."""

from __future__ import annotations

import pytest

from modelhub.downloads.safety import content_disposition, presentation
from modelhub.storage.media import media_type_for


@pytest.mark.parametrize(
    ("path", "content_type", "disposition"),
    [
        ("cover.png", "image/png", "inline"),
        ("cover.jpg", "image/jpeg", "inline"),
        ("cover.jpeg", "image/jpeg", "inline"),
        ("cover.gif", "image/gif", "inline"),
        ("cover.webp", "image/webp", "inline"),
        ("rdf.yaml", "text/plain; charset=utf-8", "inline"),
        ("rdf.yml", "text/plain; charset=utf-8", "inline"),
        ("README.md", "text/plain; charset=utf-8", "inline"),
        ("notes.txt", "text/plain; charset=utf-8", "inline"),
        ("model.py", "text/plain; charset=utf-8", "inline"),
        ("macro.ijm", "text/plain; charset=utf-8", "inline"),
        ("table.csv", "text/plain; charset=utf-8", "inline"),
        ("summary.json", "text/plain; charset=utf-8", "inline"),
        ("cover.svg", "image/svg+xml", "attachment"),
        ("image.tif", "image/tiff", "attachment"),
        ("weights.pt", "application/octet-stream", "attachment"),
        ("weights.onnx", "application/octet-stream", "attachment"),
        ("weights.h5", "application/x-hdf5", "attachment"),
        ("test_input.npy", "application/octet-stream", "attachment"),
        ("weights.zip", "application/zip", "attachment"),
        ("notebook.ipynb", "application/x-ipynb+json", "attachment"),
        ("paper.pdf", "application/pdf", "attachment"),
        # what a browser would run or render as a page: bytes to save, never their own type
        ("page.html", "application/octet-stream", "attachment"),
        ("page.htm", "application/octet-stream", "attachment"),
        ("page.xhtml", "application/octet-stream", "attachment"),
        ("script.js", "application/octet-stream", "attachment"),
        ("module.mjs", "application/octet-stream", "attachment"),
        ("style.css", "application/octet-stream", "attachment"),
        ("data.xml", "application/octet-stream", "attachment"),
        ("transform.xsl", "application/octet-stream", "attachment"),
        ("program.wasm", "application/octet-stream", "attachment"),
        ("no-suffix", "application/octet-stream", "attachment"),
    ],
)
def test_only_inert_files_are_shown_and_nothing_keeps_a_runnable_type(
    path: str, content_type: str, disposition: str
) -> None:
    assert presentation(media_type_for(path)) == (content_type, disposition)


def test_the_stored_type_is_read_by_its_essence() -> None:
    assert presentation("TEXT/HTML; charset=utf-8") == ("application/octet-stream", "attachment")
    assert presentation("Image/PNG") == ("image/png", "inline")
    assert presentation("text/x-python ; charset=latin-1") == (
        "text/plain; charset=utf-8",
        "inline",
    )


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("cover.png", 'inline; filename="cover.png"'),
        ("my cover (1).png", 'inline; filename="my cover (1).png"'),
        ('a"; filename="evil.html', "inline; filename*=utf-8''a%22%3B%20filename%3D%22evil.html"),
        ("a\r\nSet-Cookie: x=1", "inline; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D1"),
        ("back\\slash.txt", "inline; filename*=utf-8''back%5Cslash.txt"),
        ("Zellkern-Übersicht.png", "inline; filename*=utf-8''Zellkern-%C3%9Cbersicht.png"),
    ],
)
def test_no_file_name_breaks_out_of_the_disposition(name: str, header: str) -> None:
    assert content_disposition("inline", name) == header
