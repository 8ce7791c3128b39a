"""The labeling service on a real devnet: a requester funds a campaign of real PNGs, a labeler claims
and submits, the requester reviews, the labeler withdraws and the requester takes the rest back.

Reuses test_contract_paths' devnet + deployment fixture (a fresh chain for this module) and its
``Chain`` helper for the few steps the service does not cover (reviewing by hand, balances).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from devchain import Chain, Env, acct, deltas, run
from PIL import Image, ImageDraw

from app.chain.indexer import client_rpc
from app.chain.merkle import ContributorTree, build_tree
from app.labeling.campaign_spec import CampaignSpec
from app.labeling.catalog import Board
from app.labeling.monitor import LabelerStats
from app.labeling.results import open_result
from app.labeling.schema import Annotation, Item, LabelSet, TaskType
from app.labeling.service import LabelingService
from app.storage import DecryptionError, envelope
from app.storage.local import LocalStore
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.service import WalletService
from app.workers.auto_review import AutoReviewer

E18 = 10**18
REWARD = 10**16
REQUESTER, LABELER = 1, 2
LABELS = LabelSet.from_names(["circle", "square"])


def wallet(folder: Path, index: int) -> WalletService:
    """A real wallet holding the devnet mnemonic, with account ``index`` active."""
    service = WalletService(folder, scrypt_n=2**4)
    service.create(DEV_MNEMONIC, "correct horse battery")
    for _ in range(index):
        service.add_account()
    service.active_index = index
    assert service.signer().address == acct(index).address
    return service


def images(folder: Path, count: int) -> list[Item]:
    """``count`` real PNGs and one file that only pretends to be one (last)."""
    folder.mkdir()
    items = []
    for n in range(count):
        image = Image.new("RGB", (32, 24), (255, 255, 255))
        ImageDraw.Draw(image).ellipse((2 + n, 2, 20, 20), fill=(200, 40 * n % 255, 60))
        path = folder / f"{n}.png"
        image.save(path)
        items.append(Item(id=f"img/{n}.png", source=str(path)))
    broken = folder / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return [*items, Item(id="img/broken.png", source=str(broken))]


def test_campaign_claim_submit_review_withdraw_close(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    items = images(tmp_path / "pictures", 7)
    spec = CampaignSpec(
        title="Shapes",
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LABELS,
        instructions="Circle or square?",
        items=items,
        gold={"img/0.png": Annotation(item_id="img/0.png", label="circle"),
              "img/broken.png": Annotation(item_id="img/broken.png", label="square")},
        reward_per_item=REWARD,
        batch_size=3,
    )  # fmt: skip
    requester_wallet = wallet(tmp_path / "w1", REQUESTER)
    labeler_wallet = wallet(tmp_path / "w2", LABELER)

    async def body(c: Chain) -> None:
        def service(w: WalletService) -> LabelingService:
            return LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, w)

        requester, labeler = service(requester_wallet), service(labeler_wallet)
        await c.fund(acct(REQUESTER), E18)
        start = await c.balances(acct(REQUESTER), acct(LABELER), "TaskBoard")

        stages: list[tuple[str, float]] = []
        campaign_id, problems = await requester.create_campaign(
            spec, progress=lambda s, f: stages.append((s, f))
        )
        assert [p.file for p in problems] == [items[-1].source]
        assert {s for s, _ in stages} >= {
            "Uploading images",
            "Uploading the manifest",
            "Funding the campaign",
        }
        escrow = 7 * REWARD
        assert await c.balances(acct(REQUESTER), "TaskBoard") == [start[0] - escrow, start[2] + escrow]
        # Asking again (say, after a crash before the answer came) finds the first campaign, pays nothing.
        assert (await requester.create_campaign(spec))[0] == campaign_id
        assert await c.balances(acct(REQUESTER), "TaskBoard") == [start[0] - escrow, start[2] + escrow]
        gold = requester.gold_set(campaign_id)
        assert gold is not None and list(gold.answers) == ["img/0.png"]  # the skipped image's answer went too

        # A campaign whose manifest is nowhere to be found is left out of the list …
        permit = await c.permit(acct(REQUESTER), "TaskBoard", REWARD)
        missing = (
            "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
            1,
            REWARD,
            1,
            1,
            60,
            600,
            0,
            b"\0" * 32,
        )
        await c.send(acct(REQUESTER), "TaskBoard", "createCampaignWithPermit", missing, *permit.args)
        # … and so is one whose manifest is not a manifest.
        garbage = str(store.put([b'{"title": "not a manifest"}']))
        permit = await c.permit(acct(REQUESTER), "TaskBoard", REWARD)
        invalid = (garbage, *missing[1:])
        await c.send(acct(REQUESTER), "TaskBoard", "createCampaignWithPermit", invalid, *permit.args)

        listed = await labeler.campaigns()
        assert [info.campaign_id for info in listed] == [campaign_id]
        (info,) = listed
        assert (info.title, info.item_count, info.batches_available, info.open) == ("Shapes", 7, 3, True)
        assert (info.escrow, info.requester, info.requester_reviewed) == (escrow, acct(REQUESTER).address, 0)

        claim = await labeler.claim(campaign_id)
        assert (claim.batch, claim.first_item) == (0, 0)
        assert [item.id for item in claim.items] == ["img/0.png", "img/1.png", "img/2.png"]
        assert labeler.item_bytes(claim.items[1]) == Path(items[1].source).read_bytes()
        assert await labeler.open_claims() == [claim]

        drafts = labeler.drafts(campaign_id)
        answers = [Annotation(item_id=item.id, label="circle") for item in claim.items[:2]]
        for answer in answers:
            drafts.save(answer)
        tx = await labeler.submit(claim, answers)  # the third item goes in as skipped
        assert tx.startswith("0x") and len(tx) == 66
        assert drafts.load_all() == {}
        assert await labeler.open_claims() == []

        (submitted,) = await requester.board.events("BatchSubmitted", campaign_id)
        blob = b"".join(store.get(submitted.args["resultCid"]))
        result = open_result(
            blob, requester_wallet.encryption_key().private_key, campaign_id=campaign_id, batch=0,
            labeler=acct(LABELER).address, items=claim.items, label_set=LABELS, first_item=0,
            expected_root=bytes(submitted.args["resultRoot"]),
        )  # fmt: skip
        assert [a.label for a in result.annotations] == ["circle", "circle", None]
        stats = await requester.monitor(campaign_id)
        assert (stats.items, stats.labeled, stats.submitted_batches, stats.reviewed_batches) == (7, 2, 1, 0)
        assert stats.labelers == [LabelerStats(acct(LABELER).address, 1, 0, 0, 1.0)]  # right on the gold item
        assert {k: c.answer.label for k, c in (await requester.results(campaign_id)).items()} == {
            "img/0.png": "circle", "img/1.png": "circle",
        }  # fmt: skip
        files = await requester.export(campaign_id, "jsonl", tmp_path / "export")
        assert files and all(f.exists() for f in files)
        pending = await labeler.earnings()
        assert (pending.pending, [r.status for r in pending.rows]) == (3 * REWARD, ["pending"])

        (sub,) = await requester.submissions(campaign_id)
        await requester.review_batches([(sub, 2)], "", intent="review:by-hand")
        earned = await labeler.earnings()
        (row,) = earned.rows
        assert (row.status, row.items, row.accepted, row.paid) == ("partly accepted", 3, 2, 2 * REWARD)
        assert (earned.accepted, earned.rejected, earned.withdrawable, earned.pending) == (
            2 * REWARD, REWARD, 2 * REWARD, 0,
        )  # fmt: skip
        stats = await requester.monitor(campaign_id)
        assert (stats.reviewed_batches, stats.cost_so_far) == (1, 2 * REWARD)
        assert stats.labelers == [LabelerStats(acct(LABELER).address, 1, 2, 1, 1.0)]
        (info,) = [i for i in await requester.campaigns() if i.campaign_id == campaign_id]
        # the requester's record on chain: 2 accepted; the rejection counts once it is final
        assert (info.requester_reviewed, info.requester_accept_rate) == (2, 1.0)

        before = await c.balances(acct(LABELER))
        await labeler.withdraw()
        assert deltas(await c.balances(acct(LABELER)), before) == [2 * REWARD]
        assert (await labeler.earnings()).paid == 2 * REWARD

        before = await c.balances(acct(REQUESTER))
        await requester.close(campaign_id)  # the rejected item stays reserved: it may be disputed
        assert deltas(await c.balances(acct(REQUESTER)), before) == [escrow - 3 * REWARD]
        assert not next(i for i in await labeler.campaigns() if i.campaign_id == campaign_id).open
        await c.advance(await requester.board.dispute_window() + 1)
        await requester.close(campaign_id)  # nobody disputed: the rejection is settled and refunded
        assert deltas(await c.balances(acct(REQUESTER)), before) == [escrow - 2 * REWARD]
        (info,) = [i for i in await requester.campaigns() if i.campaign_id == campaign_id]
        assert (info.requester_reviewed, info.requester_accept_rate) == (3, pytest.approx(2 / 3))

    run(env, body)


def test_auto_review_decides_every_new_batch_once_in_one_transaction(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    items = images(tmp_path / "pictures", 6)[:-1]
    spec = CampaignSpec(
        title="Shapes, twice",
        task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LABELS,
        instructions="",
        items=items,
        gold={"img/0.png": Annotation(item_id="img/0.png", label="circle")},
        redundancy=2,
        reward_per_item=REWARD,
        batch_size=3,
    )
    owner, careful, lazy, wrong = 3, 4, 5, 6
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (owner, careful, lazy, wrong)}

    async def body(c: Chain) -> None:
        services = {
            i: LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, w)
            for i, w in wallets.items()
        }
        await c.fund(acct(owner), E18)
        campaign_id, _ = await services[owner].create_campaign(spec)

        async def label(who: int, answer: Callable[[str], str | None]) -> int:
            claim = await services[who].claim(campaign_id)
            answers = [Annotation(item_id=i.id, label=answer(i.id)) for i in claim.items]
            await services[who].submit(claim, answers)
            return claim.batch

        assert await label(careful, lambda _: "circle") == 0
        assert await label(lazy, lambda item: None if item == "img/5.png" else "square") == 1
        assert await label(wrong, lambda _: "square") == 0  # contradicts the gold answer of img/0

        reviewer = AutoReviewer(services[owner])
        first = await reviewer.run_once()
        decided = {d.submission.labeler: (d.submission.batch, d.accepted) for d in first.decisions}
        assert decided == {
            acct(careful).address: (0, 3),
            acct(lazy).address: (1, 2),
            acct(wrong).address: (0, 0),
        }
        report = b"".join(store.get(first.report_cid))
        assert b"below 80%" in report and b"img/5.png: not answered" in report
        assert b"circle" not in report  # the gold answer stays private
        assert (await reviewer.run_once()).decisions == []
        assert (await AutoReviewer(services[owner]).run_once()).decisions == []  # after a restart too

        lazy_row, *_ = (await services[lazy].earnings()).rows
        assert (lazy_row.status, lazy_row.accepted, lazy_row.reason) == (
            "partly accepted",
            2,
            "item img/5.png: not answered",
        )
        wrong_row, *_ = (await services[wrong].earnings()).rows
        assert wrong_row.status == "rejected" and "gold accuracy 0%" in wrong_row.reason

        # A later submission is picked up by the next round, and only it.
        assert await label(careful, lambda _: "square") == 1
        (later,) = (await reviewer.run_once()).decisions
        assert (later.submission.labeler, later.submission.batch, later.accepted) == (
            acct(careful).address,
            1,
            3,
        )

        asset_id = await services[owner].publish_dataset(campaign_id, price=E18)
        asset = await c.read("AssetRegistry", "getAsset", asset_id)
        tree = build_tree({acct(careful).address: 6, acct(lazy).address: 2})
        # the campaign is still open (not settled): the labelers are a tree, published by its CID
        assert (asset[0], bytes(asset[9]), asset[10]) == (acct(owner).address, tree.root, 8)
        assert asset[5] == 1_000 and asset[8] == "0x" + "00" * 20  # derivative royalty; no campaign
        assert asset[16] == 1_000  # the requester keeps 10 % of its royalties, the labelers share 90 %
        metadata = json.loads(b"".join(store.get(asset[13])))
        assert metadata["campaign"]["campaign_id"] == campaign_id
        assert metadata["contributors"] == {"tree_cid": asset[14]}
        assert ContributorTree.load(json.loads(b"".join(store.get(asset[14])))).root == tree.root
        with pytest.raises(DecryptionError, match="not encrypted to your key"):  # the content is sealed
            b"".join(envelope.decrypt(store.get(asset[12]), wallets[careful].encryption_key().private_key))

    run(env, body)


def test_a_new_campaign_is_told_from_the_indexed_logs_and_only_new_blocks_are_read(
    env: Env, tmp_path: Path
) -> None:
    """The TaskBoard's logs go through the chain indexer into SQLite: read from the deployment
    block once, then only the blocks since, and a campaign another account created is announced
    ("campaigns") by the read that brought its log in, with no count poll."""
    store = LocalStore(tmp_path / "blobs")
    spec = CampaignSpec(
        title="Shapes again", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LABELS,
        instructions="Circle or square?", items=images(tmp_path / "pictures", 2)[:2], gold={},
        reward_per_item=REWARD,
    )  # fmt: skip

    async def body(c: Chain) -> None:
        ranges: list[tuple[int, int]] = []
        real = client_rpc(c.client)

        async def spy(method: str, params: list) -> object:  # type: ignore[type-arg]
            if method == "eth_getLogs":
                ranges.append((int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)))
            return await real(method, params)

        board = Board.indexed(spy, c.deployment, env.sessions)
        heard: list[str] = []
        board.logs.events.connect("campaigns", lambda: heard.append("campaigns"))
        await c.client.w3.provider.make_request("anvil_mine", [hex(20)])  # a chain to skip
        cursor = board.logs.indexer.cursor()  # the earlier tests' reads are kept in the database
        before = await board.events("CampaignCreated")
        assert ranges[0][0] == cursor >= c.deployment.block
        scanned = ranges[-1][1]

        await c.fund(acct(REQUESTER), E18)
        requester = LabelingService(
            c.client, c.outbox, c.deployment, store, env.sessions, wallet(tmp_path / "w", REQUESTER)
        )
        campaign_id, _problems = await requester.create_campaign(spec)
        heard.clear()
        labeler = LabelingService(
            c.client,
            c.outbox,
            c.deployment,
            store,
            env.sessions,
            wallet(tmp_path / "l", LABELER),
            board=board,
        )
        listed = await labeler.campaigns()
        await asyncio.sleep(0)
        assert heard == ["campaigns"]
        assert ranges[-1][0] == scanned + 1  # only the new blocks
        assert listed[0].campaign_id == campaign_id and listed[0].title == "Shapes again"
        after = await board.events("CampaignCreated")
        assert after[: len(before)] == before and len(after) == len(before) + 1
        assert await board.events("CampaignCreated", None, acct(REQUESTER).address) == [
            e for e in after if e.args["requester"] == acct(REQUESTER).address
        ]

    run(env, body)
