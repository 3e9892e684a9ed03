"""Tests for nickname word lists and nickname generation."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter

import pytest

from modelhub.catalog import words
from modelhub.catalog.nicknames import combinations, generate_nickname, nickname_emoji

RESOURCE_TYPES = ("model", "dataset", "notebook", "application")
NICKNAME = re.compile(r"^[a-z]+-[a-z]+$")
WORD = re.compile(r"^[a-z]+$")
VS16 = 0xFE0F

# Blocks that hold emoji, inclusive.
EMOJI_RANGES = (
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # miscellaneous technical (watch, hourglass, keyboard, ...)
    (0x2600, 0x26FF),  # miscellaneous symbols
    (0x2700, 0x27BF),  # dingbats
    (0x2B00, 0x2BFF),  # miscellaneous symbols and arrows (star, ...)
    (0x1F000, 0x1F2FF),  # mahjong, cards, enclosed alphanumerics / ideographs
    (0x1F300, 0x1F5FF),  # symbols and pictographs
    (0x1F600, 0x1F64F),  # emoticons
    (0x1F680, 0x1F6FF),  # transport and map symbols
    (0x1F900, 0x1F9FF),  # supplemental symbols and pictographs
    (0x1FA70, 0x1FAFF),  # symbols and pictographs extended-A
)
# Symbols and Pictographs Extended-A filled up over several Unicode versions; these are the
# parts assigned by Unicode 13.0.
EXTENDED_A_UP_TO_13 = (
    (0x1FA70, 0x1FA74),
    (0x1FA78, 0x1FA7A),
    (0x1FA80, 0x1FA86),
    (0x1FA90, 0x1FAA8),
    (0x1FAB0, 0x1FAB6),
    (0x1FAC0, 0x1FAC2),
    (0x1FAD0, 0x1FAD6),
)
# Emoji added after Unicode 13 outside that block.
AFTER_13_ELSEWHERE = frozenset({0x1F6DC, 0x1F6DD, 0x1F6DE, 0x1F6DF, 0x1F7F0, 0x1F979, 0x1F9CC})


def _in(code_point: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code_point <= high for low, high in ranges)


def emoji_problem(emoji: str) -> str | None:
    """Say why ``emoji`` is not one Unicode <= 13 emoji grapheme, or ``None`` when it is."""
    code_points = [ord(char) for char in emoji]
    if code_points and code_points[-1] == VS16:
        code_points.pop()
    if len(code_points) != 1:
        return f"not one code point (+ optional U+FE0F): {[hex(ord(c)) for c in emoji]}"
    (base,) = code_points
    if base == VS16:
        return "only a variation selector"
    if not _in(base, EMOJI_RANGES):
        return f"U+{base:04X} is outside the emoji blocks"
    if unicodedata.name(chr(base), None) is None:
        return f"U+{base:04X} is unassigned"
    if _in(base, ((0x1FA70, 0x1FAFF),)) and not _in(base, EXTENDED_A_UP_TO_13):
        return f"U+{base:04X} is newer than Unicode 13"
    if base in AFTER_13_ELSEWHERE:
        return f"U+{base:04X} is newer than Unicode 13"
    return None


@pytest.fixture
def tiny_vocabulary(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Shrink the model vocabulary to 2 adjectives x 3 nouns; return the 6 nicknames."""
    monkeypatch.setattr(words, "ADJECTIVES", ("able", "brave"))
    monkeypatch.setattr(words, "NOUNS", {"model": (("cat", "🐈"), ("dog", "🐕"), ("owl", "🦉"))})
    return [f"{a}-{n}" for a in ("able", "brave") for n in ("cat", "dog", "owl")]


# --- word lists ----------------------------------------------------------------------------


def test_word_lists_cover_every_resource_type() -> None:
    assert set(words.NOUNS) == set(RESOURCE_TYPES)


def test_enough_adjectives() -> None:
    assert len(words.ADJECTIVES) >= 150


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_at_least_ten_thousand_combinations(resource_type: str) -> None:
    assert len(words.NOUNS[resource_type]) >= 70
    assert combinations(resource_type) == len(words.ADJECTIVES) * len(words.NOUNS[resource_type])
    assert combinations(resource_type) >= 10_000


def test_adjectives_are_single_lowercase_words_without_duplicates() -> None:
    bad = [a for a in words.ADJECTIVES if not WORD.fullmatch(a)]
    assert bad == []
    duplicates = [a for a, count in Counter(words.ADJECTIVES).items() if count > 1]
    assert duplicates == []


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_nouns_are_single_lowercase_words_without_duplicates(resource_type: str) -> None:
    nouns = [noun for noun, _ in words.NOUNS[resource_type]]
    assert [n for n in nouns if not WORD.fullmatch(n)] == []
    assert [n for n, count in Counter(nouns).items() if count > 1] == []


def test_nouns_are_disjoint_across_types() -> None:
    owners: dict[str, list[str]] = {}
    for resource_type, pairs in words.NOUNS.items():
        for noun, _ in pairs:
            owners.setdefault(noun, []).append(resource_type)
    shared = {noun: types for noun, types in owners.items() if len(types) > 1}
    assert shared == {}


def test_no_word_is_both_adjective_and_noun() -> None:
    nouns = {noun for pairs in words.NOUNS.values() for noun, _ in pairs}
    assert set(words.ADJECTIVES) & nouns == set()


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_every_emoji_is_one_unicode_13_grapheme(resource_type: str) -> None:
    problems = {
        noun: problem
        for noun, emoji in words.NOUNS[resource_type]
        if (problem := emoji_problem(emoji)) is not None
    }
    assert problems == {}


@pytest.mark.parametrize(
    ("emoji", "ok"),
    [
        ("🦈", True),
        ("🕊️", True),  # dove + U+FE0F
        ("⚓", True),
        ("🫐", True),  # blueberries, Unicode 13
        ("🪲", True),  # beetle, Unicode 13
        ("", False),
        ("\ufe0f", False),
        ("a", False),
        ("🐻‍❄️", False),  # ZWJ sequence
        ("🦈🦈", False),
        ("🇩🇪", False),  # flag: two regional indicators
        ("👍🏽", False),  # skin-tone modifier
        ("🪸", False),  # coral, Unicode 14
        ("🫘", False),  # beans, Unicode 14
        ("🛝", False),  # playground slide, Unicode 14
        ("🥹", False),  # Unicode 14
    ],
)
def test_emoji_check_itself(emoji: str, ok: bool) -> None:
    assert (emoji_problem(emoji) is None) is ok


# --- combinations / nickname_emoji ---------------------------------------------------------


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown-type"):
        combinations("unknown-type")
    with pytest.raises(ValueError, match="unknown-type"):
        generate_nickname("unknown-type", lambda _: False)


def test_nickname_emoji_finds_every_noun_of_every_type() -> None:
    adjective = words.ADJECTIVES[0]
    for pairs in words.NOUNS.values():
        for noun, emoji in pairs:
            assert nickname_emoji(f"{adjective}-{noun}") == emoji


def test_nickname_emoji_examples() -> None:
    assert nickname_emoji("plucky-shark") == "🦈"
    assert nickname_emoji("plucky-microscope") == "🔬"
    assert nickname_emoji("plucky-nosuchnoun") is None
    assert nickname_emoji("shark") is None
    assert nickname_emoji("-shark") is None
    assert nickname_emoji("") is None


# --- generate_nickname ---------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_generated_nickname_is_well_formed(resource_type: str) -> None:
    nickname, emoji = generate_nickname(resource_type, lambda _: False)
    assert NICKNAME.fullmatch(nickname)
    adjective, noun = nickname.split("-")
    assert adjective in words.ADJECTIVES
    assert (noun, emoji) in words.NOUNS[resource_type]
    assert nickname_emoji(nickname) == emoji


def test_seeded_rng_is_deterministic() -> None:
    def draw(seed: int) -> list[tuple[str, str]]:
        rng = random.Random(seed)
        return [generate_nickname("model", lambda _: False, rng=rng) for _ in range(5)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_draws_cover_all_combinations_evenly(tiny_vocabulary: list[str]) -> None:
    rng = random.Random(1234)
    counts = Counter(generate_nickname("model", lambda _: False, rng=rng)[0] for _ in range(6000))
    assert set(counts) == set(tiny_vocabulary)
    assert all(800 <= count <= 1200 for count in counts.values()), counts


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("max_tries", [0, 1, 64])
def test_finds_the_only_free_nickname(
    tiny_vocabulary: list[str], seed: int, max_tries: int
) -> None:
    free = tiny_vocabulary[seed % len(tiny_vocabulary)]
    asked: list[str] = []

    def is_taken(nickname: str) -> bool:
        asked.append(nickname)
        return nickname != free

    result = generate_nickname("model", is_taken, rng=random.Random(seed), max_tries=max_tries)
    assert result == (free, nickname_emoji(free))
    assert asked[-1] == free
    assert len(asked) == len(set(asked)), "a nickname was asked about twice"


def test_fallback_scan_after_random_misses() -> None:
    refused: list[str] = []

    def is_taken(nickname: str) -> bool:
        if len(refused) < 10:
            refused.append(nickname)
            return True
        return False

    nickname, _ = generate_nickname("notebook", is_taken, rng=random.Random(3), max_tries=4)
    assert len(refused) == 10  # 4 random draws and 6 scanned were refused before this one
    assert nickname not in refused
    assert len(set(refused)) == len(refused)


def test_raises_when_every_nickname_is_taken(tiny_vocabulary: list[str]) -> None:
    asked: list[str] = []

    def is_taken(nickname: str) -> bool:
        asked.append(nickname)
        return True

    with pytest.raises(RuntimeError, match="taken"):
        generate_nickname("model", is_taken, rng=random.Random(0), max_tries=3)
    assert sorted(asked) == sorted(tiny_vocabulary)


def test_taken_set_of_real_size_leaves_one_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(words, "NOUNS", {"model": words.NOUNS["model"][:40]})
    everything = {
        f"{adjective}-{noun}" for adjective in words.ADJECTIVES for noun, _ in words.NOUNS["model"]
    }
    free = sorted(everything)[len(everything) // 2]
    taken = everything - {free}
    assert generate_nickname("model", taken.__contains__, rng=random.Random(5))[0] == free


def test_negative_max_tries_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_tries"):
        generate_nickname("model", lambda _: False, max_tries=-1)


def test_default_rng_is_system_random(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[random.Random] = []

    def fake_system_random() -> random.Random:
        made.append(random.Random(99))
        return made[-1]

    monkeypatch.setattr("modelhub.catalog.nicknames.secrets.SystemRandom", fake_system_random)
    result = generate_nickname("model", lambda _: False)
    assert len(made) == 1
    assert result == generate_nickname("model", lambda _: False, rng=random.Random(99))
