"""Safe YAML: tags, alias bombs, duplicate keys and other surprises are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelhub.errors import UploadRefused
from modelhub.uploads.yamlsafe import MAX_ALIASES, MAX_NODES, parse_description_yaml


def refusal(text: str | bytes, max_bytes: int = 2 * 1024 * 1024) -> UploadRefused:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(UploadRefused) as info:
        parse_description_yaml(data, max_bytes=max_bytes)
    assert (info.value.code, info.value.status_code) == ("invalid_yaml", 422)
    return info.value


def test_reads_the_shared_package_description(shared_model_dir: Path) -> None:
    raw = parse_description_yaml((shared_model_dir / "bioimageio.yaml").read_bytes())
    assert raw["type"] == "model"
    assert raw["format_version"] == "0.5.4"  # after a '%YAML 1.2' directive
    assert raw["inputs"][0]["axes"][2] == {"size": 512, "id": "y", "type": "space"}


def test_scalars_are_read_as_yaml_1_2_plain_data() -> None:
    raw = parse_description_yaml(
        b"a: on\nb: 0123\nc: 0o17\nd: 2020-01-01\ne: 12:30\nf: 1.5e3\ng: true\nh: ~\ni: =\n"
    )
    assert raw == {
        "a": "on",
        "b": 123,
        "c": 15,
        "d": "2020-01-01",
        "e": "12:30",
        "f": 1500.0,
        "g": True,
        "h": None,
        "i": "=",
    }


def test_merge_keys_are_allowed() -> None:
    raw = parse_description_yaml(b"base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert raw["other"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("name: !!python/object/apply:os.system ['echo hi']\n", "!!python/object/apply:os.system"),
        ("name: !!python/name:os.system\n", "!!python/name:os.system"),
        ("data: !!binary aGVsbG8=\n", "!!binary"),
        ("x: !foo bar\n", "!foo"),
        ("x: !!str 3\n", "!!str"),
        ("x: !!set {a, b}\n", "!!set"),
        ("x: ! plain\n", "!"),
        ("%TAG !e! tag:example.com,2000:\n---\nx: !e!thing 1\n", "tag:example.com,2000:thing"),
    ],
)
def test_any_explicit_tag_is_refused(text: str, tag: str) -> None:
    err = refusal(text)
    assert f"'{tag}'" in err.details[0].msg
    assert err.details[0].loc[1] == text.count("\n")  # the line with the tag


def test_billion_laughs_is_refused() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    err = refusal("\n".join(lines) + "\n")
    assert "expands to more than" in err.details[0].msg


def test_too_many_values_are_refused_while_parsing() -> None:
    text = "a: [" + ",".join(["1"] * (MAX_NODES + 1)) + "]\n"
    assert "more than 200,000 values" in refusal(text).details[0].msg


def test_many_aliases_are_refused() -> None:
    text = "x: &x 1\nl: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    assert "aliases" in refusal(text).details[0].msg


def test_a_few_aliases_are_fine() -> None:
    raw = parse_description_yaml(b"axes: &ax [b, c, y, x]\nother: *ax\n")
    assert raw["other"] == ["b", "c", "y", "x"]


def test_recursive_alias_is_refused() -> None:
    assert "itself" in refusal("a: &a [1, *a]\n").details[0].msg


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    err = refusal("name: a\ninputs:\n  - id: x\n    id: y\n")
    assert err.details[0].loc == ("rdf.yaml", 4)
    assert "'id' appears twice" in err.details[0].msg
    assert "first on line 3" in err.details[0].msg


def test_more_than_one_document_is_refused() -> None:
    assert "more than one YAML document" in refusal("a: 1\n---\nb: 2\n").details[0].msg


def test_syntax_error_names_line_and_column() -> None:
    err = refusal("name: ok\ndescription: x\ninputs: [a, b\n")
    assert "(line 4, column 1)" in err.details[0].msg
    assert err.details[0].loc == ("rdf.yaml", 4)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    assert "mapping" in refusal(text).details[0].msg


def test_empty_file_is_refused() -> None:
    assert "empty" in refusal("").details[0].msg


def test_non_text_key_is_refused() -> None:
    assert "plain text" in refusal("? [a, b]\n: 1\n").details[0].msg


def test_non_utf8_is_refused_with_its_line() -> None:
    err = refusal(b"name: ok\ndescription: caf\xe9\n")
    assert err.details[0].loc == ("rdf.yaml", 2)
    assert "UTF-8" in err.details[0].msg


def test_oversize_is_refused() -> None:
    err = refusal("name: " + "x" * 200 + "\n", max_bytes=100)
    assert "at most 100 bytes" in err.details[0].msg


def test_file_name_is_used_in_loc() -> None:
    with pytest.raises(UploadRefused) as info:
        parse_description_yaml(b"a: 1\na: 2\n", file_name="bioimageio.yaml")
    assert info.value.details[0].loc == ("bioimageio.yaml", 2)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 500_000 + "]" * 500_000 + "\n",
        "a: " + "{b: " * 200 + "1" + "}" * 200 + "\n",
        "a:\n" + "".join("  " * i + "- \n" for i in range(150)),
    ],
)
def test_absurd_nesting_is_refused(text: str) -> None:
    # PyYAML slows down with the square of the depth; the limit stops it early
    assert "nested more than 100 levels deep" in refusal(text).details[0].msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: " + "7" * 100_000 + "\n", "Line 2: a number of 100,000 digits; numbers may"),
        ("b: 0x" + "f" * 5000 + "\n", "Line 1: a number of 5,000 digits; numbers may"),
        ("a:\n  - 1e999\n", "Line 2: '1e999' is not a finite number"),
        ("a: .nan\n", "Line 1: '.nan' is not a finite number"),
        ("a: -.inf\n", "Line 1: '-.inf' is not a finite number"),
        ("a: 1\n2: x\n", "Line 2: the key '2' is read as a number, boolean or null"),
        ("null: x\n", "Line 1: the key 'null' is read as a number, boolean or null"),
    ],
)
def test_numbers_and_keys_without_a_json_form_are_refused(text: str, expected: str) -> None:
    [detail] = refusal(text).details
    assert detail.msg.startswith(expected), detail.msg
    assert detail.loc == ("rdf.yaml", int(expected.split(":")[0].removeprefix("Line ")))


def test_numbers_up_to_the_limit_are_read() -> None:
    raw = parse_description_yaml(b"a: " + b"9" * 1000 + b"\nb: 1e300\n")
    assert raw["a"] == int("9" * 1000)
    assert raw["b"] == 1e300


@pytest.mark.parametrize(
    ("text", "loc", "where"),
    [
        ('name: "a\\0b"\n', ("name",), "name"),
        ('inputs:\n  - id: "\\x00"\n', ("inputs", 0, "id"), "inputs.0.id"),
        ('config:\n  "k\\0": 1\n', ("config",), "a key in config"),
    ],
)
def test_nul_characters_are_refused_at_their_field(
    text: str, loc: tuple[str | int, ...], where: str
) -> None:
    [detail] = refusal(text).details
    assert detail.loc == loc
    assert detail.msg.startswith(f"{where}: holds a NUL character")


def test_quoted_keys_and_other_control_characters_are_kept() -> None:
    raw = parse_description_yaml(b'"1": a\n"null": b\nc: "\\x7f\\u2028\\U0001F600"\n')
    assert raw == {"1": "a", "null": "b", "c": "\x7f\u2028\U0001f600"}
