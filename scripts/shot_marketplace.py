"""Screenshots of the Marketplace page in the app's window, rendered offscreen.

The catalogue is real (events encoded from the shipped ABIs, applied by the indexer's own sink to a
migrated SQLite database, metadata fetched from a local store by its own fetcher: the UI tests'
``tests/ui/market_catalog.py``); the page, the window frame and the stylesheet are the app's.
Usage: ``python scripts/shot_marketplace.py OUT.png VIEW [WIDTH HEIGHT] [light|dark]`` with VIEW
``browse``, ``search``, ``asset`` or ``lineage``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ui"))

import qasync
from market_catalog import ALICE, BOB, CAROL, E18, build_catalog
from PySide6.QtWidgets import QWidget

from app.ui.app import make_application
from app.ui.frame import NAV, BootSettings, ShellFrame, page_index
from app.ui.pages.marketplace import MarketplacePage

MORE = [  # (kind, name, tags, task type, card, owner, price in SAHARA or None)
    (0, "Street sign photos", ["vision", "signs"], "image-classification", "Signs from 4 cities.", BOB, 5),
    (1, "Sentiment tagger (ONNX)", ["text", "onnx"], "text-classification", "DistilBERT, int8.", CAROL, 25),
    (0, "Customer reviews, rated", ["text", "reviews"], "text-classification", "40k reviews.", ALICE, 0),
    (2, "Invoice reader", ["agent", "ocr"], "", "Reads totals from invoices.", CAROL, 120),
]


async def shoot(out: Path, view: str, width: int, height: int, catalog: object) -> None:
    PAGE.set_account(BOB)
    PAGE.set_catalog(catalog)  # type: ignore[arg-type]
    await asyncio.sleep(0.8)
    app = make_application()
    window = FRAME.window
    window.resize(width, height)
    page = PAGE
    if view == "search":
        page.browse.filters.search.setText("digit")
        page.browse.filters.flush()
    if view in ("asset", "lineage"):
        page.open_asset(2 if view == "lineage" else 1)
    await asyncio.sleep(1.0)
    if view == "browse":
        page.browse.focus_results()  # the first row selected, as after Down or Back
    if view == "lineage":
        page.asset.show_tab("Lineage")
    await asyncio.sleep(0.5)
    app.processEvents()
    window.grab().save(str(out))
    print(f"saved {out} ({width}x{height})")
    app.quit()


if __name__ == "__main__":
    out, view = Path(sys.argv[1]), sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1600, 1000)
    theme = sys.argv[5] if len(sys.argv) > 5 else "light"
    app = make_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    catalog = build_catalog(Path(tempfile.mkdtemp(prefix="market-shot-")))
    for offset, (kind, name, tags, task, card, owner, price) in enumerate(MORE):
        asset = 7 + offset
        catalog.publish(
            asset, owner, kind=kind, meta=catalog.meta(name=name, card=card, tags=tags, task_type=task)
        )
        if price is not None:
            from market_catalog import offered

            catalog.apply([offered(10 + offset, asset, owner, price * E18, block=catalog.block)])
    catalog.fetch_metadata()
    FRAME = ShellFrame(app, BootSettings(theme=theme, last_page=page_index("Marketplace")))  # type: ignore[arg-type]
    PAGE = MarketplacePage(FRAME.theme.colors)
    pages = [PAGE if entry.title == "Marketplace" else QWidget() for entry in NAV]
    FRAME.window.set_pages(pages)
    FRAME.window.show()
    with loop:
        loop.run_until_complete(shoot(out, view, width, height, catalog))
