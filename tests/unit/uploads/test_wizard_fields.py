"""The wizard's form: problems mapped to fields, and a description rebuilt from the form."""

from __future__ import annotations

import yaml

from modelhub.uploads.fields import (
    AuthorRow,
    CiteRow,
    apply_values,
    dump_yaml,
    field_key,
    license_choices,
    split_problems,
    values_from_rdf,
)
from modelhub.uploads.schemas import Problem

RAW = {
    "type": "model",
    "format_version": "0.4.9",
    "name": "Old name",
    "authors": [{"name": "A", "email": "a@example.org"}, {"name": "B"}],
    "cite": [{"text": "Paper", "doi": "10.1/x"}],
    "tags": ["a", "b"],
    "covers": ["cover.png"],
    "weights": {"torchscript": {"source": "w.pt", "sha256": "0" * 64}},
}


def test_problems_go_to_their_field_or_to_the_package_list() -> None:
    assert field_key(("license",)) == "license"
    assert field_key(("authors", 1, "orcid")) == "authors-1-orcid"
    assert field_key(("authors", 1, "email")) == "authors-1"
    assert field_key(("authors",)) == "authors"
    assert field_key(("cite", 0, "doi")) == "cite-0-doi"
    assert field_key(("covers", 2)) == "covers"
    assert field_key(("weights", "torchscript", "sha256")) is None
    assert field_key(("package", "x.npy")) is None
    inline, package = split_problems(
        [
            Problem(loc=["license"], msg="license: 'x' is not an SPDX license identifier."),
            Problem(loc=["inputs", 0, "test_tensor"], msg="inputs.0.test_tensor: missing"),
        ]
    )
    assert inline == {"license": ["'x' is not an SPDX license identifier."]}
    assert [p.loc for p in package] == [["inputs", 0, "test_tensor"]]


def test_the_form_replaces_its_fields_and_keeps_everything_else() -> None:
    values = values_from_rdf(RAW)
    assert values.tags == "a, b" and values.authors[0] == AuthorRow(name="A")
    values.name = "  New name "
    values.license = "MIT"
    values.tags = "x, , y"
    values.authors[0].orcid = "0000-0002-1825-0097"
    values.authors[1] = AuthorRow()  # emptied: removed
    values.authors.append(AuthorRow(name="C", github_user="cee"))
    values.cite[0] = CiteRow(text="Paper", url="https://example.org")
    out = apply_values(RAW, values)
    assert out["name"] == "New name" and out["license"] == "MIT" and out["tags"] == ["x", "y"]
    assert out["authors"] == [
        {"name": "A", "email": "a@example.org", "orcid": "0000-0002-1825-0097"},
        {"name": "C", "github_user": "cee"},
    ]
    assert out["cite"] == [{"text": "Paper", "url": "https://example.org"}]
    assert out["weights"] == RAW["weights"] and "documentation" not in out
    assert list(out)[:4] == ["type", "format_version", "name", "authors"]
    assert yaml.safe_load(dump_yaml(out)) == out
    assert RAW["name"] == "Old name"  # the original is not changed


def test_license_choices_are_current_spdx_ids_common_first() -> None:
    ids = [c.id for c in license_choices()]
    assert ids[0] == "CC-BY-4.0" and "MIT" in ids[:9]
    assert "GPL-3.0-only" in ids and "GPL-3.0" not in ids  # deprecated ids are refused
    assert len(ids) == len(set(ids)) > 500
