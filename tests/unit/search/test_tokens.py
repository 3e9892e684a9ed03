"""Tokenising and query building: what both databases are given."""

from __future__ import annotations

from modelhub.search import tokens as tok


def test_words_are_folded_and_split_on_anything_else() -> None:
    assert tok.words("Ångström-scale U-Net_v2 (3D)!") == [
        "angstrom",
        "scale",
        "u",
        "net",
        "v2",
        "3d",
    ]
    assert tok.words("  ") == []
    assert tok.words("a" * 41 + " ok") == ["ok"]  # hashes and base64 are not words


def test_scripts_without_ascii_become_one_hex_token_with_prefixes_kept() -> None:
    [word] = tok.words("細胞")
    assert word == "x" + "細胞".encode().hex()
    assert word.startswith(tok.words("細")[0])


def test_tokens_keep_the_word_and_its_stem_once() -> None:
    assert tok.tokens("Segmentation of segmented cells") == [
        "segmentation",
        "segment",
        "of",
        "segmented",
        "cells",
        "cell",
    ]
    assert tok.stem("microscopy") == "microscopi" and tok.stem("3d") == "3d"


def test_field_is_padded_for_whole_token_likes() -> None:
    assert tok.field(["Cell", "cell tracking"]) == " cell tracking track "
    assert tok.field([]) == ""


def test_terms_and_the_last_word_is_a_prefix() -> None:
    terms = tok.terms("Nuclei nuclei segm")
    assert terms == [
        tok.Term(forms=("nuclei",), prefix=False),
        tok.Term(forms=("segm",), prefix=True),
    ]
    assert tok.terms("cells") == [tok.Term(forms=("cell", "cells"), prefix=True)]
    assert tok.terms("!!") == [] and tok.terms(None) == []
    assert len(tok.terms(" ".join(f"w{i}" for i in range(20)))) == tok.MAX_WORDS


def test_queries_for_each_engine_say_the_same() -> None:
    terms = tok.terms("cells segm")
    assert tok.fts5_query(terms) == '("cell" OR "cells") AND "segm"*'
    assert tok.tsquery(terms) == "('cell' | 'cells') & 'segm':*"
    assert terms[0].like_patterns() == ["% cell %", "% cells %"]
    assert terms[1].like_patterns() == ["% segm%"]
