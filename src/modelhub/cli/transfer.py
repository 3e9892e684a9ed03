"""``modelhub upload | download | publish``: talk to a hub over its API, with progress bars."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import filesize
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from modelhub.cli.client import HubClient, details_of, hub_token, hub_url
from modelhub.cli.options import HubOption, JsonOption, TokenOption
from modelhub.cli.output import emit, err, fail
from modelhub.cli.packing import zip_folder
from modelhub.errors import HubError
from modelhub.uploads.archive import UnpackLimits, unpack_zip

CHUNK = 1024 * 1024


def _progress(as_json: bool) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        disable=as_json,
        transient=True,
    )


def _read(path: Path, progress: Progress, label: str) -> Iterator[bytes]:
    task = progress.add_task(label, total=path.stat().st_size)
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            progress.advance(task, len(chunk))
            yield chunk


def upload(
    path: Annotated[
        Path | None, typer.Argument(help="A package zip, or a folder holding rdf.yaml")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Let the hub fetch the package from this URL (a package zip, or an rdf.yaml"
            " whose files lie beside it) instead of sending PATH",
        ),
    ] = None,
    resource: Annotated[
        str | None, typer.Option("--resource", help="Add a revision to this resource id")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What changed")] = None,
    hub: HubOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Upload a package as a draft (from PATH, or fetched by the hub from --url); prints one
    line that ends with the resource id."""
    if (path is None) == (url is None):
        fail("Give either a PATH or --url.", as_json=as_json, code="invalid_request")
    params = {k: v for k, v in (("resource_id", resource), ("change_note", note)) if v}
    if url is not None:
        result = _send(iter(()), params={**params, "url": url}, hub=hub, token=token,
                       as_json=as_json)  # fmt: skip
    elif path is not None and not path.exists():
        fail(f"'{path}' does not exist.", as_json=as_json, code="not_found")
    elif path is not None:
        with tempfile.TemporaryDirectory(prefix="modelhub-upload-") as tmp:
            archive = path if path.is_file() and path.suffix.lower() == ".zip" else None
            if archive is None:
                folder = path.parent if path.is_file() else path
                archive = zip_folder(folder, Path(tmp) / "package.zip")
            with _progress(as_json) as bar:
                chunks = _read(archive, bar, "uploading")
                result = _send(chunks, params=params, hub=hub, token=token, as_json=as_json)
    # one line, the id last as its own word: scripts read `stdout.split()[-1]`
    lines = [
        f"{result['emoji']} Uploaded {result['name']!r} as {result['version']} (revision "
        f"{result['revision']}) of {result['resource_id']}"
    ]
    for w in result.get("warnings", []):
        err.print(f"warning: {'.'.join(map(str, w['loc']))}: {w['msg']}", highlight=False)
    emit(result, as_json=as_json, lines=lines)


def _send(
    chunks: Iterator[bytes],
    *,
    params: dict[str, str],
    hub: str | None,
    token: str | None,
    as_json: bool,
) -> Any:
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            return client.upload(chunks, params=params)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))


def publish(
    resource_id: Annotated[str, typer.Argument(help="The resource whose draft to publish")],
    note: Annotated[str | None, typer.Option("--note", help="Change note")] = None,
    override: Annotated[
        str | None, typer.Option("--override", help="Why to publish without a passed check")
    ] = None,
    hub: HubOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a resource's draft as its next version now (admins): it is submitted and
    approved in one go. Needs a passed check, or --override with a reason."""
    body = {"change_note": note, "override_reason": override}
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            result = client.json("POST", f"/api/v1/resources/{resource_id}/publish", json=body)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))
    emit(result, as_json=as_json, lines=[f"published {resource_id} {result['version']}"])


def download(
    resource_id: Annotated[str, typer.Argument(help="Resource id")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the files to")],
    version: Annotated[
        str | None, typer.Option("--version", help="v1, v2, … or draft (default: latest)")
    ] = None,
    hub: HubOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Download a version's package into a folder and check every file's sha256."""
    label = version or "latest"
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            meta = client.json("GET", f"/api/v1/resources/{resource_id}/versions/{label}")
            with tempfile.TemporaryDirectory(prefix="modelhub-download-") as tmp:
                archive = Path(tmp) / "package.zip"
                _fetch(client, meta["package_url"], archive, as_json)
                output.mkdir(parents=True, exist_ok=True)
                limits = UnpackLimits(2**62, 2**62, 1_000_000)
                staged = Path(tmp) / "files"
                staged.mkdir()
                got = {f.path: f.sha256 for f in unpack_zip(archive, staged, limits)}
                for entry in meta["files"]:
                    if got.get(entry["path"]) != entry["sha256"]:
                        fail(
                            f"'{entry['path']}' arrived damaged (sha256 differs); try again.",
                            as_json=as_json,
                            code="checksum_mismatch",
                        )
                for name in got:
                    target = output / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    (staged / name).replace(target)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))
    size = filesize.decimal(sum(entry["size"] for entry in meta["files"]))
    emit(
        {
            "resource_id": resource_id,
            "version": meta["version"],
            "path": str(output),
            "files": len(got),
        },
        as_json=as_json,
        lines=[f"{resource_id} {meta['version']}: {len(got)} files, {size} in", str(output)],
    )


def _fetch(client: HubClient, url: str, target: Path, as_json: bool) -> None:
    with client.http.stream("GET", url) as response, _progress(as_json) as bar:
        if not response.is_success:
            response.read()
            client.check(response)
        # the hub sends the zip's length where it knows it: the bar then shows how far along
        length = response.headers.get("content-length")
        task = bar.add_task("downloading", total=int(length) if length else None)
        with target.open("wb") as out:
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
                bar.advance(task, len(chunk))
