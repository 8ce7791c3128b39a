"""Where a model node's model comes from: a file, a file the app ships, a blob, or a marketplace asset.

    /home/me/models/classifier.onnx     a file (``~`` is expanded)
    resource:models/digits.onnx         a file under the app's resources folder: portable, so an
                                        example agent runs on every machine and in the frozen app
    cid:bafkrei…                        a blob in the local blob store, read through its hash checks
    asset:<chain id>:<asset id>         a marketplace asset, used through the holder's license: its
                                        content decrypted into the cache (``sahara market fetch``),
                                        hash-checked on every use, refused once the license expired

An exported agent lists the models it uses (``manifest_entry``): files and resources with their
size and SHA-256, blobs by CID, assets by id, so an import can say what is missing or different.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from app.fileio import file_digest

RefKind = Literal["file", "resource", "cid", "asset"]


class ModelRefError(ValueError):
    """A reference that cannot be used; the message says why in words for the node."""


@dataclass(frozen=True)
class ModelRef:
    kind: RefKind
    value: str  # the path, the path under resources/, the CID text, or "<chain>:<asset>"
    text: str  # as written in the graph

    def __str__(self) -> str:
        return self.text


def parse_ref(text: str) -> ModelRef:
    """Read a reference; a malformed one raises ``ModelRefError``."""
    text = text.strip()
    scheme, sep, rest = text.partition(":")
    if not sep or len(scheme) == 1:  # no scheme, or a Windows drive letter: a file path
        return ModelRef("file", text, text)
    if scheme == "resource":
        parts = PurePosixPath(rest).parts
        if not rest or rest.startswith("/") or ".." in parts or "\\" in rest:
            raise ModelRefError(f"{text!r}: a resource path is relative and stays inside resources/")
        return ModelRef("resource", rest, text)
    if scheme == "cid":
        from app.storage import InvalidCid, as_cid

        try:
            return ModelRef("cid", str(as_cid(rest)), text)
        except InvalidCid as exc:
            raise ModelRefError(f"{text!r}: {exc}") from None
    if scheme == "asset":
        chain, _, asset = rest.partition(":")
        if not chain.isdigit() or not asset.isdigit() or int(asset) == 0:
            raise ModelRefError(f"{text!r}: an asset reference is asset:<chain id>:<asset id>")
        return ModelRef("asset", rest, text)
    return ModelRef("file", text, text)  # e.g. a path with a colon in a folder name


def resource_path(relative: str) -> Path:
    from app.resources import resources_dir

    return resources_dir().joinpath(*PurePosixPath(relative).parts)


def asset_path(ref: ModelRef) -> Path:
    """The cached, hash-checked content of an ``asset:`` reference whose license is still valid;
    ``ModelRefError`` saying why not (not downloaded, expired, altered in the cache)."""
    from app.market.asset_cache import CacheError, cached_content
    from app.paths import app_paths

    chain, _, asset = ref.value.partition(":")
    try:
        return cached_content(app_paths().cache, int(chain), int(asset)).path
    except CacheError as exc:
        raise ModelRefError(str(exc)) from None


def local_path(ref: ModelRef) -> Path | None:
    """The file a file, resource or asset reference names (None for blobs); for an asset, the
    cached copy, checked (``ModelRefError`` when it cannot be used)."""
    if ref.kind == "file":
        return Path(ref.value).expanduser()
    if ref.kind == "resource":
        return resource_path(ref.value)
    if ref.kind == "asset":
        return asset_path(ref)
    return None


@functools.lru_cache(maxsize=4)
def _store(data_dir: str) -> Any:
    from app.storage.local import LocalStore

    return LocalStore(Path(data_dir) / "blobs")


def local_store() -> Any:
    """The local blob store of this profile (``<data>/blobs``, as ``open_store`` picks by default)."""
    from app.paths import app_paths

    return _store(str(app_paths().data))


def problems(text: str) -> list[str]:
    """What stops a reference from being used now; empty when it resolves."""
    try:
        ref = parse_ref(text)
    except ModelRefError as exc:
        return [str(exc)]
    if ref.kind == "asset":
        try:
            asset_path(ref)
        except ModelRefError as exc:
            return [str(exc)]
        return []
    if ref.kind == "cid":
        try:
            found = local_store().has(ref.value)
        except OSError as exc:
            return [f"cannot open the local blob store: {exc}"]
        missing = f"model {ref.value} is not in the local blob store (add it with: sahara blob put FILE)"
        return [] if found else [missing]
    path = local_path(ref)
    assert path is not None
    if path.is_file():
        return []
    where = " in the app's resources" if ref.kind == "resource" else ""
    return [f"model file not found{where}: {path}"]


def read_blob(cid: str) -> bytes:
    """A blob's bytes from the local store, every chunk checked against its hash while read."""
    from app.storage import StorageError

    try:
        return b"".join(local_store().get(cid))
    except StorageError as exc:
        raise ModelRefError(str(exc)) from None


def manifest_entry(text: str) -> dict[str, Any]:
    """How an exported agent records one model: enough for an import to tell what is missing."""
    try:
        ref = parse_ref(text)
    except ModelRefError:
        return {"ref": text}
    entry: dict[str, Any] = {"ref": ref.text, "kind": ref.kind}
    if ref.kind == "cid":
        entry["cid"] = ref.value
    elif ref.kind == "asset":
        entry["asset"] = ref.value
    else:
        path = local_path(ref)
        assert path is not None
        entry["name"] = path.name
        with contextlib.suppress(OSError):  # missing here too: the entry still names it
            entry["sha256"], entry["size"] = file_digest(path)
    return entry


def check_entry(entry: dict[str, Any]) -> str | None:
    """Why a model listed in an imported agent cannot be used here, or None when it is here as exported."""
    text = str(entry.get("ref", ""))
    issues = problems(text)
    if issues:
        return f"{text}: {issues[0]}"
    ref = parse_ref(text)
    path = local_path(ref)
    expected = entry.get("sha256")
    if path is not None and isinstance(expected, str):
        actual, _size = file_digest(path)
        if actual != expected:
            return (
                f"{text}: the file here differs from the exported one "
                f"(SHA-256 {actual[:12]}…, expected {expected[:12]}…)"
            )
    return None
