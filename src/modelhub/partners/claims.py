"""Which partners a description claims compatibility with: the partners whose maintainers review
it (the seeds: partners "review resources contributed by others that claim to be compatible
with this community partner software").

A description claims partner ``P`` (an approved partner's id) when any of these holds:

- ``links`` names ``P`` itself or an id in P's namespace, ``P/<name>`` (P's software and other
  resources, e.g. ``ilastik/ilastik``, ``deepimagej/deepimagej``);
- ``tags`` holds ``P`` (the seeds' example tags name the software: ``deepimagej``, ``ilastik``);
- ``config`` has a section named ``P`` (deepImageJ and ilastik keep their settings under
  ``config.deepimagej`` / ``config.ilastik``).

Ids, tags and config keys are compared without case and surrounding spaces. Anything else
(authors, descriptions, the resource's own id) claims nothing: a claim is something the
uploader wrote on purpose in one of those three fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _words(value: Any) -> set[str]:
    """The strings of a list field, normalised; anything that is not a list of strings: none."""
    if not isinstance(value, list):
        return set()
    return {item.strip().lower() for item in value if isinstance(item, str) and item.strip()}


def claimed_partners(rdf: Mapping[str, Any], partner_ids: Iterable[str]) -> set[str]:
    """The ids among ``partner_ids`` that ``rdf`` claims compatibility with (see the module's
    docstring). Pure: reads nothing but its arguments."""
    links = _words(rdf.get("links"))
    namespaces = {link.split("/", 1)[0] for link in links}
    tags = _words(rdf.get("tags"))
    config = rdf.get("config")
    sections = (
        {k.strip().lower() for k in config if isinstance(k, str)}
        if isinstance(config, Mapping)
        else set()
    )
    claimed: set[str] = set()
    for partner_id in partner_ids:
        wanted = partner_id.strip().lower()
        if wanted and (wanted in namespaces or wanted in tags or wanted in sections):
            claimed.add(partner_id)
    return claimed
