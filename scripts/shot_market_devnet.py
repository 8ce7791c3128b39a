"""Screenshots of the Marketplace on a real devnet, rendered offscreen: the browse page, an asset page
with its lineage graph, My licenses, Earnings and the publish wizard, at 1600×1000 and 960×640.

Everything is real: the app's shell starts the embedded devnet and deploys the contracts; a seller
account publishes two models and an agent derived from one of them through the market services; a
buyer account buys licenses (the app's own key delivery delivers them); the window shows what the
indexer read. Usage: ``python scripts/shot_market_devnet.py OUT_DIR`` (a throwaway SAHARA_HOME).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SAHARA_HOME"] = tempfile.mkdtemp(prefix="sahara-market-shots-")

import qasync
from PySide6.QtWidgets import QWidget

from app.market import buying, earnings, my_licenses
from app.market.licenses import LicenseStatus
from app.market.publishing import PublishRequest, publish
from app.market.terms import OfferTerms
from app.paths import app_paths
from app.resources import resources_dir
from app.runtime import AppRuntime
from app.ui.app import make_application
from app.ui.frame import page_index
from app.ui.market.context import market_context
from app.wallet.service import WalletService

if TYPE_CHECKING:
    from app.ui.shell import Shell
    from app.wallet.keystore import AccountEntry

PHRASE = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
E18 = 10**18
DIGITS_CARD = """# Digit classifier (8×8)

A small convolutional network that reads handwritten digits from 8×8 grey images, exported to ONNX.

## How it was made
Trained on scikit-learn's digits, 1,437 images, 10 classes; 97 % accuracy on the 360 held out.

## How to use it
Input `float32[1, 1, 8, 8]` scaled to 0–1; output ten logits, one per digit.
"""


async def until(check, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise TimeoutError("the devnet did not get there in time")
        await asyncio.sleep(0.2)


def grab(widget: QWidget, out: Path) -> None:
    if not widget.grab().save(str(out)):
        raise OSError(f"could not save {out}")
    print(f"saved {out}")


async def main(out: Path) -> None:
    """Make the shots; the shell's services and the devnet it started stop however that ends."""
    from app.ui.shell import Shell

    app = make_application()
    paths = app_paths().ensure()
    runtime = AppRuntime.open(paths)
    try:
        runtime._wallet = WalletService(paths.data / "wallet", scrypt_n=1 << 12)
        seller = runtime.wallet.create(PHRASE, "correct horse battery")
        buyer = runtime.wallet.add_account("Buyer")
        shell = Shell(app, runtime, paths)
        try:
            await shoot(shell, runtime, seller, buyer, out)
        finally:
            done = asyncio.get_running_loop().create_future()
            shell.finished.connect(lambda: done.done() or done.set_result(None))
            shell.request_quit()
            await asyncio.wait_for(done, 30)
    finally:
        runtime.shutdown()  # the devnet too, even when the services did not close in time
    app.quit()


async def shoot(
    shell: Shell, runtime: AppRuntime, seller: AccountEntry, buyer: AccountEntry, out: Path
) -> None:
    """Start the devnet, publish as ``seller`` and buy as ``buyer``, and grab the Marketplace's views."""
    page = shell.window.stack.widget(page_index("Marketplace"))
    shell.show()
    shell.start_services()
    await until(lambda: page.catalog is not None)
    for account in (seller, buyer):
        await runtime.faucet(account.address)
    ctx = market_context(shell.services)
    models = resources_dir() / "models"
    work = Path(tempfile.mkdtemp())
    digits = await publish(ctx, PublishRequest(
        kind="model", name="Digit classifier (8×8)", files=(models / "digits.onnx",), card=DIGITS_CARD,
        tags=("digits", "vision", "onnx"), task_type="image_classification",
        offers=(OfferTerms(3 * E18), OfferTerms(1 * E18, duration_s=30 * 86_400, commercial=False)),
    ))  # fmt: skip
    await publish(ctx, PublishRequest(
        kind="model", name="Character language model", files=(models / "charlm.onnx",),
        card="# Character language model\n\nA tiny character-level LM for autocomplete demos.",
        tags=("text", "onnx"), task_type="text_generation", offers=(OfferTerms(5 * E18),),
    ))  # fmt: skip
    graph = work / "digit-reader.json"
    graph.write_text(json.dumps({"schema_version": 1, "name": "Digit reader", "edges": [], "nodes": [
        {"id": "m", "type": "onnx_model", "title": "Classifier",
         "config": {"path": f"asset:{ctx.chain_id}:{digits.asset_id}"}}]}))  # fmt: skip
    await publish(ctx, PublishRequest(
        kind="agent", name="Digit reader agent", files=(graph,), parents=(digits.asset_id,),
        card="# Digit reader\n\nReads a photographed digit and says it aloud.", tags=("agent", "digits"),
        offers=(OfferTerms(12 * E18, transferable=True),),
    ))  # fmt: skip
    shell.wallet.switch(buyer.index)
    license_id = await buying.buy(ctx, digits.offer_ids[0])
    saved = await buying.download(ctx, license_id, work / "digits.onnx")
    await page.account.noted(saved)  # as the app's own Download does: the asset page's badge
    await my_licenses.accept(ctx, license_id)  # the escrow goes to the seller's vault
    await buying.buy(ctx, digits.offer_ids[1])
    shell.wallet.switch(seller.index)
    await earnings.claim_all(ctx)  # one claim in the history
    shell.wallet.switch(buyer.index)
    again = await buying.buy(ctx, digits.offer_ids[0])
    while (await my_licenses.read_held(ctx, again, 0)).status == LicenseStatus.PENDING:
        await asyncio.sleep(0.5)  # the app's key delivery delivers it
    await my_licenses.accept(ctx, again)  # more for the seller to claim
    await asyncio.sleep(6)  # the indexer's next passes

    shell.window.set_page(page_index("Marketplace"))
    for width, height, suffix in ((1600, 1000, ""), (960, 640, "-960")):
        shell.window.resize(width, height)
        page.show_section(0)
        page.go_back()
        page.refresh()
        await asyncio.sleep(1.5)
        grab(shell.window, out / f"marketplace{suffix}.png")
        page.open_asset(digits.asset_id)
        await asyncio.sleep(1.5)
        page.asset.show_tab("Lineage")
        await asyncio.sleep(0.5)
        grab(shell.window, out / f"marketplace-asset-lineage{suffix}.png")
        page.asset.show_tab("Licenses")
        await asyncio.sleep(0.3)
        grab(shell.window, out / f"marketplace-asset-offers{suffix}.png")
        page.asset.show_tab("Files and versions")
        await asyncio.sleep(0.5)
        grab(shell.window, out / f"marketplace-asset-files{suffix}.png")
        page.show_section(1)
        await until(lambda: bool(page.licenses.rows), 60)
        await asyncio.sleep(1.0)
        grab(shell.window, out / f"marketplace-my-licenses{suffix}.png")
    shell.wallet.switch(seller.index)
    for width, height, suffix in ((1600, 1000, ""), (960, 640, "-960")):
        shell.window.resize(width, height)
        page.show_section(2)
        await until(lambda: not page.account.ops.busy("earnings") and bool(page.earnings.chart.claims), 60)
        await asyncio.sleep(1.0)
        grab(shell.window, out / f"marketplace-earnings{suffix}.png")
    shell.window.resize(1600, 1000)
    page.show_section(0)
    page.open_publish()
    wizard = page.account.wizard
    wizard.source.paths.append(models / "digits.onnx")
    wizard._read_source()
    wizard.next()
    wizard.card.name.setText("Digit classifier, fine-tuned")
    wizard.card.tags.setText("digits, vision, onnx")
    wizard.card.template_button.click()
    await asyncio.sleep(0.5)
    grab(wizard, out / "marketplace-publish-wizard.png")
    wizard.next()
    wizard.next()
    wizard.parents.parents.setText(str(digits.asset_id))
    wizard.check_parents()
    await asyncio.sleep(3)
    grab(wizard, out / "marketplace-publish-parents.png")
    wizard.reject()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    application = make_application()
    loop = qasync.QEventLoop(application)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(target))
