"""Blobs on the user's own IPFS node, through Kubo's HTTP RPC API (``/api/v0/...``).

Puts go through ``add`` with the options that give our layout (layout.py), while we compute the
CID ourselves from the same stream; the node's answer must equal ours, so a node configured
differently (another chunker, a wider DAG) is caught at once instead of yielding a CID that no
other backend would give the same bytes. Reads use ``block/get`` and verify every block
(dagread.py) rather than trusting ``cat``: the node may be remote, and a CID is only worth
recording on-chain if what we hand out provably matches it.

Kubo answers errors as HTTP 500 with ``{"Message": ..., "Type": "error"}``; a block the node does
not have reads "... not found ...". An online Kubo asked for a block it lacks searches the network
for it, up to the request timeout.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

from app import safe_json
from app.storage.cid import RAW, Cid, as_cid
from app.storage.dagread import MAX_BLOCK_SIZE, iter_file
from app.storage.errors import BackendError, BlobNotFound
from app.storage.http import DEFAULT_TIMEOUT_S, HttpOrigin
from app.storage.layout import CHUNK_SIZE, MAX_LINKS, FileDag, rechunk
from app.storage.store import BlobStore

JSON_CAP = 64 * 1024
EMPTY = Cid.of_block(RAW, b"")  # the raw block of no bytes, which any node can be asked about


class _NodeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_found(self) -> bool:
        return "not found" in str(self).lower()


class IpfsRpcStore(BlobStore):
    def __init__(self, api_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._http = HttpOrigin(api_url, timeout=timeout)

    def __repr__(self) -> str:
        return f"IpfsRpcStore({self._http.base_url!r})"

    def _call(self, command: str, cid: Cid | None = None, **options: str) -> bytes:
        query = {"arg": str(cid), **options} if cid is not None else options
        response = self._http.request("POST", f"/api/v0/{command}", query=query)
        cap = MAX_BLOCK_SIZE if command == "block/get" else JSON_CAP
        body = self._http.read_capped(response, cap if response.status == 200 else JSON_CAP)
        if response.status != 200:
            raise _NodeError(response.status, _message(body, response.status))
        return body

    def put(self, source: Iterable[bytes], *, pin: bool = True) -> Cid:
        dag = FileDag()
        boundary = secrets.token_hex(16)
        failure: list[BaseException] = []

        def body() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            try:
                for chunk in rechunk(source):
                    dag.add_chunk(chunk)
                    yield chunk
            except BaseException as exc:  # keep the source's own error: the HTTP layer would wrap it
                failure.append(exc)
                raise
            yield f"\r\n--{boundary}--\r\n".encode()

        options = {
            "cid-version": "1",
            "raw-leaves": "true",
            "chunker": f"size-{CHUNK_SIZE}",
            "hash": "sha2-256",
            "pin": "true" if pin else "false",
            "quieter": "true",
            "progress": "false",
        }
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        try:
            response = self._http.request("POST", "/api/v0/add", query=options, headers=headers, body=body())
            answer = self._http.read_capped(response, JSON_CAP)
        except BackendError:
            if failure:
                raise failure[0] from None
            raise
        if response.status != 200:
            raise BackendError(f"the IPFS node refused the upload: {_message(answer, response.status)}")
        expected = dag.root()
        try:
            added = Cid.parse(safe_json.loads(answer.splitlines()[-1])["Hash"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise BackendError(f"the IPFS node's answer to add is not understood: {answer[:200]!r}") from exc
        if added != expected:
            raise BackendError(
                f"the IPFS node stored the bytes as {added}, not {expected}: it must import with "
                f"CIDv1, raw leaves, {CHUNK_SIZE}-byte chunks and {MAX_LINKS} links per node"
            )
        return expected

    def _block(self, cid: Cid) -> bytes:
        try:
            return self._call("block/get", cid)
        except _NodeError as exc:
            if exc.not_found:
                raise BlobNotFound(cid) from None
            raise BackendError(f"the IPFS node could not give block {cid}: {exc}") from None

    def get(self, cid: Cid | str) -> Iterator[bytes]:
        cid = as_cid(cid)
        return iter_file(cid, self._block(cid), self._block)

    def has(self, cid: Cid | str) -> bool:
        try:
            self._call("block/stat", as_cid(cid), offline="true")
        except _NodeError as exc:
            if exc.not_found:
                return False
            raise BackendError(f"the IPFS node could not check {cid}: {exc}") from None
        return True

    def check(self) -> None:
        """Ask the node one harmless question, so a wrong URL, a stopped node or a server that is
        not an IPFS RPC API is found before the app keeps anything there.

        The question is whether it holds the empty block, offline: Kubo answers ``{"Key", "Size"}``
        or a JSON error (both fine); anything else (a web page, a 404) is not an IPFS node.
        """
        query = {"arg": str(EMPTY), "offline": "true"}
        response = self._http.request("POST", "/api/v0/block/stat", query=query)
        body = self._http.read_capped(response, JSON_CAP)
        try:
            answer = safe_json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not ({"Key", "Size"} <= answer.keys() or "Message" in answer):
            raise BackendError(
                f"{self._http.base_url} answered HTTP {response.status}, but not as an IPFS node's RPC API "
                "does (Kubo's is usually http://127.0.0.1:5001)"
            )

    def pin(self, cid: Cid | str) -> None:
        cid = as_cid(cid)
        if not self.has(cid):  # pin/add would otherwise search the whole network for it
            raise BlobNotFound(cid)
        try:
            self._call("pin/add", cid, recursive="true")
        except _NodeError as exc:
            raise BackendError(f"the IPFS node could not pin {cid}: {exc}") from None

    def unpin(self, cid: Cid | str) -> None:
        cid = as_cid(cid)
        try:
            self._call("pin/rm", cid, recursive="true")
        except _NodeError as exc:
            if "not pinned" not in str(exc):
                raise BackendError(f"the IPFS node could not unpin {cid}: {exc}") from None

    def gc(self) -> int:
        """Run the node's garbage collection; counts the blocks it reports removed."""
        response = self._http.request("POST", "/api/v0/repo/gc")
        if response.status != 200:
            failed = self._http.read_capped(response, JSON_CAP)
            raise BackendError(f"the IPFS node's gc failed: {_message(failed, response.status)}")
        removed, line = 0, bytearray()
        for piece in self._http.pieces(response):
            line += piece
            *complete, rest = line.split(b"\n")
            for entry in complete:
                removed += _gc_entry(entry)
            if len(rest) > JSON_CAP:
                raise BackendError("the IPFS node's gc answer has an oversized line")
            line = bytearray(rest)
        return removed + _gc_entry(bytes(line))


def _gc_entry(line: bytes) -> int:
    if not line.strip():
        return 0
    try:
        entry = safe_json.loads(line)
    except ValueError:
        raise BackendError(f"the IPFS node's gc answer is not understood: {line[:200]!r}") from None
    if isinstance(entry, dict) and entry.get("Error"):
        raise BackendError(f"the IPFS node's gc failed: {entry['Error']}")
    return 1 if isinstance(entry, dict) and "Key" in entry else 0


def _message(body: bytes, status: int) -> str:
    try:
        message = safe_json.loads(body).get("Message")
    except (ValueError, AttributeError):
        message = None
    return str(message) if message else f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
