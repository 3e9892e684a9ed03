"""After a login, only a path of this hub is followed."""

from __future__ import annotations

import pytest

from modelhub.accounts.redirects import safe_next

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/upload", "/upload"),
        ("/resources/lab/model?version=v2", "/resources/lab/model?version=v2"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("evil.example", "/"),
    ],
)
def test_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
