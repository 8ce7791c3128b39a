"""``sahara demo labeling``: a real digits campaign on the local devnet, so a new user can label at once.

The campaign comes from a second identity, the devnet's demo requester: account 8 of the devnet's
public development mnemonic (the treasury is account 9). Its keys are public by design and it exists
only on the devnet, which is why it may sign without a keystore. It pays real (devnet) SAHARA into the
TaskBoard escrow for real images — the digits the app ships — and keeps ten of them, with their
true classes, as its private gold set, so the auto-review pays careful labelers and rejects guessing.

Running it twice does not create a second campaign while the first is open with batches left.
Once every batch is taken, the next run takes the next 100 digits: the same digits would make the
same manifest, whose ``campaign:<cid>`` intent finds the spent campaign again instead of a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount

from app.labeling.digits import CLASSES, digit_png, load_digits
from app.labeling.schema import Annotation, Item, LabelSet, TaskType
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import EncryptionKey, encryption_key_from_mnemonic, signing_account
from app.wallet.keystore import AccountEntry

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

DEMO_INDEX = 8
DEMO_TITLE = "Handwritten digits 0–9 (demo)"
DEMO_ITEMS = 100
DEMO_GOLD = 10
REWARD_WEI = 5 * 10**17  # 0.5 SAHARA per item
INSTRUCTIONS = """\
Each image is one handwritten digit, scanned at 8 × 8 pixels and enlarged.

- Press the **digit key** you see (0–9); the next image follows at once.
- **A** accepts the model's suggestion when it is right.
- Unsure? Pick your best guess: a few images are checked against known answers, and a batch
  with most of those wrong is not paid.
"""


class DemoRequester:
    """The devnet demo requester, shaped like the parts of ``WalletService`` the service uses."""

    def __init__(self) -> None:
        self._account = signing_account(DEV_MNEMONIC, DEMO_INDEX)
        self._key = encryption_key_from_mnemonic(DEV_MNEMONIC, DEMO_INDEX)

    @property
    def address(self) -> str:
        return self._account.address

    def active_account(self) -> AccountEntry:
        return AccountEntry(DEMO_INDEX, "Demo requester", self._account.address)

    def signer(self, index: int | None = None) -> LocalAccount:
        return self._account

    def encryption_key(self, index: int | None = None) -> EncryptionKey:
        return self._key


@dataclass(frozen=True)
class DemoCampaign:
    campaign_id: int
    created: bool
    problems: int


def demo_items(
    folder: Path, count: int = DEMO_ITEMS, start: int = 0
) -> tuple[list[Item], dict[str, Annotation]]:
    """``count`` shipped digits from ``start`` on written as PNG files, and every label (for gold)."""
    images, labels = load_digits()
    if start + count > len(labels):
        raise RuntimeError(f"Only {len(labels)} digits ship with the app; every one is in a demo campaign.")
    folder.mkdir(parents=True, exist_ok=True)
    items, truth = [], {}
    for n in range(start, start + count):
        item_id = f"digit-{n:04d}"
        path = folder / f"{item_id}.png"
        if not path.is_file():
            path.write_bytes(digit_png(images[n]))
        items.append(Item(id=item_id, source=str(path), width=64, height=64))
        truth[item_id] = Annotation(item_id=item_id, label=str(int(labels[n])))
    return items, truth


async def _fund(service: LabelingService, address: str) -> None:
    """ETH for gas and SAHARA for the escrow from the devnet faucet (a cooldown refusal is fine
    when the account already holds enough)."""
    from app.wallet.faucet import drip_eth, drip_sahara
    from app.wallet.outbox import TxReverted

    outbox = service.outbox
    await outbox.wait((await drip_eth(outbox, address)).id, timeout=60)
    try:
        row = await drip_sahara(outbox, service.deployment.address("Faucet"), address)
    except TxReverted:
        return  # dripped within the cooldown already
    await outbox.wait(row.id, timeout=60)


async def seed_labeling_demo(
    service: LabelingService, folder: Path, progress: Callable[[str, float], None] | None = None
) -> DemoCampaign:
    """Create the demo campaign (or find the open one) and return its id. ``service`` signs as
    the ``DemoRequester`` (``app.services.NetworkServices.seed_demo`` builds it, on the devnet
    only); the digits' images are written to ``folder``."""
    from app.labeling.campaign_spec import CampaignSpec

    requester = str(service.address)
    earlier = [
        c
        for c in await service.campaigns()
        if c.requester.lower() == requester.lower() and c.title == DEMO_TITLE
    ]
    for campaign in earlier:
        if campaign.open and campaign.batches_available > 0:
            return DemoCampaign(campaign.campaign_id, created=False, problems=0)
    await _fund(service, requester)
    items, truth = demo_items(folder, start=len(earlier) * DEMO_ITEMS)
    gold = {item.id: truth[item.id] for item in items[:: len(items) // DEMO_GOLD][:DEMO_GOLD]}
    spec = CampaignSpec(
        title=DEMO_TITLE,
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LabelSet.from_names(CLASSES),
        instructions=INSTRUCTIONS,
        items=items,
        gold=gold,
        redundancy=1,
        reward_per_item=REWARD_WEI,
        batch_size=10,
        review_window_s=600,
        claim_ttl_s=3600,
    )
    campaign_id, problems = await service.create_campaign(spec, progress=progress)
    created = all(c.campaign_id != campaign_id for c in earlier)
    return DemoCampaign(campaign_id, created=created, problems=len(problems))
