"""Who is asking, for the prediction routes: a signed-in person, or (where the hub allows
trial runs) a browser with a trial cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from modelhub.accounts.deps import OptionalUser
from modelhub.errors import NotAuthenticated
from modelhub.predictions.owners import (
    TRIAL_COOKIE,
    Requester,
    address_hash,
    hash_token,
    new_trial_token,
)


def reader(request: Request, user: OptionalUser) -> Requester:
    """Whoever reads predictions: the person, or the trial cookie's browser (may own none)."""
    if user is not None:
        return Requester(user=user)
    token = request.cookies.get(TRIAL_COOKIE)
    return Requester(user=None, trial=hash_token(token) if token else None)


def asker(request: Request, response: Response, user: OptionalUser) -> Requester:
    """Whoever asks for a prediction: a person; or, with trial runs allowed, a browser (its
    trial cookie set on the first request); otherwise 401."""
    if user is not None:
        return Requester(user=user)
    if not request.app.state.hub.settings.predict_anonymous:
        raise NotAuthenticated(
            "Please sign in to run models on your images (or send an API token)."
        )
    token = request.cookies.get(TRIAL_COOKIE)
    if not token or len(token) > 64:
        token = new_trial_token()
        response.set_cookie(
            TRIAL_COOKIE, token, httponly=True, samesite="lax", max_age=7 * 24 * 3600
        )
    address = request.client.host if request.client else "unknown"
    return Requester(user=None, trial=hash_token(token), client=address_hash(address))


Reader = Annotated[Requester, Depends(reader)]
Asker = Annotated[Requester, Depends(asker)]
