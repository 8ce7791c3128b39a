"""HTTP for the IPFS backends: one configured origin, capped responses, nothing followed.

A connection pool is bound to the scheme, host and port of the URL the user configured, and every
request goes to a path under it: redirects are returned as errors rather than followed, so no
response can send us to another host (a gateway redirecting to an internal address, say). Every
body is read against a size cap, checked both on Content-Length and on the bytes that arrive, so a
hostile or broken server cannot make us buffer more than we expect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.exceptions import HTTPError

from app.storage.errors import BackendError, BlobTooLarge

DEFAULT_TIMEOUT_S = 60.0
_READ_PIECE = 256 * 1024


class HttpOrigin:
    """Requests to paths under one base URL, e.g. ``http://127.0.0.1:5001`` or ``https://gw.example``."""

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S, connections: int = 4) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base_url!r} is not an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("put no user name or password in the URL")
        if parts.query or parts.fragment:
            raise ValueError("the URL must not have a query or a fragment")
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self._prefix = parts.path.rstrip("/")
        pool = urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
        self._pool = pool(
            parts.hostname,
            parts.port,
            maxsize=connections,
            block=True,
            retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 15.0), read=timeout),
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Iterable[bytes] | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send a request; the response body is left unread (read it with ``read_capped``)."""
        url = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        try:
            return self._pool.urlopen(
                method,
                url,
                body=body,
                headers=dict(headers or {}),
                chunked=body is not None,
                preload_content=False,
                redirect=False,
                retries=False,
            )
        except HTTPError as exc:
            raise BackendError(f"{self.base_url} did not answer: {_reason(exc)}") from exc

    def pieces(self, response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        """Stream the body; the connection goes back to the pool only if it was read to the end."""
        finished = False
        try:
            yield from response.stream(_READ_PIECE)
            finished = True
        except HTTPError as exc:
            raise BackendError(f"{self.base_url} broke off its answer: {_reason(exc)}") from exc
        finally:
            if not finished:
                response.close()  # unread bytes are left: this connection cannot be reused
            response.release_conn()

    def read_capped(self, response: urllib3.BaseHTTPResponse, cap: int) -> bytes:
        """The whole body, or ``BlobTooLarge`` as soon as it is known to exceed ``cap`` bytes."""
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            response.close()
            response.release_conn()
            raise BlobTooLarge(f"{self.base_url} sent {declared} bytes where at most {cap} were expected")
        body = bytearray()
        pieces = self.pieces(response)
        try:
            for piece in pieces:
                body += piece
                if len(body) > cap:
                    raise BlobTooLarge(f"{self.base_url} sent more than the {cap} bytes expected")
        finally:
            pieces.close()
        return bytes(body)

    def discard(self, response: urllib3.BaseHTTPResponse) -> None:
        """Skip a body we do not need (an error page) without trusting its size."""
        with contextlib.suppress(BlobTooLarge):
            self.read_capped(response, _READ_PIECE)


def _reason(exc: HTTPError) -> str:
    """The socket's own words ("connection refused") when there are some, not urllib3's wrapping."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[0].lower() + cause.strerror[1:]
        cause = cause.__cause__ or cause.__context__
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
