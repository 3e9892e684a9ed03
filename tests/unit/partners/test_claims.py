"""What claiming compatibility with a partner means: links into its namespace, its id as a tag,
its config section; nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from modelhub.partners.claims import claimed_partners

PARTNERS = ("ilastik", "deepimagej", "zero", "lab-tools")


@pytest.mark.parametrize(
    ("rdf", "claimed"),
    [
        ({"links": ["ilastik/ilastik", "imjoy/BioImageIO-Packager"]}, {"ilastik"}),
        ({"links": ["deepimagej"]}, {"deepimagej"}),
        ({"links": ["zero/dataset_fnet_3d_zerocostdl4mic"]}, {"zero"}),
        ({"tags": ["2D", " DeepImageJ ", "nuclei"]}, {"deepimagej"}),
        ({"config": {"deepimagej": {"pyramidal_model": False}, "bioimageio": {}}}, {"deepimagej"}),
        ({"config": {"ilastik": None}}, {"ilastik"}),
        ({"tags": ["lab-tools"], "links": ["ilastik/ilastik"]}, {"lab-tools", "ilastik"}),
        # near misses claim nothing
        ({"links": ["ilastik-extra/app", "my/ilastik"]}, set()),
        ({"tags": ["ilastik-compatible"], "description": "works in ilastik"}, set()),
        ({"authors": [{"name": "zero"}], "id": "zero/model"}, set()),
        # malformed fields are ignored, not errors
        ({"links": "ilastik/ilastik", "tags": [1, None], "config": ["ilastik"]}, set()),
        ({}, set()),
    ],
)
def test_claims(rdf: dict[str, Any], claimed: set[str]) -> None:
    assert claimed_partners(rdf, PARTNERS) == claimed


def test_only_known_partners_are_claimed() -> None:
    rdf = {"links": ["ilastik/ilastik"], "tags": ["deepimagej"]}
    assert claimed_partners(rdf, ["deepimagej"]) == {"deepimagej"}
    assert claimed_partners(rdf, []) == set()
