"""The marketplace end to end on a real devnet, every amount to the wei.

A requester's labeling campaign (two labelers, accepted items 3 and 2) becomes a campaign-backed
dataset; a builder licenses it and publishes a model derived from it; a third party licenses the
model, uses it in a studio agent (through its license, from the cache) and publishes the agent; a
buyer licenses the agent and downloads it. The sellers' key delivery services deliver each key.
Every party's SAHARA balance, each labeler's royalty, the treasury's fees and what the vault keeps
are checked exactly against the royalty rules of contracts/README.md; the buyer's decrypted
download hashes to the published graph file. Storage is a real local blob store shared by everyone
(standing in for IPFS), every wallet a real keystore, every database real SQLite.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from devchain import Chain, Env, acct, deltas, run
from market_parties import Seller, wallet
from PIL import Image, ImageDraw

from app.labeling.campaign_spec import CampaignSpec
from app.labeling.publish import campaign_settled, publish_campaign
from app.labeling.schema import Annotation, Item, LabelSet, TaskType
from app.labeling.service import LabelingService
from app.market import buying, earnings, my_licenses
from app.market.asset_cache import fetch_into_cache
from app.market.asset_metadata import load_metadata
from app.market.context import MarketContext
from app.market.publishing import DEFAULT_OWNER_SHARE_BPS, PublishError, PublishRequest, publish
from app.market.terms import OfferTerms
from app.resources import resources_dir
from app.storage.layout import compute_cid
from app.storage.local import LocalStore
from app.studio.agent_publish import agent_request
from app.studio.executor import Executor
from app.studio.graph import SCHEMA_VERSION, Graph
from app.wallet.faucet import treasury

E18 = 10**18
REWARD = 10**16
REQUESTER, LABELER_A, LABELER_B, BUILDER, THIRD, BUYER = 1, 2, 3, 4, 5, 6
DIGITS = [str(d) for d in range(10)]
ONE = [[[[0.0, 0.0, 0.0, 0.8, 1.0, 0.0, 0.0, 0.0]] * 8]]  # a vertical stroke: a one
P_DATASET, P_MODEL, P_AGENT = 10 * E18, 7 * E18 + 3, 3 * E18 + 1  # odd wei: rounding shows


def pictures(folder: Path, count: int) -> list[Item]:
    folder.mkdir()
    items = []
    for n in range(count):
        image = Image.new("RGB", (24, 24), (255, 255, 255))
        ImageDraw.Draw(image).rectangle((2 + n, 3, 18, 20), outline=(0, 0, 0))
        image.save(folder / f"{n}.png")
        items.append(Item(id=f"shapes/{n}.png", source=str(folder / f"{n}.png")))
    return items


def split(sales: int, inherited: int, bps: int, own_floor: int, floors: list[int]) -> list[int]:
    """What each parent gets on ``distribute`` (contracts/README.md "Royalty floors"), recomputed."""
    owed = [sales * f // 10_000 + (inherited * f // own_floor if own_floor else 0) for f in floors]
    from_inherited = sum(inherited * f // own_floor for f in floors) if own_floor else 0
    share = sales * bps // 10_000 + max(inherited * bps // 10_000, from_inherited)
    extra = (share - sum(owed)) // len(floors)
    return [o + extra for o in owed]


def agent_graph(path: Path, model_ref: str) -> bytes:
    graph = Graph.model_validate({
        "schema_version": SCHEMA_VERSION, "name": "Digit reader", "description": "Reads a handwritten digit.",
        "nodes": [
            {"id": "x", "type": "input", "config": {"name": "x", "type": "tensor", "default": ONE}},
            {"id": "m", "type": "onnx_model", "config": {"path": model_ref, "labels": DIGITS}},
        ],
        "edges": [{"id": "e", "source": "x", "source_port": "value", "target": "m", "target_port": "input"}],
    })  # fmt: skip
    path.write_text(graph.to_json(), encoding="utf-8")
    return path.read_bytes()


def test_dataset_model_agent_lineage_pays_everyone_to_the_wei(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "blobs")
    wallets = {
        i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER_A, LABELER_B, BUILDER, THIRD, BUYER)
    }
    spec = CampaignSpec(
        title="Shapes", task_type=TaskType.IMAGE_CLASSIFICATION,
        label_set=LabelSet.from_names(["box", "ring"]), instructions="Box or ring?",
        items=pictures(tmp_path / "pictures", 5), gold={}, reward_per_item=REWARD, batch_size=3,
    )  # fmt: skip
    model_file = resources_dir() / "models" / "digits.onnx"
    home = tmp_path / "third-home"
    monkeypatch.setenv("SAHARA_HOME", str(home))  # the third party's profile: its cache

    async def body(c: Chain) -> None:
        def ctx(i: int) -> MarketContext:
            return MarketContext(c.client, c.outbox, c.deployment, store, wallets[i])

        labeling = {
            i: LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, wallets[i])
            for i in (REQUESTER, LABELER_A, LABELER_B)
        }
        for who, amount in (
            (REQUESTER, 5 * REWARD),
            (BUILDER, P_DATASET),
            (THIRD, P_MODEL),
            (BUYER, P_AGENT),
        ):
            await c.fund(acct(who), amount)
        parties = [acct(i) for i in (REQUESTER, LABELER_A, LABELER_B, BUILDER, THIRD, BUYER)]
        start = await c.balances(*parties, treasury(), "RoyaltyVault", "LicenseMarket")
        fee_bps = await c.read("LicenseMarket", "feeBps")

        # -- the requester's campaign: labeler A's 3 items and labeler B's 2 accepted, then closed
        campaign_id, _ = await labeling[REQUESTER].create_campaign(spec)
        for who in (LABELER_A, LABELER_B):
            claim = await labeling[who].claim(campaign_id)
            await labeling[who].submit(claim, [Annotation(item_id=i.id, label="box") for i in claim.items])
        subs = await labeling[REQUESTER].submissions(campaign_id)
        await labeling[REQUESTER].review_batches(
            [(s, len(s.items)) for s in subs], "", intent="review:lineage"
        )
        for who in (LABELER_A, LABELER_B):
            await labeling[who].withdraw()
        await labeling[REQUESTER].close(campaign_id)
        assert await campaign_settled(labeling[REQUESTER], campaign_id)

        # -- a derivative of an asset nobody licensed is refused in words, before anything is signed
        count = await c.read("AssetRegistry", "assetCount")
        dataset = await publish_campaign(labeling[REQUESTER], campaign_id, price=P_DATASET)
        assert dataset.asset_id == count + 1
        meta = load_metadata(store, dataset.metadata_cid)
        assert (meta.kind, meta.name, meta.task_type) == ("dataset", "Shapes", "image_classification")
        assert meta.extra["contributors"] == {
            "campaign": {"board": c.addr("TaskBoard"), "campaign_id": campaign_id}
        }
        model_request = PublishRequest(
            kind="model", name="Digits classifier", files=(model_file,), card="# Digits\n\nA CNN.",
            tags=("digits", "onnx"), task_type="image_classification", parents=(dataset.asset_id,),
            offers=(OfferTerms(P_MODEL),),
        )  # fmt: skip
        with pytest.raises(PublishError, match=f"parent {dataset.asset_id}: you hold no license"):
            await publish(ctx(BUILDER), model_request)
        assert await c.read("AssetRegistry", "assetCount") == count + 1

        # -- the builder licenses the dataset, gets it, and publishes a model derived from it
        (offer_d,) = dataset.offer_ids
        quote = await buying.quote(ctx(BUILDER), offer_d)
        assert "10 SAHARA; perpetual; commercial use allowed; derivatives allowed" in quote.words()
        lic_d = await buying.buy(ctx(BUILDER), offer_d)
        await Seller(tmp_path, wallets[REQUESTER], REQUESTER, store, c).deliver(lic_d)
        stages: list[tuple[str, float]] = []
        got = await buying.download(
            ctx(BUILDER),
            lic_d,
            tmp_path / "builder" / "dataset.zip",
            progress=lambda s, f: stages.append((s, f)),
        )
        fractions = [f for _s, f in stages]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert ("Downloading and decrypting", 0.85) in stages  # every byte decrypted and counted
        assert got.sha256 == meta.content.sha256
        model = await publish(ctx(BUILDER), model_request)  # accepts the delivery to use the license
        (entry,) = load_metadata(store, model.metadata_cid).files
        assert entry.cid == str(compute_cid([model_file.read_bytes()]))  # the CID IPFS gives the plain file
        held = {h.license_id: h for h in await my_licenses.my_licenses(ctx(BUILDER))}
        assert held[lic_d].state == "perpetual" and not held[lic_d].can_dispute

        # -- the third party licenses the model, runs it from the cache, publishes an agent using it
        lic_m = await buying.buy(ctx(THIRD), model.offer_ids[0])
        await Seller(tmp_path, wallets[BUILDER], BUILDER, store, c).deliver(lic_m)
        cached = await fetch_into_cache(ctx(THIRD), model.asset_id, home / "cache")
        assert cached.sha256 == hashlib.sha256(model_file.read_bytes()).hexdigest()
        graph_bytes = agent_graph(tmp_path / "agent.json", f"asset:{c.deployment.chain_id}:{model.asset_id}")
        ran = await Executor().run(Graph.model_validate_json(graph_bytes))  # the licensed model, cached
        (trace,) = [t for t in ran.traces if t.node_id == "m"]
        assert trace.error is None and trace.outputs["label"] in DIGITS
        request = await agent_request(ctx(THIRD), tmp_path / "agent.json", offers=(OfferTerms(P_AGENT),))
        assert request.parents == (model.asset_id,)
        agent = await publish(ctx(THIRD), request)

        # -- the buyer licenses the agent and gets exactly the graph that was published
        lic_a = await buying.buy(ctx(BUYER), agent.offer_ids[0])
        await Seller(tmp_path, wallets[THIRD], THIRD, store, c).deliver(lic_a)
        bought = await buying.download(ctx(BUYER), lic_a, tmp_path / "buyer" / "agent.json")
        assert bought.path.read_bytes() == graph_bytes
        assert bought.sha256 == hashlib.sha256(graph_bytes).hexdigest()
        await my_licenses.accept(ctx(BUYER), lic_a)

        # -- royalties: what each earns, recomputed from the rules, then claimed in one tx each
        fee = [p * fee_bps // 10_000 for p in (P_DATASET, P_MODEL, P_AGENT)]
        r_d, r_m, r_a = (p - f for p, f in zip((P_DATASET, P_MODEL, P_AGENT), fee, strict=True))
        m_asset = await c.read("AssetRegistry", "getAsset", model.asset_id)
        a_asset = await c.read("AssetRegistry", "getAsset", agent.asset_id)
        d_floor = (await c.read("AssetRegistry", "getAsset", dataset.asset_id))[6]
        (to_model,) = split(r_a, 0, a_asset[2], a_asset[6], [m_asset[6]])
        (to_dataset,) = split(r_m, to_model, m_asset[2], m_asset[6], [d_floor])
        third_gets, builder_gets = r_a - to_model, r_m + to_model - to_dataset
        pool_d = r_d + to_dataset
        kept = pool_d * DEFAULT_OWNER_SHARE_BPS // 10_000  # the requester, who owns the dataset
        a_gets, b_gets = (pool_d - kept) * 3 // 5, (pool_d - kept) * 2 // 5

        expected = {
            LABELER_A: a_gets, LABELER_B: b_gets, BUILDER: builder_gets, THIRD: third_gets, REQUESTER: kept,
        }  # fmt: skip
        for who, amount in expected.items():
            found = await earnings.earnings(ctx(who))
            assert found.total == amount, who
        (row,) = (await earnings.earnings(ctx(LABELER_A))).rows
        assert (row.asset_id, row.role, row.weight, row.total_weight) == (dataset.asset_id, "labeler", 3, 5)
        (row,) = (await earnings.earnings(ctx(REQUESTER))).rows  # its owner share, the rest is the labelers'
        assert (row.asset_id, row.role, row.claimable, row.owner_share_bps) == (
            dataset.asset_id, "owner share", kept, DEFAULT_OWNER_SHARE_BPS,
        )  # fmt: skip
        for who, amount in expected.items():
            assert await earnings.claim_all(ctx(who)) == amount
        with pytest.raises(earnings.ClaimError, match="nothing to claim"):  # claiming twice pays nothing
            await earnings.claim_all(ctx(LABELER_A))
        assert [h.amount for h in await earnings.history(ctx(LABELER_A))] == [a_gets]

        end = await c.balances(*parties, treasury(), "RoyaltyVault", "LicenseMarket")
        assert deltas(end, start) == [
            -5 * REWARD + kept,  # the requester paid its labelers and keeps its share of the royalties
            3 * REWARD + a_gets,
            2 * REWARD + b_gets,
            -P_DATASET + builder_gets,
            -P_MODEL + third_gets,
            -P_AGENT,
            sum(fee),
            pool_d - kept - a_gets - b_gets,  # rounding dust stays in the vault, nothing else
            0,  # no escrow left in the market
        ]

    run(env, body)
