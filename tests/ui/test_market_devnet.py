"""The marketplace through the window on a real devnet (the issue's "done when"): the user publishes
an ONNX model with the wizard, finds it by typing, opens its page, switches to a second account,
buys a license in the buy dialog (terms in words first), and the download that the app's own key
delivery made possible decrypts to exactly the published file; My licenses then lists it."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.chain.bindings import bind
from app.chain.devnet import find_anvil
from app.resources import resources_dir
from app.runtime import AppRuntime
from app.ui.frame import page_index
from app.ui.operations import Operations
from app.wallet.service import WalletService
from app.words import format_sahara

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(find_anvil() is None, reason="anvil missing: run `make setup`"),
]

PHRASE = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
E18 = 10**18


def read_balance(runtime, loop, qtbot, address: str) -> int:  # type: ignore[no-untyped-def]
    """The SAHARA ``address`` holds, read on the test's loop."""
    token = bind(runtime.client.w3, "SaharaToken", runtime.deployment.address("SaharaToken"))
    read = loop.create_task(runtime.client.ask(token.functions.balanceOf(address).call()))
    qtbot.waitUntil(read.done, timeout=10000)
    return int(read.result())


def test_publish_search_open_buy_and_download(app, loop, paths, qtbot, tmp_path: Path) -> None:
    from app.ui.shell import Shell

    model = tmp_path / "digits.onnx"
    shutil.copyfile(resources_dir() / "models" / "digits.onnx", model)
    published_sha = hashlib.sha256(model.read_bytes()).hexdigest()
    runtime = AppRuntime.open(paths)
    runtime._wallet = WalletService(paths.data / "wallet", scrypt_n=1 << 12)
    seller = runtime.wallet.create(PHRASE, "correct horse battery")
    buyer = runtime.wallet.add_account("Buyer")
    shell = Shell(app, runtime, paths)

    balance = functools.partial(read_balance, runtime, loop, qtbot)

    page = shell.window.stack.widget(page_index("Marketplace"))
    try:
        shell.show()
        shell.start_services()
        qtbot.waitUntil(lambda: page.catalog is not None, timeout=120000)  # contracts up, indexer running
        funded = [loop.create_task(runtime.faucet(a.address)) for a in (seller, buyer)]
        qtbot.waitUntil(lambda: all(t.done() for t in funded), timeout=90000)
        shell.window.set_page(page_index("Marketplace"))
        page.account.downloads = tmp_path / "downloads"

        # Publish with the wizard, as the seller (account 0).
        page.publish_button.click()
        wizard = page.account.wizard
        wizard.source.paths.append(model)
        wizard._read_source()
        wizard.next()
        wizard.card.name.setText("Digit classifier")
        wizard.card.tags.setText("digits, onnx")
        wizard.card.template_button.click()
        wizard.next()
        wizard.terms.price.setText("3")
        wizard.next()
        wizard.next()
        assert (
            "3 SAHARA; perpetual; commercial use allowed; derivatives allowed" in wizard.review.summary.text()
        )
        wizard.next()
        qtbot.waitUntil(lambda: wizard.asset_id is not None or wizard.review.status.is_error, timeout=120000)
        assert wizard.asset_id is not None, wizard.review.status.text()
        asset_id = wizard.asset_id
        wizard.next()  # Done

        # Search as you type, then open it from the keyboard.
        search = page.browse.filters.search
        qtbot.keyClicks(search, "classif")
        results = page.browse.results

        def listed() -> bool:
            page.refresh()
            return any(
                results.item(i).data(Qt.ItemDataRole.UserRole) == asset_id for i in range(results.count())
            )

        qtbot.waitUntil(listed, timeout=60000)
        results.setFocus()
        results.setCurrentRow(0)
        qtbot.keyClick(results, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: page.asset.detail is not None and page.asset.detail.asset_id == asset_id, timeout=20000
        )
        assert page.asset.heading.text() == "Digit classifier"
        qtbot.waitUntil(
            lambda: page.asset.detail.meta_status == "ok" and len(page.asset.detail.offers) == 1,
            timeout=30000,
        )

        files = page.asset.tabs.widget(2)
        qtbot.waitUntil(
            lambda: any(f"SHA-256 {published_sha}" in w.text() for w in files.findChildren(QLabel)),
            timeout=20000,
        )

        # Buy as the second account: the terms and total in words first, then the verified download.
        shell.wallet.switch(buyer.index)
        page.asset.show_tab("Licenses")
        offer_card = page.asset.offers.itemAt(0).widget()
        offer_card.buy_button.click()
        dialog = page.account.dialog
        qtbot.waitUntil(lambda: dialog.buy_button.isEnabled() or dialog.problem.isVisible(), timeout=30000)
        assert dialog.buy_button.isEnabled(), dialog.problem.text()
        assert "You pay 3 SAHARA now, held in escrow" in dialog.words.text()
        assert dialog.buy_button.text() == "Buy for 3 SAHARA"
        dialog.buy_button.click()
        qtbot.waitUntil(lambda: dialog.saved is not None or dialog.problem.isVisible(), timeout=180000)
        assert dialog.saved is not None, dialog.problem.text()
        assert dialog.saved.sha256 == published_sha
        assert hashlib.sha256(dialog.saved.path.read_bytes()).hexdigest() == published_sha
        assert "matches the published hash" in dialog.done_line.text()
        dialog.close_button.click()

        # A purchase refused on chain (the seller paused the offer after the quote) says why and pays nothing.
        page.asset.offers.itemAt(0).widget().buy_button.click()
        again = page.account.dialog
        qtbot.waitUntil(lambda: again.buy_button.isEnabled(), timeout=30000)
        shell.wallet.switch(seller.index)  # the owner pauses the offer from the asset page

        def owner_card() -> object:
            card = page.asset.offers.itemAt(0).widget()
            return card if getattr(card, "toggle_button", None) is not None else None

        qtbot.waitUntil(lambda: owner_card() is not None, timeout=30000)
        assert owner_card().toggle_button.text() == "Pause offer"
        owner_card().toggle_button.click()
        qtbot.waitUntil(lambda: "paused; nobody can buy it" in page.status.text(), timeout=30000)
        qtbot.waitUntil(lambda: owner_card() is not None and "paused by the seller" in " ".join(
            w.text() for w in owner_card().findChildren(QLabel)), timeout=30000)  # fmt: skip
        shell.wallet.switch(buyer.index)
        before = balance(buyer.address)
        again.buy_button.click()
        qtbot.waitUntil(again.problem.isVisible, timeout=30000)
        assert (
            again.problem.text() == "License not bought: the seller has paused this offer. Nothing was paid."
        )
        assert balance(buyer.address) == before
        assert again.license_id is None and again.close_button.isEnabled()
        again.close_button.click()

        # My licenses lists it, delivered.
        page.show_section(1)
        license_id = dialog.license_id

        def delivered() -> bool:
            row = page.licenses.rows.get(license_id)
            return row is not None and row.download_button is not None

        qtbot.waitUntil(delivered, timeout=30000)
        texts = [w.text() for w in page.licenses.rows[license_id].findChildren(QLabel)]
        assert "Delivered" in texts and any(
            t.startswith("Perpetual; you can dispute the delivery") for t in texts
        ), texts
        (tmp_path / "downloads" / "digits.onnx").unlink()
        page.licenses.rows[license_id].download_button.click()  # again, from My licenses
        qtbot.waitUntil(lambda: "matches the published hash" in page.status.text(), timeout=60000)
        assert (
            hashlib.sha256((tmp_path / "downloads" / "digits.onnx").read_bytes()).hexdigest() == published_sha
        )
        page.licenses.rows[license_id].accept_button.click()  # release the escrow to the seller now

        def accepted() -> bool:
            row = page.licenses.rows.get(license_id)
            return row is not None and "Active" in [w.text() for w in row.findChildren(QLabel)]

        qtbot.waitUntil(accepted, timeout=60000)
        assert page.licenses.rows[license_id].accept_button is None  # nothing left to accept or dispute

        # The buyer builds on it: an agent from a studio graph using the model, its parent checked first.
        graph = tmp_path / "reader.json"
        graph.write_text(json.dumps({"schema_version": 1, "name": "Digit reader", "edges": [], "nodes": [
            {"id": "m", "type": "onnx_model", "title": "Classifier",
             "config": {"path": f"asset:{runtime.deployment.chain_id}:{asset_id}"}}]}))  # fmt: skip
        page.show_section(0)
        page.publish_button.click()
        wizard = page.account.wizard
        wizard.source.kinds.button(1).click()
        wizard.use_graph(str(graph))
        qtbot.waitUntil(lambda: "Graph read" in wizard.source.note.text(), timeout=30000)
        for _step in range(3):  # source, card (the graph's name), terms
            wizard.next()
        assert wizard.parents.parents.text() == str(asset_id) and wizard.parents.parents.isReadOnly()
        qtbot.waitUntil(lambda: f"Asset #{asset_id}:" in wizard.parents.results.text(), timeout=30000)
        assert wizard.parents.results.text().startswith("✓"), wizard.parents.results.text()
        wizard.next()
        wizard.next()  # Publish
        qtbot.waitUntil(lambda: wizard.asset_id is not None or wizard.review.status.is_error, timeout=120000)
        assert wizard.asset_id is not None, wizard.review.status.text()
        agent_id = wizard.asset_id
        wizard.next()
        page.open_asset(asset_id)
        page.asset.show_tab("Lineage")
        qtbot.waitUntil(lambda: agent_id in page.asset.lineage.nodes, timeout=30000)  # drawn as its child

        # The seller's Earnings: the buyer accepted the delivery, so the price (less the market's fee)
        # reached the model's vault; Claim all pays it in one transaction, to the wei.
        shell.wallet.switch(seller.index)
        page.show_section(2)
        qtbot.waitUntil(
            lambda: page.earnings.claim_button.isEnabled() or page.earnings.problem.isVisible(), timeout=30000
        )
        assert not page.earnings.problem.isVisible(), page.earnings.problem.text()
        shown = [w.text() for w in page.earnings.findChildren(QLabel)]
        assert "Digit classifier" in shown and "owner" in shown
        before = balance(seller.address)
        page.earnings.claim_button.click()
        qtbot.waitUntil(
            lambda: page.earnings.done.isVisible() or page.earnings.problem.isVisible(), timeout=60000
        )
        assert page.earnings.done.isVisible(), page.earnings.problem.text()
        claimed = balance(seller.address) - before
        assert (
            claimed > 0
            and page.earnings.done.text() == f"Claimed {format_sahara(claimed)} in one transaction."
        )
        qtbot.waitUntil(lambda: len(page.earnings.chart.claims) == 1, timeout=30000)  # the history, drawn
        # The read that drew it was taken at or after the claim's block, so nothing is left; a read
        # begun before the claim was mined (the indexer's licenses event) that lands later is dropped.
        assert page.earnings.total.text() == "0 SAHARA"
        page.show_section(2)
        qtbot.waitUntil(lambda: not page.account.ops.busy("earnings"), timeout=30000)
        assert page.earnings.total.text() == "0 SAHARA" and not page.earnings.claim_button.isEnabled()
        with qtbot.waitSignal(shell.finished, timeout=20000):
            shell.request_quit()
    finally:
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
        shell.tray.dispose()
        shell.window.close_for_quit()
        runtime.shutdown()
        shell.window.deleteLater()
        shell.deleteLater()


def test_a_campaign_becomes_a_dataset_through_the_wizard(app, loop, paths, qtbot, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    from app.labeling.campaign_spec import CampaignSpec
    from app.labeling.schema import Item, LabelSet, TaskType
    from app.ui.shell import Shell

    runtime = AppRuntime.open(paths)
    runtime._wallet = WalletService(paths.data / "wallet", scrypt_n=1 << 12)
    requester = runtime.wallet.create(PHRASE, "correct horse battery")
    shell = Shell(app, runtime, paths)
    page = shell.window.stack.widget(page_index("Marketplace"))
    try:
        shell.show()
        shell.start_services()
        qtbot.waitUntil(lambda: page.catalog is not None, timeout=120000)
        funded = loop.create_task(runtime.faucet(requester.address))
        qtbot.waitUntil(funded.done, timeout=90000)
        (tmp_path / "shapes").mkdir()
        items = []
        for n in range(3):
            image = Image.new("RGB", (24, 24), (255, 255, 255))
            ImageDraw.Draw(image).rectangle((2 + n, 3, 18, 20), outline=(0, 0, 0))
            image.save(tmp_path / "shapes" / f"{n}.png")
            items.append(Item(id=f"shapes/{n}.png", source=str(tmp_path / "shapes" / f"{n}.png")))
        spec = CampaignSpec(
            title="Shapes", task_type=TaskType.IMAGE_CLASSIFICATION,
            label_set=LabelSet.from_names(["box", "ring"]), instructions="Box or ring?", items=items,
            gold={}, reward_per_item=10**16, batch_size=3,
        )  # fmt: skip
        service, why = shell.services.labeling_for_user()
        assert service is not None, why
        created = loop.create_task(service.create_campaign(spec))
        qtbot.waitUntil(created.done, timeout=60000)
        campaign_id, _ = created.result()

        page.publish_button.click()
        wizard = page.account.wizard
        wizard.source.kinds.button(2).click()  # a dataset, from one of the account's campaigns
        qtbot.waitUntil(lambda: wizard.source.campaigns.count() == 1, timeout=30000)
        assert wizard.source.campaigns.itemText(0) == f"#{campaign_id} Shapes"
        for _step in range(4):  # source, card (the campaign's own), terms, parents
            wizard.next()
        assert f"campaign #{campaign_id}'s dataset" in wizard.review.summary.text()
        wizard.next()  # Publish
        qtbot.waitUntil(lambda: wizard.asset_id is not None or wizard.review.status.is_error, timeout=120000)
        assert wizard.asset_id is not None, wizard.review.status.text()
        asset_id = wizard.asset_id
        wizard.next()
        results = page.browse.results

        def indexed() -> bool:
            page.refresh()
            return any(
                results.item(i).data(Qt.ItemDataRole.UserRole) == asset_id for i in range(results.count())
            )

        qtbot.waitUntil(indexed, timeout=60000)
        page.open_asset(asset_id)
        qtbot.waitUntil(
            lambda: page.asset.detail is not None and page.asset.detail.name == "Shapes", timeout=30000
        )
        assert page.asset.kind.text() == f"Dataset #{asset_id}"

        # Buy a license of it, then dispute the delivery from My licenses, with a reason.
        page.account.downloads = tmp_path / "downloads"
        qtbot.waitUntil(
            lambda: page.asset.offers.itemAt(0).widget() is not None and bool(page.asset.detail.offers),
            timeout=30000,
        )
        page.asset.offers.itemAt(0).widget().buy_button.click()
        dialog = page.account.dialog
        qtbot.waitUntil(lambda: dialog.buy_button.isEnabled() or dialog.problem.isVisible(), timeout=30000)
        dialog.buy_button.click()
        qtbot.waitUntil(lambda: dialog.saved is not None or dialog.problem.isVisible(), timeout=120000)
        assert dialog.saved is not None, dialog.problem.text()
        license_id = dialog.license_id
        dialog.close_button.click()
        page.show_section(1)

        def row() -> object:
            found = page.licenses.rows.get(license_id)
            return found if found is not None and found.dispute_button is not None else None

        qtbot.waitUntil(lambda: row() is not None, timeout=30000)
        row().dispute_button.click()
        row().send_dispute.click()  # no reason yet: refused in words, nothing sent
        assert "Say what is wrong" in row().problem.text()
        row().reason.setText("The zip holds no labels.")
        row().send_dispute.click()
        qtbot.waitUntil(
            lambda: license_id in page.licenses.rows and "Disputed" in [
                w.text() for w in page.licenses.rows[license_id].findChildren(QLabel)], timeout=60000,
        )  # fmt: skip

        # A seller that never delivers: the buyer stops waiting, the deadline passes, Refund pays it back.
        shell.services.stop_services()  # no key delivery from here on
        page.show_section(0)
        page.asset.offers.itemAt(0).widget().buy_button.click()
        dialog = page.account.dialog
        qtbot.waitUntil(lambda: dialog.buy_button.isEnabled(), timeout=30000)
        dialog.buy_button.click()
        qtbot.waitUntil(lambda: dialog.license_id is not None, timeout=60000)
        late = dialog.license_id
        dialog.close_button.click()  # "Stop waiting": the license stays bought
        assert "is bought and kept" in dialog.problem.text()
        dialog.close_button.click()
        timeout = loop.create_task(runtime.client.ask(
            bind(runtime.client.w3, "LicenseMarket", runtime.deployment.address("LicenseMarket"))
            .functions.deliveryTimeout().call()
        ))  # fmt: skip
        qtbot.waitUntil(timeout.done, timeout=10000)
        moved = loop.create_task(
            runtime.client.w3.provider.make_request("evm_increaseTime", [int(timeout.result()) + 60])
        )
        qtbot.waitUntil(moved.done, timeout=10000)
        mined = loop.create_task(runtime.client.w3.provider.make_request("evm_mine", []))
        qtbot.waitUntil(mined.done, timeout=10000)
        before = read_balance(runtime, loop, qtbot, requester.address)
        page.show_section(1)

        def refundable() -> object:
            found = page.licenses.rows.get(late)
            return found if found is not None and found.refund_button is not None else None

        qtbot.waitUntil(lambda: refundable() is not None, timeout=30000)
        refundable().refund_button.click()
        qtbot.waitUntil(
            lambda: late in page.licenses.rows and "Refunded" in [
                w.text() for w in page.licenses.rows[late].findChildren(QLabel)], timeout=60000,
        )  # fmt: skip
        assert (
            read_balance(runtime, loop, qtbot, requester.address) - before == E18
        )  # the price, back to the wei
        with qtbot.waitSignal(shell.finished, timeout=20000):
            shell.request_quit()
    finally:
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
        shell.tray.dispose()
        shell.window.close_for_quit()
        runtime.shutdown()
        shell.window.deleteLater()
        shell.deleteLater()
