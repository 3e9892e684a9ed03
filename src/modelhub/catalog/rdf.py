"""The rdf.yaml the hub serves: the uploaded description with the hub's ``id`` and version."""

from __future__ import annotations

import io

from ruyaml import YAML
from ruyaml.comments import CommentedMap

SERVED_NAME = "rdf.yaml"


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 4096  # type: ignore[assignment]
    return yaml


def render_description(original: bytes, *, resource_id: str, version: int | None) -> bytes:
    """Rewrite the uploaded description keeping its layout and comments: set ``id`` to the hub's id
    and, for a published version, ``version`` to its number. The input was already checked by the
    safe parser, so the round-trip loader only sees plain YAML."""
    yaml = _yaml()
    data = yaml.load(original.decode("utf-8"))
    if not isinstance(data, CommentedMap):
        raise ValueError("description is not a mapping")
    _put_after(data, "id", resource_id, after=("name", "type", "format_version"))
    if version is not None:
        _put_after(data, "version", str(version), after=("id",))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().encode("utf-8")


def _put_after(data: CommentedMap, key: str, value: object, *, after: tuple[str, ...]) -> None:
    if key in data:
        data[key] = value
        return
    keys = list(data.keys())
    for anchor in after:
        if anchor in keys:
            data.insert(keys.index(anchor) + 1, key, value)
            return
    data.insert(0, key, value)
