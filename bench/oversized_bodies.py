"""Memory of the hub process while 8 anonymous clients send 100 MB JSON bodies at the same
time to routes that are not uploads (4 with Content-Length, 4 chunked), each sending its whole
body whatever the answer. Target: growth ≤ 20 MB, every answer 413 body_too_large.

``--no-limit`` runs the same against a hub whose body limit is lifted (MODELHUB_MAX_BODY_BYTES
set to 1 TB) and only 4 bodies, to show what the limit saves (needs a few GB of memory)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import running_hub

SIZE = 100 * 1000 * 1000
CHUNK = 1024 * 1024
TARGETS = [
    ("POST", "/api/v1/tokens", "application/json"),
    ("POST", "/api/v1/users", "application/json"),
    ("PATCH", "/api/v1/users/ada", "application/json"),
    ("POST", "/login", "application/x-www-form-urlencoded"),
]


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field}")


def json_body() -> list[bytes]:
    """100 MB of JSON as 1 MiB pieces (one shared block: the client itself stays small)."""
    head, tail = b'{"name": "', b'"}'
    block = b"x" * CHUNK
    middle = SIZE - len(head) - len(tail)
    pieces = [head] + [block] * (middle // CHUNK) + [block[: middle % CHUNK], tail]
    return [p for p in pieces if p]


async def send_one(url: str, method: str, path: str, media: str, chunked: bool) -> str:
    """Send the whole body (an attacker does not stop at the answer); the answer's status."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {SIZE}"
    head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {media}\r\n"
    writer.write(f"{head}{framing}\r\n\r\n".encode())
    answer = asyncio.create_task(reader.readline())
    try:
        for piece in json_body():
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError as exc:
        return f"connection closed while sending ({type(exc).__name__})"
    status_line = (await asyncio.wait_for(answer, 120)).decode().strip()
    writer.close()
    return status_line.split(" ", 2)[1] if status_line else "no answer"


async def fire(url: str, count: int) -> list[str]:
    jobs = [send_one(url, *TARGETS[i % len(TARGETS)], chunked=i % 2 == 1) for i in range(count)]
    return list(await asyncio.gather(*jobs))


def main() -> None:
    no_limit = "--no-limit" in sys.argv
    count = 4 if no_limit else 8
    if no_limit:
        os.environ["MODELHUB_MAX_BODY_BYTES"] = str(10**12)
    with running_hub() as hub:
        for _ in range(3):  # warm up: imports and first-request work happen before the baseline
            asyncio.run(send_one_small(hub.url))
        baseline = status_kb(hub.pid, "VmRSS") / 1024
        peak = baseline
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, status_kb(hub.pid, "VmRSS") / 1024)
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.perf_counter()
        codes = asyncio.run(fire(hub.url, count))
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        after = status_kb(hub.pid, "VmRSS") / 1024
        high_water = status_kb(hub.pid, "VmHWM") / 1024
        limit = "lifted" if no_limit else "default (1 MiB)"
        print(f"{count} parallel anonymous {SIZE / 1e6:.0f} MB bodies, body limit {limit}")
        print(f"  sent in {elapsed:.1f} s; answers: {', '.join(codes)}")
        print(
            f"  hub RSS MB: before {baseline:.0f}  after {after:.0f}  peak {peak:.0f}  "
            f"peak growth {peak - baseline:.0f}  (kernel high-water mark {high_water:.0f})"
        )


async def send_one_small(url: str) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = f"POST /api/v1/tokens HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
    writer.write(f"{head}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}".encode())
    await writer.drain()
    await reader.read()
    writer.close()


if __name__ == "__main__":
    main()
