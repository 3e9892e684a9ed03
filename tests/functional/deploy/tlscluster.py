"""A Dask cluster secured by TLS on loopback, as real processes: a CA and one certificate
(generated with ``cryptography``), ``dask scheduler`` and one ``dask worker`` started with the
``--tls-*`` options of docs/operations.md, and ended by their pids."""

from __future__ import annotations

import datetime
import ipaddress
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[3]
DASK = Path(sys.executable).parent / "dask"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    def options(self) -> list[str]:
        return [
            "--tls-ca-file",
            str(self.ca),
            "--tls-cert",
            str(self.cert),
            "--tls-key",
            str(self.key),
        ]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_tls_files(folder: Path) -> TlsFiles:
    """A CA and one certificate for 127.0.0.1 (server and client use), PEM files in ``folder``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("modelhub test CA"))
        .issuer_name(_name("modelhub test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("dask"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key.chmod(0o600)
    return files


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELHUB_", "DASK_"))}
    # the worker imports the job code as a worker machine would: modelhub (and here the test
    # kinds) on its Python path
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "0"
    return env


@contextmanager
def tls_cluster(folder: Path, files: TlsFiles) -> Iterator[tuple[str, int]]:
    """``dask scheduler`` and one ``dask worker`` over TLS; yields the scheduler's address
    (``tls://127.0.0.1:<port>``) and the worker's pid."""
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    logs = [open(folder / name, "wb") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    started: list[subprocess.Popen[bytes]] = []
    try:
        scheduler = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
        scheduler += ["--protocol", "tls", "--no-dashboard", *files.options()]
        started.append(subprocess.Popen(scheduler, env=_env(), stdout=logs[0], stderr=logs[0]))
        worker = [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny"]
        worker += ["--no-dashboard", "--host", "127.0.0.1", *files.options()]
        started.append(subprocess.Popen(worker, env=_env(), stdout=logs[1], stderr=logs[1]))
        yield address, started[-1].pid
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in logs:
            log.close()
