"""The hub builds its URLs in ``modelhub.links`` only: no module or template assembles one.

Route paths (``@router.get("/resources/{resource_id}")``, ``APIRouter(prefix=…)``) are plain
strings and never flagged; what is flagged is a hub path *built* from parts: an f-string,
``+`` or ``.format`` starting with one of the hub's prefixes (or putting one after a base
URL: ``f"{base}/api/v1/…"``), and a template attribute starting with ``/`` that fills in a
value (``href="/resources/{{ r.id }}"``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import modelhub

SRC = Path(modelhub.__file__).parent
TEMPLATES = SRC / "web" / "templates"
PREFIXES = (
    "/artifacts",
    "/resources",
    "/api/v1",
    "/review",
    "/upload",
    "/login",
    "/account",
    "/admin",
    "/me/",
    "/id_map",
    "/public/services",
    "/partners",
)
# links.py builds them; the command-line client calls a hub's API from outside (the paths it
# requests are the routes', not URLs the hub hands out)
EXEMPT = (SRC / "links.py", SRC / "cli")
_TEMPLATE_PATH = re.compile(r'=\s*"(/[^"]*\{\{[^"]*)"')


def _hub_path(text: str) -> bool:
    return text.startswith(PREFIXES)


def _built_here(node: ast.AST) -> bool:
    """Whether ``node`` assembles a hub path."""
    if isinstance(node, ast.JoinedStr):
        texts = [
            (i, part.value)
            for i, part in enumerate(node.values)
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        ]
        # a path at the start, or right after an interpolated base URL
        return any(_hub_path(text) for i, text in texts if i == 0 or text.startswith("/"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left = node.left
        return (
            isinstance(left, ast.Constant)
            and isinstance(left.value, str)
            and (_hub_path(left.value))
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        return (
            node.func.attr == "format"
            and isinstance(owner, ast.Constant)
            and isinstance(owner.value, str)
            and _hub_path(owner.value)
        )
    return False


def _built_paths(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    return [
        (node.lineno, ast.unparse(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.expr) and _built_here(node)
    ]


def _modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if not any(path == e or e in path.parents for e in EXEMPT)
    )


def test_no_module_builds_a_hub_url_by_hand() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {code}"
        for path in _modules()
        for line, code in _built_paths(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "build these with modelhub.links.Links:\n" + "\n".join(found)


def test_no_template_builds_a_hub_url() -> None:
    found = [
        f"{path.name}: {match.group(1)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in _TEMPLATE_PATH.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use the page data's URLs or `urls` (the hub's Links):\n" + "\n".join(found)


def test_links_is_the_lowest_layer() -> None:
    # every layer may import it: it imports nothing of the hub but its settings
    tree = ast.parse((SRC / "links.py").read_text(encoding="utf-8"))
    names = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    outside = sorted(
        n
        for n in names
        if n.split(".")[0] not in sys.stdlib_module_names and n != "modelhub.config"
    )
    assert outside == []


@pytest.mark.parametrize(
    "code",
    [
        'f"/resources/{rid}?version={label}"',
        'f"{base}/api/v1/resources/{rid}"',
        "f\"{base.rstrip('/')}/artifacts/{rid}/files/{path}\"",
        '"/upload/" + rid',
        '"/review/{}".format(rid)',
        '"/login?next=%s" % here',
    ],
)
def test_the_check_sees_a_path_built_by_hand(code: str) -> None:
    assert [c for _, c in _built_paths(code)] != []


@pytest.mark.parametrize(
    "code",
    [
        '@router.get("/resources/{resource_id}")\ndef page() -> None: ...',
        'router = APIRouter(prefix="/api/v1/resources")',
        'RedirectResponse("/account", 303)',
        'f"/proc/{pid}/task"',
        'f"{path}?{query}"',
        'f"{SANDBOX_ROOT}/package"',
        'f"Upload to /resources at {base}"',
    ],
)
def test_the_check_leaves_routes_and_other_paths_alone(code: str) -> None:
    assert _built_paths(code) == []
