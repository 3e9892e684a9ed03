"""A tiny application package built here (rdf.yaml of type application + a web page) and a
model that links to it, both published."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.functional.review.common import publish, upload

APP_NAME = "Context viewer"
# reads what it was opened with (the fragment, the hub's message) and what it may not read
# (the hub's cookies, its parent page) into its own page
APP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Context viewer</title></head>
<body>
<h1>Context viewer</h1>
<p>From the address: <span id="from-fragment">nothing</span></p>
<p>From the hub's message: <span id="from-message">nothing</span></p>
<p>Cookies: <span id="cookies">not tried</span></p>
<p>Parent page: <span id="parent">not tried</span></p>
<script>
"use strict";
function show(id, text) { document.getElementById(id).textContent = text; }
var given = new URLSearchParams(location.hash.slice(1));
show("from-fragment", given.get("id") + " " + given.get("version") + " " + given.get("rdf_url"));
window.addEventListener("message", function (event) {
  if (event.data && event.data.type === "modelhub:context") {
    var c = event.data.context;
    show("from-message", c.id + " " + c.version + " " + c.rdf_url);
  }
});
parent.postMessage({ type: "modelhub:context?" }, "*");
try { show("cookies", "read: " + document.cookie); } catch (e) { show("cookies", "refused"); }
try { show("parent", "read: " + parent.document.title); } catch (e) { show("parent", "refused"); }
</script>
</body></html>
"""


def app_zip(root: Path, *, page: str = APP_PAGE, source: str = "index.html") -> bytes:
    """An application package: rdf.yaml (type application, ``source`` its web page), the
    page, a README."""
    folder = root / "app"
    folder.mkdir(parents=True)
    rdf = {
        "type": "application",
        "format_version": "0.3.0",
        "name": APP_NAME,
        "description": "Shows the resource it was opened with.",
        "authors": [{"name": "Test Author"}],
        "cite": [{"text": "Example citation", "doi": "10.1038/s41592-019-0627-0"}],
        "license": "MIT",
        "tags": ["application", "viewer"],
        "documentation": "README.md",
        "source": source,
    }
    (folder / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    (folder / "README.md").write_text(
        "# Context viewer\n\nShows the resource it was opened with.\n"
    )
    (folder / "index.html").write_text(page)
    return zip_folder(folder, root / "app.zip").read_bytes()


def model_zip(root: Path, *, links: list[str]) -> bytes:
    """A small real model package whose rdf.yaml links to ``links``."""
    folder = root / "model"
    build_package("model-0.5-torchscript", folder, name="Linked model")
    rdf_path = folder / "rdf.yaml"
    rdf = yaml.safe_load(rdf_path.read_text())
    rdf["links"] = links
    rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))
    return zip_folder(folder, root / "model.zip").read_bytes()


def published(http: httpx.Client, admin: str, data: bytes) -> str:
    """Upload ``data`` and publish it as v1: its resource id."""
    rid: str = upload(http, admin, data)["resource_id"]
    publish(http, admin, rid)
    return rid


def model_and_app(http: httpx.Client, admin: str, root: Path) -> tuple[str, str]:
    """A published application and a published model linking to it (and to unknown ids)."""
    app = published(http, admin, app_zip(root))
    model = published(http, admin, model_zip(root, links=["ilastik/ilastik", app]))
    return model, app
