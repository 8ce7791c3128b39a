"""The golden path of labeling, through the window on a real devnet: the demo requester funds a
digits campaign, the user labels 50 digits with the keyboard alone (each batch is submitted behind
them while the next, claimed ahead, opens), the app's auto-review pays the accepted items, the user
withdraws exactly accepted × reward, and the requester exports COCO."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.chain.devnet import find_anvil
from app.labeling.demo import REWARD_WEI, DemoRequester
from app.labeling.digits import load_digits
from app.runtime import AppRuntime
from app.ui.labeling.wording import sahara
from app.ui.operations import Operations
from app.wallet.service import WalletService

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(find_anvil() is None, reason="anvil missing: run `make setup`"),
]

PHRASE = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
BATCHES = 5


def test_label_50_digits_get_paid_and_the_requester_exports_coco(app, loop, paths, qtbot, tmp_path) -> None:
    from app.ui.shell import Shell

    runtime = AppRuntime.open(paths)
    runtime._wallet = WalletService(paths.data / "wallet", scrypt_n=1 << 12)
    runtime.wallet.create(PHRASE, "correct horse battery")
    shell = Shell(app, runtime, paths)
    page = shell.label_page
    try:
        shell.show()
        shell.start_services()
        qtbot.waitUntil(lambda: page.service is not None, timeout=90000)  # contracts deployed, unlocked
        seeded = loop.create_task(shell.services.seed_demo())
        funded = loop.create_task(runtime.faucet(page.service.address))
        qtbot.waitUntil(lambda: seeded.done() and funded.done(), timeout=90000)
        campaign_id = seeded.result().campaign_id
        token = runtime.deployment.address("SaharaToken")

        async def balance() -> int:
            from app.chain.bindings import bind

            bound = bind(runtime.client.w3, "SaharaToken", token)
            return await runtime.client.ask(bound.functions.balanceOf(page.service.address).call())

        before = loop.create_task(balance())
        qtbot.waitUntil(before.done, timeout=10000)

        shell.window.set_page(1)
        page.refresh_campaigns()
        qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1, timeout=20000)
        page.list_view.table.selectRow(0)
        page.list_view.open_button.click()
        qtbot.waitUntil(lambda: page.detail_view.start_button.isEnabled(), timeout=20000)
        page.detail_view.start_button.click()
        qtbot.waitUntil(lambda: page.gate.review_box is not None, timeout=20000)  # today's fees read
        review = page.gate.review_box
        assert "claiming a batch" in review.informativeText()  # the one approval, in words
        assert "ETH per transaction" in review.informativeText()  # up to what fee
        next(b for b in review.buttons() if b.text() == "Allow and start").click()
        _images, truth = load_digits()
        view = page.labeling
        for _batch in range(BATCHES):  # the last answer of a batch opens the next, claimed ahead
            qtbot.waitUntil(
                lambda: view.session is not None and view.pages.currentIndex() == 0 and not view.busy,
                timeout=30000,
            )
            for item in view.session.items:
                qtbot.waitUntil(lambda: view.canvas.has_image, timeout=10000)
                digit = int(truth[int(item.id.removeprefix("digit-"))])
                QTest.keyClick(view.canvas, getattr(Qt.Key, f"Key_{digit}"))
        flow = page._flow
        qtbot.waitUntil(lambda: len(flow.pipeline.submitted) == BATCHES, timeout=60000)  # sent behind
        view.back_requested.emit()  # the sixth batch, opened, stays claimed for later

        page.show_tab(1)  # Earnings: the auto-review (every 5 s) accepts and credits every batch

        # A review round may land between two batches, so wait until all five are credited.
        everything = f"Ready to withdraw: {sahara(BATCHES * 10 * REWARD_WEI)}"
        for _ in range(45):  # the earnings as the user sees them, refreshed every 2 s
            page.earnings_view.refresh()
            qtbot.waitUntil(lambda: not page.earnings_view.ops.busy("earnings"), timeout=20000)
            if page.earnings_view.withdrawable.text() == everything:
                break
            qtbot.wait(2000)
        from PySide6.QtWidgets import QLabel

        shown = [w.text() for w in page.earnings_view.findChildren(QLabel)]
        assert page.earnings_view.withdrawable.text() == everything, f"all batches paid: {shown}"
        assert page.earnings_view.withdraw_button.isEnabled()
        page.earnings_view.withdraw_button.click()
        assert "Withdraw " in page.earnings_view.review_box.informativeText()  # reviewed in words every time
        next(b for b in page.earnings_view.review_box.buttons() if b.text() == "Withdraw").click()
        after = None

        def withdrawn() -> bool:
            nonlocal after
            task = loop.create_task(balance())
            qtbot.waitUntil(task.done, timeout=10000)
            after = task.result()
            return after > before.result()

        qtbot.waitUntil(withdrawn, timeout=60000)
        assert after - before.result() == BATCHES * 10 * REWARD_WEI, "accepted × reward, all 50 right"

        requester = shell.services.labeling(DemoRequester())
        exported = loop.create_task(requester.export(campaign_id, "coco", tmp_path / "coco"))
        qtbot.waitUntil(exported.done, timeout=30000)
        files = exported.result()
        coco = json.loads(next(f for f in files if f.suffix == ".json").read_text())
        labeled = [a for a in coco["annotations"]]
        assert len(labeled) >= BATCHES * 10
        with qtbot.waitSignal(shell.finished, timeout=20000):
            shell.request_quit()
    finally:
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
        page.shutdown()
        shell.tray.dispose()
        shell.window.close_for_quit()
        runtime.shutdown()
        shell.window.deleteLater()
        shell.deleteLater()
