"""Fetch and decode the next items before the labeler gets to them, off the GUI thread.

``service.item_bytes`` is synchronous (storage read + hash check) and decoding a photo takes
milliseconds, so both run in a small thread pool ahead of the cursor; the view then shows the next
item from memory. Only ``QImage`` is made here: it may be created in any thread, a ``QPixmap``
only in the GUI thread (the image view makes those). A decoded item is a *preview* scaled to the
view (``QImageReader.setScaledSize``: JPEGs decode scaled in the DCT, cheaply); deeper zoom levels
are decoded later, only when the labeler zooms in. When a pre-labeler is given it runs here too,
never on the GUI thread.

Only the item the cursor is on is scheduled at once when it moves; the ones around it follow
``AROUND_DELAY_MS`` later. A worker woken at the key press takes the GIL (a fetch and hash check are
Python) whenever the GUI thread enters Qt, and holds it for up to the 5 ms switch interval: the key's
own handling and the next item's paint then waited behind work for items seconds away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from app.labeling.schema import Item

log = logging.getLogger(__name__)

AHEAD = 8
BEHIND = 2  # kept after the cursor passes, so "previous" is instant too
WORKERS = 2
AROUND_DELAY_MS = 40  # after a move, the items around the cursor are scheduled this much later
MAX_DECODE_MB = 2048  # the biggest image decoded at full resolution (about 23,000 x 23,000 RGB)
UNDECODABLE = "This image could not be decoded"

Proposer = Callable[[bytes], tuple[str, float]]


@dataclass(frozen=True)
class Decoded:
    """One fetched item: its bytes, a preview that fits the view, and what went wrong if anything."""

    item_id: str
    data: bytes = b""
    preview: QImage | None = None
    full_size: QSize | None = None  # as shown (EXIF rotation applied); None when not decoded
    error: str | None = None
    proposal: tuple[str, float] | None = None


def _reader(data: bytes) -> tuple[QImageReader, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)  # EXIF rotation, as the labeler's photo viewer shows it
    return reader, buffer


def _raise_limit(size: QSize) -> None:
    """Raise Qt's decode allocation limit (256 MB by default) as far as ``MAX_DECODE_MB`` for this
    image: formats that cannot decode scaled (PNG) allocate the full image even for a preview."""
    needed = size.width() * size.height() * 4 // (1 << 20) + 1
    if needed > QImageReader.allocationLimit():
        QImageReader.setAllocationLimit(min(MAX_DECODE_MB, max(needed, 1024)))


def paintable(image: QImage) -> QImage:
    """The image in a format the raster painter draws without converting on every paint."""
    wanted = (
        QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    )
    return image if image.format() == wanted else image.convertToFormat(wanted)


def _turned(reader: QImageReader) -> bool:
    """Whether the EXIF orientation turns the image by 90 degrees (width and height swap)."""
    return bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)


def image_size(data: bytes) -> QSize:
    """The image's size as shown (EXIF rotation applied), from its header, without decoding it."""
    reader, _buffer = _reader(data)
    return reader.size().transposed() if _turned(reader) else reader.size()


def decode(data: bytes, fit: QSize | None = None) -> QImage:
    """Decode ``data``, scaled down (aspect kept) to fit ``fit`` if given and smaller; a null image
    when the bytes are not an image this Qt can read."""
    reader, _buffer = _reader(data)
    size = reader.size()  # as stored; setScaledSize works on that, before the EXIF rotation
    if size.isValid():
        _raise_limit(size)
    turned = _turned(reader)
    shown = size.transposed() if turned else size
    if fit is not None and size.isValid() and (shown.width() > fit.width() or shown.height() > fit.height()):
        target = shown.scaled(fit, Qt.AspectRatioMode.KeepAspectRatio).expandedTo(QSize(1, 1))
        reader.setScaledSize(target.transposed() if turned else target)
    image = reader.read()
    return paintable(image) if not image.isNull() else image


def load(item: Item, fetch: Callable[[Item], bytes], fit: QSize, proposer: Proposer | None) -> Decoded:
    """Fetch, decode and (optionally) pre-label one item; every failure becomes ``error`` words."""
    try:
        data = fetch(item)
    except Exception as exc:  # storage, network, hash mismatch: the item shows why, labeling goes on
        log.warning("fetching item %s failed: %s", item.id, exc)
        return Decoded(item.id, error=f"This image could not be loaded: {exc}")
    preview = decode(data, fit)
    if preview.isNull():
        size = image_size(data)
        too_big = size.width() * size.height() * 4 > MAX_DECODE_MB << 20
        error = (
            f"This image is too large to open ({size.width():,} × {size.height():,})"
            if too_big
            else UNDECODABLE
        )
        return Decoded(item.id, data=data, error=error)
    proposal = None
    if proposer is not None:
        try:
            proposal = proposer(data)
        except Exception as exc:  # a model that fails on one image proposes nothing for it
            log.warning("pre-labeling item %s failed: %s", item.id, exc)
    return Decoded(item.id, data, preview, image_size(data), None, proposal)


class _Relay(QObject):
    """Lives in the GUI thread; a worker emits on it and Qt queues the call over to the GUI."""

    done = Signal(object)  # (generation, Decoded)
    unavailable = Signal(str)  # why there are no suggestions


class Prefetcher(QObject):
    """Keeps the items from just behind to ``ahead`` after the cursor fetched and decoded.

    ``ready(item_id)`` fires in the GUI thread when one is done. ``get`` never blocks. ``ahead=0``
    turns prefetching off (only the item asked for is loaded): the benchmark's baseline.
    """

    ready = Signal(str)
    unavailable = Signal(str)  # the pre-labeler could not be built: why (once)

    def __init__(
        self,
        fetch: Callable[[Item], bytes],
        *,
        ahead: int = AHEAD,
        fit: QSize | None = None,
        proposer: Callable[[], Proposer | None] | None = None,
        workers: int = WORKERS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self.ahead = ahead
        self.fit = fit or QSize(1600, 1200)
        self._make_proposer = proposer
        self._proposer: Proposer | None = None
        self._proposer_ready = False
        self._proposer_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="label-prefetch")
        self._relay = _Relay()
        self._relay.done.connect(self._landed)
        self._relay.unavailable.connect(self.unavailable)
        self._items: list[Item] = []
        self._done: dict[str, Decoded] = {}
        self._pending: dict[str, Future[None]] = {}  # wanted and not landed yet
        self._futures: set[Future[None]] = set()  # submitted and not finished (for ``idle``)
        self._generation = 0
        self._closed = False
        self._cursor = 0
        self._around = QTimer(self)  # schedules the items around the cursor, after the move is drawn
        self._around.setSingleShot(True)
        self._around.setInterval(AROUND_DELAY_MS)
        self._around.timeout.connect(self._schedule_around)

    def set_items(self, items: list[Item], *, keep: bool = False) -> None:
        """A new batch: forget everything of the old one (late results of it are dropped).
        ``keep``: the new list continues the old one (the batch claimed ahead appended, or that
        batch opened): what is decoded already of its items stays, so a boundary draws from memory."""
        self._generation += 1
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        wanted = {item.id for item in items} if keep else set()
        self._done = {k: v for k, v in self._done.items() if k in wanted}
        self._items = list(items)

    def set_cursor(self, index: int) -> None:
        """Schedule ``index`` now and the ones around it shortly (not restarted by each move, so
        fast keys never starve them); drop what fell out of the window."""
        if self._closed or not self._items:
            return
        self._cursor = index
        lo, hi = self._window(index)
        keep = {item.id for item in self._items[lo:hi]}
        for item_id in [k for k in self._done if k not in keep]:
            del self._done[item_id]
        for item_id in [k for k in self._pending if k not in keep]:
            self._pending.pop(item_id).cancel()
        self._schedule([index])
        if not self._around.isActive():
            self._around.start()

    def _window(self, index: int) -> tuple[int, int]:
        return max(0, index - BEHIND), min(len(self._items), index + self.ahead + 1)

    def _schedule_around(self) -> None:
        if self._closed or not self._items:
            return
        index = min(self._cursor, len(self._items) - 1)
        lo, hi = self._window(index)
        self._schedule([index, *range(index + 1, hi), *range(lo, index)])

    def _schedule(self, indexes: list[int]) -> None:
        for i in indexes:
            item = self._items[i]
            if item.id not in self._done and item.id not in self._pending:
                future = self._pool.submit(self._work, item, self._generation)
                self._futures.add(future)
                future.add_done_callback(self._futures.discard)
                self._pending[item.id] = future

    def get(self, item_id: str) -> Decoded | None:
        return self._done.get(item_id)

    def _work(self, item: Item, generation: int) -> None:
        decoded = load(item, self._fetch, self.fit, self._load_proposer())
        if not self._closed:
            self._relay.done.emit((generation, decoded))

    def _load_proposer(self) -> Proposer | None:
        """The pre-labeler, built once, in a worker (loading a model is not the GUI's business);
        one that cannot be built (module or model missing) reports why and proposes nothing."""
        if self._make_proposer is None:
            return None
        with self._proposer_lock:
            if not self._proposer_ready:
                self._proposer_ready = True
                try:
                    self._proposer = self._make_proposer()
                except Exception as exc:  # ImportError, a missing file, a broken model: all mean "off"
                    log.info("pre-labeling is off: %s", exc)
                    if not self._closed:
                        self._relay.unavailable.emit(f"Suggestions are off: {exc}")
        return self._proposer

    def _landed(self, payload: tuple[int, Decoded]) -> None:
        generation, decoded = payload
        if generation != self._generation or self._pending.pop(decoded.item_id, None) is None:
            return  # an old batch's, or no longer wanted
        self._done[decoded.item_id] = decoded
        self.ready.emit(decoded.item_id)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop: nothing new starts, what is queued is dropped. ``wait=False`` returns at once (a
        fetch in flight may wait on the network); keep this object until ``idle``, then."""
        self._closed = True
        self._around.stop()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    @property
    def idle(self) -> bool:
        """No worker is running (after ``shutdown``: safe to let go of)."""
        return not self._futures
