"""The record of what ``sahara label campaigns`` validated (``app/cli/checked_cache.py``): the same
bytes are answered from it, anything new, changed or out of shape is validated the full way."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.cli.checked_cache import CheckedCache, CheckedManifests, ManifestSummary, checked_network
from app.labeling.manifests import Manifests
from app.labeling.schema import Item, LabelSet, Manifest, TaskType
from app.settings import NetworkConfig, Settings, save_settings
from app.storage.errors import StorageError
from app.storage.local import LocalStore

MANIFEST = Manifest(
    title="Cats", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LabelSet.from_names(["cat", "dog"]),
    items=[Item(id="a", image_cid="bafy")], requester_pubkey="00",
)  # fmt: skip


class Opened:
    """Opens ``Manifests`` on ``store`` and counts how often it was asked to (a hit opens none)."""

    def __init__(self, store: LocalStore) -> None:
        self.store, self.count = store, 0

    def __call__(self) -> Manifests:
        self.count += 1
        return Manifests(self.store, board=None)  # type: ignore[arg-type]  (load reads by CID alone)


def load(cache_file: Path, store: LocalStore, cid: str) -> tuple[ManifestSummary, int]:
    cache, opened = CheckedCache(cache_file), Opened(store)
    summary = asyncio.run(CheckedManifests(cache, opened).load(cid))
    cache.save()
    return summary, opened.count


def test_a_validated_manifest_is_answered_from_the_record(tmp_path: Path) -> None:
    store, record = LocalStore(tmp_path / "blobs"), tmp_path / "checked.json"
    cid = str(store.put([MANIFEST.to_json()]))
    assert load(record, store, cid) == (ManifestSummary("Cats", TaskType.IMAGE_CLASSIFICATION), 1)
    assert load(record, store, cid) == (ManifestSummary("Cats", TaskType.IMAGE_CLASSIFICATION), 0)


def test_a_refused_manifest_stays_refused_and_an_unreadable_one_is_asked_for_again(tmp_path: Path) -> None:
    store, record = LocalStore(tmp_path / "blobs"), tmp_path / "checked.json"
    bad = str(store.put([json.dumps({"title": "no items"}).encode()]))
    for opens in (1, 0):
        cache, opened = CheckedCache(record), Opened(store)
        with pytest.raises(ValueError, match="not a valid manifest"):
            asyncio.run(CheckedManifests(cache, opened).load(bad))
        cache.save()
        assert opened.count == opens
    missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
    for _ in range(2):
        cache, opened = CheckedCache(record), Opened(store)
        with pytest.raises(StorageError):
            asyncio.run(CheckedManifests(cache, opened).load(missing))
        cache.save()
        assert opened.count == 1  # a blob not here yet may still arrive: nothing is recorded


def tampered(raw: dict, case: str) -> None:  # type: ignore[type-arg]
    """Change the written record as an attacker or a bad disk might."""
    forged = {
        "unknown task": {"title": "Forged", "task_type": "mind_reading"},
        "title not text": {"title": 7, "task_type": "ner"},
        "extra key": {"title": "x", "task_type": "ner", "extra": 1},
        "other rules": {"title": "Old rules", "task_type": "ner"},
    }
    if case in forged:
        raw["manifests"] = dict.fromkeys(raw["manifests"], forged[case])
    if case == "other rules":
        raw["rules"] = "0" * 64
    elif case == "bad chain id":
        raw["settings"]["absent"]["chain_id"] = -1
    elif case == "no settings":
        del raw["settings"]


@pytest.mark.parametrize(
    "case", ["unknown task", "title not text", "extra key", "other rules", "bad chain id", "no settings"]
)
def test_a_record_out_of_shape_or_from_other_rules_is_not_believed(tmp_path: Path, case: str) -> None:
    store, record = LocalStore(tmp_path / "blobs"), tmp_path / "checked.json"
    cid = str(store.put([MANIFEST.to_json()]))
    load(record, store, cid)
    checked_network(cache := CheckedCache(record), tmp_path / "settings.json")
    cache.save()
    raw = json.loads(record.read_text())
    tampered(raw, case)
    record.write_text(json.dumps(raw))
    assert load(record, store, cid) == (ManifestSummary("Cats", TaskType.IMAGE_CLASSIFICATION), 1)
    assert checked_network(CheckedCache(record), tmp_path / "settings.json").chain_id == 31337


def test_garbage_in_the_record_costs_only_a_full_validation(tmp_path: Path) -> None:
    store, record = LocalStore(tmp_path / "blobs"), tmp_path / "checked.json"
    cid = str(store.put([MANIFEST.to_json()]))
    for garbage in (b"\xff\xfe", b"[" * 100_000, b"null", b'{"rules": 1}'):
        record.write_bytes(garbage)
        assert load(record, store, cid)[1] == 1


def test_the_settings_are_validated_again_when_their_bytes_change(tmp_path: Path) -> None:
    settings_file, record = tmp_path / "settings.json", tmp_path / "checked.json"
    net = NetworkConfig(name="testnet", rpc_url="http://127.0.0.1:9", chain_id=5)
    save_settings(
        settings_file, Settings(networks=[net], active_network="testnet", ipfs_api="http://127.0.0.1:5001")
    )
    cache = CheckedCache(record)
    choice = checked_network(cache, settings_file)
    cache.save()
    assert (choice.name, choice.rpc_url, choice.chain_id, choice.ipfs_api) == (
        "testnet", "http://127.0.0.1:9", 5, "http://127.0.0.1:5001",
    )  # fmt: skip
    assert checked_network(CheckedCache(record), settings_file) == choice
    save_settings(settings_file, Settings())  # the user switched back to the devnet
    assert checked_network(CheckedCache(record), settings_file).name == "devnet"


def test_settings_the_model_refuses_are_handled_as_the_app_does_and_not_recorded(
    tmp_path: Path,
) -> None:
    settings_file, record = tmp_path / "settings.json", tmp_path / "checked.json"
    settings_file.write_text(json.dumps({"active_network": "x", "networks": [{"name": "x", "chain_id": -5}]}))
    cache = CheckedCache(record)
    assert checked_network(cache, settings_file).name == "devnet"  # defaults, as load_settings gives
    cache.save()
    assert not settings_file.exists() and list(tmp_path.glob("settings.json.corrupt-*"))  # moved aside
    assert not record.exists()  # nothing learned about bytes that are gone
