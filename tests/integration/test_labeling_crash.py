"""kill -9 while labeling loses no draft: a labeler's process claims a batch and saves a draft per
answer, is killed with SIGKILL mid-batch, and a new process finds the open claim on the board and
every saved draft in the database, finishes the batch and submits it.

Reuses test_contract_paths' devnet + deployment fixture (a fresh chain for this module).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from devchain import Chain, Env, acct, run
from labeling_child import label_for
from test_labeling_service import LABELS, REWARD, images, wallet

from app.labeling.campaign_spec import CampaignSpec
from app.labeling.results import open_result
from app.labeling.schema import Annotation, TaskType
from app.labeling.service import LabelingService
from app.storage.local import LocalStore

CHILD = Path(__file__).with_name("labeling_child.py")
REQUESTER, LABELER = 1, 2
PASSWORD = "correct horse battery"  # test_labeling_service.wallet's
KILL_AFTER = 3  # drafts saved before the kill, of a batch of 5


def test_kill_9_while_labeling_loses_no_draft(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    spec = CampaignSpec(
        title="Shapes, crash",
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LABELS,
        instructions="",
        items=images(tmp_path / "pictures", 5)[:-1],
        gold={},
        reward_per_item=REWARD,
        batch_size=5,
    )
    requester_wallet = wallet(tmp_path / "w1", REQUESTER)
    labeler_wallet = wallet(tmp_path / "w2", LABELER)
    folder = Path(env.sessions.kw["bind"].url.database).parent

    async def create(c: Chain) -> int:
        await c.fund(acct(REQUESTER), 10**18)
        requester = LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, requester_wallet)
        return (await requester.create_campaign(spec))[0]

    campaign_id = run(env, create)
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), env.rpc_url, str(tmp_path / "w2"), PASSWORD, str(LABELER),
         str(tmp_path / "blobs"), str(campaign_id)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    saved: dict[str, str] = {}
    try:
        assert child.stdout is not None
        claimed = child.stdout.readline()
        assert claimed == "claimed 0\n", claimed
        while len(saved) < KILL_AFTER:
            line = child.stdout.readline()
            assert line.startswith("saved "), line
            _, item_id, label = line.split()
            saved[item_id] = label
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()

    async def resume(c: Chain) -> None:
        labeler = LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, labeler_wallet)
        (claim,) = await labeler.open_claims()  # the claim made by the killed process
        assert (claim.campaign_id, claim.batch) == (campaign_id, 0)
        drafts = labeler.drafts(campaign_id).load_all()
        assert {k: a.label for k, a in drafts.items() if k in saved} == saved  # nothing lost
        assert set(drafts) <= {item.id for item in claim.items[: KILL_AFTER + 1]}  # one may be in flight
        answers = [drafts.get(i.id) or Annotation(item_id=i.id, label=label_for(i.id)) for i in claim.items]
        await labeler.submit(claim, answers)
        assert labeler.drafts(campaign_id).load_all() == {}

        (submitted,) = await labeler.board.events("BatchSubmitted", campaign_id)
        result = open_result(
            b"".join(store.get(submitted.args["resultCid"])), requester_wallet.encryption_key().private_key,
            campaign_id=campaign_id, batch=0, labeler=acct(LABELER).address, items=claim.items,
            label_set=LABELS, first_item=0, expected_root=bytes(submitted.args["resultRoot"]),
        )  # fmt: skip
        assert [a.label for a in result.annotations] == [label_for(i.id) for i in claim.items]

    run(env, resume)
