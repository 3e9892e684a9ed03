"""Citation export: CITATION.cff and BibTeX from a version's description, for 0.4 and 0.5
descriptions and for input no valid package would carry (both outputs must stay well-formed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
import yaml

from modelhub.catalog.citation import (
    CitationInfo,
    citation_bibtex,
    citation_cff,
    citation_info,
)
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.links import Links

BASE = "https://hub.example.org/"
PAGE = "https://hub.example.org/resources/affable-shark?version=v3"
CARBERRY = "0000-0002-1825-0097"
PUBLISHED = datetime(2025, 3, 4, 23, 30, tzinfo=UTC)

RDF_05: dict[str, Any] = {
    "format_version": "0.5.4",
    "type": "model",
    "name": "UNet 2D Nuclei Broad",
    "description": "Segments nuclei\nin fluorescence images.\n\nTrained on the DSB 2018 data.",
    "authors": [
        {
            "name": "Josiah Carberry",
            "affiliation": "Example Institute",
            "email": "josiah@example.org",
            "github_user": "jcarberry",
            "orcid": CARBERRY,
        },
        {"name": "Modelhub demo team", "affiliation": "modelhub example content"},
    ],
    "cite": [
        {
            "text": "Ronneberger, O. et al. U-Net. MICCAI 2015.",
            "doi": "10.1007/978-3-319-24574-4_28",
        },
        {"text": "The model's home page", "url": "https://example.org/unet"},
    ],
    "license": "MIT",
    "git_repo": "https://github.com/example/unet",
    "tags": ["nuclei", "segmentation", "nuclei"],
    "version": "0.1.0",
}

RDF_04: dict[str, Any] = {
    "format_version": "0.4.9",
    "type": "model",
    "name": "Legacy nucleus detector",
    "description": "A 0.4 model.",
    "authors": [
        {"name": "Carberry, Josiah", "orcid": CARBERRY},
        {"name": "van Beethoven, Ludwig", "affiliation": "Bonn"},
        {"name": "Maria de la Cruz"},
    ],
    "cite": [{"text": "Ouyang, W. et al. BioImage Model Zoo.", "doi": "10.1101/2022.06.07.495102"}],
    "license": "CC-BY-4.0",
    "tags": ["format-0.4"],
}


def make_version(rdf: Any, **overrides: Any) -> ResourceVersion:
    """A version row as the catalog stores it (listing columns copied from the description)."""
    data = rdf if isinstance(rdf, dict) else {}
    fields: dict[str, Any] = {
        "resource_id": "affable-shark",
        "revision": 3,
        "number": 3,
        "status": VersionStatus.published,
        "format_version": str(data.get("format_version", "0.5.4")),
        "name": data.get("name", ""),
        "description": data.get("description", ""),
        "license": data.get("license"),
        "tags": data.get("tags", []),
        "authors": [],
        "rdf": rdf,
        "published_at": PUBLISHED,
        "created_at": datetime(2025, 3, 1, tzinfo=UTC),
    }
    return ResourceVersion(**{**fields, **overrides})


def cff_of(rdf: Any, **overrides: Any) -> dict[str, Any]:
    text = citation_cff(citation_info(make_version(rdf, **overrides), links=Links(BASE)))
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    check_cff_rules(data)
    return data


def bib_of(rdf: Any, **overrides: Any) -> str:
    text = citation_bibtex(citation_info(make_version(rdf, **overrides), links=Links(BASE)))
    check_bibtex_shape(text)
    return text


# --- what the CFF 1.2.0 schema requires of the values we write -----------------------------

ORCID_URL = re.compile(r"https://orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
DOI = re.compile(r"10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-.()\[\]\\]+")
URL = re.compile(r"(https|http|ftp|sftp)://\S+")
PERSON = {"given-names", "name-particle", "family-names", "affiliation", "email", "orcid"}
ENTITY = {"name", "email", "orcid"}


def check_cff_rules(data: dict[str, Any]) -> None:
    assert data["cff-version"] == "1.2.0"
    assert {"authors", "message", "title"} <= data.keys()
    assert data.get("type", "software") in {"software", "dataset"}
    for key, value in data.items():
        assert value not in ("", [], None), key  # minLength / minItems 1
    check_people(data["authors"])
    if "date-released" in data:
        assert isinstance(data["date-released"], str)  # quoted: not a YAML date
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date-released"])
    for key in ("url", "repository-code"):
        if key in data:
            assert URL.fullmatch(data[key]), data[key]
    if "doi" in data:
        assert DOI.fullmatch(data["doi"])
    for ident in data.get("identifiers", []):
        assert (DOI if ident["type"] == "doi" else URL).fullmatch(ident["value"])
    for ref in data.get("references", []):
        assert {"authors", "title", "type"} <= ref.keys() and ref["title"]
        check_people(ref["authors"])
        assert "doi" not in ref or DOI.fullmatch(ref["doi"])
        assert "url" not in ref or URL.fullmatch(ref["url"])
    for key in ("authors", "identifiers", "keywords", "references"):
        items = [repr(sorted(i.items())) if isinstance(i, dict) else i for i in data.get(key, [])]
        assert len(items) == len(set(items)), f"{key} are not unique"


def check_people(people: list[dict[str, str]]) -> None:
    assert people
    for person in people:
        allowed = ENTITY if "name" in person else PERSON
        assert person and set(person) <= allowed, person
        assert all(isinstance(v, str) and v for v in person.values())
        assert "orcid" not in person or ORCID_URL.fullmatch(person["orcid"])
        assert "email" not in person or re.fullmatch(r"\S+@\S+\.\S{2,}", person["email"])


# --- what a BibTeX reader needs -------------------------------------------------------------

ENTRY = re.compile(r"@(software|misc)\{([A-Za-z0-9_.:-]+),\n((?:  [a-z]+ = .*,\n)*)\}\n")
VERBATIM = {"url", "doi"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def check_bibtex_shape(text: str) -> None:
    entries = text.split("\n\n")
    assert all(ENTRY.fullmatch(e if e.endswith("\n") else e + "\n") for e in entries), text
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)
    assert len(keys) == len(set(keys))
    for name, value in re.findall(r"^  ([a-z]+) = (.*),$", text, re.MULTILINE):
        if name == "month":
            assert value in MONTHS
            continue
        assert value.startswith("{") and value.endswith("}") and braces_balance(value), value
        if name in VERBATIM:
            assert not re.search(r"[{}\\\s]", value[1:-1]), value
        else:  # every special character escaped: none left bare once escapes are removed
            bare = re.sub(r"\\(text\w+\{\}|[{}%&$#_])", "", value[1:-1])
            assert not re.search(r"[\\%&$#_~^]", bare), value


def braces_balance(value: str) -> bool:
    depth, i = 0, 0
    while i < len(value):
        if value[i] == "\\" and value[i + 1 : i + 2] in ("{", "}"):
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(value[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def bib_field(text: str, entry_key: str, name: str) -> str | None:
    entry = re.search(rf"@\w+\{{{re.escape(entry_key)},\n(.*?)\n\}}", text, re.DOTALL)
    assert entry, entry_key
    found = re.search(rf"^  {name} = (.*),$", entry.group(1), re.MULTILINE)
    return found.group(1) if found else None


# --- 0.5 and 0.4 descriptions ---------------------------------------------------------------


def test_cff_of_a_0_5_model() -> None:
    data = cff_of(RDF_05)
    assert list(data)[:4] == ["cff-version", "message", "type", "title"]
    assert data["type"] == "software" and data["title"] == "UNet 2D Nuclei Broad"
    assert data["message"].startswith("If you use this model")
    assert data["abstract"] == "Segments nuclei in fluorescence images."  # first paragraph
    assert data["authors"] == [
        {
            "given-names": "Josiah",
            "family-names": "Carberry",
            "affiliation": "Example Institute",
            "email": "josiah@example.org",
            "orcid": f"https://orcid.org/{CARBERRY}",
        },
        {"name": "Modelhub demo team"},  # an entity: CFF gives it no affiliation
    ]
    assert data["version"] == "v3" and data["date-released"] == "2025-03-04"
    assert data["url"] == PAGE
    assert data["repository-code"] == "https://github.com/example/unet"
    assert data["license"] == "MIT"
    assert data["identifiers"] == [
        {"type": "url", "value": PAGE, "description": "This version on the hub"}
    ]
    assert "doi" not in data  # the cite DOIs are other works, not this version's
    assert data["keywords"] == ["nuclei", "segmentation"]
    assert data["references"] == [
        {
            "type": "generic",
            "authors": [{"name": "anonymous"}],
            "title": "Ronneberger, O. et al. U-Net. MICCAI 2015.",
            "doi": "10.1007/978-3-319-24574-4_28",
        },
        {
            "type": "generic",
            "authors": [{"name": "anonymous"}],
            "title": "The model's home page",
            "url": "https://example.org/unet",
        },
    ]


def test_cff_of_a_0_4_model_splits_family_given_names_and_particles() -> None:
    data = cff_of(RDF_04)
    assert data["authors"] == [
        {
            "given-names": "Josiah",
            "family-names": "Carberry",
            "orcid": f"https://orcid.org/{CARBERRY}",
        },
        {
            "given-names": "Ludwig",
            "name-particle": "van",
            "family-names": "Beethoven",
            "affiliation": "Bonn",
        },
        {"given-names": "Maria", "name-particle": "de la", "family-names": "Cruz"},
    ]
    assert data["license"] == "CC-BY-4.0" and "repository-code" not in data
    assert data["references"][0]["doi"] == "10.1101/2022.06.07.495102"


def test_a_dataset_is_cited_as_a_dataset_and_a_top_level_doi_is_its_own() -> None:
    rdf = {**RDF_05, "type": "dataset", "doi": "https://doi.org/10.5281/zenodo.1234567"}
    data = cff_of(rdf)
    assert data["type"] == "dataset" and data["message"].startswith("If you use this dataset")
    assert data["doi"] == "10.5281/zenodo.1234567"
    assert {"type": "doi", "value": "10.5281/zenodo.1234567"} in data["identifiers"]
    bib = bib_of(rdf)
    assert bib_field(bib, "affable-shark_v3", "doi") == "{10.5281/zenodo.1234567}"


def test_bibtex_of_a_0_5_model() -> None:
    bib = bib_of(RDF_05)
    assert bib.startswith("@software{affable-shark_v3,\n")
    field = partial(bib_field, bib, "affable-shark_v3")
    assert field("author") == "{Carberry, Josiah and {Modelhub demo team}}"
    assert field("title") == "{{UNet 2D Nuclei Broad}}"
    assert field("year") == "{2025}" and field("month") == "mar"
    assert field("version") == "{v3}" and field("url") == "{" + PAGE + "}"
    assert "affable-shark" in (field("note") or "")
    assert field("doi") is None
    cite1 = partial(bib_field, bib, "affable-shark_v3_cite1")
    assert cite1("title") == "{{Ronneberger, O. et al. U-Net. MICCAI 2015.}}"
    assert cite1("doi") == "{10.1007/978-3-319-24574-4_28}"  # verbatim: no escaped underscore
    assert bib_field(bib, "affable-shark_v3_cite2", "url") == "{https://example.org/unet}"
    assert bib.count("@misc{") == 2


def test_bibtex_of_a_0_4_model_writes_von_last_first() -> None:
    bib = bib_of(RDF_04)
    author = bib_field(bib, "affable-shark_v3", "author")
    assert author == "{Carberry, Josiah and van Beethoven, Ludwig and de la Cruz, Maria}"


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Josiah Carberry", ("Josiah", None, "Carberry")),
        ("Carberry, Josiah", ("Josiah", None, "Carberry")),
        ("Anna Maria Schmidt", ("Anna Maria", None, "Schmidt")),
        ("Ludwig van Beethoven", ("Ludwig", "van", "Beethoven")),
        ("Estibaliz Gómez-de-Mariscal", ("Estibaliz", None, "Gómez-de-Mariscal")),
        ("Øyvind Ødegård", ("Øyvind", None, "Ødegård")),
        ("Modelhub demo team", None),
        ("Kreshuk Lab", None),
        ("Plato", None),
        ("李小龙", None),  # no capitals: the order of names is unknown, keep it whole
        ("R2D2 Droid", None),
        ("Smith, Jr., John", None),
        ("bell hooks", None),
    ],
)
def test_names_split_only_when_they_look_like_a_person(
    name: str, split: tuple[str, str | None, str] | None
) -> None:
    (author,) = cff_of({**RDF_05, "authors": [{"name": name}]})["authors"]
    if split is None:
        assert author == {"name": name}
    else:
        given, particle, family = split
        expected = {"given-names": given, "name-particle": particle, "family-names": family}
        assert author == {k: v for k, v in expected.items() if v}


# --- odd input ------------------------------------------------------------------------------

WEIRD = "Ünïcødé 🧬 {open} \\back %pct &amp $d #h _u ~t ^c \"q\" 'a' : - [x] *y !z |p >g @ `b`"


def test_special_characters_survive_both_formats() -> None:
    rdf = {
        **RDF_05,
        "name": WEIRD,
        "description": WEIRD,
        "authors": [{"name": "Ødegård, Øyvind & Co {x}"}, {"name": "Tom and Jerry"}],
        "cite": [{"text": WEIRD, "url": "https://example.org/a b{c}?q=1%20&x=#frag"}],
        "tags": ["yes", "null", "1.0", "#hash", "- dash"],
    }
    data = cff_of(rdf)
    assert data["title"] == WEIRD and data["abstract"] == WEIRD  # unchanged after YAML
    assert data["keywords"] == ["yes", "null", "1.0", "#hash", "- dash"]  # strings, not bool/None
    assert data["references"][0]["url"] == "https://example.org/a%20b%7Bc%7D?q=1%20&x=#frag"
    bib = bib_of(rdf)
    title = bib_field(bib, "affable-shark_v3", "title")
    assert title is not None and "Ünïcødé 🧬" in title
    assert r"\{open\} \textbackslash{}back \%pct \&amp \$d \#h \_u \textasciitilde{}t" in title
    assert r"\textasciicircum{}c" in title
    # a name with "and" or a comma in it is protected, so BibTeX does not split it
    assert bib_field(bib, "affable-shark_v3", "author") == (
        r"{{Ødegård, Øyvind \& Co \{x\}} and {Tom and Jerry}}"
    )


def test_control_characters_and_line_breaks_are_cleaned() -> None:
    rdf = {
        **RDF_05,
        "name": "Line\nbreak\r\n\ttab\x00nul\x1b[31mansi\u2028sep\ud800lone",
        "authors": [{"name": "Josiah\x07 Carberry"}],
    }
    data = cff_of(rdf)
    assert data["title"] == "Line break tabnul[31mansi seplone"  # breaks are spaces, the rest go
    assert data["authors"] == [{"given-names": "Josiah", "family-names": "Carberry"}]
    text = citation_cff(citation_info(make_version(rdf), links=Links(BASE)))
    text.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in text and "\x1b" not in bib_of(rdf)


def test_missing_or_malformed_authors_and_cite() -> None:
    for authors, cite in [
        (None, None),
        ([], []),
        ("Josiah Carberry", {"text": "not a list"}),
        ([None, 42, {"name": ""}, {"affiliation": "no name"}, ["x"]], [None, {"doi": "10.1/x"}]),
    ]:
        rdf = {**RDF_05, "authors": authors, "cite": cite}
        data = cff_of(rdf)
        assert data["authors"] == [{"name": "anonymous"}]
        assert "references" not in data
        bib = bib_of(rdf)
        assert bib_field(bib, "affable-shark_v3", "author") is None
        assert "@misc" not in bib


def test_bad_identifiers_are_dropped_and_odd_dois_become_links() -> None:
    rdf = {
        **RDF_05,
        "authors": [
            {"name": "Josiah Carberry", "orcid": "https://orcid.org/0000-0002-1825-009x"},
            {"name": "Ada Lovelace", "orcid": "1234", "email": "not an email"},
            {"name": "Alan Turing", "orcid": 12345, "email": ["a@b.org"]},
        ],
        "cite": [
            {"text": "DOI with a prefix", "doi": "doi:10.1000/ABC.def"},
            {"text": "DOI the CFF pattern refuses", "doi": "10.1000/a<b>c"},
            {"text": "Bad URL", "url": "javascript:alert(1)"},
        ],
        "git_repo": "not a url",
        "license": "MIT OR Apache-2.0",
    }
    data = cff_of(rdf)
    assert data["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-009X"
    assert all("orcid" not in a and "email" not in a for a in data["authors"][1:])
    refs = data["references"]
    assert refs[0]["doi"] == "10.1000/ABC.def"
    assert "doi" not in refs[1] and refs[1]["url"] == "https://doi.org/10.1000/a%3Cb%3Ec"
    assert "doi" not in refs[2] and "url" not in refs[2]
    assert "repository-code" not in data and "license" not in data
    bib_of(rdf)


def test_very_long_text_is_bounded() -> None:
    long = " ".join(["word"] * 5000)
    rdf = {
        **RDF_05,
        "name": long,
        "description": long,
        "authors": [{"name": f"Given {'X' * 5000}"}] * 3,
        "cite": [{"text": long, "url": "https://example.org/" + "a" * 5000}],
    }
    data = cff_of(rdf)
    assert len(data["title"]) <= 500 and data["title"].endswith("…")
    assert len(data["abstract"]) <= 1000
    assert len(data["references"][0]["title"]) <= 2000 and "url" not in data["references"][0]
    assert len(data["authors"]) == 1  # duplicates dropped: CFF lists hold unique items
    assert len(bib_of(rdf)) < 10_000


def test_not_a_mapping_and_empty_rows() -> None:
    version = make_version(
        ["not", "a", "mapping"], name="", description="", license=None, tags=None
    )
    info = citation_info(version, links=Links(BASE))
    data = yaml.safe_load(citation_cff(info))
    check_cff_rules(data)
    assert data["title"] == "affable-shark" and "abstract" not in data
    check_bibtex_shape(citation_bibtex(info))


def test_minimal_info_gives_valid_files() -> None:
    info = CitationInfo(resource_id="odd id/with{stuff}", label="v1", title="T", url=PAGE)
    data = yaml.safe_load(citation_cff(info))
    check_cff_rules(data)
    assert "date-released" not in data and data["authors"] == [{"name": "anonymous"}]
    bib = citation_bibtex(info)
    check_bibtex_shape(bib)
    assert bib.startswith("@software{odd_id_with_stuff__v1,")
    assert "year" not in bib and "month" not in bib


def test_release_date_is_the_publication_day_in_utc() -> None:
    late = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
    assert cff_of(RDF_05, published_at=late)["date-released"] == "2024-12-31"
    draft = make_version(RDF_05, number=None, status=VersionStatus.draft, published_at=None)
    info = citation_info(draft, links=Links(BASE))
    assert info.released == date(2025, 3, 1) and info.label == "draft"  # falls back to upload


def test_the_listed_authors_serve_when_the_description_has_none() -> None:
    listed = [{"name": "Listed Author"}]
    data = cff_of({**RDF_05, "authors": None}, authors=listed)
    assert data["authors"] == [{"given-names": "Listed", "family-names": "Author"}]
    assert cff_of(RDF_05, authors=listed)["authors"][0]["family-names"] == "Carberry"
