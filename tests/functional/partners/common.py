"""Helpers of the partner tests: an application as a tool sends it, and a partner made through
the API (a member applies, the admin approves)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import auth

APPLICATION: dict[str, Any] = {
    "name": "Lab Tools",
    "description": "A viewer for microscopy images.",
    "about_url": "https://lab.example.org/docs",
    "resources": "Two segmentation models.",
    "collection_url": "https://lab.example.org/collection.yaml",
    "maintenance_plan": "Two people keep it up to date.",
    "proposed_id": "lab-tools",
}


def apply(http: httpx.Client, token: str, **changes: Any) -> dict[str, Any]:
    done = http.post(
        "/api/v1/partners/applications", json={**APPLICATION, **changes}, headers=auth(token)
    )
    assert done.status_code == 201, done.text
    body: dict[str, Any] = done.json()
    return body


def make_partner(
    http: httpx.Client, *, member: str, admin: str, partner_id: str = "lab-tools"
) -> dict[str, Any]:
    """``member`` applies, ``admin`` approves under ``partner_id``: the decided application."""
    application = apply(http, member)
    done = http.post(
        f"/api/v1/partners/applications/{application['id']}/approve",
        json={"partner_id": partner_id},
        headers=auth(admin),
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body
