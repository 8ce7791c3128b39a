"""The labeler's wait on the app's real path: a devnet, stored images, claims and submissions.

The devnet is started and deployed by the app's own runtime (``AppRuntime.start_network`` and
``ensure_contracts`` on a throwaway home, the path the window takes at start-up); the demo
requester funds a campaign of 300 shipped digit PNGs (64 x 64) in batches of 10 through
``LabelingService.create_campaign`` (so the images are in a real blob store), and a labeler with a
real wallet labels every item through the Label page's ``BatchFlow`` in a ``LabelingView``, on the
qasync loop the window runs on: claims, the claim ahead, ``submitAndClaim`` at each boundary, all
through the outbox on the same loop as the key presses.

The wait is the time from a class key press until the next item is on screen (its image set and
the viewport repainted, the view not busy), boundaries included; when the item is not ready when
the key's handling returns, the loop runs (sending, fetching) until it is. The labeler looks at
each item for ``THINK_S`` (a pace of 600 items a minute, faster than a person). The baseline runs
the same harness with nothing claimed ahead (``ahead=0``): at each boundary the labeler waits
for the submission and the next claim, as the app did before.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.labeling.campaign_spec import CampaignSpec
from app.labeling.demo import DemoRequester, demo_items
from app.labeling.digits import CLASSES
from app.labeling.schema import LabelSet, TaskType
from app.labeling.service import LabelingService
from app.paths import app_paths
from app.runtime import AppRuntime
from app.storage.local import LocalStore
from app.ui.labeling.labeler.batch_flow import BatchFlow
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.theme import DARK
from app.wallet.faucet import DEV_MNEMONIC, drip_sahara
from app.wallet.outbox import TxReverted
from app.wallet.service import WalletService

ITEMS = 300
BASELINE_ITEMS = 100  # ten boundaries: enough for the baseline's p95, which they set
BATCH = 10
THINK_S = 0.1
REWARD = 10**16


@asynccontextmanager
async def app_runtime(folder: Path) -> AsyncIterator[AppRuntime]:
    """The app's runtime on a throwaway home under ``folder``: the embedded devnet started and the
    contracts deployed as at the window's start-up; stopped (devnet, database) afterwards."""
    runtime = AppRuntime.open(app_paths(folder / "home").ensure())
    try:
        await runtime.start_network()
        if await runtime.ensure_contracts() is None:
            raise RuntimeError("the devnet's contracts could not be deployed")
        yield runtime
    finally:
        await runtime.aclose()
        runtime.shutdown()


async def until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``check`` every millisecond while the loop (Qt and asyncio) goes on."""
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the labeling view did not get there in time")
        await asyncio.sleep(0.001)


class Campaign:
    """What ``BatchFlow`` reads of a campaign's listing."""

    def __init__(self, campaign_id: int) -> None:
        self.campaign_id, self.title = campaign_id, "Digits (bench)"
        self.reward_per_item, self.review_window_s = REWARD, 600


async def _label(runtime: AppRuntime, folder: Path, count: int, ahead: int) -> list[float]:
    client, outbox, sessions, deployment = (
        runtime.client,
        runtime.outbox,
        runtime.sessions,
        runtime.deployment,
    )
    assert client is not None and outbox is not None and sessions is not None and deployment is not None
    store = LocalStore(folder / "blobs")
    view = LabelingView(DARK)
    try:
        requester = LabelingService(client, outbox, deployment, store, sessions, DemoRequester())
        faucet = deployment.address("Faucet")
        with contextlib.suppress(TxReverted):  # dripped for the first run already (the cooldown)
            await outbox.wait((await drip_sahara(outbox, faucet, requester.address)).id)
        items, truth = demo_items(folder / f"digits-{ahead}", count=count)
        spec = CampaignSpec(
            title="Digits (bench)", task_type=TaskType.IMAGE_CLASSIFICATION,
            label_set=LabelSet.from_names(CLASSES), instructions="", items=items, gold={},
            reward_per_item=REWARD, batch_size=BATCH, review_window_s=600,
        )  # fmt: skip
        campaign_id, _ = await requester.create_campaign(spec)
        wallet = WalletService(folder / f"wallet-{ahead}", scrypt_n=2**4)
        wallet.create(DEV_MNEMONIC, "correct horse battery")
        wallet.add_account()
        wallet.active_index = 1
        labeler = LabelingService(client, outbox, deployment, store, sessions, wallet)
        view.resize(1400, 900)
        view.show()
        manifest = await labeler.manifest(campaign_id)
        flow = BatchFlow(view, labeler, Campaign(campaign_id), manifest)
        view.submit_requested.connect(flow.finish)  # as the Label page connects it
        flow.pipeline.ahead = ahead
        await flow.start(resume=False)
        flow.show()
        waits: list[float] = []

        def showing(other_than: str = "") -> bool:
            """The view's current item is on screen, ready for a key (and not ``other_than``)."""
            session = view.session
            current = session.current.id if session is not None else None
            return (
                current not in (None, other_than)
                and view.shown_item == current
                and view.canvas.has_image
                and not view.busy
            )

        for n in range(count):
            await until(showing)
            item = view.session.current if view.session is not None else None
            assert item is not None
            await asyncio.sleep(THINK_S)  # the labeler looks; the loop sends and fetches meanwhile
            started = time.perf_counter()
            QTest.keyClick(view.canvas, getattr(Qt.Key, f"Key_{truth[item.id].label}"))
            if n == count - 1:
                break
            if not showing(item.id):  # not drawn from memory: wait while the loop fetches it
                await until(lambda answered=item.id: showing(answered))
            view.canvas.viewport().repaint()  # drawn, as the view-only lines above measure it
            waits.append((time.perf_counter() - started) * 1000)
        await flow.pipeline.drain()
        assert len(flow.pipeline.submitted) == count // BATCH, "every batch on chain"
        flow.close()  # as the Label page does when the labeler leaves: the courier ends
        await flow.pipeline.drain()
        return waits
    finally:
        view.shutdown()
        view.close()


def labeler_waits(app: QApplication) -> tuple[list[float], list[float]]:
    """(waits with the next batch claimed ahead, waits of the baseline), in milliseconds."""
    with tempfile.TemporaryDirectory(prefix="sahara-labeling-") as tmp:
        folder = Path(tmp)

        async def both() -> tuple[list[float], list[float]]:
            async with app_runtime(folder) as runtime:
                fast = await _label(runtime, folder, ITEMS, ahead=1)
                return fast, await _label(runtime, folder, BASELINE_ITEMS, ahead=0)

        app.setQuitOnLastWindowClosed(False)  # closing the view must not stop the loop under us
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            return loop.run_until_complete(both())
        finally:
            loop.close()
            asyncio.set_event_loop(None)
