"""The upload wizard's steps: keep a refused package, apply the form's fixes to its description,
check it again (preview) and accept it through the same path as every upload.

Nothing reaches the database before acceptance: a refused package lives only in the staging
folder (``wizard_store``), and ``accept_upload`` writes rows and blobs in one commit or not at
all. The folder is removed once its package is accepted."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.hub import Hub
from modelhub.uploads import fields
from modelhub.uploads.accept import accept_upload
from modelhub.uploads.archive import CHUNK_SIZE, PackageFile, safe_member_name
from modelhub.uploads.folders import StagedFile
from modelhub.uploads.page_models import UploadPage
from modelhub.uploads.schemas import Problem, UploadResult
from modelhub.uploads.validation import MAX_DESCRIPTION_BYTES, find_description, validate_package
from modelhub.uploads.wizard_store import StagedFix, WizardStore, expired, utcnow
from modelhub.uploads.yamlsafe import parse_description_yaml

# refusals of a package whose description could be read: a form can help with these
STAGEABLE = frozenset({"invalid_description", "external_reference", "missing_file",
                       "hash_mismatch", "invalid_test_tensor", "type_mismatch"})  # fmt: skip


@dataclass
class Fix:
    """What the fix form sent."""

    values: fields.FixValues
    change_note: str | None
    cover: tuple[str, Path] | None = None  # an added image: its file name and received bytes


def store_of(hub: Hub) -> WizardStore:
    return WizardStore(hub.settings.staging_dir)


def problems_of(exc: UploadRefused) -> list[Problem]:
    if not exc.details:
        return [Problem(loc=["package"], msg=exc.message)]
    return [Problem(loc=list(d.loc), msg=d.msg) for d in exc.details]


def _hashed(path: Path) -> StagedFile:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
    return StagedFile(size=path.stat().st_size, sha256=digest.hexdigest())


def read_raw(root: Path, name: str) -> dict[str, Any]:
    with (root / name).open("rb") as f:
        data = f.read(MAX_DESCRIPTION_BYTES + 1)
    return parse_description_yaml(data, max_bytes=MAX_DESCRIPTION_BYTES, file_name=name)


def stage_refused(
    hub: Hub,
    *,
    area: Path,
    owner_id: int,
    resource_id: str | None,
    change_note: str | None,
    exc: UploadRefused,
) -> StagedFix | None:
    """Keep the refused package unpacked in ``area/pkg`` for the fix form, when its
    description is readable and the refusal is one the form may help with."""
    pkg = area / "pkg"
    if exc.code not in STAGEABLE or not pkg.is_dir():
        return None
    files = {p.relative_to(pkg).as_posix(): _hashed(p) for p in pkg.rglob("*") if p.is_file()}
    try:
        description = find_description(
            [PackageFile(path=p, size=f.size, sha256=f.sha256) for p, f in files.items()]
        )
        read_raw(pkg, description)
    except UploadRefused:
        return None  # no readable description: the form would have nothing to start from
    store = store_of(hub)
    state = StagedFix(
        key=store.new_key(owner_id),
        owner_id=owner_id,
        resource_id=resource_id,
        change_note=change_note,
        description_file=description,
        files=files,
        code=exc.code,
        message=exc.message,
        errors=problems_of(exc),
        created_at=utcnow(),
    )
    os.replace(pkg, store.folder(state.key) / "pkg")
    store.save(state)
    return state


def _free_name(state: StagedFix, wanted: str) -> str:
    stem, dot, suffix = wanted.rpartition(".")
    name, n = wanted, 1
    while name.lower() in {p.lower() for p in state.files}:
        name, n = f"{stem}-{n}{dot}{suffix}", n + 1
    return name


def _apply(store: WizardStore, state: StagedFix, fix: Fix) -> None:
    """Write the fixed description (and an added cover or written documentation) into the
    staged package; refuses an added file that is not an image."""
    root = store.folder(state.key) / "pkg"
    values = fix.values.model_copy(deep=True)
    if fix.cover is not None:
        name = safe_member_name(fix.cover[0].rsplit("/", 1)[-1])
        if not fields.is_image(name):
            msg = "covers: the added file must be an image (.png, .jpg, .gif or .svg)."
            raise UploadRefused(msg, [ErrorDetail(("covers",), msg)], code="invalid_cover")
        name = _free_name(state, name)
        os.replace(fix.cover[1], root / name)
        state.files[name] = _hashed(root / name)
        values.covers.append(name)
    text = fields.clean(values.documentation_text)
    if text:
        (root / "README.md").write_text(text + "\n", encoding="utf-8")
        state.files["README.md"] = _hashed(root / "README.md")
        values.documentation = "README.md"
    raw = fields.apply_values(read_raw(root, state.description_file), values)
    target = root / state.description_file
    target.write_text(fields.dump_yaml(raw), encoding="utf-8")
    state.files[state.description_file] = _hashed(target)
    state.change_note = fix.change_note


def _intact(store: WizardStore, state: StagedFix) -> bool:
    root = store.folder(state.key) / "pkg"
    return all((root / p).is_file() for p in state.files)


def fix_and_accept(
    hub: Hub, *, key: str, owner_id: int, fix: Fix, preview: bool
) -> tuple[StagedFix, UploadResult | None]:
    """Apply the form to the staged package, then accept it as any upload (or, for a preview,
    only validate it). Refused: the new problems are kept with the package for the next try."""
    store = store_of(hub)
    with store.locked(key, owner_id) as state:
        folder = store.folder(key)
        try:
            _apply(store, state, fix)
            if preview:
                validate_package(folder / "pkg", state.package_files(),
                                 description_file=state.description_file)  # fmt: skip
                state.code, state.message, state.errors = "", "", []
                store.save(state)
                return state, None
            result = accept_upload(
                hub, area=folder, uploader_id=owner_id, files=state.package_files(),
                resource_id=state.resource_id, change_note=state.change_note,
            )  # fmt: skip
        except UploadRefused as exc:
            state.code, state.message, state.errors = exc.code, exc.message, problems_of(exc)
            store.save(state)
            if not _intact(store, state):
                store.discard(key)
                raise expired() from exc
            return state, None
        except BaseException:
            if not _intact(store, state):  # storing moved files away: a retry cannot work
                store.discard(key)
            raise
        store.discard(key)
        return state, result


def page_for(hub: Hub, state: StagedFix, *, checked_ok: bool = False) -> UploadPage:
    """The wizard page for a staged package: problems by field, the pre-filled form and the
    description it will submit."""
    root = store_of(hub).folder(state.key) / "pkg"
    raw = read_raw(root, state.description_file)
    inline, package = fields.split_problems(state.errors)
    paths = sorted(state.files)
    return UploadPage(
        resource_id=state.resource_id,
        change_note=state.change_note or "",
        max_upload_bytes=hub.settings.max_upload_bytes,
        refused=bool(state.errors),
        message=state.message or None,
        code=state.code or None,
        field_errors=inline,
        package_problems=package,
        staged=state.key,
        form=fields.values_from_rdf(raw),
        images=[p for p in paths if fields.is_image(p)],
        markdown_files=[p for p in paths if fields.is_markdown(p)],
        preview=fields.dump_yaml(raw),
        checked_ok=checked_ok,
    )
