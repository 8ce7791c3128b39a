"""An asset's metadata file: what the catalogue indexes and what a buyer checks the download against.

Plain JSON stored as a blob, its CID registered on chain (``metadataCid``)::

    {"schema": "sahara-asset/1", "name": "...", "card": "# Markdown", "tags": ["digits"],
     "kind": "model", "task_type": "image_classification", "version": "1.0",
     "files": [{"name": "digits.onnx", "size": 1234, "sha256": "..."}],
     "content": {"cid": "bafk...", "size": 1234, "sha256": "...", "encrypted": true, "packing": "file"},
     "parents": [1], ...feature-specific fields (campaign, contributors, models)}

``name``, ``card``, ``tags`` and ``task_type`` are the fields the catalogue's parser reads
(``app.market.catalog.metadata.parse_metadata``): ``load_metadata`` runs that same parser, so what
this app publishes always indexes. ``content.sha256`` is the hash of the plaintext (a single file,
or the zip of several): after decrypting, the buyer's download must hash to it. The store checks
that the metadata bytes hash to their CID, so a file that lies about its CID never parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from app import safe_json
from app.market.catalog.metadata import MAX_METADATA, MetadataProblem, parse_metadata, read_limited
from app.storage import BlobCorrupt, BlobNotFound, BlobStore, InvalidCid, StorageError, as_cid

SCHEMA = "sahara-asset/1"
KINDS = ("dataset", "model", "agent")  # AssetRegistry.Kind order
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_FILES = 1_000


class AssetMetadataError(ValueError):
    """Metadata that cannot be read or does not say what an asset needs; the message says why."""


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str
    cid: str = ""  # the CID IPFS gives the plaintext file: what a buyer checks a decrypted file against


@dataclass(frozen=True)
class ContentInfo:
    cid: str
    size: int  # plaintext bytes
    sha256: str  # of the plaintext
    encrypted: bool = True
    packing: str = "file"  # "file": the one file itself; "zip": the files zipped


@dataclass(frozen=True)
class AssetMetadata:
    name: str
    kind: str
    card: str = ""
    tags: tuple[str, ...] = ()
    task_type: str = ""
    version: str = "1.0"
    files: tuple[FileEntry, ...] = ()
    content: ContentInfo | None = None
    parents: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # feature-specific fields, kept as they are

    def to_json(self) -> bytes:
        body: dict[str, Any] = dict(self.extra)
        body |= {
            "schema": SCHEMA, "name": self.name, "card": self.card, "tags": list(self.tags),
            "kind": self.kind, "task_type": self.task_type, "version": self.version,
            "files": [vars(f) for f in self.files], "parents": list(self.parents),
        }  # fmt: skip
        if self.content is not None:
            body["content"] = vars(self.content)
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_metadata(meta: AssetMetadata) -> None:
    """Refuse metadata the catalogue would mark malformed, before anything is stored or signed."""
    if meta.kind not in KINDS:
        raise AssetMetadataError(f"The kind must be one of {', '.join(KINDS)}, not {meta.kind!r}.")
    if not meta.name.strip():
        raise AssetMetadataError("The asset needs a name.")
    try:
        parse_metadata(meta.to_json())
    except MetadataProblem as exc:
        raise AssetMetadataError(f"The metadata would not index: {exc}.") from exc
    if len(meta.to_json()) > MAX_METADATA:
        raise AssetMetadataError(f"The metadata is over {MAX_METADATA // 1024} KiB: shorten the card.")


def store_metadata(store: BlobStore, meta: AssetMetadata) -> str:
    """Check and store the metadata; its CID (synchronous, like the store)."""
    check_metadata(meta)
    return str(store.put([meta.to_json()]))


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AssetMetadataError(f"metadata field {what} is not a non-negative whole number")
    return value


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise AssetMetadataError(f"metadata field {what} is not a SHA-256 in hex")
    return value


def _files(raw: Any) -> tuple[FileEntry, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_FILES:
        raise AssetMetadataError(f"metadata files must be a list of at most {MAX_FILES}")
    entries = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise AssetMetadataError(f"metadata file {n} has no name")
        cid = item.get("cid", "")
        try:
            if not isinstance(cid, str):
                raise InvalidCid("not text")
            cid = str(as_cid(cid)) if cid else ""
        except InvalidCid:
            raise AssetMetadataError(f"metadata file {n} names a CID that is not one") from None
        entries.append(
            FileEntry(item["name"], _int(item.get("size"), "size"), _sha(item.get("sha256"), "sha256"), cid)
        )
    return tuple(entries)


def _content(raw: Any) -> ContentInfo | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("cid"), str):
        raise AssetMetadataError("metadata content names no CID")
    packing = raw.get("packing", "file")
    if packing not in ("file", "zip"):
        raise AssetMetadataError(f"metadata content packing {packing!r} is not file or zip")
    return ContentInfo(
        raw["cid"], _int(raw.get("size"), "content.size"), _sha(raw.get("sha256"), "content.sha256"),
        bool(raw.get("encrypted", True)), packing,
    )  # fmt: skip


def parse_asset_metadata(data: bytes) -> AssetMetadata:
    """Checked metadata from a blob's bytes; ``AssetMetadataError`` says what is wrong."""
    try:
        text = parse_metadata(data)  # the catalogue's own checks of name, card, tags, task type
    except MetadataProblem as exc:
        raise AssetMetadataError(str(exc)) from exc
    body = safe_json.loads(data)
    kind = body.get("kind", "")
    if kind not in KINDS:
        raise AssetMetadataError(f"metadata kind {kind!r} is not one of {', '.join(KINDS)}")
    parents = body.get("parents", [])
    if not isinstance(parents, list):
        raise AssetMetadataError("metadata parents is not a list")
    known = {"schema", "name", "card", "tags", "kind", "task_type", "version", "files", "content", "parents"}
    return AssetMetadata(
        name=text.name, kind=kind, card=text.card, tags=text.tags, task_type=text.task_type,
        version=str(body.get("version", "")), files=_files(body.get("files", [])),
        content=_content(body.get("content")), parents=tuple(_int(p, "parents") for p in parents),
        extra={k: v for k, v in body.items() if k not in known},
    )  # fmt: skip


def load_metadata(store: BlobStore, cid: str) -> AssetMetadata:
    """Read (hash-checked by the store, size-limited) and parse an asset's metadata."""
    try:
        return parse_asset_metadata(read_limited(store, cid))
    except MetadataProblem as exc:
        raise AssetMetadataError(str(exc)) from exc
    except BlobNotFound as exc:
        raise AssetMetadataError(f"the metadata {cid} is not in storage") from exc
    except BlobCorrupt as exc:
        raise AssetMetadataError(
            f"the metadata in storage does not match its CID {cid}: it was altered"
        ) from exc
    except StorageError as exc:
        raise AssetMetadataError(f"the metadata {cid} could not be read: {exc}") from exc


CARD_SECTIONS = {
    "dataset": ("What it holds", "How it was labeled", "Intended use", "Known limitations"),
    "model": ("What it does", "Training data", "Inputs and outputs", "Evaluation", "Limitations"),
    "agent": ("What it does", "Models it uses", "How to run it", "Limitations"),
}


def card_template(kind: str, name: str) -> str:
    """The card a publisher starts from (the wizard's editor, ``--card`` left out): a heading and
    the sections buyers look for on this kind of asset, each to be filled in."""
    sections = "".join(f"## {title}\n\n_Describe this._\n\n" for title in CARD_SECTIONS.get(kind, ()))
    return f"# {name or 'Untitled'}\n\n{sections}".rstrip() + "\n"
