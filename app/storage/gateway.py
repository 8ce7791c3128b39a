"""Read-only blobs from an IPFS HTTP gateway, in its trustless mode.

A trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/) answers
``GET /ipfs/{cid}?format=raw`` with the block's exact bytes (``application/vnd.ipld.raw``), which
we verify against the CID like any other block (dagread.py). So any public or private gateway can
serve our blobs without being trusted: a gateway that lies is caught, and one that answers with
something other than raw blocks (a rendered page, a deserialised file) is refused. Writing needs a
node of one's own (ipfs_rpc.py) or the local store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import urllib3

from app.storage.cid import Cid, as_cid
from app.storage.dagread import MAX_BLOCK_SIZE, iter_file
from app.storage.errors import BackendError, BlobNotFound, ReadOnlyStore
from app.storage.http import DEFAULT_TIMEOUT_S, HttpOrigin
from app.storage.store import BlobStore

RAW_BLOCK = "application/vnd.ipld.raw"
_NOT_THERE = (404, 410)


class GatewayStore(BlobStore):
    read_only = True

    def __init__(self, gateway_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._http = HttpOrigin(gateway_url, timeout=timeout)

    def __repr__(self) -> str:
        return f"GatewayStore({self._http.base_url!r})"

    def _request(self, method: str, cid: Cid) -> urllib3.BaseHTTPResponse:
        return self._http.request(
            method, f"/ipfs/{cid}", query={"format": "raw"}, headers={"Accept": RAW_BLOCK}
        )

    def _block(self, cid: Cid) -> bytes:
        response = self._request("GET", cid)
        if response.status != 200:
            self._http.discard(response)
            if response.status in _NOT_THERE:
                raise BlobNotFound(cid)
            raise BackendError(f"{self._http.base_url} answered HTTP {response.status} for block {cid}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != RAW_BLOCK:
            response.close()
            response.release_conn()
            raise BackendError(
                f"{self._http.base_url} is not a trustless gateway: it sent {content_type or 'no type'} "
                f"instead of {RAW_BLOCK}"
            )
        return self._http.read_capped(response, MAX_BLOCK_SIZE)

    def get(self, cid: Cid | str) -> Iterator[bytes]:
        cid = as_cid(cid)
        return iter_file(cid, self._block(cid), self._block)

    def has(self, cid: Cid | str) -> bool:
        """Whether the gateway can serve the blob's root block (a HEAD request)."""
        response = self._request("HEAD", as_cid(cid))
        response.release_conn()  # a HEAD answer has no body to read
        if response.status == 200:
            return True
        if response.status in _NOT_THERE:
            return False
        raise BackendError(f"{self._http.base_url} answered HTTP {response.status} for {cid}")

    def _read_only(self, what: str) -> ReadOnlyStore:
        return ReadOnlyStore(f"a gateway can only read; {what} needs the local store or an IPFS node")

    def put(self, source: Iterable[bytes], *, pin: bool = True) -> Cid:
        raise self._read_only("storing a blob")

    def pin(self, cid: Cid | str) -> None:
        raise self._read_only("pinning")

    def unpin(self, cid: Cid | str) -> None:
        raise self._read_only("unpinning")

    def gc(self) -> int:
        raise self._read_only("garbage collection")
