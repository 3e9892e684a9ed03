"""The fetcher against real HTTP servers on the loopback, allowed by name in the allow-list:
what a fetch returns, its conditional requests, and each way it refuses or fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelhub.fetch.client import Fetched, NotModified, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.policy import FetchPolicy
from tests.fileserver import FileServer, Route, etag_of, file_server

pytestmark = pytest.mark.dbless

BODY = b"type: model\n" * 100


def policy(*servers: FileServer, **limits: float) -> FetchPolicy:
    """A short-timed policy allowing exactly the given loopback servers."""
    return FetchPolicy(
        max_bytes=int(limits.pop("max_bytes", 10_000)),
        allow_hosts=frozenset(("127.0.0.1", s.port) for s in servers),
        connect_timeout_s=2,
        read_timeout_s=limits.pop("read_timeout_s", 2),
        total_timeout_s=limits.pop("total_timeout_s", 5),
        max_redirects=int(limits.pop("max_redirects", 3)),
    )


def refused(url: str, dest: Path, rules: FetchPolicy) -> FetchError:
    with pytest.raises(FetchError) as failed:
        fetch(url, dest=dest, policy=rules)
    assert not dest.exists()  # nothing half-written is left
    return failed.value


def test_a_file_is_streamed_to_disk_with_its_hash_and_validators(tmp_path: Path) -> None:
    routes = {
        "/rdf.yaml": Route(BODY, content_type="text/yaml"),
        "/moved": Route(status=302, location="/rdf.yaml"),
    }
    with file_server(routes) as files:
        got = fetch(files.url("/moved"), dest=tmp_path / "out", policy=policy(files))
        assert files.paths() == ["/moved", "/rdf.yaml"]
        sent = files.requests[1].headers
    assert isinstance(got, Fetched) and not got.not_modified
    assert got.path.read_bytes() == BODY and got.size == len(BODY)
    assert got.sha256 == hashlib.sha256(BODY).hexdigest()
    assert got.url == files.url("/rdf.yaml")  # the final URL, after the redirect
    assert got.etag == etag_of(BODY) and got.content_type == "text/yaml"
    assert got.last_modified is None
    # connected to the checked address, the name from the URL in Host
    assert sent["host"] == files.host_port and sent["accept-encoding"] == "identity"
    assert sent["user-agent"].startswith("modelhub/")


def test_an_unchanged_resource_costs_one_conditional_request(tmp_path: Path) -> None:
    with file_server({"/c.yaml": Route(BODY)}) as files:
        got = fetch(
            files.url("/c.yaml"), dest=tmp_path / "out", policy=policy(files), etag=etag_of(BODY)
        )
        assert files.paths() == ["/c.yaml"]
        assert files.requests[0].headers["if-none-match"] == etag_of(BODY)
    assert got == NotModified(url=files.url("/c.yaml"), etag=etag_of(BODY), last_modified=None)
    assert got.not_modified and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (500, "Internal Server Error")])
def test_an_error_answer_is_a_fetch_http_error_with_its_status(
    tmp_path: Path, status: int, reason: str
) -> None:
    with file_server({"/x": Route(b"oops", status=status)}) as files:
        error = refused(files.url("/x"), tmp_path / "out", policy(files))
    assert error.code == "fetch_http_error" and error.http_status == status
    assert error.status_code == 422 and error.url == files.url("/x")
    assert error.message.startswith(f"The server answered '{status} {reason}' for ")


def test_a_silent_or_slow_server_times_out(tmp_path: Path) -> None:
    routes = {"/silent": Route(hang=True), "/slow": Route(b"x" * 100, trickle=True)}
    with file_server(routes) as files:
        silent = refused(files.url("/silent"), tmp_path / "a", policy(files, read_timeout_s=0.3))
        slow = refused(files.url("/slow"), tmp_path / "b", policy(files, total_timeout_s=0.5))
    assert silent.code == slow.code == "fetch_timeout"
    assert "within 0.3 seconds" in silent.message and "within 0.5 seconds" in slow.message


def test_a_body_over_the_limit_is_refused_declared_or_not(tmp_path: Path) -> None:
    big = b"x" * 50_000
    routes = {"/declared": Route(big), "/undeclared": Route(big, declare_length=False)}
    with file_server(routes) as files:
        declared = refused(files.url("/declared"), tmp_path / "a", policy(files))
        streamed = refused(files.url("/undeclared"), tmp_path / "b", policy(files))
    for error in (declared, streamed):
        assert error.code == "fetch_too_large" and error.status_code == 413
        assert "larger than this hub accepts (10 kB)" in error.message


def test_an_address_outside_the_allow_list_is_refused_without_connecting(tmp_path: Path) -> None:
    with file_server({"/f": Route(BODY)}) as allowed, file_server({"/f": Route(BODY)}) as other:
        error = refused(other.url("/f"), tmp_path / "out", policy(allowed))
        # the same server by another name is another entry of the allow-list
        by_name = refused(f"http://localhost:{allowed.port}/f", tmp_path / "out", policy(allowed))
        assert other.requests == [] and allowed.requests == []
    assert error.code == by_name.code == "fetch_refused_address"
    assert error.message.startswith("The hub does not fetch from 127.0.0.1: it is not a public")
    assert "localhost" in by_name.message


def test_a_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    with file_server() as inside, file_server() as first:
        first.routes["/go"] = Route(status=302, location=inside.url("/secret"))
        error = refused(first.url("/go"), tmp_path / "out", policy(first))
        assert first.paths() == ["/go"] and inside.requests == []
    assert error.code == "fetch_refused_address" and error.url == inside.url("/secret")


def test_redirects_are_bounded_and_must_stay_on_the_web(tmp_path: Path) -> None:
    routes = {
        "/loop": Route(status=302, location="/loop"),
        "/file": Route(status=301, location="file:///etc/passwd"),
    }
    with file_server(routes) as files:
        loop = refused(files.url("/loop"), tmp_path / "a", policy(files, max_redirects=2))
        assert files.paths() == ["/loop"] * 3
        local = refused(files.url("/file"), tmp_path / "b", policy(files))
    assert loop.code == "fetch_too_many_redirects"
    assert "more than 2 times" in loop.message
    assert local.code == "fetch_bad_url" and local.status_code == 400


def test_a_name_in_the_allow_list_connects_to_its_checked_address(tmp_path: Path) -> None:
    with file_server({"/f": Route(BODY)}) as files:
        rules = FetchPolicy(max_bytes=10_000, allow_hosts=frozenset({("localhost", files.port)}))
        url = f"http://LOCALHOST:{files.port}/f"
        try:
            got = fetch(url, dest=tmp_path / "out", policy=rules)
        except FetchError as exc:  # localhost resolving to ::1 only: nothing listens there
            pytest.skip(f"localhost does not reach 127.0.0.1 here: {exc.message}")
        assert files.requests[0].headers["host"] == f"localhost:{files.port}"
    assert isinstance(got, Fetched) and got.size == len(BODY)


def test_nothing_listening_is_unreachable(tmp_path: Path) -> None:
    with file_server() as files:
        port = files.port
    rules = FetchPolicy(max_bytes=10, allow_hosts=frozenset({("127.0.0.1", port)}))
    error = refused(f"http://127.0.0.1:{port}/", tmp_path / "out", rules)
    assert error.code == "fetch_unreachable"
    assert error.message.startswith("The hub could not reach 127.0.0.1 (the connection was")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.org/rdf.yaml", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("example.org/rdf.yaml", "http:// or https://"),
        ("https:///rdf.yaml", "does not name a server"),
        ("https://user:pw@example.org/rdf.yaml", "user name or password"),
        ("https://example.org/" + "a" * 2000, "longer than 2000"),
        ("https://example.org/a b", "spaces or control"),
        ("http://[::1/", "not a valid web address"),
    ],
)
def test_bad_urls_are_refused_before_anything_is_asked(tmp_path: Path, url: str, why: str) -> None:
    error = refused(url, tmp_path / "out", FetchPolicy(max_bytes=10))
    assert error.code == "fetch_bad_url" and why in error.message
    assert [d.loc for d in error.details] == [("url",)]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/x",
        "http://[::ffff:127.0.0.1]/x",
    ],
)
def test_private_addresses_are_refused_unless_named(tmp_path: Path, url: str) -> None:
    error = refused(url, tmp_path / "out", FetchPolicy(max_bytes=10))
    assert error.code == "fetch_refused_address" and error.status_code == 422
