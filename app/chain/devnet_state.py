"""The devnet's chain state on disk: only ever replaced whole, and the newest good copy loaded.

Why it is shaped like this: anvil's own periodic dump (``--state-interval``) rewrites its file in
place, so a ``kill -9`` during that write leaves it empty or torn, and falling back to a copy from
the last start rolled the chain back by minutes. So anvil loads ``state.json`` but dumps to
``state.live.json`` (which may be torn), and ``state.json`` is only ever replaced through a temp
file, fsync and rename: by the snapshots a watching app takes through ``anvil_dumpState``, by one
taken just before the app stops the node, and at each start by promoting ``state.live.json`` when
it parses completely and is newer. A torn file never parses, so it is never promoted.

What a kill can still lose is the last moment (under a second) of blocks; the outbox re-sends the
transactions it finds missing (``app.wallet.outbox_reconcile``), so nothing the user asked for is lost.

One genesis block: anvil makes a fresh genesis block (new timestamp, new hash) at every start and
keeps it beside the loaded ones, so each load-and-dump adds one more block 0 to the state, and
``eth_getBlockByNumber(0)`` then answers with any of them. The app names a chain by its genesis
hash (``app.chain.identity``), so before a start every block 0 but the first one made goes.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from pathlib import Path
from typing import Any

from app.chain.jsonrpc import RpcError, rpc_call
from app.fileio import atomic_write_bytes

log = logging.getLogger(__name__)

_BEST = b'"best_block_number":'


def _height(state: Any) -> int | None:
    """The newest block a parsed state holds, or None if it is not an anvil state."""
    if not isinstance(state, dict) or not isinstance(state.get("block"), dict):
        return None
    number = state.get("best_block_number", state["block"].get("number"))
    try:
        return int(number, 16) if isinstance(number, str) else int(number)
    except (TypeError, ValueError):
        return None


def _dumped_height(raw: bytes) -> int | None:
    """The height of a dump anvil has just sent whole (its gzip checksum held), read from its
    ``best_block_number`` without parsing the rest: ``json.loads`` of a few MB held the GIL for
    20-70 ms at every snapshot (one a second), and the window's paint waited on it. A key escaped
    inside a string cannot match the pattern, and anvil writes ``block`` first; anything else
    (another layout) is parsed whole as before. Files on disk, which may be torn, always are."""
    at = raw.find(_BEST) if raw.startswith(b'{"block":{') else -1
    if at < 0:
        return _height(json.loads(raw))
    try:
        number, _end = json.JSONDecoder().raw_decode(raw[at + len(_BEST) : at + len(_BEST) + 80].decode())
    except (UnicodeDecodeError, ValueError):
        return None
    return _height({"block": {}, "best_block_number": number})


def state_height(path: Path) -> int | None:
    """The block height of the state file at ``path``; None if it is missing, empty or torn."""
    try:
        return _height(json.loads(path.read_bytes()))
    except (OSError, ValueError):
        return None


def promote_newest(state_file: Path, live_file: Path) -> None:
    """Before a start: make ``state_file`` the newest complete state there is.

    ``live_file`` wins when it parses and is higher, or as high and written later (a balance set
    without a new block still counts); the copy goes through a temp file, so a crash here leaves
    the old ``state_file`` whole.
    """
    live = state_height(live_file)
    if live is None:
        return
    kept = state_height(state_file)
    if (
        kept is None
        or live > kept
        or (live == kept and live_file.stat().st_mtime > state_file.stat().st_mtime)
    ):
        atomic_write_bytes(state_file, live_file.read_bytes())
        log.info("devnet: loading anvil's dump at block %d", live)


def keep_first_genesis(state_file: Path) -> None:
    """Before a start: drop the extra genesis blocks earlier starts added (see the module docstring).

    The first one made is the one with the earliest timestamp; the file is rewritten atomically,
    and only when there is something to drop.
    """
    try:
        state = json.loads(state_file.read_bytes())
        blocks = state["blocks"]
        geneses = [b for b in blocks if int(b["header"]["number"], 16) == 0]
        if len(geneses) < 2:
            return
        first = min(geneses, key=lambda b: int(b["header"]["timestamp"], 16))
    except (OSError, ValueError, KeyError, TypeError):
        return  # missing or not a state anvil wrote: anvil itself says what is wrong with it
    state["blocks"] = [b for b in blocks if b is first or int(b["header"]["number"], 16) != 0]
    atomic_write_bytes(state_file, json.dumps(state).encode())
    log.info("devnet: dropped %d extra genesis blocks from the state", len(geneses) - 1)


def take_snapshot(rpc_url: str, state_file: Path, timeout: float = 10.0) -> int | None:
    """Ask the node for its whole state and write it to ``state_file`` atomically; the height or None.

    A node that does not answer, or answers with something that is not a state, leaves the file
    as it was: a snapshot is only worth keeping if it is complete.
    """
    try:
        reply = rpc_call(rpc_url, "anvil_dumpState", timeout=timeout)
        raw = gzip.decompress(bytes.fromhex(str(reply).removeprefix("0x")))  # checks the CRC: all of it
        height = _dumped_height(raw)
    except (RpcError, OSError, ValueError, EOFError, zlib.error) as exc:
        log.debug("devnet: no snapshot (%s)", exc)
        return None
    if height is None:
        return None
    atomic_write_bytes(state_file, raw)
    return height


def keep_backup(state_file: Path, backup_file: Path) -> None:
    """Copy a state file that parses to ``backup_file``: the way back if anvil refuses it later
    (a disk that damaged a file after it was written)."""
    if state_height(state_file) is not None:
        atomic_write_bytes(backup_file, state_file.read_bytes())
