"""Screenshots of the main pages for the docs (docs/screenshots/*.png).

Starts ``modelhub serve --demo`` on a fresh data directory, adds the shared example model and a
revision waiting for review, then drives Debian's chromium through Playwright:

    make screenshots   (installs an emoji font first; or .venv/bin/python scripts/screenshots.py)

Every page shot is also opened at 320, 390 and 1280 px: the script stops when one is wider than
its window.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SHARED_MODEL = ROOT / "tests" / "data" / "unet2d_nuclei_broad"
BIN = Path(sys.executable).parent
PASSWORD = "screenshots password"  # noqa: S105 (a throwaway hub on loopback)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _zip(folder: Path, **changes: object) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if path.name in ("rdf.yaml", "bioimageio.yaml") and changes:
                rdf = yaml.safe_load(data)
                rdf.update(changes)
                data = yaml.safe_dump(rdf, sort_keys=False).encode()
            archive.writestr(path.relative_to(folder).as_posix(), data)
    return buffer.getvalue()


def _user(env: dict[str, str], name: str, role: str) -> str:
    done = subprocess.run(
        [str(BIN / "modelhub"), "users", "create", name, "--role", role, "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


WIDTHS = (320, 390, 1280)


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _shot(page: Page, path: Path, *, full: bool = True) -> None:
    """A screenshot once every (lazily loaded) image has arrived; refused when the page is wider
    than the window (a screenshot must not hide a layout that breaks)."""
    window = page.viewport_size["width"] if page.viewport_size else 0
    if _width(page) > window:
        raise SystemExit(f"{page.url} is {_width(page)} px wide in a {window} px window")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    # (wait_for_function evaluates a string, which the hub's content security policy forbids)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=full)


def _log_in(page: Page, name: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _post(http: httpx.Client, token: str, body: bytes, **params: str) -> str:
    r = http.post(
        "/api/v1/uploads",
        params=params,
        content=body,
        headers={"authorization": f"Bearer {token}", "content-type": "application/zip"},
    )
    r.raise_for_status()
    return str(r.json()["resource_id"])


def _content(url: str, admin: str, member: str) -> tuple[str, str]:
    """The shared model published and a second revision of it in review (the desk then shows
    a diff), and a member's new model waiting for review."""
    with httpx.Client(base_url=url, timeout=120) as http:
        published = _post(http, admin, _zip(SHARED_MODEL))
        http.post(
            f"/api/v1/resources/{published}/publish",
            headers={"authorization": f"Bearer {admin}"},
            json={"override_reason": "example content for the screenshots"},
        ).raise_for_status()
        retrained = _zip(
            SHARED_MODEL,
            description="A 2d U-Net trained on the nuclei broad dataset, retrained on more images.",
            tags=["unet2d", "pytorch", "nucleus", "segmentation", "dsb2018", "fluorescence"],
        )
        _post(http, admin, retrained, resource_id=published, submit="true")
        mine = _post(
            http, member, _zip(SHARED_MODEL, name="Nuclei segmentation retrained"), submit="true"
        )
    return published, mine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    fonts = shutil.which("fc-list") and subprocess.run(
        ["fc-list", ":charset=1f52c"], capture_output=True, text=True, check=False
    )
    if fonts and not fonts.stdout.strip():
        raise SystemExit("no emoji font: install fonts-noto-color-emoji (make screenshots does)")
    if not SHARED_MODEL.is_dir():
        raise SystemExit(f"the example model is missing: {SHARED_MODEL}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="modelhub-shots-") as tmp:
        # the admin publishes the example it uploaded: allowed explicitly, as on a one-person hub
        env = {
            **os.environ,
            "MODELHUB_DATA_DIR": str(Path(tmp) / "data"),
            "MODELHUB_ALLOW_SELF_APPROVAL": "1",
        }
        admin = _user(env, "ada", "admin")
        member = _user(env, "mo", "member")
        port = _port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "modelhub"), "serve", "--demo", "--no-jobs", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/id_map.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the hub did not start")
                time.sleep(0.3)
            published, mine = _content(url, admin, member)
            _shoot(url, args.out, published, mine, Path(tmp))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _shoot(url: str, out: Path, published: str, mine: str, tmp: Path) -> None:
    bad = tmp / "refused.zip"
    bad.write_bytes(_zip(SHARED_MODEL, license="my-own-license", authors=[]))
    with sync_playwright() as pw:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        wide = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
        page = wide.new_page()
        page.goto("/")
        _shot(page, out / "catalog.png")
        page.goto("/?q=nuclei&type=model")
        _shot(page, out / "search.png")
        page.goto(f"/resources/{published}")
        _shot(page, out / "model-card.png")
        _log_in(page, "mo")
        page.goto("/upload")
        page.get_by_label("Package zip file").set_input_files(bad)
        page.get_by_role("button", name="Upload", exact=True).click()
        page.locator("#license-error").wait_for()
        _shot(page, out / "upload-refused.png")
        page.goto(f"/upload/{mine}")
        _shot(page, out / "my-upload.png")
        reviewer = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
        desk = reviewer.new_page()
        _log_in(desk, "ada")
        desk.goto("/review")
        _shot(desk, out / "review-queue.png")
        desk.goto(f"/review/{published}")
        _shot(desk, out / "review-desk.png")
        desk.goto("/admin/users")
        _shot(desk, out / "admin-users.png")
        desk.goto("/account")
        _shot(desk, out / "account.png")
        desk.goto("/notifications")
        _shot(desk, out / "notifications.png")
        page.goto("/help")
        _shot(page, out / "help.png")
        phone = browser.new_context(base_url=url, viewport={"width": 390, "height": 844})
        small = phone.new_page()
        small.goto("/?q=nuclei")
        _shot(small, out / "catalog-phone.png")
        small.goto(f"/resources/{published}")
        _shot(small, out / "model-card-phone.png", full=False)
        _check_widths(browser, url, published, mine)
        browser.close()
    for shot in sorted(out.glob("*.png")):
        # a PNG's width and height are the first fields of its IHDR chunk
        size = struct.unpack(">II", shot.read_bytes()[16:24])
        print(f"{shot.name}: {size[0]} x {size[1]} px, {shot.stat().st_size // 1024} KiB")


def _check_widths(browser: Browser, url: str, published: str, mine: str) -> None:
    """Every page shot above, at a small phone, a phone and a desktop: nothing wider than the
    window (anonymous pages, then the member's and the admin's)."""
    pages = {
        None: ["/", "/?q=nuclei&type=model", f"/resources/{published}", "/help"],
        "mo": ["/upload", f"/upload/{mine}"],
        "ada": ["/review", f"/review/{published}", "/admin/users", "/account", "/notifications"],
    }
    for width in WIDTHS:
        for user, paths in pages.items():
            context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
            page = context.new_page()
            if user:
                _log_in(page, user)
            for path in paths:
                page.goto(path)
                if _width(page) > width:
                    raise SystemExit(f"{path} is {_width(page)} px wide at {width} px")
            context.close()
        print(f"{width} px: every page fits")


if __name__ == "__main__":
    main()
