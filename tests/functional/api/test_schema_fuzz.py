"""Every operation of ``/openapi.json`` fuzzed with schemathesis against the real server on
loopback: valid and invalid parameters and bodies, as an admin. No answer may be a 5xx, and
every 4xx carries the hub's error shape ``{"error": {"code": str, "message": str, ...}}``.

Bounded: a few examples per operation (``EXAMPLES``), so the whole run takes well under a minute
on one core; hypothesis keeps no database, so each run draws afresh.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Err

from modelhub.accounts.models import Role
from tests.conftest import LiveServer, auth, make_user

# FUZZ_EXAMPLES=100 explores further by hand
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# how the page routes answer errors when a browser asks; the fuzzer asks for JSON
HEADERS = {"accept": "application/json"}


@pytest.fixture
def fuzz_schema(server: LiveServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def _operations(
    schema: schemathesis.BaseSchema,
) -> Iterator[schemathesis.APIOperation[Any, Any, Any, Any]]:
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the schema itself is invalid
        yield result.ok()


def _check(case: Case[Any], status: int, body: bytes, content_type: str) -> None:
    curl = case.as_curl_command()
    where = (
        f"{case.method} {case.formatted_path}\n{curl[:1500]}{' ...' if len(curl) > 1500 else ''}"
    )
    assert status < 500, f"{status} from {where}\n{body[:2000]!r}"
    if 400 <= status < 500 and case.method != "HEAD":  # a HEAD answer has no body
        assert content_type.startswith("application/json"), f"{status} {content_type}: {where}"
        error = json.loads(body)["error"]
        assert isinstance(error["code"], str) and error["code"], where
        assert isinstance(error["message"], str) and error["message"], where


def test_no_operation_answers_5xx_or_an_unshaped_4xx(
    server: LiveServer, fuzz_schema: schemathesis.BaseSchema
) -> None:
    token = make_user(server.hub, "fuzzy", Role.admin, password="fuzzing the whole api")
    operations = list(_operations(fuzz_schema))
    assert len(operations) > 20  # the schema really lists the API
    failures: list[str] = []
    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # no shrinking: the failure names the request as curl
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Case[Any]) -> None:
            response = case.call(base_url=server.url, headers={**HEADERS, **auth(token)})
            content_type = response.headers.get("content-type") or [""]
            _check(case, response.status_code, response.content, content_type[0])

        try:
            run()
        except AssertionError as exc:
            failures.append(str(exc).split("\nFailing test case")[0][:3000])
    assert not failures, "\n\n".join(failures)
