"""Safe parsing of an uploaded description file (rdf.yaml / bioimageio.yaml).

YAML can do much more than a description needs: tags construct arbitrary objects, and anchors
with aliases can make a few hundred bytes expand to billions of nodes ("billion laughs"). The
parser here refuses every explicit tag, bounds alias use and expansion, refuses duplicate keys
(YAML silently keeps the last one, hiding mistakes), and returns plain JSON-like data.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from modelhub.errors import ErrorDetail, UploadRefused

MAX_ALIASES = 1_000
MAX_DEPTH = 100
MAX_NODES = 200_000  # also the bound after alias expansion
MAX_NUMBER_DIGITS = 1_000
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


try:  # libyaml parses about 15 times faster and so bounds the CPU time of a hostile upload
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """SafeLoader reading scalars like YAML 1.2 (which bioimage.io files declare).

    YAML 1.1 turns ``on``/``no`` into booleans, ``0123`` into octal and dates into datetime
    objects; YAML 1.2 does not. Dates stay text so the result is plain JSON-like data.
    """


_DROPPED_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp", "value")}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


class _ValueRefused(Exception):
    """A scalar the description cannot hold, raised while building and reported with its line."""

    def __init__(self, node: Node, msg: str) -> None:
        super().__init__(msg)
        self.line = _line(node)
        self.msg = msg


def _construct_int(loader: _Loader, node: Node) -> int:
    # YAML 1.2: a leading zero is still decimal; octal needs "0o".
    if not isinstance(node, ScalarNode):  # the int resolver tags scalars, but a tag can be set
        raise _ValueRefused(node, "An integer must be a plain value, not a list or a mapping.")
    text = str(loader.construct_scalar(node))
    digits = text[2:] if text[:2] in ("0o", "0x") else text.lstrip("+-")
    if len(digits) > MAX_NUMBER_DIGITS:
        # Python refuses to read integers of more than 4,300 digits (and reading them costs
        # quadratic time); no description needs a number that long
        raise _ValueRefused(
            node,
            f"a number of {len(digits):,} digits; numbers may have at most "
            f"{MAX_NUMBER_DIGITS} digits.",
        )
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: _Loader, node: Node) -> float:
    # '.inf', '.nan' and numbers beyond the float range (1e999) have no JSON form: the stored
    # description, the API and PostgreSQL would all fail on them later
    value = yaml.SafeLoader.construct_yaml_float(loader, node)  # type: ignore[arg-type]
    if not math.isfinite(value):
        shown = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        raise _ValueRefused(
            node,
            f"'{shown[:40]}' is not a finite number; write a number such as 1.5 or 1e30.",
        )
    return float(value)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def parse_description_yaml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, file_name: str = "rdf.yaml"
) -> dict[str, Any]:
    """Parse the bytes of a description file safely and return its top-level mapping.

    Raises ``UploadRefused`` (code ``invalid_yaml``) with the line of the problem where known.
    """
    if len(data) > max_bytes:
        raise _refuse(
            file_name,
            None,
            f"The description file is {len(data):,} bytes long; at most {max_bytes:,} bytes "
            "are allowed. Large data belongs in separate files of the package.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refuse(
            file_name,
            line,
            f"The description file is not UTF-8 text (line {line}). Please save it as UTF-8.",
        ) from None
    try:
        _check_events(text, file_name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise _refuse(file_name, None, "The description file is empty.")
            if not isinstance(node, MappingNode):
                raise _refuse(
                    file_name,
                    1,
                    "The description file must be a mapping of fields (like 'name: ...'), "
                    "but its top level is not.",
                )
            _check_graph(node, file_name)
            result = loader.construct_document(node)
        finally:
            loader.dispose()
    except _ValueRefused as exc:
        raise _refuse(file_name, exc.line, f"Line {exc.line}: {exc.msg}") from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file_name) from None
    except yaml.YAMLError as exc:
        raise _refuse(file_name, None, f"The description file is not valid YAML: {exc}") from None
    except RecursionError:
        raise _refuse(file_name, None, f"The description file: {_TOO_MUCH['depth']}") from None
    if not isinstance(result, dict):  # pragma: no cover - a mapping node constructs a dict
        raise _refuse(file_name, 1, "The top level of the description file must be a mapping.")
    _check_text(result, file_name)
    return result


def _check_text(data: object, file_name: str) -> None:
    """Refuse text no database can store: NUL characters and lone surrogates ('\\ud800').

    Both can only be written as escapes in double quotes; PostgreSQL refuses them, and a
    surrogate cannot even be encoded as UTF-8. The problem is reported at its field.
    """
    stack: list[tuple[tuple[str | int, ...], object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if _BAD_CHARS.search(key):
                    _refuse_text(path, f"a key in {_dotted(path)}", file_name)
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _BAD_CHARS.search(value):
            _refuse_text(path, _dotted(path), file_name)


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "the top level"


def _refuse_text(loc: tuple[str | int, ...], where: str, file_name: str) -> None:
    msg = (
        f"{where}: holds a NUL character ('\\0') or an unpaired surrogate ('\\ud800'), "
        "which are not text; please remove it."
    )
    raise UploadRefused(
        "The description file could not be read safely.",
        [ErrorDetail(loc or (file_name,), msg)],
        code="invalid_yaml",
    )


_TOO_MUCH = {
    "depth": f"the description is nested more than {MAX_DEPTH} levels deep.",
    "nodes": f"the description holds more than {MAX_NODES:,} values, which is not plausible.",
    "aliases": f"the description uses more than {MAX_ALIASES} YAML aliases ('*name').",
    "documents": "the file holds more than one YAML document ('---'); it must hold one.",
}


def _check_events(text: str, file_name: str) -> None:
    """Refuse tags, several documents, deep nesting and too many values or aliases.

    This runs on the parser's event stream, before anything is built, and stops at the first
    problem: PyYAML's time grows with the size and (quadratically) with the nesting depth.
    """
    seen = dict.fromkeys(_TOO_MUCH, 0)
    limits = {"depth": MAX_DEPTH, "nodes": MAX_NODES, "aliases": MAX_ALIASES, "documents": 1}
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        tag = getattr(event, "tag", None)
        if tag is not None:
            tag = tag.replace("tag:yaml.org,2002:", "!!")  # show it as it was written
            raise _refuse(
                file_name,
                line,
                f"Line {line}: the YAML tag '{tag}' is not allowed. Description files may only "
                "hold plain text, numbers, lists and mappings.",
            )
        seen["depth"] += isinstance(event, CollectionStartEvent)
        seen["depth"] -= isinstance(event, CollectionEndEvent)
        seen["nodes"] += isinstance(event, NodeEvent)
        seen["aliases"] += isinstance(event, AliasEvent)
        seen["documents"] += isinstance(event, DocumentStartEvent)
        for what, count in seen.items():
            if count > limits[what]:
                raise _refuse(file_name, line, f"Line {line}: {_TOO_MUCH[what]}")


def _check_graph(root: Node, file_name: str) -> None:
    """Refuse duplicate or non-text keys and bound the size after alias expansion."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def expanded(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise _refuse(file_name, _line(node), "An alias in the description refers to itself.")
        in_progress.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(expanded(child) for child in node.value)
        elif isinstance(node, MappingNode):
            _check_keys(node, file_name)
            total += sum(expanded(k) + expanded(v) for k, v in node.value)
        in_progress.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            raise _refuse(
                file_name,
                _line(node),
                f"The description expands to more than {MAX_NODES:,} values through "
                "YAML aliases ('*name'); this is not a plausible description.",
            )
        return total

    expanded(root)


def _check_keys(node: MappingNode, file_name: str) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key, _value in node.value:
        if not isinstance(key, ScalarNode):
            raise _refuse(
                file_name,
                _line(key),
                f"Line {_line(key)}: a mapping key must be plain text, not a list or mapping.",
            )
        if key.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *base' merges, overriding is its purpose
        if key.tag != "tag:yaml.org,2002:str":
            # JSON (and so the stored description) has text keys only: 1 and '1' would collide
            raise _refuse(
                file_name,
                _line(key),
                f"Line {_line(key)}: the key '{key.value[:40]}' is read as a number, boolean or "
                f"null; mapping keys must be text. Write it in quotes: '\"{key.value[:40]}\":'.",
            )
        ident = (key.tag, key.value)
        if ident in seen:
            raise _refuse(
                file_name,
                _line(key),
                f"Line {_line(key)}: the key '{key.value}' appears twice in the same mapping "
                f"(first on line {seen[ident]}). Please keep only one.",
            )
        seen[ident] = _line(key)


def _line(node: Node) -> int:
    return node.start_mark.line + 1 if node.start_mark else 0


def _syntax_error(exc: yaml.MarkedYAMLError, file_name: str) -> UploadRefused:
    mark = exc.problem_mark or exc.context_mark
    problem = " ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
    if "nesting depth" in problem:
        # the parser's own depth limit (libyaml: 1000 flow levels, read ahead of the events our
        # limit counts) may fire first: the uploader gets the same message either way
        line = mark.line + 1 if mark else None
        return _refuse(file_name, line, f"Line {line}: {_TOO_MUCH['depth']}")
    if mark is None:
        return _refuse(file_name, None, f"The description file is not valid YAML: {problem}.")
    line, column = mark.line + 1, mark.column + 1
    return _refuse(
        file_name,
        line,
        f"The description file is not valid YAML: {problem} (line {line}, column {column}).",
    )


def _refuse(file_name: str, line: int | None, msg: str) -> UploadRefused:
    loc: tuple[str | int, ...] = (file_name,) if line is None else (file_name, line)
    return UploadRefused(
        "The description file could not be read safely.",
        [ErrorDetail(loc, msg)],
        code="invalid_yaml",
    )
