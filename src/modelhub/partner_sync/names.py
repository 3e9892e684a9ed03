"""The ids a partner's entries get: ``<partner id>/<name>``, or the entry's own id in a mirror.
What an id may be is ``modelhub.web.ids``' rule (what the hub's addresses can carry)."""

from __future__ import annotations

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.web.ids import MAX_ID_LENGTH, is_namespaced, is_valid_name


def _refuse(message: str, code: str) -> UploadRefused:
    return UploadRefused(message, [ErrorDetail(("id",), message)], code=code)


def resource_id_for(partner_id: str, entry_id: str | None, *, keep_ids: bool) -> str:
    """The hub id of an entry whose id is ``entry_id`` (the collection's, or its description's);
    ``UploadRefused`` (``invalid_entry_id`` / ``foreign_id``) when it cannot have one. Names are
    lower-cased, as bioimage.io's ids are."""
    if not entry_id or not entry_id.strip():
        raise _refuse(
            "The entry has no id: give it an 'id' in the collection (or in its rdf.yaml).",
            "invalid_entry_id",
        )
    wanted = entry_id.strip()
    if keep_ids:  # a mirror keeps the ids of the hub it copies
        ok = is_namespaced(wanted) if "/" in wanted else is_valid_name(wanted)
        if not ok or len(wanted) > MAX_ID_LENGTH:
            raise _refuse(f"'{wanted}' cannot be an id on this hub.", "invalid_entry_id")
        return wanted
    prefix, _, rest = wanted.rpartition("/")
    if prefix and prefix != partner_id:
        raise _refuse(
            f"The id '{wanted}' belongs to '{prefix}', not to this partner: entries of "
            f"'{partner_id}' get ids '{partner_id}/<name>'.",
            "foreign_id",
        )
    name = rest.lower()
    if not is_valid_name(name, partner_id=partner_id):
        raise _refuse(
            f"'{rest}' cannot be an entry id: use letters, digits, '-', '_' and '.' (starting "
            f"with a letter or digit), at most {MAX_ID_LENGTH - len(partner_id) - 1} characters,"
            " and not a word of the hub's addresses ('versions', 'files', 'v1', …).",
            "invalid_entry_id",
        )
    return f"{partner_id}/{name}"
