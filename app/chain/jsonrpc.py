"""A tiny blocking JSON-RPC call used to probe a node's liveness.

The devnet watchdog polls every second from a plain thread; importing and spinning up web3 for that
would slow start-up for nothing. Real chain work goes through ``app.chain.client``.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from app import safe_json

_ids = itertools.count(1)


class RpcError(RuntimeError):
    """The node did not answer, or answered with an error."""


def rpc_call(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params or []})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = safe_json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise RpcError(f"{url} did not answer {method}: {exc}") from exc
    if not isinstance(reply, dict):
        raise RpcError(f"{url} sent a malformed reply to {method}")
    if "error" in reply:
        raise RpcError(f"{method} failed: {reply['error']}")
    return reply.get("result")
