"""``Links``: the exact URLs the hub hands out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from modelhub.config import Settings
from modelhub.links import Links

HUB = "https://hub.example.org"
FILES = "https://files.example.org"


@pytest.fixture
def links() -> Links:
    return Links(HUB)


@pytest.fixture
def split() -> Links:
    return Links(HUB, FILES)


@pytest.mark.parametrize("base", [HUB, HUB + "/", HUB + "//"])
def test_the_base_is_kept_without_trailing_slashes(base: str) -> None:
    links = Links(base, FILES + "/")
    assert (links.base, links.files) == (HUB, FILES)
    assert links.resource_page("affable-shark") == f"{HUB}/resources/affable-shark"
    assert links.id_map() == f"{HUB}/id_map.json"
    assert links.file("affable-shark", "v1", "rdf.yaml") == (
        f"{FILES}/artifacts/affable-shark/v1/files/rdf.yaml"
    )


def test_a_hub_below_a_path_keeps_it() -> None:
    links = Links("https://example.org/hub/")
    assert links.resource_api("x") == "https://example.org/hub/api/v1/resources/x"
    assert links.absolute("/review") == "https://example.org/hub/review"


def test_of_reads_the_settings(tmp_path: Path) -> None:
    secret = SecretStr("k" * 32)
    settings = Settings(
        data_dir=tmp_path, base_url=HUB + "/", files_url=FILES + "/", files_secret=secret
    )
    assert Links.of(settings) == Links(HUB, FILES)
    assert Links.of(Settings(data_dir=tmp_path, base_url=HUB)).files is None


def test_pages(links: Links) -> None:
    assert links.resource_path("affable-shark") == "/resources/affable-shark"
    assert links.resource_path("affable-shark", "v3") == "/resources/affable-shark?version=v3"
    assert (
        links.resource_path("affable-shark", "draft", comment=12)
        == "/resources/affable-shark?version=draft#comment-12"
    )
    assert links.resource_page("affable-shark", "v2") == (
        f"{HUB}/resources/affable-shark?version=v2"
    )
    assert links.review_path() == "/review"
    assert links.review_path("affable-shark") == "/review/affable-shark"
    assert (
        links.review_path("affable-shark", done="commented", comment=7)
        == "/review/affable-shark?done=commented#comment-7"
    )
    assert links.review_queue_path("changes_requested") == "/review?state=changes_requested"
    assert (
        links.review_action_path("a-b", "request-changes") == "/review/a-b/actions/request-changes"
    )
    assert links.review_comments_path("a-b") == "/review/a-b/comments"
    assert links.upload_path() == "/upload"
    assert links.upload_path("a-b") == "/upload/a-b"
    assert links.upload_path("a-b", done="uploaded") == "/upload/a-b?done=uploaded"
    assert links.upload_path("a-b", as_json=True) == "/upload/a-b?format=json"
    assert links.upload_action_path("a-b", "withdraw") == "/upload/a-b/withdraw"
    assert links.new_upload_path() == "/upload"
    assert links.new_upload_path("a-b") == "/upload?resource_id=a-b"
    assert links.account_path() == "/account"
    assert links.account_path(done="revoked") == "/account?done=revoked"
    assert links.token_revoke_path(42) == "/account/tokens/42/revoke"
    assert links.admin_users_path() == "/admin/users"
    assert links.admin_users_path(done="added", who="ann.b") == "/admin/users?done=added&who=ann.b"
    assert links.admin_user_path("ann.b") == "/admin/users/ann.b"


def test_catalog_links() -> None:
    assert Links.catalog_path() == "/"
    assert Links.catalog_path([("q", "cell nuclei"), ("tags", "2d")]) == "/?q=cell+nuclei&tags=2d"
    # the tag link quotes like Jinja's ``urlencode`` filter did
    assert Links.tag_path("fluorescence light/microscopy") == (
        "/?tags=fluorescence%20light/microscopy"
    )
    assert Links.tag_path("a&b=c#d") == "/?tags=a%26b%3Dc%23d"


def test_login_comes_back_to_the_whole_address() -> None:
    assert Links.login_path("/upload/a-b?done=x&y=1") == (
        "/login?next=%2Fupload%2Fa-b%3Fdone%3Dx%26y%3D1"
    )
    assert Links.login_path("/review") == "/login?next=%2Freview"


def test_api(links: Links) -> None:
    assert links.api("me") == f"{HUB}/api/v1/me"
    assert links.resource_api("affable-shark") == f"{HUB}/api/v1/resources/affable-shark"
    assert links.review_api("affable-shark") == f"{HUB}/api/v1/resources/affable-shark/review"
    assert links.citation_path("affable-shark", "v2", "cff") == (
        "/api/v1/resources/affable-shark/versions/v2/citation.cff"
    )


def test_tool_settings(links: Links) -> None:
    assert links.collection_pattern() == f"{HUB}/artifacts/{{bioimageio_id}}/files/rdf.yaml"
    assert links.staged_file("0f1e", path="weights/w 1.pt", signature="s+/=") == (
        f"{HUB}/public/services/artifact-manager/files/0f1e?path=weights%2Fw+1.pt&signature=s%2B%2F%3D"
    )


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("rdf.yaml", "rdf.yaml"),
        ("weights/model weights.pt", "weights/model%20weights.pt"),
        ("a?b#c%d.txt", "a%3Fb%23c%25d.txt"),
        ("docs/naïve 細胞.md", "docs/na%C3%AFve%20%E7%B4%B0%E8%83%9E.md"),
        ("plus+semi;colon:.bin", "plus%2Bsemi%3Bcolon%3A.bin"),
    ],
)
def test_file_paths_are_quoted_segment_by_segment(links: Links, path: str, quoted: str) -> None:
    assert links.file_path("affable-shark", "v1", path) == (
        f"/artifacts/affable-shark/v1/files/{quoted}"
    )
    assert links.file("affable-shark", None, path) == (
        f"{HUB}/artifacts/affable-shark/files/{quoted}"
    )


def test_packages_and_files_without_a_files_origin(links: Links) -> None:
    assert links.package("a-b", None) == f"{HUB}/artifacts/a-b/package.zip"
    assert links.package("a-b", "v2") == f"{HUB}/artifacts/a-b/v2/package.zip"
    assert links.package("a-b", "draft") == f"{HUB}/artifacts/a-b/draft/package.zip"
    assert links.package_path("a-b", "draft") == "/artifacts/a-b/draft/package.zip"
    assert links.file("a-b", "draft", "rdf.yaml") == f"{HUB}/artifacts/a-b/draft/files/rdf.yaml"
    with pytest.raises(RuntimeError, match="no files origin"):
        links.on_files_origin("/artifacts/a-b/files/x")


def test_published_files_come_from_the_files_origin_and_the_rest_from_the_hub(
    split: Links,
) -> None:
    assert split.file("a-b", None, "w 1.pt") == f"{FILES}/artifacts/a-b/files/w%201.pt"
    assert split.file("a-b", "v12", "rdf.yaml") == f"{FILES}/artifacts/a-b/v12/files/rdf.yaml"
    assert split.package("a-b", "v1") == f"{FILES}/artifacts/a-b/v1/package.zip"
    # drafts and closed revisions: the hub checks the viewer, then sends them on with a grant
    assert split.file("a-b", "draft", "rdf.yaml") == f"{HUB}/artifacts/a-b/draft/files/rdf.yaml"
    assert split.package("a-b", "draft") == f"{HUB}/artifacts/a-b/draft/package.zip"
    assert split.file("a-b", "r3", "rdf.yaml") == f"{HUB}/artifacts/a-b/r3/files/rdf.yaml"
    # pages and the API stay on the hub
    assert split.resource_page("a-b") == f"{HUB}/resources/a-b"
    assert split.id_map() == f"{HUB}/id_map.json"
    assert split.on_files_origin("/artifacts/a-b/draft/files/w%201.pt") == (
        f"{FILES}/artifacts/a-b/draft/files/w%201.pt"
    )


def test_odd_ids_cannot_leave_their_segments(links: Links) -> None:
    assert links.resource_path("a/b?c", "v1#x") == "/resources/a/b%3Fc?version=v1%23x"
    assert links.file_path("a b/c%d", "v1", "x.txt") == "/artifacts/a%20b/c%25d/v1/files/x.txt"


def test_namespaced_ids_keep_their_slash(links: Links) -> None:
    rid = "ilastik/pixel-classifier"
    assert links.resource_path(rid, "v1") == "/resources/ilastik/pixel-classifier?version=v1"
    assert links.file(rid, "v2", "rdf.yaml") == (
        f"{HUB}/artifacts/ilastik/pixel-classifier/v2/files/rdf.yaml"
    )
    assert links.package(rid, None) == f"{HUB}/artifacts/ilastik/pixel-classifier/package.zip"
    assert links.resource_api(rid) == f"{HUB}/api/v1/resources/ilastik/pixel-classifier"
    assert links.review_action_path(rid, "approve") == (
        "/review/ilastik/pixel-classifier/actions/approve"
    )
    assert links.upload_action_path(rid, "submit") == "/upload/ilastik/pixel-classifier/submit"
    assert links.citation_path(rid, "v1", "cff") == (
        "/api/v1/resources/ilastik/pixel-classifier/versions/v1/citation.cff"
    )
    # in a query the id is one value: its slash is escaped there
    assert links.new_upload_path(rid) == "/upload?resource_id=ilastik%2Fpixel-classifier"
    assert links.collection_pattern().format(bioimageio_id=rid) == (
        f"{HUB}/artifacts/ilastik/pixel-classifier/files/rdf.yaml"
    )
