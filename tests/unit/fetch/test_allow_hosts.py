"""``MODELHUB_FETCH_ALLOW_HOSTS``: host:port pairs, nothing looser."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from modelhub.config import Settings
from modelhub.config_values import parse_allow_hosts

pytestmark = pytest.mark.dbless


def test_pairs_are_read_in_lower_case_with_ipv6_unbracketed() -> None:
    assert parse_allow_hosts(" Intranet.Lab:443, [::1]:8080,127.0.0.1:9000 ,") == frozenset(
        {("intranet.lab", 443), ("::1", 8080), ("127.0.0.1", 9000)}
    )
    assert parse_allow_hosts("") == frozenset()


@pytest.mark.parametrize(
    "text", ["intranet.lab", "intranet.lab:", ":80", "host:0", "host:70000", "http://h:80/x", "h:x"]
)
def test_anything_but_host_port_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not host:port"):
        parse_allow_hosts(text)


def test_the_setting_is_checked_when_the_hub_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELHUB_FETCH_ALLOW_HOSTS", "files.lab:8443")
    assert Settings().fetch_allowed_hosts == frozenset({("files.lab", 8443)})
    monkeypatch.setenv("MODELHUB_FETCH_ALLOW_HOSTS", "files.lab")
    with pytest.raises(ValidationError, match="is not host:port"):
        Settings()
