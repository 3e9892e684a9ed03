"""Human-friendly nickname ids for resources, such as ``plucky-otter`` 🦦.

A nickname is ``<adjective>-<noun>``: the adjective comes from the shared
:data:`~modelhub.catalog.words.ADJECTIVES` list and the noun (with its emoji) from the
resource type's own list in :data:`~modelhub.catalog.words.NOUNS`. Nouns are never shared
between types, so a nickname's noun tells its type and emoji.

This module only draws names. Whether a name is free is the caller's question (it checks its
database, where ids are never reused), asked through the ``is_taken`` callback. The caller
must still insert under a uniqueness constraint: two concurrent requests may both see a name
as free.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

from modelhub.catalog import words

__all__ = ["combinations", "generate_nickname", "nickname_emoji"]


def _vocabulary(resource_type: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Return the adjectives and the (noun, emoji) pairs for ``resource_type``.

    Raises:
        ValueError: ``resource_type`` has no noun list.
    """
    try:
        nouns = words.NOUNS[resource_type]
    except KeyError:
        known = ", ".join(sorted(words.NOUNS))
        raise ValueError(
            f"no nicknames for resource type {resource_type!r}; known types: {known}"
        ) from None
    return words.ADJECTIVES, nouns


def combinations(resource_type: str) -> int:
    """Return how many distinct nicknames exist for ``resource_type``.

    Raises:
        ValueError: ``resource_type`` is unknown.
    """
    adjectives, nouns = _vocabulary(resource_type)
    return len(adjectives) * len(nouns)


def nickname_emoji(nickname: str) -> str | None:
    """Return the emoji of ``nickname``'s noun, whatever the resource type.

    Only the noun is looked up, so nicknames whose adjective has since left the list still get
    their emoji. Returns ``None`` when ``nickname`` is not ``<adjective>-<noun>`` or its noun is
    in no list.
    """
    adjective, sep, noun = nickname.partition("-")
    if not sep or not adjective:
        return None
    for pairs in words.NOUNS.values():
        for candidate, emoji in pairs:
            if candidate == noun:
                return emoji
    return None


def generate_nickname(
    resource_type: str,
    is_taken: Callable[[str], bool],
    *,
    rng: random.Random | None = None,
    max_tries: int = 64,
) -> tuple[str, str]:
    """Draw a free nickname for a resource of ``resource_type``.

    Each adjective-noun combination is equally likely. Up to ``max_tries`` combinations are
    drawn at random; once that many draws missed, the combinations not asked about yet are
    scanned in a random order, so a free one is found whenever one exists. ``is_taken`` is
    asked at most once per combination.

    Args:
        resource_type: a key of :data:`~modelhub.catalog.words.NOUNS`, e.g. ``"model"``.
        is_taken: tells whether a nickname is already in use.
        rng: source of randomness; a :class:`secrets.SystemRandom` when ``None``. Pass a seeded
            :class:`random.Random` for reproducible draws.
        max_tries: random draws before falling back to the scan; ``0`` scans right away.

    Returns:
        ``(nickname, emoji)``, e.g. ``("plucky-otter", "🦦")``.

    Raises:
        ValueError: ``resource_type`` is unknown or ``max_tries`` is negative.
        RuntimeError: every combination for ``resource_type`` is taken.
    """
    if max_tries < 0:
        raise ValueError(f"max_tries must be >= 0, got {max_tries}")
    adjectives, nouns = _vocabulary(resource_type)
    total = len(adjectives) * len(nouns)
    draw = secrets.SystemRandom() if rng is None else rng

    def compose(index: int) -> tuple[str, str]:
        adjective = adjectives[index // len(nouns)]
        noun, emoji = nouns[index % len(nouns)]
        return f"{adjective}-{noun}", emoji

    asked: set[int] = set()
    if total:
        for _ in range(max_tries):
            index = draw.randrange(total)
            if index in asked:
                continue
            asked.add(index)
            nickname, emoji = compose(index)
            if not is_taken(nickname):
                return nickname, emoji

    remaining = [index for index in range(total) if index not in asked]
    draw.shuffle(remaining)
    for index in remaining:
        nickname, emoji = compose(index)
        if not is_taken(nickname):
            return nickname, emoji

    raise RuntimeError(
        f"all {total} nicknames for resource type {resource_type!r} are taken; "
        "add words to modelhub.catalog.words"
    )
