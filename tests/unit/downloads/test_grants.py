"""Signed links to private files: bound to one path, one ``?version=``, one person and an
expiry; and the settings that enable a files origin."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr, ValidationError

from modelhub.accounts import grants
from modelhub.config import Settings

NOW = 1_800_000_000.0
PATH = "/artifacts/rid/draft/files/cover.svg"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        base_url="https://hub.example",
        files_url="https://files.hub-content.example/",
        files_secret=SecretStr("k" * 32),
        files_link_seconds=600,
    )


def test_a_grant_opens_its_path_until_it_expires(settings: Settings) -> None:
    grant = grants.issue(settings, user_id=7, path=PATH, version="", now=NOW)
    assert grant.startswith(f"7.{int(NOW) + 600}.")
    assert grants.verify(settings, grant, path=PATH, version="", now=NOW) == 7
    assert grants.verify(settings, grant, path=PATH, version="", now=NOW + 600) == 7
    assert grants.verify(settings, grant, path=PATH, version="", now=NOW + 601) is None


def test_a_grant_opens_nothing_else(settings: Settings) -> None:
    grant = grants.issue(settings, user_id=7, path=PATH, version="", now=NOW)
    user, expires, sig = grant.split(".")
    other_key = settings.model_copy(update={"files_secret": SecretStr("x" * 32)})
    for changed, path, version, where in (
        (grant, PATH.replace("cover.svg", "evil.html"), "", settings),
        (grant, PATH, "v1", settings),
        (f"8.{expires}.{sig}", PATH, "", settings),
        (f"{user}.{int(expires) + 3600}.{sig}", PATH, "", settings),
        (f"{user}.{expires}.{sig[:-1]}A", PATH, "", settings),
        (grant, PATH, "", other_key),
        ("7", PATH, "", settings),
        ("", PATH, "", settings),
        ("a.b.c", PATH, "", settings),
        (f"-7.{expires}.{sig}", PATH, "", settings),
    ):
        assert grants.verify(where, changed, path=path, version=version, now=NOW) is None


@pytest.mark.parametrize(
    ("files_url", "secret", "message"),
    [
        ("files.example", "k" * 32, "http(s) origin"),
        ("ftp://files.example", "k" * 32, "http(s) origin"),
        ("https://files.example/blobs", "k" * 32, "origin only"),
        ("https://files.example/?a=1", "k" * 32, "origin only"),
        ("https://HUB.example:443", "k" * 32, "must differ from base_url"),
        ("https://hub.example", "k" * 32, "must differ from base_url"),
        ("https://files.example", None, "files_secret"),
        ("https://files.example", "short", "files_secret"),
    ],
)
def test_a_files_origin_must_be_an_origin_of_its_own_with_a_key(
    files_url: str, secret: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Settings(
            base_url="https://hub.example:443",
            files_url=files_url,
            files_secret=SecretStr(secret) if secret else None,
        )


def test_the_files_origin_is_kept_without_its_slash(settings: Settings) -> None:
    assert settings.public_files_base == "https://files.hub-content.example"
    assert Settings(base_url="https://hub.example").public_files_base is None
