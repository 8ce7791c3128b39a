"""One app per data folder: a second launch brings the running window to the front and exits.

Two apps on one data folder would both start the devnet, both sign from one wallet (two nonces
racing in one outbox) and both write one database. So the first app holds a lock file in its data
folder (Qt's ``QLockFile``: a lock whose process died, after a crash or kill -9, is taken over) and
listens on a local socket named after that folder; a second launch that finds the lock taken says
"show" on the socket, so a double-click on the icon while the app sits in the tray opens its window,
as users expect from a tray app. Another data folder (``SAHARA_HOME``) is another app: tests and
side-by-side profiles never see each other.

On Windows the first app also holds a named mutex, which the installer's ``AppMutex`` checks so it
never replaces or uninstalls files the running app has open (see packaging/windows/sahara.iss).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

#: The name Inno Setup's ``AppMutex`` waits on; the installer script must use the same.
WINDOWS_MUTEX = "SaharaDesktopRunning"

_SHOW = b"show\n"
_LOCK_FILE = "app.lock"


def server_name(data: Path) -> str:
    """The local socket's name for a data folder: short (Unix socket paths are limited), stable."""
    digest = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:16]
    return f"sahara-{digest}"


class SingleInstance(QObject):
    """The running app's claim on its data folder: the held lock, the listening socket and, on
    Windows, the installer's mutex. Keep it alive until the app quits; ``release`` lets go."""

    def __init__(self, lock: QLockFile, name: str) -> None:
        super().__init__()
        self._lock = lock
        self._server = QLocalServer(self)
        self._on_show: Callable[[], None] | None = None
        self._mutex = _hold_windows_mutex()
        QLocalServer.removeServer(name)  # we hold the lock: a socket left there is a dead app's
        if not self._server.listen(name):
            log.warning("cannot listen for a second launch on %s: %s", name, self._server.errorString())
        self._server.newConnection.connect(self._accept)

    @classmethod
    def claim(cls, data: Path) -> SingleInstance | None:
        """Take the data folder for this process, or, when another app holds it, ask that app to
        show its window and return None (the caller exits). A folder the lock cannot be written in
        is not refused here: the runtime reports it when it opens the data."""
        with contextlib.suppress(OSError):  # then the lock fails too; the runtime says what is wrong
            data.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(data / _LOCK_FILE))
        lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        if lock.tryLock(200):
            return cls(lock, server_name(data))
        if lock.error() != QLockFile.LockError.LockFailedError:
            log.warning("cannot lock %s (%s); starting without the one-app check", data, lock.error())
            return cls(lock, server_name(data))
        if not _ask_to_show(server_name(data)):
            log.warning("another Sahara holds %s but did not answer", data)
        return None

    def on_show(self, show: Callable[[], None]) -> None:
        """What a second launch's "show" does (bring the main window to the front)."""
        self._on_show = show

    def release(self) -> None:
        """Stop listening and unlock, so a new app can start on this folder at once."""
        self._server.close()
        self._lock.unlock()
        if self._mutex is not None:
            import ctypes

            ctypes.windll.kernel32.CloseHandle(self._mutex)  # type: ignore[attr-defined]
            self._mutex = None

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        message = bytes(socket.readAll().data())
        if message.startswith(_SHOW.strip()) and self._on_show is not None:
            log.info("a second launch asked for the window")
            self._on_show()
        socket.disconnectFromServer()


def _ask_to_show(name: str, patience_s: float = 3.0) -> bool:
    """Say "show" to the app listening on ``name``; it may still be starting, so retry a while."""
    deadline = time.monotonic() + patience_s
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(200):
            socket.write(_SHOW)
            sent = socket.waitForBytesWritten(1000)
            socket.disconnectFromServer()
            return sent
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _hold_windows_mutex() -> int | None:
    """The named mutex the installer looks for; None off Windows (or if Windows refuses it)."""
    if sys.platform != "win32":
        return None
    import ctypes

    handle = ctypes.windll.kernel32.CreateMutexW(None, False, WINDOWS_MUTEX)  # type: ignore[attr-defined]
    return int(handle) or None
