"""Packages whose code misbehaves on purpose: each check fails in plain words, the host is
unharmed, nothing of the checks is left, and a normal package checked afterwards passes.

All hostile packages are checked at once (one runner, one sandbox each, in threads): a
sandbox spends seconds importing torch & co., and so the imports share the CPUs. The tests
then look at one outcome each.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from modelhub.checks.runner import CheckOutcome, CheckRunner
from modelhub.checks.sandbox import PACKAGE_DIR
from tests.unit.checks.conftest import FORK_BOMB, leftovers, make_hostile, processes_mentioning

REPO = Path(__file__).resolve().parents[3]
FORMAT = "pytorch_state_dict"
SECRET = f"s3cr3t-{uuid.uuid4().hex}"
MARKER = uuid.uuid4().hex  # in the command line of every process the packages leave

DAEMON = """
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", "{}"])
    os._exit(0)
os.wait()
time.sleep(0.5)
"""
KILL_PARENT = """
parent = os.getppid()
os.kill(parent, signal.SIGKILL)
time.sleep(0.5)
raise RuntimeError(f"parent {parent} is still there")
"""
SNOOPER = """
found = {{"written": [], "read": {{}}}}
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"hello")
    found["network"] = "connected"
except OSError as exc:
    found["network"] = type(exc).__name__
for target in {writes!r}:
    try:
        with open(target, "w") as out:
            out.write("escaped")
        found["written"].append(target)
    except OSError:
        pass
for path in {reads!r}:
    try:
        found["read"][path] = open(path).read()
    except OSError as exc:
        found["read"][path] = type(exc).__name__
env = dict(os.environ)
print("ENV", env, {{k: v[::-1] for k, v in env.items()}})  # reversed: scrubbing can't hide it
found["env"] = env
raise RuntimeError(repr(found))
"""


@dataclass
class Checked:
    outcomes: dict[str, CheckOutcome]
    after: CheckOutcome
    """A normal package, checked after all the hostile ones."""
    accepted: list[str]
    """Connections the loopback listener got."""
    escapes: list[Path]
    """Where the snooper tried to write, on the host."""
    left: list[Path]
    """Check folders and cgroups left (beyond those of the pre-started sandbox)."""


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on a loopback port, counting the connections it gets."""
    accepted: list[str] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            accepted.append(str(peer))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="module")
def checked(
    runner: CheckRunner,
    built: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    listener: tuple[int, list[str]],
    hidden_dir: Path,
) -> Checked:
    root = tmp_path_factory.mktemp("hostile")
    name = f"escape-{uuid.uuid4().hex}"
    escapes = [Path("/tmp") / name, REPO / name, root / name, Path("/") / name]
    snooper = SNOOPER.format(
        port=listener[0],
        writes=[str(t) for t in escapes] + [f"{PACKAGE_DIR}/{name}"],
        reads=[
            str(hidden_dir / "data" / "hub.sqlite3"),
            str(hidden_dir / "visible.txt"),
            "/etc/shadow",
            "/etc/passwd",  # the sandbox's own, naming only its user
        ],
    )
    bodies = {  # the endless loop first: it gets the warm sandbox, and loops while the
        # others import their libraries
        "endless loop": "while True:\n    pass",
        "snooper": snooper,
        "memory hog": "hog = []\nwhile True:\n    hog.append(b'x' * (64 << 20))",
        "fork bomb": FORK_BOMB.format(MARKER),
        "abort": "os.abort()",
        "kill parent": KILL_PARENT,
        "daemon": DAEMON.format(MARKER),
    }
    base = built["model-0.5-state-dict"]
    packages = {k: make_hostile(base, root / k.replace(" ", "-"), b) for k, b in bodies.items()}
    with pytest.MonkeyPatch.context() as env, ThreadPoolExecutor(len(packages)) as pool:
        env.setenv("MODELHUB_SECRET_TOKEN", SECRET)
        env.setenv("MODELHUB_DATABASE_URL", f"postgresql://hub:{SECRET}@db/hub")
        futures = {}
        for key, package in packages.items():
            futures[key] = pool.submit(runner.run, package)
            if key == "endless loop":
                time.sleep(0.5)  # let it take the warm sandbox
        outcomes = {k: f.result() for k, f in futures.items()}
    left = leftovers(runner)
    after = runner.run(shutil.copytree(built["model-0.5-torchscript"], root / "normal"))
    return Checked(outcomes, after, listener[1], escapes, left)


Check = Callable[[str], CheckOutcome]


@pytest.fixture(scope="module")
def check(checked: Checked) -> Check:
    def outcome(name: str) -> CheckOutcome:
        result = checked.outcomes[name]
        assert result.status == "failed", (result.reason, result.log[-3000:])
        assert result.reason and result.reason.startswith(f"Weight format '{FORMAT}' failed: ")
        assert result.reason.endswith(".")
        return result

    return outcome


def raised(outcome: CheckOutcome) -> str:
    """The full message the package raised, from the library's summary (the reason is short)."""
    summary = outcome.formats["pytorch_state_dict"].summary
    assert summary is not None
    return " ".join(
        e["msg"] for d in summary["details"] if d["status"] == "failed" for e in d["errors"]
    )


def test_nothing_is_left_and_a_normal_package_passes_afterwards(checked: Checked) -> None:
    assert checked.left == []
    assert processes_mentioning(MARKER) == []
    assert checked.after.status == "passed", checked.after.log[-3000:]


def test_no_network_not_even_loopback(check: Check, checked: Checked) -> None:
    assert "'network': 'ConnectionRefusedError'" in raised(check("snooper"))
    assert checked.accepted == []


def test_cannot_write_outside_its_work_folder(check: Check, checked: Checked) -> None:
    assert "'written': []" in raised(check("snooper"))
    assert [t for t in checked.escapes if t.exists()] == []


def test_environment_holds_no_secrets(check: Check) -> None:
    outcome = check("snooper")
    assert outcome.reason is not None
    assert "ENV" in outcome.log and "'HOME'" in outcome.reason  # it did print its environment
    assert "MODELHUB" not in outcome.reason
    everything = json.dumps(asdict(outcome))
    assert SECRET not in everything and SECRET[::-1] not in everything
    assert "[hidden]" not in everything  # not scrubbed away afterwards: it was never there


def test_only_what_a_check_needs_can_be_read(check: Check, hidden_dir: Path) -> None:
    reason = raised(check("snooper"))
    assert f"'{hidden_dir / 'data' / 'hub.sqlite3'}': 'FileNotFoundError'" in reason
    # not hidden, but not needed either: the host's folders are not in the sandbox at all
    assert f"'{hidden_dir / 'visible.txt'}': 'FileNotFoundError'" in reason
    assert "anyone may read this" not in reason and "the hub's database" not in reason
    assert "'/etc/shadow': 'FileNotFoundError'" in reason
    assert re.search(r"'/etc/passwd': 'nobody:x:65534:65534:[^']*'", reason)  # reading works


def why(outcome: CheckOutcome) -> str:
    """The format's reason (the check's reason names the format first)."""
    reason = outcome.formats[FORMAT].reason
    assert reason is not None and outcome.reason == f"Weight format '{FORMAT}' failed: {reason}."
    return reason


def test_endless_loop_is_stopped_by_the_timeout(check: Check) -> None:
    outcome = check("endless loop")
    assert why(outcome) == "the test ran longer than the limit of 20 s and was stopped"


def test_memory_hog_is_stopped_at_the_memory_limit(check: Check) -> None:
    assert why(check("memory hog")) == "the model used more memory than the limit of 1.5 GB"


def test_fork_bomb_hits_the_process_limit(check: Check) -> None:
    reason = why(check("fork bomb"))
    assert reason.startswith("the model tried to run more than 64 processes at once")


def test_abort_is_reported_as_a_crash(check: Check) -> None:
    assert why(check("abort")) == "the test process crashed (signal SIGABRT)"


def test_killing_its_parent_does_not_harm_the_host(check: Check) -> None:
    # inside its own pid namespace its parent is init, which the namespace cannot kill; as
    # the host's nobody (where the hub runs as root) it may not even signal it
    reason = check("kill parent").reason
    assert reason is not None
    assert "parent 1 is still there" in reason or "raised PermissionError" in reason


def test_detached_daemon_does_not_survive(check: Check) -> None:
    reason = check("daemon").reason
    assert reason is not None
    assert reason.startswith(
        f"Weight format '{FORMAT}' failed: the package left "
    )  # a daemon each time the model is built
    assert "running after its test" in reason and MARKER[:12] in reason
