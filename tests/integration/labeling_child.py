"""Run by test_labeling_crash as a labeler's app that is killed (SIGKILL) while labeling.

argv: FOLDER (database + deployment) RPC_URL WALLET_FOLDER PASSWORD ACCOUNT STORE_FOLDER CAMPAIGN.
It claims a batch, prints ``claimed <batch>``, then labels the batch's items one by one as the
Label page does (a draft saved on every change), printing ``saved <item id> <label>`` once each
save returned; then it waits to be killed.
"""

import asyncio
import sys
import time
from pathlib import Path

from app.chain.client import ChainClient
from app.chain.contracts import load_deployment
from app.db.engine import make_engine, session_factory
from app.labeling.schema import Annotation
from app.labeling.service import LabelingService
from app.storage.local import LocalStore
from app.wallet.outbox import Outbox
from app.wallet.service import WalletService

DEVNET_CHAIN_ID = 31337


def label_for(item_id: str) -> str:
    """The answer this labeler gives (the parent knows it too)."""
    return "circle" if int(item_id.split("/")[-1].split(".")[0]) % 2 == 0 else "square"


async def main(folder: str, rpc_url: str, wallet_folder: str, password: str, account: str, store: str,
               campaign: str) -> None:  # fmt: skip
    wallet = WalletService(Path(wallet_folder))
    wallet.unlock(password)
    wallet.active_index = int(account)
    deployment = load_deployment(Path(folder), "devnet")
    assert deployment is not None
    sessions = session_factory(make_engine(Path(folder) / "sahara.db"))
    client = ChainClient(rpc_url, timeout=30)
    outbox = Outbox(sessions, client, DEVNET_CHAIN_ID)
    service = LabelingService(client, outbox, deployment, LocalStore(Path(store)), sessions, wallet)
    claim = await service.claim(int(campaign))
    print(f"claimed {claim.batch}", flush=True)
    drafts = service.drafts(claim.campaign_id)
    for item in claim.items:
        label = label_for(item.id)
        drafts.save(Annotation(item_id=item.id, label=label))
        print(f"saved {item.id} {label}", flush=True)
        time.sleep(0.2)  # a person's pace; the parent kills the process somewhere in here
    time.sleep(60)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:8]))
