"""UI test fixtures: offscreen Qt, a private SAHARA_HOME, a qasync loop per test, a fake runtime,
and a guard that fails any test leaving windows or threads behind."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from app.events import Events
from app.paths import AppPaths
from app.settings import Settings, load_settings, save_settings
from app.ui.app import make_application
from app.ui.main_thread_gc import MainThreadCollector
from app.ui.operations import Operations
from app.ui.shell import Shell
from app.wallet.service import WalletService

FAST_SCRYPT_N = 1 << 12  # the keystore's real scrypt, with a cost that keeps tests fast


@pytest.fixture(autouse=True)
def _private_home(home: Path) -> Path:
    """Every UI test runs against a temporary SAHARA_HOME (the root conftest's ``home``)."""
    return home


@pytest.fixture(scope="session")
def qapp_cls() -> type[QApplication]:
    return QApplication


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    """The session's QApplication, configured the way ``run_gui`` configures it."""
    return make_application()


@pytest.fixture(scope="session", autouse=True)
def _gc_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in ``run_gui``: cyclic garbage is collected on the GUI thread only (main_thread_gc.py), so
    no test's Qt objects are freed from a worker thread (a segfault a few runs in ten without)."""
    collector = MainThreadCollector(qapp)
    yield
    collector.stop()
    collector.deleteLater()


def _flush_deletes() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


@pytest.fixture(autouse=True)
def _no_os_keychain() -> Iterator[None]:
    """UI tests never touch the developer's real keychain (a read could prompt on macOS)."""
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def _no_leftovers(qapp: QApplication, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves top-level widgets or non-daemon threads behind (napari does the same)."""
    widgets_before = set(map(id, QApplication.topLevelWidgets()))
    threads_before = set(threading.enumerate())
    yield
    _flush_deletes()
    left = [w for w in QApplication.topLevelWidgets() if id(w) not in widgets_before]
    assert not left, f"test left top-level widgets behind: {[type(w).__name__ for w in left]}"
    threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive() and not t.daemon]
    assert not threads, f"test left threads behind: {[t.name for t in threads]}"


@pytest.fixture
def loop(app: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked running on top of pytest-qt's event processing.

    qtbot.wait/waitUntil spin Qt's event loop, which is what drives qasync's timers, so tasks make
    progress while a test waits. Afterwards the loop is taken down completely: other test suites in
    the same process call ``asyncio.run``, which refuses to start while a loop is marked running.
    """
    event_loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
    for task in pending:
        task.cancel()
    deadline = 50
    while any(not t.done() for t in pending) and deadline:
        QCoreApplication.processEvents()
        deadline -= 1
    app.aboutToQuit.disconnect(event_loop._after_run_forever)
    asyncio.events._set_running_loop(None)
    event_loop._QEventLoop__is_running = False  # qasync has no public "detach" for already_running loops
    event_loop.close()
    asyncio.set_event_loop(None)


@dataclass(frozen=True)
class FakeStatus:
    name: str = "devnet"
    rpc_url: str = "http://127.0.0.1:9"
    chain_id: int = 31337


class FakeRuntime:
    """The slice of ``AppRuntime`` the shell uses, with knobs for the failure paths. The wallet is a
    real ``WalletService`` in the test's data folder (fast scrypt); there is no chain client or
    outbox unless a test sets them."""

    def __init__(self, paths: AppPaths, *, warning: str | None = None, db_error: str | None = None) -> None:
        self.paths = paths
        self.wallet = WalletService(paths.data / "wallet", scrypt_n=FAST_SCRYPT_N)
        self.client: Any = None
        self.outbox: Any = None
        self.faucet_calls: list[str] = []
        self.aclose_calls = 0
        loaded = load_settings(paths.settings_file)
        self.settings: Settings = loaded.settings
        self.settings_warning = warning or loaded.warning
        self.db_error = db_error
        self.events = Events("devnet")
        self.start_calls = 0
        self.start_error: Exception | None = None
        self.status = FakeStatus()
        self.saves = 0

    def save_settings(self) -> None:
        self.saves += 1
        save_settings(self.paths.settings_file, self.settings)

    async def start_network(self) -> FakeStatus:
        self.start_calls += 1
        await asyncio.sleep(0)
        if self.start_error is not None:
            raise self.start_error
        return self.status

    async def ensure_contracts(self, progress: Any = None) -> Any:
        self.contract_lookups = getattr(self, "contract_lookups", 0) + 1
        return getattr(self, "deployment", None)

    async def faucet(self, address: str) -> list[Any]:
        from app.runtime import NetworkError

        self.faucet_calls.append(address)
        raise NetworkError("Not connected to a network yet.")

    async def aclose(self) -> None:
        self.aclose_calls += 1

    def shutdown(self) -> None:
        pass


class FakeChain:
    """A chain client whose block number the test controls; ``down`` makes it unreachable."""

    def __init__(self, rpc_url: str) -> None:
        self.rpc_url = rpc_url
        self.block = 41
        self.down = False
        self.closed = False

    async def block_number(self) -> int:
        from app.chain.client import ChainUnavailable

        if self.down:
            raise ChainUnavailable(f"{self.rpc_url} is unreachable: connection refused")
        self.block += 1
        return self.block

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def make_runtime(paths: AppPaths) -> Callable[..., FakeRuntime]:
    """``make_runtime(warning=..., db_error=...)``: a fresh fake that reloads the settings file."""
    return lambda **kwargs: FakeRuntime(paths, **kwargs)


@pytest.fixture
def runtime(make_runtime: Callable[..., FakeRuntime]) -> FakeRuntime:
    return make_runtime()


@pytest.fixture
def chains() -> list[FakeChain]:
    return []


@pytest.fixture
def make_shell(
    app: QApplication, loop: asyncio.AbstractEventLoop, paths: AppPaths, chains: list[FakeChain], qtbot: Any
) -> Iterator[Callable[..., Shell]]:
    """Build shells around a fake runtime and fake chain; every one is torn down after the test."""
    made: list[Shell] = []

    def factory(runtime: Any, **kwargs: Any) -> Shell:
        def client(url: str) -> FakeChain:
            chains.append(FakeChain(url))
            return chains[-1]

        kwargs.setdefault("client_factory", client)
        kwargs.setdefault("poll_interval", 0.05)
        shell = Shell(app, runtime, paths, **kwargs)
        made.append(shell)
        return shell

    yield factory
    for shell in made:
        shell.reporter.uninstall()
        stopping = Operations.cancel_all()
        for task in [*stopping, loop.create_task(shell.services.aclose())]:
            qtbot.waitUntil(task.done, timeout=10000)
        shell.tray.dispose()
        shell.window.close_for_quit()
        shell.window.deleteLater()
        shell.deleteLater()
    _flush_deletes()


@pytest.fixture
def studio_page(app, loop, paths, qtbot) -> Iterator[Any]:
    """The Studio page on its own, shown at a laptop size; its runs are stopped afterwards."""
    from app.ui.pages.studio import StudioPage
    from app.ui.theme import DARK

    studio = StudioPage(DARK, paths=paths)
    qtbot.addWidget(studio)
    studio.resize(1300, 800)
    studio.show()
    qtbot.waitExposed(studio)
    qtbot.waitUntil(lambda: studio.gallery is not None)  # the first open offers the templates
    studio.gallery.reject()
    studio.activateWindow()
    yield studio
    for task in studio.shutdown():
        qtbot.waitUntil(task.done, timeout=10000)


@pytest.fixture
def label_page(app, loop, qtbot) -> Iterator[Any]:
    """The Label page on its own at a laptop size; its worker threads and ops stopped afterwards."""
    from app.ui.pages.label import LabelPage
    from app.ui.theme import DARK

    widget = LabelPage(DARK)
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()
    for task in Operations.cancel_all():
        qtbot.waitUntil(task.done, timeout=10000)


@pytest.fixture
def market_catalog(tmp_path: Path) -> Any:
    """A real catalogue (migrated SQLite, real sink and metadata fetcher, a local store) holding a
    dataset, a model and an agent in one lineage, plus assets whose metadata is missing, malformed or
    lies about its CID (``tests/ui/market_catalog.py``)."""
    from market_catalog import build_catalog

    return build_catalog(tmp_path / "market")


@pytest.fixture
def market_page(app, loop, qtbot, market_catalog) -> Iterator[Any]:
    """The Marketplace page on its own at a laptop size, reading ``market_catalog``."""
    from app.ui.pages.marketplace import MarketplacePage
    from app.ui.theme import LIGHT

    widget = MarketplacePage(LIGHT)
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_catalog(market_catalog)
    yield widget
    for task in Operations.cancel_all():
        qtbot.waitUntil(task.done, timeout=10000)
