"""``modelhub review …``, ``modelhub yank|unyank`` and ``modelhub maintainers …``: the review
workflow over the hub's API (the same routes the pages use)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from modelhub.cli.client import HubClient, details_of, hub_token, hub_url
from modelhub.cli.options import HubOption, JsonOption, TokenOption
from modelhub.cli.output import emit, fail
from modelhub.errors import HubError

app = typer.Typer(help="Submit drafts, review them, and discuss them.", no_args_is_help=True)

ResourceArg = Annotated[str, typer.Argument(help="Resource id, e.g. affable-shark")]
RevisionOpt = Annotated[
    int | None,
    typer.Option("--revision", help="Act only if this revision is still the open one"),
]
MessageOpt = Annotated[str | None, typer.Option("--message", "-m", help="Message for the thread")]


def call(
    method: str, path: str, *, hub: str | None, token: str | None, as_json: bool, **kw: Any
) -> Any:
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            if method == "DELETE":
                client.check(client.http.request(method, path, **kw))
                return {}
            return client.json(method, path, **kw)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))


def _action(name: str, resource_id: str, body: dict[str, Any], **opts: Any) -> None:
    path = f"/api/v1/resources/{resource_id}/review/{name}"
    result = call("POST", path, json=body, **opts)
    emit(
        result,
        as_json=opts["as_json"],
        lines=[f"{resource_id} revision {result['revision']}: {result['status']}"],
    )


@app.command("submit")
def submit(
    resource_id: ResourceArg, revision: RevisionOpt = None, message: MessageOpt = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Send your draft to the reviewers."""
    body = {"revision": revision, "message": message}
    _action("submit", resource_id, body, hub=hub, token=token, as_json=as_json)


@app.command("withdraw")
def withdraw(
    resource_id: ResourceArg, revision: RevisionOpt = None, message: MessageOpt = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Withdraw your draft (it will not be published)."""
    body = {"revision": revision, "message": message}
    _action("withdraw", resource_id, body, hub=hub, token=token, as_json=as_json)


@app.command("request-changes")
def request_changes(
    resource_id: ResourceArg,
    message: Annotated[str, typer.Option("--message", "-m", help="What to change")],
    revision: RevisionOpt = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Send a draft in review back to its uploader (reviewers)."""
    body = {"revision": revision, "message": message}
    _action("request-changes", resource_id, body, hub=hub, token=token, as_json=as_json)


@app.command("reject")
def reject(
    resource_id: ResourceArg,
    message: Annotated[str, typer.Option("--message", "-m", help="Why")],
    revision: RevisionOpt = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Reject a draft in review (reviewers)."""
    body = {"revision": revision, "message": message}
    _action("reject", resource_id, body, hub=hub, token=token, as_json=as_json)


@app.command("approve")
def approve(
    resource_id: ResourceArg,
    revision: RevisionOpt = None,
    message: MessageOpt = None,
    override: Annotated[
        str | None, typer.Option("--override", help="Why to publish without a passed check")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Change note")] = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Approve a draft in review: it is published as the next version (reviewers)."""
    body = {"revision": revision, "message": message, "override_reason": override,
            "change_note": note}  # fmt: skip
    path = f"/api/v1/resources/{resource_id}/review/approve"
    result = call("POST", path, json=body, hub=hub, token=token, as_json=as_json)
    emit(result, as_json=as_json, lines=[f"published {resource_id} {result['version']}"])


@app.command("comment")
def comment(
    resource_id: ResourceArg,
    text: Annotated[str, typer.Argument(help="The comment (markdown)")],
    revision: RevisionOpt = None,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Comment on a draft's review thread."""
    path = f"/api/v1/resources/{resource_id}/review/comments"
    body = {"body": text, "revision": revision}
    result = call("POST", path, json=body, hub=hub, token=token, as_json=as_json)
    emit(result, as_json=as_json, lines=[f"comment {result['id']} on {resource_id}"])


@app.command("show")
def show(
    resource_id: ResourceArg,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """The open draft's state, check, your possible actions and its thread."""
    state = call("GET", f"/api/v1/resources/{resource_id}/review", hub=hub, token=token,
                  as_json=as_json)  # fmt: skip
    lines = [
        f"{state['resource_id']} revision {state['revision']}: {state['status']} "
        f"(uploaded by {state['uploader']}; check: {state['check']['status'] or 'none'})",
        f"you may: {', '.join(state['actions'])}",
    ]
    for entry in state["thread"]:
        if entry["kind"] == "comment":
            c = entry["comment"]
            lines.append(f"- {c['created_at']} {c['author']}: {c['body']}")
        else:
            e = entry["event"]
            said = f": {e['message']}" if e["message"] else ""
            lines.append(f"- {e['created_at']} {e['actor']} {e['action']}{said}")
    emit(state, as_json=as_json, lines=lines)


@app.command("queue")
def queue(
    status: Annotated[str, typer.Option(help="in_review, changes_requested or draft")] = (
        "in_review"
    ),
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Drafts waiting for a reviewer, oldest first (reviewers)."""
    items = call("GET", "/api/v1/review/queue", params={"status": status}, hub=hub,
                  token=token, as_json=as_json)  # fmt: skip
    lines = [
        f"{i['resource_id']} r{i['revision']} {i['status']} since {i['since']} by "
        f"{i['uploader']} (check: {i['check']['status'] or 'none'}) {i['name']}"
        for i in items
    ] or ["nothing waiting"]
    emit(items, as_json=as_json, lines=lines)


@app.command("history")
def history(
    resource_id: ResourceArg,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """The resource's audit log: every transition, who, when, from, to, message."""
    events = call("GET", f"/api/v1/resources/{resource_id}/history", hub=hub, token=token,
                   as_json=as_json)  # fmt: skip
    lines = [
        f"{e['created_at']} r{e['revision']} {e['actor']} {e['action']}: {e['from_status']} → "
        f"{e['to_status']}{' — ' + e['message'] if e['message'] else ''}"
        for e in events
    ]
    emit(events, as_json=as_json, lines=lines)
