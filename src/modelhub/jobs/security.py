"""TLS to an external Dask cluster: the hub's ``MODELHUB_DASK_TLS_*`` settings as the
``distributed.security.Security`` its client connects with, refused at start in plain words
when a file is missing or unreadable (rather than as a handshake error deep inside Dask)."""

from __future__ import annotations

import os
from pathlib import Path

from distributed.security import Security

from modelhub.config import Settings


class DaskTlsProblem(ValueError):
    """The TLS files named for the Dask cluster cannot be used (the message says which)."""


def _readable(setting: str, path: Path) -> str:
    if not path.is_file():
        raise DaskTlsProblem(f"MODELHUB_{setting} names {path}, which is not a file")
    if not os.access(path, os.R_OK):
        raise DaskTlsProblem(
            f"MODELHUB_{setting} names {path}, which this user ({os.getuid()}) cannot read"
        )
    text = path.read_text(errors="replace")
    if "-----BEGIN" not in text:
        raise DaskTlsProblem(f"MODELHUB_{setting} names {path}, which holds no PEM data")
    return str(path)


def dask_security(settings: Settings) -> Security | None:
    """The ``Security`` of the hub's connection to its external scheduler; None without TLS
    (plain ``tcp://`` or the embedded cluster). ``DaskTlsProblem`` when a file is unusable."""
    ca, cert, key = (
        settings.dask_tls_ca_file,
        settings.dask_tls_cert_file,
        settings.dask_tls_key_file,
    )
    if ca is None or cert is None or key is None:
        return None  # Settings refuse a tls:// scheduler without all three
    return Security(
        tls_ca_file=_readable("DASK_TLS_CA_FILE", ca),
        tls_client_cert=_readable("DASK_TLS_CERT_FILE", cert),
        tls_client_key=_readable("DASK_TLS_KEY_FILE", key),
        require_encryption=settings.dask_require_encryption,
    )
