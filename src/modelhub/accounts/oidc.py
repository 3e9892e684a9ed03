"""OpenID Connect, the hub's side: discovery, the authorization request (code flow with PKCE,
state and nonce), the token exchange and the verification of the ID token.

Every request to a provider goes through the hub's fetch rules: discovery and the key set are
fetched with ``modelhub.fetch`` (public addresses, or hosts named in
``MODELHUB_FETCH_ALLOW_HOSTS``; timeouts; a byte limit); the token exchange, a POST the fetcher
does not make, connects to an address checked by the same rules and pinned like the fetcher's.
authlib's ``joserfc`` checks the token against the key set handed to it; it fetches nothing.
"""

from __future__ import annotations

import json
import ssl
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from modelhub.config import OidcProvider, Settings
from modelhub.errors import HubError
from modelhub.fetch.addresses import AddressRefused, resolve_allowed
from modelhub.fetch.client import Fetched, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.pinned import default_port, pin
from modelhub.fetch.policy import FetchPolicy, checked_url

MAX_DOCUMENT_BYTES = 1024 * 1024
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
LEEWAY_S = 60
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
CACHE_S = 3600.0


class OidcError(HubError):
    """A login through a provider that cannot go on; ``code`` says why (stable)."""

    def __init__(self, message: str, *, code: str, status_code: int = 400) -> None:
        super().__init__(message=message, status_code=status_code, code=code)


def unavailable(name: str, why: str) -> OidcError:
    return OidcError(
        f"The login service {name} could not be reached ({why}). Try again later, or log in"
        " with your password.",
        code="oidc_provider_unavailable",
        status_code=502,
    )


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class Started:
    """The secrets of one authorization request, kept by the browser until the callback."""

    url: str
    state: str
    nonce: str
    verifier: str


def _policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy.of(settings, max_bytes=MAX_DOCUMENT_BYTES)


def _json_document(url: str, settings: Settings, *, fresh: bool = False) -> dict[str, Any]:
    """A JSON object fetched by the hub's fetcher, kept for an hour per process."""
    cached = _cache.get(url)
    if cached is not None and not fresh and time.monotonic() - cached[0] < CACHE_S:
        return cached[1]
    with tempfile.TemporaryDirectory(prefix="modelhub-oidc-") as tmp:
        fetched = fetch(url, dest=Path(tmp) / "doc.json", policy=_policy(settings))
        text = fetched.path.read_bytes() if isinstance(fetched, Fetched) else b""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    _cache[url] = (time.monotonic(), document)
    return document


def discover(name: str, provider: OidcProvider, settings: Settings) -> Metadata:
    """The provider's endpoints from ``<issuer>/.well-known/openid-configuration``."""
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        doc = _json_document(url, settings)
        meta = Metadata(
            issuer=str(doc["issuer"]),
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
        )
    except FetchError as exc:
        raise unavailable(name, exc.message) from None
    except (ValueError, KeyError):
        raise unavailable(name, "its discovery document is not valid") from None
    if meta.issuer != provider.issuer:
        raise unavailable(name, "its discovery document names another issuer")
    return meta


def start(meta: Metadata, provider: OidcProvider, redirect_uri: str) -> Started:
    """The authorization request's URL and the secrets the callback checks."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    joiner = "&" if "?" in meta.authorization_endpoint else "?"
    return Started(meta.authorization_endpoint + joiner + urlencode(query), state, nonce, verifier)


def exchange(
    name: str,
    meta: Metadata,
    provider: OidcProvider,
    settings: Settings,
    *,
    code: str,
    verifier: str,
    redirect_uri: str,
) -> str:
    """Trade the authorization code for the ID token (client_secret_post)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret.get_secret_value(),
        "code_verifier": verifier,
    }
    try:
        answer = _post_form(meta.token_endpoint, form, _policy(settings))
    except (FetchError, AddressRefused, OSError, httpx.HTTPError, ValueError) as exc:
        why = exc.message if isinstance(exc, FetchError) else "no connection to its token service"
        raise unavailable(name, why) from None
    token = answer.get("id_token")
    if not isinstance(token, str):
        raise OidcError(
            f"{name} did not confirm the login (its answer holds no ID token).",
            code="oidc_token_refused",
        )
    return token


def _post_form(url: str, form: dict[str, str], policy: FetchPolicy) -> dict[str, Any]:
    target = checked_url(url)
    addresses = resolve_allowed(
        target.host, default_port(target), allow_private=policy.allows(target)
    )
    timeout = httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s)
    verify = ssl.create_default_context()
    with httpx.Client(follow_redirects=False, trust_env=False, verify=verify) as client:
        for address in addresses:
            pinned = pin(target, address)
            request = client.build_request(
                "POST",
                pinned.url,
                data=form,
                headers={"Accept": "application/json", **pinned.headers},
                extensions=pinned.extensions,
                timeout=timeout,
            )
            try:
                response = client.send(request)
            except httpx.ConnectError:
                continue
            if len(response.content) > policy.max_bytes:
                raise ValueError("too large")
            body = response.json() if response.content else {}
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return body
    raise httpx.ConnectError("no address accepted the connection")


def verify(
    name: str,
    id_token: str,
    meta: Metadata,
    provider: OidcProvider,
    settings: Settings,
    *,
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's key set), issuer, audience,
    expiry and nonce check out; ``OidcError`` (``oidc_bad_token``) otherwise."""

    def bad(why: str) -> OidcError:
        return OidcError(
            f"The answer of {name} could not be trusted ({why}); nobody was logged in.",
            code="oidc_bad_token",
        )

    try:
        keys = KeySet.import_key_set(_json_document(meta.jwks_uri, settings))  # type: ignore[arg-type]
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except JoseError:
            # the provider may have rotated its keys since they were cached: ask once more
            fresh = _json_document(meta.jwks_uri, settings, fresh=True)
            token = jwt.decode(id_token, KeySet.import_key_set(fresh), algorithms=ALGORITHMS)  # type: ignore[arg-type]
    except FetchError as exc:
        raise unavailable(name, exc.message) from None
    except (JoseError, ValueError, KeyError, TypeError):
        raise bad("its signature does not match the provider's keys") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S,
        iss={"essential": True, "value": meta.issuer},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        raise bad(f"{exc.error}: {exc.description or 'claim check failed'}") from None
    return dict(token.claims)
