"""Staged fixes: owned by one person, a few per person, swept when old."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from modelhub.errors import ResourceNotFound
from modelhub.uploads.wizard_store import MAX_PER_USER, StagedFix, WizardStore, utcnow


def _stage(store: WizardStore, owner: int) -> StagedFix:
    state = StagedFix(
        key=store.new_key(owner), owner_id=owner, resource_id=None, change_note=None,
        description_file="rdf.yaml", files={}, code="invalid_description", message="m",
        errors=[], created_at=utcnow(),
    )  # fmt: skip
    store.save(state)
    return state


def test_only_the_owner_sees_a_staged_fix(tmp_path: Path) -> None:
    store = WizardStore(tmp_path)
    state = _stage(store, owner=1)
    assert store.load(state.key, 1).key == state.key
    with pytest.raises(ResourceNotFound):
        store.load(state.key, 2)
    with pytest.raises(ResourceNotFound), store.locked(state.key, 2):
        pass
    with pytest.raises(ResourceNotFound):
        store.load("../../etc", 1)


def test_each_person_keeps_a_few_and_old_ones_are_swept(tmp_path: Path) -> None:
    store = WizardStore(tmp_path)
    keys = [_stage(store, owner=1).key for _ in range(MAX_PER_USER + 2)]
    other = _stage(store, owner=2).key
    kept = {p.name.removeprefix("wizard-") for p in tmp_path.iterdir()}
    assert kept == {*keys[-MAX_PER_USER:], other}
    old = time.time() - 7 * 3600
    os.utime(store.folder(other), (old, old))
    store.sweep()
    assert not store.folder(other).exists() and store.folder(keys[-1]).exists()
