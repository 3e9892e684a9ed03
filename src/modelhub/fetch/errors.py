"""Why a fetch failed: one error kind with a stable ``code`` per reason, and a message that says
what happened in words a person who gave the URL understands (never the addresses the hub
resolved a name to, which would map the hub's network for them)."""

from __future__ import annotations

from modelhub.errors import ErrorDetail, HubError

BAD_URL = "fetch_bad_url"
REFUSED_ADDRESS = "fetch_refused_address"
UNREACHABLE = "fetch_unreachable"
TIMEOUT = "fetch_timeout"
TOO_LARGE = "fetch_too_large"
HTTP_ERROR = "fetch_http_error"
TOO_MANY_REDIRECTS = "fetch_too_many_redirects"
CODES = (BAD_URL, REFUSED_ADDRESS, UNREACHABLE, TIMEOUT, TOO_LARGE, HTTP_ERROR, TOO_MANY_REDIRECTS)

# the answer a route gives for each reason: the request named something the hub cannot use
STATUS = {BAD_URL: 400, TOO_LARGE: 413}


class FetchError(HubError):
    """A URL could not be fetched; ``code`` is one of ``CODES``, ``http_status`` the status the
    server answered (``fetch_http_error`` only), ``url`` the URL that failed (after
    redirects, the one that was being asked)."""

    def __init__(
        self, message: str, *, code: str, url: str, http_status: int | None = None
    ) -> None:
        super().__init__(
            message=message,
            details=(ErrorDetail(("url",), message),),
            status_code=STATUS.get(code, 422),
            code=code,
        )
        self.url = url
        self.http_status = http_status


def bad_url(url: str, why: str) -> FetchError:
    return FetchError(f"The address '{_short(url)}' cannot be used: {why}", code=BAD_URL, url=url)


def refused_address(url: str, host: str) -> FetchError:
    return FetchError(
        f"The hub does not fetch from {host}: it is not a public internet address. Put the file"
        " on a public web server (for example a GitHub raw link or Zenodo).",
        code=REFUSED_ADDRESS,
        url=url,
    )


def unreachable(url: str, host: str, why: str) -> FetchError:
    return FetchError(
        f"The hub could not reach {host} ({why}). Check the address, or try again later.",
        code=UNREACHABLE,
        url=url,
    )


def timeout(url: str, host: str, seconds: float) -> FetchError:
    return FetchError(
        f"{host} did not send {_short(url)} within {seconds:g} seconds. The server may be slow"
        " or overloaded: try again later.",
        code=TIMEOUT,
        url=url,
    )


def too_large(url: str, limit: int) -> FetchError:
    return FetchError(
        f"{_short(url)} is larger than this hub accepts ({_size(limit)}).",
        code=TOO_LARGE,
        url=url,
    )


def http_error(url: str, status: int, reason: str) -> FetchError:
    hint = {
        404: " The file is not there: check the address (it is case-sensitive).",
        401: " The file is not public.",
        403: " The file is not public.",
    }.get(status, " The server has a problem: try again later." if status >= 500 else "")
    shown = f"{status} {reason}".strip()
    return FetchError(
        f"The server answered '{shown}' for {_short(url)}.{hint}",
        code=HTTP_ERROR,
        url=url,
        http_status=status,
    )


def too_many_redirects(url: str, most: int) -> FetchError:
    return FetchError(
        f"{_short(url)} redirects more than {most} times; give the final address instead.",
        code=TOO_MANY_REDIRECTS,
        url=url,
    )


def _short(url: str, most: int = 200) -> str:
    return url if len(url) <= most else url[: most - 1] + "…"


def _size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
