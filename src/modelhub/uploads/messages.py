"""Messages for the people who upload: refusals while unpacking, and bioimageio.spec results
turned into something a biologist can act on.

The library reports pydantic errors: locations carry internal union-branch names
(``'function-after[LicenseId(), str]'``), one error per union branch, and messages such as
"Input should be a valid dictionary or instance of FileDescr". Here each problem becomes one
``ErrorDetail`` whose ``loc`` is a path into the user's own YAML and whose message is plain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelhub.errors import ErrorDetail, UploadRefused

_MAX_CHOICES = 12

_PLAIN: dict[str, str] = {
    "missing": "this field is required",
    "extra_forbidden": "is not a known field here; check the spelling or remove it",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "sequence_str": "must be a list, not a single piece of text",
    "dict_type": "must be a mapping of fields (key: value lines)",
    "model_type": "must be a mapping of fields (key: value lines)",
    "model_attributes_type": "must be a mapping of fields (key: value lines)",
    "url_parsing": "must be a web address (URL)",
    "url_scheme": "must be a web address starting with http:// or https://",
    "datetime_parsing": "must be a date and time like '2024-01-31T12:00:00'",
    "datetime_type": "must be a date and time like '2024-01-31T12:00:00'",
    "datetime_from_date_parsing": "must be a date and time like '2024-01-31T12:00:00'",
}


def dotted(loc: Sequence[str | int]) -> str:
    """``('inputs', 0, 'axes')`` → ``'inputs.0.axes'``."""
    return ".".join(str(p) for p in loc)


def at(loc: Sequence[str | int], text: str) -> str:
    """A message prefixed with where it applies; without prefix for the whole description."""
    return f"{dotted(loc)}: {text}" if loc else text[:1].upper() + text[1:]


def short(value: Any, limit: int = 80) -> str:
    """A value as it may appear inside a message: text, shortened if long."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def user_loc(
    loc: Iterable[str | int], raw: Any, *, missing: bool = False
) -> tuple[tuple[str | int, ...], Any]:
    """Map a library location onto the user's YAML; return it with the value found there.

    Parts that do not exist in the YAML are union-branch labels the library adds
    (``'space'``, ``'constrained-int'``, ``'function-after[…]'``) and are dropped. For a
    ``missing`` error the last part names the absent field and is kept.
    """
    parts = list(loc)
    clean: list[str | int] = []
    node = raw
    last_found = True
    for part in parts:
        last_found = _has(node, part)
        if last_found:
            clean.append(part)
            node = node[part]
    if missing and parts and not last_found and _is_field_name(parts[-1]):
        clean.append(parts[-1])
        node = None
    return tuple(clean), node


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, Mapping):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_field_name(part: str | int) -> bool:
    return isinstance(part, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", part) is not None


def translate_errors(
    entries: Iterable[tuple[Sequence[str | int], str, str]], raw: Mapping[str, Any]
) -> list[ErrorDetail]:
    """Translate (loc, msg, type) library errors into one plain detail per location."""
    grouped: dict[tuple[str | int, ...], list[tuple[str, str, Sequence[str | int]]]] = {}
    values: dict[tuple[str | int, ...], Any] = {}
    for loc, msg, typ in entries:
        clean, value = user_loc(loc, raw, missing=typ == "missing")
        grouped.setdefault(clean, []).append((msg, typ, loc))
        values[clean] = value
    details = []
    for loc, problems in grouped.items():
        details.append(ErrorDetail(loc, at(loc, _explain(problems, values[loc]))))
    return details


def _explain(problems: list[tuple[str, str, Sequence[str | int]]], value: Any) -> str:
    if len(problems) == 1:
        msg, typ, _ = problems[0]
        return plain_message(msg, typ)
    # Several errors at one place: the value matched none of the alternatives of a union.
    options: list[str] = []
    for msg, typ, loc in problems:
        text = plain_message(msg, typ)
        label = next((p for p in reversed(loc) if isinstance(p, str) and p[:1].isupper()), None)
        if typ in ("model_type", "dict_type") and label and "[" not in label:
            text = f"a mapping describing a {label}"
        else:
            text = re.sub(r"^must (be )?", "", text)
        if text not in options:
            options.append(text)
    shown = "'" + short(value) + "' is" if value is not None else "This value is"
    return f"{shown} not valid here. It must be one of: " + "; ".join(options) + "."


def plain_message(msg: str, typ: str) -> str:
    """One pydantic/bioimageio message in plain English, without pydantic jargon."""
    if typ in _PLAIN:
        return _PLAIN[typ]
    text = msg
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if typ == "literal_error":
        return "must be one of " + _choices(text.removeprefix("Input should be "))
    if typ == "union_tag_invalid":
        m = re.match(
            r"Input tag '(.*)' found using '(.*)' does not match any of the expected "
            r"tags: (.*)$",
            text,
        )
        if m:
            return f"'{m[1]}' is not a known {m[2]}; it must be one of {_choices(m[3])}"
    if typ == "union_tag_not_found":
        m = re.search(r"discriminator '(.*)'", text)
        return f"needs a '{m[1]}' field" if m else text
    if typ in ("string_too_short", "too_short") and re.search(r"at least 1 (character|item)", text):
        return "must not be empty"
    text = text.replace("Input should be", "must be")
    text = text.replace("String should have", "must have").replace("List should have", "must have")
    text = text.replace("String should match pattern", "has the wrong form; it must match")
    return re.sub(r" after validation, not \d+", "", text)


def _choices(text: str) -> str:
    """Shorten "'a', 'b', … or 'z'" lists of hundreds of choices."""
    items = re.findall(r"'([^']*)'", text)
    if len(items) <= _MAX_CHOICES:
        return text
    shown = ", ".join(f"'{i}'" for i in items[:_MAX_CHOICES])
    return f"{shown}, … ({len(items)} choices in all)"


def plain_warning(loc: Sequence[str | int], msg: str) -> str:
    """A library warning, prefixed with where it applies."""
    return warning_detail(loc, msg, None).msg


def warning_detail(library_loc: Iterable[str | int], msg: str, raw: Any) -> ErrorDetail:
    """A library warning as one detail naming the field it is about.

    The library puts the field a warning is about at the end of its location, also when the
    field is absent from the YAML (``weights.pytorch_state_dict.pytorch_version``), and some
    messages repeat a location (``'inputs.0: Needs to be filled'``): the field is kept, the
    repeated location is dropped, and a longer location in the message becomes the detail's.
    """
    loc: tuple[str | int, ...] = tuple(library_loc)
    if raw is not None:
        loc, _ = user_loc(loc, raw, missing=True)
    text = msg.strip()
    while m := _LOC_PREFIX.match(text):
        named = tuple(int(p) if p.isdigit() else p for p in m[1].split("."))
        known = bool(loc) or (isinstance(raw, Mapping) and named[0] in raw)
        if not known or (named[: len(loc)] != loc and loc[-len(named) :] != named):
            break
        loc = named if len(named) > len(loc) else loc
        text = m[2]
    if text.startswith("missing"):
        text = "is missing" + text[len("missing") :]
    text = text[:1].lower() + text[1:] if text[1:2].islower() else text
    return ErrorDetail(loc, at(loc, text))


_LOC_PREFIX = re.compile(r"^([A-Za-z_][\w-]*(?:\.[\w-]+)*): (.*)$", re.S)


# --- refusals while unpacking ------------------------------------------------------------


def human_size(n: int) -> str:
    """1234567 → '1.23 MB' (decimal units, as file managers show them)."""
    if n < 1000:
        return f"{n} bytes"
    size = n / 1000
    for unit in ("KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.3g} {unit}"
        size /= 1000
    return f"{size:.3g} TB"


def too_large(message: str) -> UploadRefused:
    """The upload or its unpacked content exceeds a size limit (413)."""
    hint = " Please leave out files the package does not need, or ask an administrator."
    return UploadRefused(message + hint, code="too_large", status_code=413)


def too_many_files(max_files: int) -> UploadRefused:
    """The package holds more files than allowed (413)."""
    return UploadRefused(
        f"The package contains more than {max_files} files, which is more than the "
        "hub accepts. Please leave out files the package does not need.",
        code="too_many_files",
        status_code=413,
    )


def not_a_zip(reason: str) -> UploadRefused:
    """The upload is not a readable zip archive, or a damaged one."""
    return UploadRefused(
        f"The upload could not be read as a zip archive: {reason}. "
        "Please upload the package as a .zip file.",
        code="not_a_zip",
    )


def size_mismatch(name: str) -> UploadRefused:
    """An entry inflates to another size than its header declares."""
    return not_a_zip(
        f"the file '{name}' holds a different amount of data than the archive says, "
        "so the archive is damaged"
    )


def encrypted_entry(name: str) -> UploadRefused:
    """A password-protected entry."""
    msg = (
        f"The file '{name}' is password-protected (encrypted). The hub cannot read encrypted "
        "files; please zip the package without a password."
    )
    return UploadRefused(msg, [ErrorDetail(("package", name), msg)], code="encrypted_entry")


def link_refused(name: str) -> UploadRefused:
    """A symbolic link in an archive or folder."""
    msg = (
        f"The package contains a link (symlink) '{name}'; links are not allowed in packages. "
        "Please zip the real files instead."
    )
    return UploadRefused(msg, [ErrorDetail(("package", name), msg)], code="unsafe_entry")


def special_refused(name: str) -> UploadRefused:
    """A device, pipe, socket or other entry that is neither file nor folder."""
    msg = (
        f"'{name}' is not a regular file (it is a device, pipe or other special entry). "
        "Packages may only contain ordinary files and folders."
    )
    return UploadRefused(msg, [ErrorDetail(("package", name), msg)], code="unsafe_entry")


def duplicate_entry(name: str, other: str) -> UploadRefused:
    """Two entries that would be the same file (or a file and a folder) somewhere."""
    if name == other:
        msg = f"The package contains '{name}' more than once."
    else:
        msg = (
            f"The package contains both '{other}' and '{name}'. Some computers treat these "
            "names as the same file or folder; please rename one of them."
        )
    return UploadRefused(msg, [ErrorDetail(("package", name), msg)], code="duplicate_entry")
