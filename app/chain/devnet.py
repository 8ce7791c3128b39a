"""The embedded local devnet: an anvil node the app starts, watches, shares and stops.

Why it is shaped like this:
- Chain state lives in ``<data>/devnet/state.json``, so the chain survives app restarts and a
  ``kill -9`` of anvil. That file is only ever replaced whole (``devnet_state`` says how): anvil
  dumps beside it every second, and a watching app snapshots it atomically as blocks arrive. The
  last good state is also copied to ``state.json.bak`` before each start, used if anvil refuses it.
- ``devnet.json`` records pid, port and owner. A second app instance (or ``sahara devnet status``)
  finds it there and attaches instead of starting another node. All start/stop decisions happen
  under a file lock so two instances never race to spawn two nodes.
- The owner stops the node when it quits; a node started by ``sahara devnet start`` is owned by the
  CLI and keeps running until ``sahara devnet stop``. An instance that finds a node whose owner died
  adopts it.
- A watchdog thread restarts the node if it dies and reports what happened to listeners.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from app.chain.devnet_state import keep_backup, keep_first_genesis, promote_newest, take_snapshot
from app.chain.jsonrpc import RpcError, rpc_call
from app.events import Events
from app.fileio import atomic_write_text
from app.resources import REPO_ROOT, is_frozen

if TYPE_CHECKING:
    from filelock import FileLock

log = logging.getLogger(__name__)

DEVNET_CHAIN_ID = 31337
CLI_OWNER = "cli"
ANVIL_ENV = "SAHARA_ANVIL"


class DevnetError(RuntimeError):
    """The devnet could not be started, found or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class DevnetInfo:
    pid: int
    port: int
    chain_id: int
    owner: str
    started_at: float

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class DevnetEvent:
    kind: str  # "started" | "attached" | "adopted" | "died" | "restarted" | "failed" | "stopped"
    message: str
    info: DevnetInfo | None = None


def _anvil_name() -> str:
    return "anvil.exe" if sys.platform == "win32" else "anvil"


def _npm_platform_package() -> str:
    os_name = {"win32": "win32", "darwin": "darwin"}.get(sys.platform, "linux")
    arch = "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "amd64"
    return f"anvil-{os_name}-{arch}"


def find_anvil() -> Path | None:
    """Locate anvil: ``$SAHARA_ANVIL``, next to the frozen app, the project's node_modules, or PATH."""
    candidates: list[Path] = []
    if os.environ.get(ANVIL_ENV):
        candidates.append(Path(os.environ[ANVIL_ENV]))
    if is_frozen():
        candidates.append(Path(sys.executable).parent / _anvil_name())
    modules = REPO_ROOT / "node_modules" / "@foundry-rs"
    candidates.append(modules / _npm_platform_package() / "bin" / _anvil_name())
    on_path = shutil.which("anvil")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pid_is_anvil(pid: int) -> bool:
    """True if ``pid`` is a live anvil process (guards against a recycled pid)."""
    try:
        proc = psutil.Process(pid)
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and "anvil" in proc.name().lower()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _owner_alive(owner: str) -> bool:
    if owner == CLI_OWNER:
        return True
    try:
        return psutil.pid_exists(int(owner.removeprefix("app:")))
    except ValueError:
        return False


class Devnet:
    """Start, attach to, watch and stop the anvil node kept in ``folder``."""

    def __init__(
        self,
        folder: Path,
        *,
        anvil: Path | None = None,
        chain_id: int = DEVNET_CHAIN_ID,
        block_time: float | None = 1.0,
        owner: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.folder = folder
        self.anvil = anvil
        self.chain_id = chain_id
        self.block_time = block_time
        self.owner = owner or f"app:{os.getpid()}"
        self.start_timeout = start_timeout
        self.state_file = folder / "state.json"
        self.live_file = folder / "state.live.json"  # anvil's own dumps: may be torn by a kill
        self.backup_file = folder / "state.json.bak"
        self.info_file = folder / "devnet.json"
        self.log_file = folder / "anvil.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._info: DevnetInfo | None = None
        self.events = Events("changed")  # (DevnetEvent), from the thread that saw it (often the watchdog)
        self._watchdog: threading.Thread | None = None
        self._stop_watch = threading.Event()

    @functools.cached_property
    def _lock(self) -> FileLock:
        """Held around every start and stop decision; made when first needed, as ``status`` (all
        ``sahara label campaigns`` asks) never needs it and filelock's import is not free."""
        from filelock import FileLock

        return FileLock(str(self.folder / "devnet.lock"), timeout=self.start_timeout * 2)

    # -- queries ---------------------------------------------------------------------------------

    @property
    def info(self) -> DevnetInfo | None:
        return self._info

    @property
    def owned(self) -> bool:
        return self._info is not None and self._info.owner == self.owner

    def status(self) -> DevnetInfo | None:
        """The running devnet recorded in ``devnet.json``, if its process is alive and answers."""
        info = self._read_info()
        if info is None or not _pid_is_anvil(info.pid):
            return None
        try:
            if int(rpc_call(info.rpc_url, "eth_chainId"), 16) != info.chain_id:
                return None
        except (RpcError, ValueError, TypeError):
            return None
        return info

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DevnetInfo:
        """Attach to the running devnet, or start one. Safe to call from several processes at once."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            running = self.status()
            if running is not None:
                if running.owner != self.owner and not _owner_alive(running.owner):
                    running = self._write_info(DevnetInfo(**{**asdict(running), "owner": self.owner}))
                    self._emit("adopted", f"Adopted the devnet on port {running.port}", running)
                else:
                    self._emit("attached", f"Attached to the devnet on port {running.port}", running)
                self._info = running
                return running
            self._info = self._spawn()
            self._emit("started", f"Started the devnet on port {self._info.port}", self._info)
            return self._info

    def stop(self) -> bool:
        """Stop the recorded devnet whoever owns it (``sahara devnet stop``). True if one was stopped."""
        self._stop_watch.set()
        with self._lock:
            info = self._read_info()
            stopped = False
            if info is not None and _pid_is_anvil(info.pid):
                take_snapshot(info.rpc_url, self.state_file)  # anvil's own exit dump is not atomic
                self._terminate(info.pid)
                stopped = True
            self.info_file.unlink(missing_ok=True)
            self._proc, self._info = None, None
        if stopped:
            self._emit("stopped", "The devnet stopped")
        return stopped

    def shutdown(self) -> None:
        """App quit: stop watching, and stop the node only if this instance owns it."""
        self._stop_watch.set()
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout=5)
        if self.owned:
            self.stop()

    def reset(self) -> None:
        """Stop the devnet and delete its chain state: the next start is a fresh chain."""
        self.stop()
        with self._lock:
            for path in (self.state_file, self.live_file, self.backup_file, self.info_file):
                path.unlink(missing_ok=True)

    # -- watchdog --------------------------------------------------------------------------------

    def watch(self, interval: float = 1.0, max_restarts: int = 5, window: float = 60.0) -> None:
        """Start a daemon thread that snapshots the chain as blocks arrive, and restarts the devnet
        when it dies (bounded, to avoid a loop)."""
        if self._watchdog is not None and self._watchdog.is_alive():
            return
        self._stop_watch.clear()
        self._watchdog = threading.Thread(
            target=self._watch_loop,
            args=(interval, max_restarts, window),
            name="devnet-watchdog",
            daemon=True,
        )
        self._watchdog.start()

    def _watch_loop(self, interval: float, max_restarts: int, window: float) -> None:
        restarts: list[float] = []
        misses = 0
        saved: tuple[int, str] | None = None  # (block, rpc url) of the last snapshot
        while not self._stop_watch.wait(interval):
            info = self._info
            if info is None:
                continue
            process_gone = not _pid_is_anvil(info.pid)
            if not process_gone:
                try:
                    block = int(rpc_call(info.rpc_url, "eth_blockNumber", timeout=interval * 2), 16)
                    misses = 0
                    if saved != (block, info.rpc_url) and take_snapshot(info.rpc_url, self.state_file):
                        saved = (block, info.rpc_url)
                    continue
                except RpcError:
                    misses += 1
                    if misses < 3:  # a busy node may be slow to answer; only repeated silence counts
                        continue
            misses = 0
            self._emit("died", "The devnet stopped unexpectedly; restarting it", info)
            now = time.monotonic()
            restarts = [t for t in restarts if now - t < window]
            if len(restarts) >= max_restarts:
                self._emit("failed", f"The devnet died {max_restarts} times in {window:.0f} s; giving up")
                return
            restarts.append(now)
            try:
                with contextlib.suppress(psutil.Error):
                    if not process_gone:
                        self._terminate(info.pid)
                self._info = None
                new = self.start()
                self._emit("restarted", f"The devnet is back on port {new.port}", new)
            except DevnetError as exc:
                self._emit("failed", str(exc))

    # -- internals -------------------------------------------------------------------------------

    def _emit(self, kind: str, message: str, info: DevnetInfo | None = None) -> None:
        log.info("devnet %s: %s", kind, message)
        self.events.emit("changed", DevnetEvent(kind, message, info))  # a failing listener is logged

    def _read_info(self) -> DevnetInfo | None:
        try:
            raw = json.loads(self.info_file.read_text(encoding="utf-8"))
            return DevnetInfo(
                pid=int(raw["pid"]),
                port=int(raw["port"]),
                chain_id=int(raw["chain_id"]),
                owner=str(raw["owner"]),
                started_at=float(raw["started_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_info(self, info: DevnetInfo) -> DevnetInfo:
        atomic_write_text(self.info_file, json.dumps(asdict(info), indent=2))
        return info

    def _spawn(self) -> DevnetInfo:
        anvil = self.anvil or find_anvil()
        if anvil is None:
            raise DevnetError(
                "anvil was not found. Run `make run` (it installs the npm package @foundry-rs/anvil), "
                f"put anvil on PATH, or set {ANVIL_ENV}."
            )
        promote_newest(self.state_file, self.live_file)
        keep_first_genesis(self.state_file)
        keep_backup(self.state_file, self.backup_file)
        try:
            info = self._launch(anvil)
            if not self.state_file.exists():
                # A new chain is on disk from its first moment: killed before any dump, it would
                # come back with another genesis, a new chain whose records would be removed.
                take_snapshot(info.rpc_url, self.state_file)
            return info
        except DevnetError:
            if not self.backup_file.exists():
                raise
            log.warning("anvil refused the state file; retrying with the last good copy")
            damaged = self.state_file.with_name(f"state.json.damaged-{int(time.time())}")
            with contextlib.suppress(OSError):
                self.state_file.replace(damaged)
            shutil.copyfile(self.backup_file, self.state_file)
            return self._launch(anvil)

    def _launch(self, anvil: Path) -> DevnetInfo:
        port = free_loopback_port()
        cmd = [
            str(anvil), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(self.chain_id),
            "--dump-state", str(self.live_file), "--state-interval", "1",
        ]  # fmt: skip
        if self.state_file.exists():
            cmd += ["--load-state", str(self.state_file)]
        if self.block_time:
            # Blocks tick like a real chain, and transactions still mine at once (no waiting a slot).
            cmd += ["--block-time", str(self.block_time), "--mixed-mining"]
        flags: dict[str, object] = {}
        if sys.platform == "win32":
            flags["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        else:
            flags["start_new_session"] = True  # outlives a CLI `devnet start`; Ctrl+C goes to the app only
        with open(self.log_file, "ab") as log_fh:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_fh, stderr=log_fh, **flags)  # type: ignore[call-overload]
        deadline = time.monotonic() + self.start_timeout
        url = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise DevnetError(f"anvil exited with code {proc.returncode}: {self._log_tail()}")
            try:
                if int(rpc_call(url, "eth_chainId", timeout=1.0), 16) == self.chain_id:
                    break
            except (RpcError, ValueError, TypeError):
                pass
            time.sleep(0.05)
        else:
            proc.kill()
            raise DevnetError(f"anvil did not answer within {self.start_timeout:.0f} s: {self._log_tail()}")
        self._proc = proc
        return self._write_info(DevnetInfo(proc.pid, port, self.chain_id, self.owner, time.time()))

    def _terminate(self, pid: int) -> None:
        """Ask anvil to exit (it dumps its state on SIGINT), then force it after a grace period."""
        try:
            proc = psutil.Process(pid)
            if sys.platform == "win32":
                proc.terminate()
            else:
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        except psutil.NoSuchProcess:
            pass
        if self._proc is not None and self._proc.pid == pid:
            self._proc.wait(timeout=5)  # reap our own child so it is no zombie

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return " | ".join(text[-lines:]) or "no output"
