"""Storing a campaign's images: each checked, hashed and stored in a pool of threads, durable in
one batch.

One image at a time, with four fsyncs each, 10,000 images took 102-152 s. Here several threads
read, check and hash images at once (file reads, zlib's CRCs and sha2-256 release the GIL; what
Pillow parses in Python does not, which is why threads and not processes: a 64×64 PNG costs
less to check than to send to another process), and the blobs go into one ``BlobBatch``, made
durable once at the end. The manifest that names them is stored only after the batch commits,
so a crash never leaves a manifest pointing at a missing image.

Runs in a worker thread (``asyncio.to_thread``); ``stop`` cancels it between images, and a
cancelled or failed upload discards what it staged.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path

from app.labeling.formats import ImportProblem
from app.labeling.schema import Item
from app.storage.store import BlobBatch, BlobStore

READ_WHOLE = 4 * 1024 * 1024  # images up to this size are read once and checked from memory
Tick = Callable[[int, int], None]


class UploadCancelled(Exception):
    """``stop`` was set: nothing of this upload was kept."""


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def check_image(path: Path) -> tuple[int, int]:
    """The image's size, after Pillow checked the whole file (``verify``); raises on a bad file."""
    from PIL import Image

    with Image.open(path) as image:
        size = image.size
        image.verify()
    return size


def _check_bytes(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        size = image.size
        image.verify()
    return size


class _Problem(Exception):
    """Internal: this image is skipped, for the reason given."""


def _store_one(item: Item, store: BlobStore, batch: BlobBatch, stop: threading.Event) -> Item:
    if stop.is_set():
        raise UploadCancelled
    path = Path(item.source)
    try:
        if path.stat().st_size <= READ_WHOLE:
            data = path.read_bytes()
            width, height = _check_bytes(data)
        else:
            data = None
            width, height = check_image(path)
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, bomb errors…
        raise _Problem(f"not a readable image: {exc}") from exc
    # Storage failures (a full disk) are not the image's fault: they stop the whole upload.
    cid = batch.put_bytes(data) if data is not None else store.put_file(path)
    return item.model_copy(update={"image_cid": str(cid), "source": "", "width": width, "height": height})


def upload_images(
    items: list[Item], store: BlobStore, *, tick: Tick, stop: threading.Event, workers: int | None = None
) -> tuple[list[Item], list[ImportProblem]]:
    """The items with their image stored and named by CID (local paths stay private), in order,
    and a problem for each unreadable or corrupt image (skipped). ``tick(done, total)`` after each."""
    total = len(items)
    results: list[Item | None] = [None] * total
    problems: dict[int, ImportProblem] = {}
    with store.batch() as batch, ThreadPoolExecutor(workers or default_workers(), "image-upload") as pool:
        futures: dict[Future[Item], int] = {}
        for index, item in enumerate(items):
            if item.image_cid and not item.source:
                results[index] = item
            else:
                futures[pool.submit(_store_one, item, store, batch, stop)] = index
        done = total - len(futures)
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
            for future in finished:
                index = futures[future]
                try:
                    results[index] = future.result()
                except _Problem as exc:
                    item = items[index]
                    problems[index] = ImportProblem(item.source or item.id, None, str(exc))
                except BaseException:
                    stop.set()  # the others stop at their next image; the batch is discarded
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
            done += len(finished)
            tick(done, total)
            if stop.is_set():  # cancelled: up to the commit, nothing staged is kept
                pool.shutdown(wait=True, cancel_futures=True)
                raise UploadCancelled
    kept = [item for item in results if item is not None]
    return kept, [problems[i] for i in sorted(problems)]
