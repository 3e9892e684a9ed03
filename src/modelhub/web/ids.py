"""Resource ids in URL paths: a nickname (``affable-shark``) or a community partner's
namespaced id (``ilastik/pixel-classifier``), which keeps its ``/`` in every URL.

Importing this module registers the ``rid`` path convertor with Starlette, so routes declare
``{resource_id:rid}``; every module declaring such a route imports it first. The convertor
takes one segment (any, as ``{resource_id}`` did: unknown ids answer the catalog's 404), or a
partner id, ``/`` and a name whose segment is none of the words the routes use after an id
(``versions``, ``files``, ``package.zip``, a version label…): ``/artifacts/affable-shark/v1/…``
is the nickname's version ``v1``, never a resource ``affable-shark/v1``. The partner sync keeps
such names out with ``is_valid_name``.

A ``/`` never goes into a file name: ``file_stem`` spells a namespaced id ``ilastik__name``
there (partner ids hold no ``_``, so the spelling reads back unambiguously).
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor

# The words that follow a resource id in the hub's routes (``tests/unit/test_resource_ids.py``
# checks that every route's words are here), and the words that follow them.
ROUTE_WORDS = frozenset(
    {
        # right after the id
        "actions",
        "open",
        "checks",
        "comments",
        "files",
        "history",
        "maintainers",
        "package.zip",
        "predict",
        "predictions",
        "publish",
        "review",
        "submit",
        "versions",
        "withdraw",
        # after a version label, a review or an action
        "approve",
        "citation.bib",
        "citation.cff",
        "reject",
        "request-changes",
        "samples",
        "unyank",
        "yank",
        "test-summaries",
        "app",
        # version labels themselves (besides v1, 1 and r1: see _LABELS)
        "draft",
        "latest",
    }
)
# version labels as ``catalog.service.get_version`` reads them (any case): v3, 3, r4
_LABELS = r"v?\d+|r\d+"
_WORDS = "|".join(re.escape(word) for word in sorted(ROUTE_WORDS, key=len, reverse=True))
_NOT_A_ROUTE_WORD = rf"(?!(?i:{_WORDS}|{_LABELS})(?:/|$))"

PARTNER_ID_PATTERN = r"[a-z0-9][a-z0-9-]{1,31}"
# the name after ``<partner id>/``: lower-case like every bioimage.io resource id (the spec's
# 0.5 formats refuse upper case in ``id``), letters, digits, ``-``, ``_`` and ``.``
NAME_PATTERN = r"[a-z0-9][a-z0-9._-]*"
# the whole id is stored in ``Resource.id`` (String(64))
MAX_ID_LENGTH = 64
# what routes accept: a namespaced id (its name in either case, so that a wrong-case name
# answers the catalog's 404 rather than "no such route"), or any single segment
RESOURCE_ID_PATTERN = (
    rf"(?:{PARTNER_ID_PATTERN}/{_NOT_A_ROUTE_WORD}[A-Za-z0-9][A-Za-z0-9._-]*|[^/]+)"
)

_NAME = re.compile(NAME_PATTERN)
_ROUTE_WORD_OR_LABEL = re.compile(rf"(?i:{_WORDS}|{_LABELS})")
_PARTNER_ID = re.compile(PARTNER_ID_PATTERN)


def is_valid_name(name: str, *, partner_id: str | None = None) -> bool:
    """Whether ``name`` can follow ``<partner id>/`` in a resource id: the allowed characters,
    no route word or version label (``versions``, ``draft``, ``v2``, ``3``…), and — with
    ``partner_id`` — the whole id within ``MAX_ID_LENGTH`` characters."""
    if not _NAME.fullmatch(name) or _ROUTE_WORD_OR_LABEL.fullmatch(name):
        return False
    if partner_id is not None:
        return len(partner_id) + 1 + len(name) <= MAX_ID_LENGTH
    return len(name) <= MAX_ID_LENGTH - 3  # the shortest partner id has 2 characters


def is_namespaced(resource_id: str) -> bool:
    """Whether ``resource_id`` is a well-formed ``<partner id>/<name>``."""
    partner, sep, name = resource_id.partition("/")
    return (
        bool(sep)
        and _PARTNER_ID.fullmatch(partner) is not None
        and is_valid_name(name, partner_id=partner)
    )


def file_stem(resource_id: str) -> str:
    """``resource_id`` as the start of a file name: ``ilastik/pixel-classifier`` →
    ``ilastik__pixel-classifier`` (nicknames stay as they are)."""
    return resource_id.replace("/", "__")


class ResourceIdConvertor(Convertor[str]):
    """``{resource_id:rid}``: a nickname or ``<partner id>/<name>`` (see the module)."""

    regex = RESOURCE_ID_PATTERN

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("rid", ResourceIdConvertor())
