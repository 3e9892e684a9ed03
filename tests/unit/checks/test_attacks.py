"""Packages that go for the check's verdict or for the host: each attack is denied, the check
does not pass, and it says why. What the package's code saw is in its error (the reason or the
library's summary), so each test can tell that the attack was tried and how it ended.

All packages are checked at once (threads, a sandbox each): their imports share the CPUs.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

from modelhub.checks.runner import CheckOutcome, CheckRunner
from modelhub.checks.sandbox import WORK_DIR
from tests.unit.checks.conftest import TEST_LIMITS, make_hostile

MIB = 1024**2
FILL_BYTES = 96 * MIB
FORMAT = "pytorch_state_dict"

FORGED_REPORT = """
import io, json, numpy
args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
fd = int(args[args.index(b"--out-fd") + 1])
def send(kind, name, payload):
    header = json.dumps({{"kind": kind, "name": name, "size": len(payload)}}).encode()
    os.write(fd, header + b"\\n" + payload)
tensor = io.BytesIO()
numpy.save(tensor, numpy.zeros((1, 1, 64, 64), dtype="float32"))
send("tensor", "actual_output_{member}_pytorch_state_dict.npy", tensor.getvalue())
forged = {{"status": "passed", "details": [], "forged": True}}
send("summary", "summary", json.dumps(forged).encode())
send("strays", "strays", b"[]")
os._exit(0)
"""
PATCHED_COMPARISON = """
import numpy, numpy.testing
import bioimageio.core._resource_tests as library_tests
library_tests.evaluate_mismatched_elements = lambda *args, **kwargs: (0.0, "all agree", None)
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.allclose = lambda *args, **kwargs: True
self.register_forward_hook(lambda module, inputs, output: output + 1.0)
"""
SOCKETS = """
found = {{}}
for address in {addresses!r}:
    try:
        client = socket.socket(socket.AF_UNIX)
        client.settimeout(3)
        client.connect(address)
        client.sendall(b"hello")
        found[address] = "connected"
    except OSError as exc:
        found[address] = type(exc).__name__
raise RuntimeError("SOCKETS " + repr(found))
"""
READS = """
found = {{"uid": os.getuid()}}
for path in {paths!r}:
    try:
        found[path] = open(path).read()
    except OSError as exc:
        found[path] = type(exc).__name__
raise RuntimeError("READS " + repr(found))
"""
FILL = """
import errno
found = {{}}
for folder in ("{work}/tmp", "/dev/shm"):
    written, number = 0, 0
    try:
        while written < 8 * {limit}:
            with open(f"{{folder}}/fill-{{number}}", "wb") as out:
                out.write(b"x" * (4 << 20))
            written, number = written + (4 << 20), number + 1
        found[folder] = ("no error", written)
    except OSError as exc:
        found[folder] = (errno.errorcode[exc.errno], written)
    for name in os.listdir(folder):
        if name.startswith("fill-"):
            os.remove(f"{{folder}}/{{name}}")
raise RuntimeError("FILLED " + repr(found))
"""
TRACE = """
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
def attach(pid):
    if libc.ptrace(16, pid, 0, 0) == 0:
        return "attached"
    return errno.errorcode[ctypes.get_errno()]
child = os.fork()
if child == 0:
    time.sleep(30)
    os._exit(0)
found = {{"child": attach(child), "parent": attach(os.getppid()), "judge": attach({judge})}}
os.kill(child, 9)
os.waitpid(child, 0)
raise RuntimeError("TRACE " + repr(found))
"""


@dataclass
class Attacked:
    outcomes: dict[str, CheckOutcome]
    accepted: list[str]
    """Connections the host's Unix sockets got."""


@pytest.fixture(scope="module")
def host_places() -> Iterator[dict[str, Path | str]]:
    """A 0600 root-owned file and Unix socket listeners in host folders the hub can see."""
    root = Path("/var/tmp") / f"modelhub-test-host-{uuid.uuid4().hex[:8]}"
    root.mkdir(mode=0o755)
    secret = root / "secret.txt"
    secret.write_text("only root may read this")
    secret.chmod(0o600)
    places: dict[str, Path | str] = {
        "secret": secret,
        "var socket": root / "hub.sock",
        "tmp socket": Path("/tmp") / f"modelhub-test-{uuid.uuid4().hex[:8]}.sock",
        "abstract socket": f"\0modelhub-test-{uuid.uuid4().hex[:8]}",
    }
    yield places
    shutil.rmtree(root, ignore_errors=True)
    Path(places["tmp socket"]).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def listeners(host_places: dict[str, Path | str]) -> Iterator[list[str]]:
    accepted: list[str] = []
    servers = []
    for key in ("var socket", "tmp socket", "abstract socket"):
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(host_places[key]))
        if key != "abstract socket":
            os.chmod(host_places[key], 0o777)  # noqa: S103 - anyone on the host may connect
        server.listen()
        server.settimeout(0.2)
        servers.append(server)
    stop = threading.Event()

    def serve(server: socket.socket) -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(str(server.getsockname()))
            conn.close()

    threads = [threading.Thread(target=serve, args=(s,), daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    yield accepted
    stop.set()
    for thread, server in zip(threads, servers, strict=True):
        thread.join()
        server.close()


@pytest.fixture(scope="module")
def attacked(
    runner: CheckRunner,
    built: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    host_places: dict[str, Path | str],
    listeners: list[str],
) -> Attacked:
    root = tmp_path_factory.mktemp("attacks")
    base = built["model-0.5-state-dict"]
    rdf = yaml.safe_load((base / "rdf.yaml").read_text())
    member = rdf["outputs"][0]["id"]
    sockets = [str(host_places[k]) for k in ("var socket", "tmp socket", "abstract socket")]
    reads = [str(host_places["secret"]), "/etc/shadow", "/proc/1/environ"]
    bodies = {
        "forged report": FORGED_REPORT.format(member=member),
        "patched comparison": PATCHED_COMPARISON,
        "sockets": SOCKETS.format(addresses=sockets),
        "reads": READS.format(paths=reads),
        "ptrace": TRACE.format(judge=os.getpid()),
        "fill": FILL.format(work=WORK_DIR, limit=FILL_BYTES),
    }
    packages = {k: make_hostile(base, root / k.replace(" ", "-"), b) for k, b in bodies.items()}
    small = CheckRunner(
        limits=replace(TEST_LIMITS, max_file_bytes=FILL_BYTES),
        scratch_root=root / "scratch-small",
        warm=False,
    )
    try:
        with ThreadPoolExecutor(len(packages)) as pool:
            futures = {
                k: pool.submit((small if k == "fill" else runner).run, p)
                for k, p in packages.items()
            }
            outcomes = {k: f.result() for k, f in futures.items()}
    finally:
        small.close()
    return Attacked(outcomes, listeners)


Failed = Callable[[str], tuple[CheckOutcome, str]]


@pytest.fixture(scope="module")
def failed(attacked: Attacked) -> Failed:
    """The outcome of an attack, which must have failed, and everything it said."""

    def outcome(name: str) -> tuple[CheckOutcome, str]:
        result = attacked.outcomes[name]
        assert result.status == "failed", (result.reason, result.log[-3000:])
        fmt = result.formats[FORMAT]
        assert fmt.status == "failed" and fmt.decided_by == "judge" == result.decided_by
        said = f"{result.reason} {fmt.summary}"
        return result, said

    return outcome


def test_forged_report_does_not_pass(failed: Failed) -> None:
    outcome, _ = failed("forged report")
    fmt = outcome.formats[FORMAT]
    # the package did find the output pipe and wrote a "passed" summary into it ...
    assert fmt.summary == {"status": "passed", "details": [], "forged": True}
    # ... and a made-up output, which the judge compared with the package's test output
    assert fmt.reason is not None
    assert fmt.reason.startswith("output differs from the test output: 4096 of 4096 values")
    assert (
        fmt.outputs["probability" if "probability" in fmt.outputs else next(iter(fmt.outputs))][
            "mismatched"
        ]
        == 4096
    )


def test_patched_comparison_does_not_pass(failed: Failed) -> None:
    outcome, _ = failed("patched comparison")
    fmt = outcome.formats[FORMAT]
    # the library inside was fooled (its summary says passed), the judge was not
    assert fmt.summary is not None and fmt.summary["status"] == "passed"
    assert fmt.reason is not None
    assert fmt.reason.startswith("output differs from the test output: 4096 of 4096 values")
    assert "max abs difference 1 > 0.001" in fmt.reason
    assert outcome.reason == f"Weight format '{FORMAT}' failed: {fmt.reason}."


def test_host_sockets_cannot_be_reached(
    failed: Failed, attacked: Attacked, host_places: dict[str, Path | str]
) -> None:
    _, said = failed("sockets")
    assert f"'{host_places['var socket']}': 'FileNotFoundError'" in said
    assert f"'{host_places['tmp socket']}': 'FileNotFoundError'" in said
    # an abstract socket lives in the network namespace: the sandbox has its own
    assert "'\\x00modelhub-test-" in said and "'ConnectionRefusedError'" in said
    assert "': 'connected'" not in said
    assert attacked.accepted == []


def test_root_only_files_cannot_be_read(failed: Failed, host_places: dict[str, Path | str]) -> None:
    _, said = failed("reads")
    assert "'uid': 65534" in said
    assert f"'{host_places['secret']}': 'FileNotFoundError'" in said
    assert "'/etc/shadow': 'FileNotFoundError'" in said
    assert "'/proc/1/environ': 'PermissionError'" in said  # the sandbox's init is not ours
    assert "only root may read this" not in said


def test_writable_places_stop_at_their_size(failed: Failed) -> None:
    _, said = failed("fill")
    # (the summary names the sandbox's work folder "<work>")
    for folder in ("<work>/tmp", "/dev/shm"):
        found = re.search(rf"'{re.escape(folder)}': \('(\w+)', (\d+)\)", said)
        assert found is not None, said
        assert found[1] == errno.errorcode[errno.ENOSPC]
        assert 0 < int(found[2]) <= FILL_BYTES


def test_tracing_is_denied(failed: Failed) -> None:
    _, said = failed("ptrace")
    eperm = errno.errorcode[errno.EPERM]
    assert f"'child': '{eperm}'" in said and f"'parent': '{eperm}'" in said
    # the judge (this process) is not even in the sandbox's pid namespace: denied all the same
    assert f"'judge': '{eperm}'" in said
