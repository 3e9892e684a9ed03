"""A tiny OpenID Connect provider on a loopback port, for the login tests: discovery, a key set
(an RSA key made at start), ``/authorize`` approving at once as ``Provider.person``, and
``/token`` checking the client's secret and the PKCE verifier before it signs an RS256 ID
token. ``Provider.spoil`` makes the next tokens wrong in one way (a test of the hub's checks)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import free_port
from tests.waiting import eventually

CLIENT_ID = "modelhub-test"
CLIENT_SECRET = "a-test-client-secret"  # the test provider's own


@dataclass
class Provider:
    url: str
    key: RSAKey
    # who logs in at /authorize (the claims beyond iss, aud, exp, iat, nonce)
    person: dict[str, Any] = field(default_factory=lambda: {"sub": "alice-1"})
    # "signature", "expired", "nonce" or "audience": how the next ID tokens are wrong
    spoil: str | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["person"],
        }
        key = self.key
        if self.spoil == "expired":
            claims.update(iat=now - 4000, exp=now - 3600)
        elif self.spoil == "nonce":
            claims["nonce"] = "not-the-hubs-nonce"
        elif self.spoil == "audience":
            claims["aud"] = "another-client"
        elif self.spoil == "signature":
            key = RSAKey.generate_key(2048, parameters={"kid": str(self.key.kid)})
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)


def _app(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.url,
            "authorization_endpoint": f"{provider.url}/authorize",
            "token_endpoint": f"{provider.url}/token",
            "jwks_uri": f"{provider.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [provider.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize(
        client_id: str, redirect_uri: str, state: str, nonce: str, code_challenge: str
    ) -> RedirectResponse:
        assert client_id == CLIENT_ID
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {
            "nonce": nonce,
            "challenge": code_challenge,
            "redirect_uri": redirect_uri,
            "person": dict(provider.person),
        }
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

    @app.post("/token")
    def token(
        code: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
        code_verifier: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
    ) -> JSONResponse:
        grant = provider.codes.pop(code, None)
        digest = hashlib.sha256(code_verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            grant is None
            or client_secret != CLIENT_SECRET
            or challenge != grant["challenge"]
            or redirect_uri != grant["redirect_uri"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        body = {"access_token": "x", "token_type": "Bearer", "id_token": provider.id_token(grant)}
        return JSONResponse(body)

    return app


@contextmanager
def serving_provider() -> Iterator[Provider]:
    """The provider on a free loopback port, in a background thread."""
    port = free_port()
    provider = Provider(
        url=f"http://127.0.0.1:{port}",
        key=RSAKey.generate_key(2048, parameters={"kid": "test-key"}),
    )
    config = uvicorn.Config(_app(provider), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        eventually(lambda: server.started, timeout=10, interval=0.01, what="the provider started")
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
