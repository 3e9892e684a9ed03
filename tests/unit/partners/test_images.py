"""``fetch_images``, the worker half of a partner's appearance: real HTTP on the loopback,
real storage; every broken image is a message for its field, never an exception."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelhub.fetch.policy import FetchPolicy
from modelhub.partners.images import MAX_IMAGE_BYTES, FetchedImages, ImageRef, fetch_images, sniff
from modelhub.storage.local import LocalStorage
from tests.fileserver import FileServer, Route, file_server
from tests.pictures import SVG, png

pytestmark = pytest.mark.dbless
PNG = png()


def policy(files: FileServer) -> FetchPolicy:
    return FetchPolicy(
        max_bytes=50 * 1024 * 1024,  # the images' own limit applies below it
        allow_hosts=frozenset({("127.0.0.1", files.port)}),
        connect_timeout_s=2,
        read_timeout_s=2,
        total_timeout_s=5,
    )


def test_images_are_copied_into_storage_and_emoji_stay_text(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    routes = {
        "/lab/logo.png": Route(PNG, content_type="image/png"),
        "/lab/static/img/back.svg": Route(SVG, content_type="text/plain"),  # the bytes decide
        "/moved.png": Route(status=302, location="/lab/logo.png"),
    }
    with file_server(routes) as files:
        config = {
            "logo": files.url("/moved.png"),
            "icon": "🦒",
            "background_image": "static/img/back.svg",  # relative to the collection
            "tags": ["not an image field"],
        }
        got = fetch_images(
            config, base_url=files.url("/lab/collection.yaml"), policy=policy(files),
            storage=storage,
        )  # fmt: skip
    assert set(got.fields) == {"logo", "icon", "background_image"}
    assert got.fields["icon"].text == "🦒" and got.fields["icon"].image is None
    logo = got.fields["logo"].image
    assert logo == ImageRef(
        sha256=hashlib.sha256(PNG).hexdigest(),
        media_type="image/png",
        size=len(PNG),
        source_url=files.url("/lab/logo.png"),
    )
    back = got.fields["background_image"].image
    assert back is not None and back.media_type == "image/svg+xml"
    assert back.source_url == files.url("/lab/static/img/back.svg")
    with storage.open(logo.sha256) as stored:
        assert stored.read() == PNG
    assert storage.exists(back.sha256)


def test_broken_images_are_messages_for_their_fields(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    big = PNG + b"\x00" * MAX_IMAGE_BYTES
    routes = {
        "/big.png": Route(big, content_type="image/png"),
        "/page.png": Route(b"<html><script>alert(1)</script></html>", content_type="image/png"),
    }
    with file_server(routes) as files:
        got = fetch_images(
            {
                "logo": files.url("/big.png"),
                "icon": files.url("/page.png"),
                "background_image": files.url("/missing.png"),
            },
            base_url=files.url("/c.yaml"),
            policy=policy(files),
            storage=storage,
        )
    errors = {name: f.error for name, f in got.fields.items()}
    assert all(f.image is None and f.text is None for f in got.fields.values())
    assert errors["logo"] == (
        f"config.logo: {files.url('/big.png')} is larger than this hub accepts (2.1 MB)."
    )
    assert errors["icon"] == (
        f"config.icon: {files.url('/page.png')} is not a PNG, JPEG, GIF, WebP or SVG image."
    )
    assert errors["background_image"] is not None
    assert errors["background_image"].startswith("config.background_image: ")
    assert "404" in errors["background_image"]
    assert list(storage.blob_files()) == []  # nothing was kept of them


def test_values_that_are_neither_emoji_nor_addresses(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    with file_server({}) as files:
        got = fetch_images(
            {"logo": 42, "icon": "x" * 40, "background_image": "javascript:alert(1)"},
            base_url=files.url("/c.yaml"),
            policy=policy(files),
            storage=storage,
        )
        assert files.paths() == []  # nothing was asked for
    assert got.fields["logo"].error == "config.logo: give an emoji or the address of an image."
    assert got.fields["icon"].error == (
        "config.icon: text is at most 32 characters (an emoji); give the address of an image "
        "otherwise."
    )
    error = got.fields["background_image"].error
    assert error is not None and error.startswith("config.background_image: The address")
    assert fetch_images({}, base_url=files.url("/"), policy=policy(files), storage=storage) == (
        FetchedImages()
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\xef\xbb\xbf  <!-- c -->\n<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<html><body>hi</body></html>", None),
        (b"%PDF-1.7", None),
        (b"<svg\x00", None),
    ],
)
def test_the_first_bytes_decide_the_type(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected
