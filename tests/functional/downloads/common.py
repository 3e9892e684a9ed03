"""Helpers of the download tests: a real package holding hostile files, and the headers every
answer carrying package bytes must have."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import httpx
import yaml

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.demo.writer import PackageWriter
from tests.conftest import OVERRIDE, auth

# what a script of the package would do with an admin's login: make itself an admin account
# and an API token, and say so in every way a test can watch
PAYLOAD = """
(function () {
  var json = {"content-type": "application/json"};
  fetch("/api/v1/users", {method: "POST", credentials: "include", headers: json,
    body: JSON.stringify({username: "intruder", role: "admin",
                          password: "a long intruder password"})});
  fetch("/api/v1/tokens", {method: "POST", credentials: "include", headers: json,
    body: JSON.stringify({name: "stolen"})});
  console.log("HOSTILE SCRIPT RAN");
  alert("HOSTILE SCRIPT RAN");
})();
"""
HOSTILE_HTML = f"""<!doctype html>
<html><head><title>Results</title><script src="evil.js"></script></head>
<body onload="alert('HOSTILE ONLOAD')"><h1>Results</h1><script>{PAYLOAD}</script></body></html>
"""
HOSTILE_SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"
     onload="alert('HOSTILE SVG ONLOAD')">
  <rect width="64" height="64" fill="#3a7"/>
  <script>//<![CDATA[{PAYLOAD}//]]></script>
</svg>
"""
HOSTILE_FILES = ("evil.html", "evil.js", "cover.svg")

# (content type, disposition) of each file of the package, as served
SERVED_AS = {
    "rdf.yaml": ("text/plain; charset=utf-8", 'inline; filename="rdf.yaml"'),
    "README.md": ("text/plain; charset=utf-8", 'inline; filename="README.md"'),
    "cover.png": ("image/png", 'inline; filename="cover.png"'),
    "cover.svg": ("image/svg+xml", 'attachment; filename="cover.svg"'),
    "evil.html": ("application/octet-stream", 'attachment; filename="evil.html"'),
    "evil.js": ("application/octet-stream", 'attachment; filename="evil.js"'),
    "image_0.npy": ("application/octet-stream", 'attachment; filename="image_0.npy"'),
}
# on every answer carrying package bytes, whatever the route, status or method
PACKAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def hostile_package(root: Path) -> bytes:
    """A valid dataset package whose files include an HTML page and a script it loads (as
    attachments), an SVG cover with a script (the first cover), and documentation that shows
    the SVG as an image and links the page. Returns the zip's bytes."""
    folder = root / "hostile"
    build_package("dataset-0.5", folder, name="Hostile files test")
    writer = PackageWriter(folder)
    rdf = yaml.safe_load((folder / "rdf.yaml").read_text())
    rdf["attachments"] += [
        writer.add_text("evil.html", HOSTILE_HTML),
        writer.add_text("evil.js", PAYLOAD),
    ]
    writer.add_text("cover.svg", HOSTILE_SVG)
    rdf["covers"] = ["cover.svg", "cover.png"]
    readme = (folder / "README.md").read_text()
    readme += "\n## Figures\n\n![Diagram](cover.svg)\n\nSee [the results page](evil.html).\n"
    writer.add_text("README.md", readme)
    writer.write_description(rdf)
    return zip_folder(folder, root / "hostile.zip").read_bytes()


def package_files(data: bytes) -> dict[str, bytes]:
    """The files of a package zip, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def upload(http: httpx.Client, token: str, data: bytes) -> str:
    r = http.post(
        "/api/v1/uploads",
        content=data,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    return rid


def publish(http: httpx.Client, admin_token: str, rid: str) -> None:
    r = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE)
    assert r.status_code == 201, r.text


def assert_headers(r: httpx.Response, expected: dict[str, str]) -> None:
    """Each expected header has exactly this one value (a repeated header would show joined)."""
    got = {name: r.headers.get(name) for name in expected}
    assert got == expected, f"{r.request.method} {r.request.url} -> {r.status_code}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, *names: str) -> list[tuple[str, dict[str, str | None]]]:
    """The start tags of ``html`` named ``names``, with their attributes."""
    parser = _Tags()
    parser.feed(html)
    return [(tag, attrs) for tag, attrs in parser.tags if tag in names]


def log_in(client: httpx.Client, username: str, password: str) -> None:
    """Log ``client`` in through the real login form (it then holds the session cookie)."""
    form = client.get("/login")
    csrf = next(a["value"] for _, a in tags(form.text, "input") if a.get("name") == "csrf")
    data = {"username": username, "password": password, "csrf": csrf, "next": "/"}
    assert client.post("/login", data=data).status_code == 303
