"""The ids a partner's entries get: ``<partner id>/<name>``, or the entry's own id in a mirror."""

from __future__ import annotations

import re

from modelhub.errors import ErrorDetail, UploadRefused

MAX_ID = 64  # resources.id
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
RESERVED = frozenset(
    {
        "versions", "review", "history", "maintainers", "checks", "publish", "files",
        "package.zip", "draft", "latest", "open", "citation.cff", "citation.bib",
    }
)  # fmt: skip
_LABEL = re.compile(r"^[vr]\d+$")


def _refuse(message: str, code: str) -> UploadRefused:
    return UploadRefused(message, [ErrorDetail(("id",), message)], code=code)


def valid_name(name: str) -> bool:
    """A name the hub's addresses can carry after ``<partner>/``."""
    return bool(_NAME.match(name)) and name not in RESERVED and not _LABEL.match(name)


def resource_id_for(partner_id: str, entry_id: str | None, *, keep_ids: bool) -> str:
    """The hub id of an entry whose id is ``entry_id`` (the collection's, or its description's);
    ``UploadRefused`` (``invalid_entry_id`` / ``foreign_id``) when it cannot have one."""
    if not entry_id or not entry_id.strip():
        raise _refuse(
            "The entry has no id: give it an 'id' in the collection (or in its rdf.yaml).",
            "invalid_entry_id",
        )
    wanted = entry_id.strip()
    if keep_ids:  # a mirror keeps the ids of the hub it copies
        parts = wanted.split("/")
        if len(parts) > 2 or not all(valid_name(p) for p in parts) or len(wanted) > MAX_ID:
            raise _refuse(f"'{wanted}' cannot be an id on this hub.", "invalid_entry_id")
        return wanted
    prefix, _, rest = wanted.rpartition("/")
    if prefix and prefix != partner_id:
        raise _refuse(
            f"The id '{wanted}' belongs to '{prefix}', not to this partner: entries of "
            f"'{partner_id}' get ids '{partner_id}/<name>'.",
            "foreign_id",
        )
    name = rest
    full = f"{partner_id}/{name}"
    if not valid_name(name) or len(full) > MAX_ID:
        raise _refuse(
            f"'{name}' cannot be an entry id: use letters, digits, '-', '_' and '.', at most "
            f"{MAX_ID - len(partner_id) - 1} characters, not a word of the hub's addresses.",
            "invalid_entry_id",
        )
    return full
