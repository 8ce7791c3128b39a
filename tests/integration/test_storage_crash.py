"""kill -9 in the middle of a put: nothing partial is ever visible, and gc clears the leftovers."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from storage_contract import pseudo_random

from app.storage.layout import compute_cid
from app.storage.local import CONTENT, LocalStore

# Puts an endless stream (1 MiB pieces, a little slow) until killed.
CHILD = """
import sys, time
from pathlib import Path
from app.storage.local import LocalStore

def endless():
    piece = bytes(range(256)) * 4096
    while True:
        yield piece
        time.sleep(0.002)

LocalStore(Path(sys.argv[1])).put(endless())
"""


def _wait_for_partial(root: Path, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        partial = list((root / "tmp").glob(f"*/{CONTENT}"))
        if partial and partial[0].stat().st_size >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError("the child never started writing")


def test_kill_9_during_put_leaves_no_visible_blob(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(root)])
    try:
        _wait_for_partial(root, 8 * 1024 * 1024)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    store = LocalStore(root, stale_after_s=0)
    assert [p for p in (root / "objects").rglob("*") if p.is_file()] == []
    assert list((root / "tmp").iterdir())  # the dead put's work folder, out of readers' sight
    data = pseudo_random(3 * 1024 * 1024)
    cid = store.put([data])  # the store still works
    time.sleep(0.01)
    assert store.gc() == 0
    assert list((root / "tmp").iterdir()) == []
    assert cid == compute_cid([data]) and b"".join(store.get(cid)) == data
