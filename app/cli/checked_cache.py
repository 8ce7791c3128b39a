"""What an earlier run of ``sahara label campaigns`` validated, so the next one need not import pydantic.

The command must answer at once, and pydantic (its import and its first model build) was a third
of its CPU time. What it validates with pydantic gives the same answer for the same bytes: the
settings file (keyed here by the SHA-256 of its bytes) and each campaign's manifest (keyed by its
CID, which is the hash of its bytes). After the full, strict validation (``load_settings``,
``Manifests.load``) the few fields the command uses are kept in ``<cache>/checked.json``; a later
run with the same bytes reads them back instead of validating again. A manifest that was refused is
kept refused; one that could not be read (storage) is not kept, as it may still arrive.

The record holds the app's version and a hash of the validating modules' sources: when either
changes, the rules may have, and the whole record is dropped. It is read strictly; anything out of
shape drops the record (and the next run validates the full way again), never an answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import safe_json
from app.fileio import atomic_write_text
from app.labeling.task_type import TaskType
from app.storage.errors import StorageError
from app.version import __version__

if TYPE_CHECKING:
    from app.labeling.manifests import Manifests
    from app.settings import Settings

log = logging.getLogger(__name__)

MAX_MANIFESTS = 20_000  # a record this large is dropped and started again: it stays a few MB at most
# The modules whose rules decide what is valid (relative to the ``app`` package).
RULES = (
    "settings.py",
    "labeling/schema.py",
    "labeling/manifests.py",
    "labeling/task_type.py",
    "storage/cid.py",
)


@dataclass(frozen=True)
class NetworkChoice:
    """What the command reads of the settings: the active network and the user's IPFS node."""

    name: str
    rpc_url: str | None
    chain_id: int
    ipfs_api: str | None


@dataclass(frozen=True)
class ManifestSummary:
    """What the campaign list shows of a valid manifest."""

    title: str
    task_type: TaskType


def rules_fingerprint() -> str:
    """The app's version and the validating modules' sources (absent in a frozen build: the
    version alone), hashed."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for name in RULES:
        try:
            digest.update((root / name).read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()


def _str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _network(value: Any) -> NetworkChoice:
    if not (isinstance(value, dict) and set(value) == {"name", "rpc_url", "chain_id", "ipfs_api"}):
        raise ValueError("a settings entry is out of shape")
    name, rpc_url, chain_id, ipfs_api = value["name"], value["rpc_url"], value["chain_id"], value["ipfs_api"]
    if not (isinstance(name, str) and _str_or_none(rpc_url) and _str_or_none(ipfs_api)):
        raise ValueError("a settings entry is out of shape")
    if type(chain_id) is not int or chain_id <= 0:
        raise ValueError("a settings entry has no valid chain id")
    return NetworkChoice(name, rpc_url, chain_id, ipfs_api)


def _manifest(value: Any) -> ManifestSummary | str:
    if isinstance(value, dict) and set(value) == {"refused"} and isinstance(value["refused"], str):
        return value["refused"]
    shaped = isinstance(value, dict) and set(value) == {"title", "task_type"}
    if not shaped or not isinstance(value["title"], str):
        raise ValueError("a manifest entry is out of shape")
    return ManifestSummary(value["title"], TaskType(value["task_type"]))  # ValueError for an unknown task


class CheckedCache:
    """The record at ``path``: read once when opened, written back by ``save`` if it learned anything."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rules = rules_fingerprint()
        self.settings: dict[str, NetworkChoice] = {}  # SHA-256 of the settings file's bytes (or "absent")
        self.manifests: dict[str, ManifestSummary | str] = {}  # CID -> summary, or why it was refused
        self._changed = False
        try:
            self._read(safe_json.loads(path.read_bytes()))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:  # ValueError: bad UTF-8 or JSON, an unknown task, a bad entry
            log.info("the checked record %s is dropped (%s): everything is validated again", path, exc)
            self.settings, self.manifests = {}, {}

    def _read(self, raw: Any) -> None:
        if not (isinstance(raw, dict) and set(raw) == {"rules", "settings", "manifests"}):
            raise ValueError("not a checked record")
        if raw["rules"] != self.rules:
            return  # another version of the rules validated these: nothing is reused
        settings, manifests = raw["settings"], raw["manifests"]
        if not (isinstance(settings, dict) and isinstance(manifests, dict)) or len(manifests) > MAX_MANIFESTS:
            raise ValueError("not a checked record")
        self.settings = {str(key): _network(value) for key, value in settings.items()}
        self.manifests = {str(cid): _manifest(value) for cid, value in manifests.items()}

    def put_settings(self, key: str, choice: NetworkChoice) -> None:
        self.settings = {key: choice}  # the settings file has one content at a time
        self._changed = True

    def put_manifest(self, cid: str, found: ManifestSummary | str) -> None:
        if len(self.manifests) >= MAX_MANIFESTS:
            self.manifests = {}
        self.manifests[cid] = found
        self._changed = True

    def save(self) -> None:
        """Write the record back if it learned anything; a failure to write costs only speed."""
        if not self._changed:
            return
        manifests = {
            cid: {"refused": m} if isinstance(m, str) else {"title": m.title, "task_type": m.task_type.value}
            for cid, m in self.manifests.items()
        }
        settings = {
            key: {"name": c.name, "rpc_url": c.rpc_url, "chain_id": c.chain_id, "ipfs_api": c.ipfs_api}
            for key, c in self.settings.items()
        }
        record = {"rules": self.rules, "settings": settings, "manifests": manifests}
        try:
            atomic_write_text(self.path, json.dumps(record, ensure_ascii=False))
            self._changed = False
        except OSError as exc:
            log.info("the checked record %s could not be written: %s", self.path, exc)


def _choice(settings: Settings) -> NetworkChoice:
    net = settings.network()
    return NetworkChoice(net.name, net.rpc_url, net.chain_id, settings.ipfs_api)


def checked_network(cache: CheckedCache, path: Path) -> NetworkChoice:
    """The active network and IPFS node of the settings file at ``path``: from the record if the
    same bytes were validated before, else validated with the app's ``Settings`` model and recorded.
    A file that cannot be read or that the model refuses goes through ``load_settings`` (which
    moves it aside and uses the defaults), unrecorded."""
    try:
        raw: bytes | None = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError:  # unreadable: handled as the app handles it, unrecorded
        from app.settings import load_settings

        return _choice(load_settings(path).settings)
    key = "absent" if raw is None else hashlib.sha256(raw).hexdigest()
    if key in cache.settings:
        return cache.settings[key]
    from app.settings import Settings, load_settings

    try:
        settings = Settings() if raw is None else Settings.model_validate(safe_json.loads(raw.decode()))
    except ValueError:  # bad UTF-8 or JSON, or pydantic's ValidationError (a ValueError)
        return _choice(load_settings(path).settings)
    choice = _choice(settings)
    cache.put_settings(key, choice)
    return choice


class CheckedManifests:
    """The campaign list's manifests: a CID validated by an earlier run is answered from the record,
    any other is read and validated by ``Manifests`` (opened, with its store, only then) and
    recorded: its summary, or why it was refused (a manifest that cannot be read now is not)."""

    def __init__(self, cache: CheckedCache, open_manifests: Callable[[], Manifests]) -> None:
        self.cache = cache
        self._open = open_manifests
        self._manifests: Manifests | None = None

    def remember(self, campaign_id: int, cid: str) -> None:
        """The list names each campaign's CID to its reader; this one keys on the CID alone."""

    async def load(self, cid: str) -> ManifestSummary:
        """The summary of the valid manifest under ``cid``; ``ValueError`` for one that is not
        valid, ``StorageError`` for one that cannot be read now."""
        found = self.cache.manifests.get(cid)
        if isinstance(found, str):
            raise ValueError(found)
        if found is not None:
            return found
        if self._manifests is None:
            self._manifests = self._open()
        try:
            manifest = await self._manifests.load(cid)
        except ValueError as exc:
            if not isinstance(exc, StorageError):
                self.cache.put_manifest(cid, str(exc))
            raise
        summary = ManifestSummary(manifest.title, manifest.task_type)
        self.cache.put_manifest(cid, summary)
        return summary
