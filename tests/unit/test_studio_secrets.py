"""The secrets store: sealed at rest, private files, bound to names."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from app.studio.secrets import SecretError, SecretStore, default_store


def test_values_round_trip_and_are_encrypted_at_rest(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "s")
    store.set("openai", "sk-live-very-secret-value")
    store.set("other", "second")
    assert SecretStore(tmp_path / "s").get("openai") == "sk-live-very-secret-value"
    assert store.names() == ["openai", "other"]
    for path in (store.file, store.key_file):
        assert b"sk-live-very-secret-value" not in path.read_bytes()
    store.set("openai", "rotated")
    assert store.get("openai") == "rotated"
    assert store.delete("other") and not store.delete("other")
    assert store.names() == ["openai"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_store_and_key_files_are_private(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    store.set("k", "v")
    for path in (store.file, store.key_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_entry_copied_under_another_name_does_not_decrypt(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    store.set("a", "alpha")
    data = json.loads(store.file.read_text())
    data["secrets"]["b"] = data["secrets"]["a"]
    store.file.write_text(json.dumps(data))
    with pytest.raises(SecretError, match="cannot be decrypted"):
        store.get("b")


def test_another_installs_key_cannot_read_the_store(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    store.set("a", "alpha")
    store.key_file.write_text(os.urandom(32).hex())
    with pytest.raises(SecretError, match="cannot be decrypted"):
        store.get("a")


def test_missing_and_badly_named_secrets(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    with pytest.raises(SecretError, match="no secret named 'nope'"):
        store.get("nope")
    with pytest.raises(SecretError, match="bad secret name"):
        store.set("has space", "x")
    assert store.names() == []


def test_the_default_store_lives_in_the_data_folder(paths) -> None:
    assert default_store(paths).folder == paths.data / "studio"
