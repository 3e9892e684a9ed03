"""``modelhub predict``: run a model of a hub on images and download the results.

The images go to ``POST /api/v1/resources/{id}/predictions`` (a multipart form), the state of
each prediction is followed with ``GET /api/v1/predictions/{id}?wait=`` (the hub answers when it
ends, or after a while with its queue position and progress), and every result is downloaded
into the output folder as ``<image stem>_<output name>.<ext>``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from modelhub.cli.client import HubClient, details_of, hub_token, hub_url
from modelhub.cli.options import JsonOption, TokenOption
from modelhub.cli.output import emit, err, fail
from modelhub.errors import HubError

SUFFIXES = {"tiff": ".tif", "npy": ".npy", "zarr": ".ome.zarr.zip"}
WAIT_S = 20
CHUNK = 1024 * 1024


class OutputFormat(StrEnum):
    tiff = "tiff"
    npy = "npy"
    zarr = "zarr"


HubUrlOption = Annotated[
    str | None,
    typer.Option(
        "--url", "--hub", help="The hub's URL (default: $MODELHUB_URL or http://127.0.0.1:8000)"
    ),
]


def _images(args: list[str]) -> list[tuple[str, Path]]:
    """(form field, path) of each IMAGE argument: ``PATH``, or ``INPUT=PATH`` for a model with
    several inputs."""
    found = []
    for arg in args:
        field, path = "image", Path(arg)
        name, sep, rest = arg.partition("=")
        if sep and not path.exists() and name:
            field, path = f"image.{name}", Path(rest)
        if not path.is_file():
            raise HubError(f"'{path}' is not a file.", status_code=0, code="not_found")
        found.append((field, path))
    return found


def _fields(
    version: str | None, weights: str | None, axes: list[str], test_input: bool
) -> dict[str, str]:
    fields = {"version": version or "", "weights": weights or ""}
    for given in axes:
        name, sep, letters = given.partition("=")
        fields[f"axes.{name}" if sep else "axes"] = letters if sep else given
    if test_input:
        fields["test_input"] = "true"
    return {k: v for k, v in fields.items() if v}


def _send(
    client: HubClient, resource_id: str, images: list[tuple[str, Path]], fields: dict[str, str]
) -> list[dict[str, Any]]:
    with contextlib.ExitStack() as stack:
        files: list[tuple[str, tuple[str, BinaryIO]]] = [
            (field, (path.name, stack.enter_context(path.open("rb")))) for field, path in images
        ]
        with err.status(f"sending {len(images)} image(s)" if images else "asking the hub"):
            # without images (the test input) the fields go in the query: no form to send
            form: dict[str, Any] = {"data": fields, "files": files} if files else {"params": fields}
            answer = client.json("POST", f"/api/v1/resources/{resource_id}/predictions", **form)
    predictions: list[dict[str, Any]] = answer["predictions"]
    return predictions


def _describe(prediction: dict[str, Any]) -> str:
    status = prediction["status"]
    if status == "waiting" and prediction.get("queue_position"):
        return f"number {prediction['queue_position']} in the queue"
    note = prediction.get("progress_note")
    return f"{status}: {note}" if note and status == "running" else status


def _label(prediction: dict[str, Any]) -> str:
    return ", ".join(i["file_name"] for i in prediction["inputs"]) or prediction["id"]


def _follow(
    client: HubClient, predictions: list[dict[str, Any]], as_json: bool
) -> list[dict[str, Any]]:
    """Poll each prediction until all have ended, showing their state and progress."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=err,
        disable=as_json,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}
    done = {p["id"]: p for p in predictions}
    with bars:
        for p in predictions:
            tasks[p["id"]] = bars.add_task(_label(p)[-40:], total=1.0, state=_describe(p))
        for pid in done:
            while not done[pid]["finished"]:
                wait = 2 if done[pid]["status"] == "running" else WAIT_S
                done[pid] = client.json("GET", f"/api/v1/predictions/{pid}", params={"wait": wait})
                state = done[pid]
                bars.update(tasks[pid], completed=state["progress"], state=_describe(state))
            bars.update(tasks[pid], completed=1.0, state=done[pid]["status"])
    return [done[p["id"]] for p in predictions]


def _stem(prediction: dict[str, Any]) -> str:
    first = prediction["inputs"][0]["file_name"] if prediction["inputs"] else prediction["id"]
    name = Path(first).name
    for suffix in (".ome.zarr.zip", ".ome.zarr", ".ome.tiff", ".ome.tif"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def _target(output: Path, stem: str, name: str, fmt: str, taken: set[Path]) -> Path:
    target = output / f"{stem}_{name}{SUFFIXES[fmt]}"
    count = 1
    while target in taken:
        count += 1
        target = output / f"{stem}-{count}_{name}{SUFFIXES[fmt]}"
    taken.add(target)
    return target


def _download(client: HubClient, url: str, target: Path) -> None:
    partial = target.with_name(target.name + ".part")
    with client.http.stream("GET", url) as response:
        if not response.is_success:
            response.read()
            client.check(response)
        with partial.open("wb") as out:
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
    partial.replace(target)


def _timings(p: dict[str, Any]) -> str:
    parts = [f"on {p['device']}"] if p.get("device") else []
    if p.get("warm") is not None:
        parts.append("warm" if p["warm"] else "cold start")
    for key, word in (("load_s", "loading"), ("predict_s", "predicting"), ("duration_s", "in all")):
        if p.get(key) is not None:
            parts.append(f"{word} {p[key]:.2f} s")
    return ", ".join(parts)


def _cancel(client: HubClient, predictions: Iterator[dict[str, Any]]) -> None:
    for p in predictions:
        with contextlib.suppress(HubError):
            client.json("DELETE", f"/api/v1/predictions/{p['id']}")


def predict(
    resource_id: Annotated[str, typer.Argument(help="The model's resource id")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the results to")],
    images: Annotated[
        list[str] | None,
        typer.Argument(
            help="Images (TIFF, PNG, NPY, zipped OME-Zarr); INPUT=PATH for a model with several"
            " inputs"
        ),
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="v1, v2, … or draft (default: latest)")
    ] = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Weight format (default: the hub's choice)")
    ] = None,
    axes: Annotated[
        list[str] | None,
        typer.Option(
            "--axes", help="Axes of the images, e.g. zyx (INPUT=AXES per input); default: guessed"
        ),
    ] = None,
    test_input: Annotated[
        bool, typer.Option("--test-input", help="Run the model on its own test input")
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Format of the results")
    ] = OutputFormat.tiff,
    hub: HubUrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a model of the hub on images (or on its own test input with --test-input) and
    download each result into OUTPUT as <image stem>_<output name>.<ext>."""
    started = time.monotonic()
    try:
        chosen = _images(images or [])
        if not chosen and not test_input:
            fail("Give one or more images, or --test-input.", as_json=as_json, code="no_image")
        fields = _fields(version, weights, axes or [], test_input)
        with HubClient(hub_url(hub), hub_token(token)) as client:
            made = _send(client, resource_id, chosen, fields)
            try:
                ended = _follow(client, made, as_json)
            except KeyboardInterrupt:
                _cancel(client, iter(made))
                fail("Stopped; the predictions still running were cancelled.", as_json=as_json,
                     code="interrupted", exit_code=130)  # fmt: skip
            output.mkdir(parents=True, exist_ok=True)
            written = _fetch_all(client, ended, output, fmt.value)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))
    failed = [p for p in ended if p["status"] != "succeeded"]
    lines = []
    for p in ended:
        if p["status"] == "succeeded":
            lines.append(f"{_label(p)}: done ({_timings(p)})")
            lines.extend(f"  {path}" for path in written[p["id"]])
        else:
            message = (p.get("error") or {}).get("message") or p.get("message") or p["status"]
            err.print(f"[bold red]{_label(p)}:[/] {message}", highlight=False)
    lines.append(f"{len(ended) - len(failed)} of {len(ended)} predictions done in "
                 f"{time.monotonic() - started:.1f} s")  # fmt: skip
    summary = {"predictions": ended, "files": written}
    emit(summary, as_json=as_json, lines=lines)
    if failed:
        raise typer.Exit(1)


def _fetch_all(
    client: HubClient, ended: list[dict[str, Any]], output: Path, fmt: str
) -> dict[str, list[str]]:
    written: dict[str, list[str]] = {}
    taken: set[Path] = set()
    with err.status("downloading the results"):
        for p in ended:
            written[p["id"]] = []
            for o in p["outputs"] if p["status"] == "succeeded" else []:
                target = _target(output, _stem(p), o["name"], fmt, taken)
                _download(client, o["downloads"][fmt], target)
                written[p["id"]].append(str(target))
    return written
