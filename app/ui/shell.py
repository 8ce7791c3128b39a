"""The shell: builds the pages, tray, network monitor and wallet controller around one
``AppRuntime``, its ``NetworkServices`` (the composition root, ``app.services``) and the window
frame (``app.ui.frame``), and owns the app's lifecycle (start after first paint, hand the network to
the services once it is up, orderly quit). ``run_gui``
paints the frame before the runtime exists and hands it in; without a frame the shell builds its
own from the runtime's settings.

Everything here works without a running ``QApplication.exec``: tests build a ``Shell`` with a fake
runtime, drive it through its public methods and signals, and never need the real event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.labeling.approvals import Approvals
from app.services import NetworkServices
from app.ui.compute.link import WorkerLink, follow_in_tray
from app.ui.crash_reporter import CrashReporter
from app.ui.frame import NAV, BootSettings, ShellFrame, page_index
from app.ui.labeling.labeler.approvals_panel import ApprovalsPanel
from app.ui.network_monitor import ClientFactory, NetworkMonitor
from app.ui.operations import Operations
from app.ui.pages.compute import ComputePage
from app.ui.pages.home import HomePage
from app.ui.pages.label import LabelPage
from app.ui.pages.marketplace import MarketplacePage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.studio import StudioPage
from app.ui.qt_events import relay
from app.ui.tray import TrayController
from app.ui.wallet.controller import WalletController
from app.ui.wallet.wallet_page import WalletPage

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.paths import AppPaths
    from app.runtime import AppRuntime, NetworkStatus
    from app.storage.store import BlobStore
    from app.ui.widgets import Banner

log = logging.getLogger(__name__)

__all__ = ["NAV", "Shell"]

WALLET_PAGE = page_index("Wallet")
NO_WALLET_BANNER = (
    "Welcome to Sahara. Set up a wallet to be paid for your work and to buy licenses: it takes a minute, "
    "and on the local devnet your first account gets free test ETH."
)


class Shell(QObject):
    """One running app window and everything hanging off it."""

    finished = Signal()  # the orderly quit is done; the caller stops the event loop

    def __init__(
        self,
        app: QApplication,
        runtime: AppRuntime,
        paths: AppPaths,
        *,
        frame: ShellFrame | None = None,
        reporter: CrashReporter | None = None,
        client_factory: ClientFactory | None = None,
        poll_interval: float = 1.0,
        tray_available: bool | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.paths = paths
        settings = runtime.settings
        frame = frame or ShellFrame(app, BootSettings.from_settings(settings))
        self.theme = frame.theme
        self.theme.setParent(self)
        self.theme.set_mode(settings.theme)  # the full settings are the truth (a reset file: defaults)
        self.window = frame.window
        self.reporter = reporter or CrashReporter(
            paths.log_file, lambda: self.window, lambda: self.theme.colors.danger
        )
        self.tray = TrayController(self, force_available=tray_available)
        self.db_dialog: QMessageBox | None = None
        self._quitting = False
        self._offer_setup = False  # the no-wallet banner waits until services start
        self._told_about_tray = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self.services = NetworkServices(runtime, self._open_store)
        self.monitor = NetworkMonitor(
            self.services, client_factory=client_factory, interval=poll_interval, parent=self
        )
        self.wallet_banner: Banner | None = None
        self.compute = WorkerLink(self.services, self)  # the GPU worker, for the Compute page and the tray
        follow_in_tray(self.compute, self.tray)

        colors = self.theme.colors
        self.wallet = WalletController(runtime, colors, window=lambda: self.window, parent=self)
        pages: list[QWidget] = [
            home := HomePage(self.monitor, paths),
            label_page := LabelPage(colors),
            StudioPage(colors, runtime, paths),
            market_page := MarketplacePage(colors),
            compute_page := ComputePage(
                colors, self.compute, settings.compute, runtime.save_settings, paths.cache
            ),
            WalletPage(self.wallet, colors),
            settings_page := SettingsPage(
                settings,
                runtime.save_settings,
                self.theme,
                paths,
                tray_available=self.tray.available,
                wallet=self.wallet,
            ),
        ]
        self.settings_page = settings_page
        home.start.page_requested.connect(self.window.set_page)
        home.start.follow_labeling(label_page)
        home.start.follow_wallet(self.wallet)
        home.start.follow_worker(self.compute)
        self.label_page = label_page
        self.compute_page = compute_page
        relay(self.services.events, "status", self._show_status, self)
        relay(self.services.events, "contracts", self._on_contracts, self)
        relay(self.services.events, "labeling", self._update_labeling, self)
        relay(self.services.events, "reviewed", self.label_page.on_reviewed, self)
        relay(self.services.events, "campaigns", self.label_page.on_new_campaigns, self)
        label_page.follow_wallet(self.wallet)
        market_page.follow(self.services, self.wallet)
        label_page.gate.approvals = approvals = Approvals(paths.data / "labeling" / "approvals.json")
        settings_page.add_section("Labeling approvals", ApprovalsPanel(approvals))
        label_page.set_service(None, "Labeling campaigns show once the network and its contracts are ready.")
        settings_page.storage_editor.changed.connect(self._on_storage_changed)
        settings_page.update_panel.notice.connect(self.window.status.show_message)
        settings_page.update_panel.check_at_start()
        settings_page.network_editor.active_changed.connect(self._on_network_switched)
        self.window.set_pages(pages)
        self.window.set_page(settings.last_page)
        self.window.hide_on_close = self._hide_on_close
        self.window.status.set_network(self.monitor.name, self.monitor.state)

        self.monitor.state_changed.connect(self.window.status.set_network)
        self.monitor.block_changed.connect(self.window.status.set_block)
        self.monitor.devnet_message.connect(lambda _kind, message: self.window.status.show_message(message))
        self.tray.open_requested.connect(self.window.bring_to_front)
        self.tray.quit_requested.connect(self.request_quit)
        self.window.quit_requested.connect(self.request_quit)
        self.window.hidden_to_tray.connect(self._on_hidden_to_tray)

        self.monitor.network_ready.connect(self._on_network_ready)
        self.monitor.state_changed.connect(self.wallet.on_network_state)
        self.monitor.block_changed.connect(self.wallet.on_block)
        self.wallet.changed.connect(self._on_wallet_changed)
        self.wallet.page_requested.connect(lambda: self.window.set_page(WALLET_PAGE))
        self.wallet.notice.connect(self.window.status.show_message)
        self.window.status.account_clicked.connect(self.wallet.indicator_clicked)
        self._on_wallet_changed()

    def _open_store(self) -> BlobStore:
        """The blob store the settings name: the data folder, or the user's IPFS node."""
        from app.storage import open_store

        return open_store(self.paths, ipfs_api=self.runtime.settings.ipfs_api)

    def _show_status(self, text: str) -> None:
        self.window.status.show_message(text)

    # -- start -----------------------------------------------------------------------------------

    def show(self) -> None:
        """Show the window, then anything the user must know about how the app started."""
        self.window.show()
        self.window.activateWindow()  # so Ctrl+1…7 work at once, before the first click
        if self.runtime.settings_warning:
            self.window.show_banner(self.runtime.settings_warning)
        if self.runtime.db_error:
            self._show_db_error(self.runtime.db_error)

    def start_services(self) -> None:
        """Network and polling; called after first paint, on the running asyncio loop."""
        if self._quitting:  # a quit asked for while starting wins: nothing to start and stop again
            return
        self.monitor.listen_to_devnet()
        self.monitor.start()
        self.wallet.start()
        self._offer_setup = True
        self._offer_wallet_setup()

    # -- wallet ----------------------------------------------------------------------------------

    def _on_wallet_changed(self) -> None:
        self.window.status.set_account(*self.wallet.indicator())
        if getattr(self.runtime, "deployment", None) is not None and self.wallet.state != "loading":
            self._update_labeling()  # a locked wallet signs nothing: the page says so
        if self.wallet.state == "none":
            self._offer_wallet_setup()
        elif self.wallet.state != "loading" and self.wallet_banner is not None:
            self.wallet_banner.dismiss()  # a wallet exists now

    def _offer_wallet_setup(self) -> None:
        """No wallet yet: once services start, a banner offers the set-up (never a modal at launch)."""
        if self._offer_setup and self.wallet.state == "none" and self.wallet_banner is None:
            self.wallet_banner = self.window.show_banner(
                NO_WALLET_BANNER, "info", action=("Set up wallet", self._set_up_wallet)
            )
            self.wallet_banner.dismissed.connect(self._wallet_banner_dismissed)

    def _wallet_banner_dismissed(self) -> None:
        self.wallet_banner = None
        self._offer_setup = False  # dismissed or done: not offered again this session

    def _set_up_wallet(self) -> None:
        self.window.set_page(WALLET_PAGE)
        self.wallet.open_onboarding()

    def _on_network_ready(self, status: NetworkStatus) -> None:
        """The network is up (the monitor connected through the composition root, which runs the
        outbox and, on another chain than last time's, looks up the contracts and restarts the
        services): the wallet follows."""
        self.wallet.on_network_ready(status)

    def _on_network_switched(self, name: str) -> None:
        self.monitor.name = name  # the status bar names the new network while it connects (or fails)
        self.monitor.restart()

    def _on_contracts(self, deployment: Deployment | None, problem: str | None) -> None:
        if deployment is None:
            self.settings_page.show_deployment(None, problem)
        else:
            self.settings_page.show_deployment(deployment)
        self._update_labeling()

    def _on_storage_changed(self, url: str | None) -> None:
        """Services hold their store: the root reopens it and restarts them on it."""
        where = f"the IPFS node at {url}" if url else "the data folder"
        self.window.status.show_message(f"Content is now kept in {where}")
        self.services.storage_changed()

    def _update_labeling(self) -> None:
        """Give the Label page the active account's chain service, or say what is missing; on the
        devnet its empty campaign list offers the demo campaign."""
        service, reason = self.services.labeling_for_user()
        self.label_page.set_service(service, reason or None)
        on_devnet = bool(getattr(self.runtime, "on_devnet", False))
        self.label_page.offer_demo(self.services.seed_demo if on_devnet else None)

    def _show_db_error(self, error: str) -> None:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Sahara — database problem")
        box.setText("Your local database could not be brought up to date.")
        box.setInformativeText(
            "Your data was left exactly as it was. Features that keep data on this computer will not work "
            f"until this is fixed; the log has the details.\n\n{error}"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.open()  # not exec(): a nested event loop would stall the asyncio loop behind it
        self.db_dialog = box

    # -- close & quit ----------------------------------------------------------------------------

    def _hide_on_close(self) -> bool:
        return self.runtime.settings.close_to_tray and self.tray.available

    def _on_hidden_to_tray(self) -> None:
        if not self._told_about_tray:
            self._told_about_tray = True
            self.tray.notify("Sahara is still running", "Open it or quit from the tray icon.")

    def save_state(self) -> None:
        """Remember the window's geometry and page; a failed save is logged, never fatal at quit."""
        settings = self.runtime.settings
        settings.window_geometry = self.window.geometry_b64()
        settings.last_page = max(0, self.window.current_page())
        try:
            self.runtime.save_settings()
        except OSError as exc:
            log.error("could not save the window state: %s", exc)

    def request_quit(self) -> None:
        """Save, hide, cancel background work, then emit ``finished``; repeated requests are ignored."""
        if self._quitting:
            return
        self._quitting = True
        self.monitor.stop_listening()
        self.save_state()
        self.window.hide()
        self.tray.dispose()
        self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown(), name="shell-shutdown")

    async def _shutdown(self) -> None:
        try:
            self.wallet.dispose()
            await self.services.aclose()
            await Operations.shutdown()
            await self.runtime.aclose()  # the chain client's HTTP session, before runtime.shutdown()
        except Exception:
            log.exception("shutting down the services failed")
        finally:
            self.window.close_for_quit()
            self.finished.emit()

    @property
    def quitting(self) -> bool:
        return self._quitting
