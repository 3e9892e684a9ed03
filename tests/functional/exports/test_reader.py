"""An existing reader of the bioimage.io collection, bioimageio.spec, loads every resource the
hub's collection.json and index.json name, from the URLs they give (rdf_source, download_url,
each version's source), in a fresh interpreter with no BIOIMAGEIO_* settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.functional.exports.common import package, publish, upload

pytestmark = pytest.mark.slow

READER = """
import hashlib, json, sys, urllib.request
from bioimageio.spec import load_description

def fetch(url):
    with urllib.request.urlopen(url) as answer:
        return answer.read()

collection = json.loads(fetch(sys.argv[1] + "/collection.json"))
index = json.loads(fetch(sys.argv[1] + "/index.json"))
seen = []
for item in collection["collection"]:
    for source in (item["rdf_source"], item["download_url"]):
        d = load_description(source, perform_io_checks=True)
        seen.append([item["id"], type(d).__name__, d.name, str(d.id)])
for entry in index["items"]:
    for version in entry["versions"]:
        data = fetch(version["source"])
        d = load_description(version["source"], perform_io_checks=True)
        same = hashlib.sha256(data).hexdigest() == version["sha256"]
        seen.append([entry["id"], type(d).__name__, version["version"], same])
print(json.dumps(seen))
"""


def test_bioimageio_spec_loads_what_the_exports_name(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    model = upload(http, admin_token, package(tmp_path, "Tiny nuclei", kind="model-0.5-state-dict"))
    publish(http, admin_token, model)
    data = upload(http, admin_token, package(tmp_path, "Nuclei images"))
    publish(http, admin_token, data)
    upload(http, admin_token, package(tmp_path, "Nuclei images two", seed=2), resource_id=data)
    publish(http, admin_token, data)
    workdir = tmp_path / "cwd"  # empty: the library reads a .env file in its working directory
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env.update(BIOIMAGEIO_CACHE_PATH=str(tmp_path / "cache"), NO_PROXY="127.0.0.1,localhost")
    done = subprocess.run(
        [sys.executable, "-c", READER, server.url],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    items = sorted([[data, "DatasetDescr", "Nuclei images two", data]] * 2
                   + [[model, "ModelDescr", "Tiny nuclei", model]] * 2)  # fmt: skip
    assert sorted(s for s in seen if len(s) == 4 and isinstance(s[3], str)) == items
    versions = [s for s in seen if isinstance(s[3], bool)]
    assert sorted(versions) == sorted(
        [
            [data, "DatasetDescr", "v2", True],
            [data, "DatasetDescr", "v1", True],
            [model, "ModelDescr", "v1", True],
        ]
    )
