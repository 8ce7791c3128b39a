"""The whole economy as one story on a real devnet (issue 19), every balance checked to the wei.

A requester creates and funds a digits campaign (two batches of five) with the New campaign
wizard of its Label page's My campaigns tab (a folder of digit images); labeler A labels one batch with the
keyboard in the Label page's window, then labeler B the batch its app claimed meanwhile, in the same
window; the requester accepts both, both withdraw exactly 5 × reward in the window, and the campaign
closes (the requester closes it in its My campaigns tab). In the Marketplace window (over a real
market indexer) the requester publishes the campaign's dataset with the wizard, its labelers its
contributors, and a builder buys it in the buy dialog (the requester's key delivery delivers); the
builder posts a training job on the downloaded zip that a GPU owner's worker — a separate process
(tests/integration/compute_worker_child.py) — trains and is paid for. In its window the builder
publishes the verified model with the wizard, the dataset as its parent, and then a studio agent
using it (``asset:`` reference; the wizard reads the model from the graph as its parent). A buyer
finds the agent and the model in its window and buys each in the buy dialog (each download matches
its published hash), accepts both deliveries in My licenses, runs the agent with the studio's
executor and in the Studio window (the bought file opened, Run), and the royalties reach the model's
and agent's owner, the dataset's publisher (its owner share: 10 %, the wizard's default, said in
words on its review step) and both labelers (the other 90 %, by accepted items), as
contracts/README.md's rules say; each claims them in the Earnings section of its window.

Storage is one real local blob store shared by every party (standing in for IPFS), every wallet a
real keystore, every database real SQLite. The windows' steps are in economy_windows.py.

Not covered yet: the review goes through app.labeling (no window reviews submissions yet: the
requester reviews there, or leaves it to auto-review and the review window); the training job is
posted through app.compute.requester (as `sahara worker` does: no window posts jobs, the Compute
page is the provider's).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.chain.devnet import find_anvil

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(INTEGRATION))  # devchain, market_parties and the worker child live there

from devchain import Chain, Env, acct, deltas, deployed_devnet  # noqa: E402
from economy_windows import (  # noqa: E402
    accept_in_window,
    buy_in_window,
    claim_in_window,
    close_in_window,
    create_in_window,
    label_in_window,
    market_window,
    publish_campaign_in_window,
    publish_in_window,
    withdraw_in_window,
)
from market_parties import Seller, wallet  # noqa: E402

from app.chain.client import ChainClient  # noqa: E402
from app.chain.contracts import save_deployment  # noqa: E402
from app.chain.devnet import DEVNET_CHAIN_ID  # noqa: E402
from app.compute.requester import JobRequest, Requester  # noqa: E402
from app.compute.training import Recipe  # noqa: E402
from app.labeling.approvals import Approvals  # noqa: E402
from app.labeling.demo import demo_items  # noqa: E402
from app.labeling.publish import campaign_settled  # noqa: E402
from app.labeling.service import LabelingService  # noqa: E402
from app.market import earnings  # noqa: E402
from app.market.asset_cache import fetch_into_cache  # noqa: E402
from app.market.catalog.service import MarketIndexer  # noqa: E402
from app.market.context import MarketContext  # noqa: E402
from app.market.publishing import DEFAULT_OWNER_SHARE_BPS  # noqa: E402
from app.storage.local import LocalStore  # noqa: E402
from app.studio.executor import Executor  # noqa: E402
from app.studio.graph import SCHEMA_VERSION, Graph  # noqa: E402
from app.wallet.faucet import treasury  # noqa: E402
from app.wallet.outbox import Outbox  # noqa: E402

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(find_anvil() is None, reason="anvil missing: run `make setup`"),
]
torch = pytest.importorskip("torch", reason="the training job needs torch")

T = TypeVar("T")
E18 = 10**18
REWARD = 10**16
ITEMS, BATCH = 10, 5  # the least a classifier trains on (app.compute.dataset.MIN_ITEMS)
REQUESTER, LABELER_A, LABELER_B, BUILDER, GPU, BUYER = 1, 2, 3, 4, 5, 6
STAKE = 100 * E18  # what compute_worker_child stakes on registering
P_DATASET, P_JOB, P_MODEL, P_AGENT = 10 * E18, 2 * E18 + 7, 7 * E18 + 3, 3 * E18 + 1  # odd: rounding shows
CHILD = INTEGRATION / "compute_worker_child.py"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with deployed_devnet(tmp_path_factory.mktemp("economy")) as deployed:
        yield deployed


class Worker:
    """The GPU owner's compute worker, a separate process, as in test_compute_market."""

    def __init__(self, tmp_path: Path, env: Env) -> None:
        self.log = tmp_path / "worker.log"
        folder = tmp_path / "worker"
        folder.mkdir()
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, str(CHILD), str(folder / "sahara.db"), env.rpc_url, str(tmp_path),
                 str(tmp_path / "blobs"), str(GPU), "1", str(folder / "scratch")],
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def seen(self, text: str) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        return text in self.log.read_text()

    def stop(self) -> str:
        self.process.kill()
        self.process.wait(10)
        return self.log.read_text()


def split(sales: int, inherited: int, bps: int, own_floor: int, floors: list[int]) -> list[int]:
    """What each parent gets on ``distribute`` (contracts/README.md "Royalty floors"), recomputed
    (as in test_market_lineage)."""
    owed = [sales * f // 10_000 + (inherited * f // own_floor if own_floor else 0) for f in floors]
    from_inherited = sum(inherited * f // own_floor for f in floors) if own_floor else 0
    share = sales * bps // 10_000 + max(inherited * bps // 10_000, from_inherited)
    extra = (share - sum(owed)) // len(floors)
    return [o + extra for o in owed]


def agent_graph(path: Path, model_ref: str, classes: list[str]) -> Path:
    """A studio agent reading a digit with the model ``model_ref`` names, written to ``path``."""
    stroke = [[[[0.0] * 7 + [1.0] * 2 + [0.0] * 7] * 16]]  # a vertical stroke, 16 × 16
    graph = Graph.model_validate({
        "schema_version": SCHEMA_VERSION, "name": "Digit reader", "description": "Reads a digit.",
        "nodes": [
            {"id": "x", "type": "input", "config": {"name": "x", "type": "tensor", "default": stroke}},
            {"id": "m", "type": "onnx_model", "config": {"path": model_ref, "labels": classes}},
        ],
        "edges": [{"id": "e", "source": "x", "source_port": "value", "target": "m", "target_port": "input"}],
    })  # fmt: skip
    path.write_text(graph.to_json(), encoding="utf-8")
    return path


def test_label_train_publish_license_run_and_everyone_is_paid_to_the_wei(
    app, loop, qtbot, paths, label_page, studio_page, tmp_path: Path, env: Env
) -> None:
    def wait(coro: Awaitable[T], timeout: int = 120000) -> T:
        task = loop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    save_deployment(tmp_path, env.deployment)  # the worker process reads it
    store = LocalStore(tmp_path / "blobs")
    wallets = {i: wallet(tmp_path / f"w{i}", i) for i in (REQUESTER, LABELER_A, LABELER_B, BUILDER, BUYER)}
    demo_items(tmp_path / "digits", count=ITEMS)  # the images the requester's wizard imports

    async def connect() -> Chain:
        client = ChainClient(env.rpc_url, timeout=30)
        return Chain(Outbox(env.sessions, client, DEVNET_CHAIN_ID), env.deployment)

    c = wait(connect())

    def ctx(i: int) -> MarketContext:
        return MarketContext(c.client, c.outbox, c.deployment, store, wallets[i])

    labeling = {  # each its own outbox, as each party's app has: the window guards only its own
        i: LabelingService(
            c.client, Outbox(env.sessions, c.client, DEVNET_CHAIN_ID), c.deployment, store, env.sessions,
            wallets[i],
        )
        for i in (REQUESTER, LABELER_A, LABELER_B)
    }  # fmt: skip
    parties = [acct(i) for i in (REQUESTER, LABELER_A, LABELER_B, BUILDER, GPU, BUYER)]
    holders: list[Any] = [*parties, treasury(), "TaskBoard", "ComputeMarket", "RoyaltyVault", "LicenseMarket"]
    worker: Worker | None = None
    indexing: asyncio.Task[None] | None = None
    try:
        for who, amount in (
            (REQUESTER, ITEMS * REWARD),
            (BUILDER, P_DATASET + P_JOB),
            (GPU, STAKE),
            (BUYER, P_AGENT + P_MODEL),
        ):
            wait(c.fund(acct(who), amount))
        start = wait(c.balances(*holders))
        fee_bps = wait(c.read("LicenseMarket", "feeBps"))

        # -- the requester creates the campaign in its wizard: the escrow holds exactly items × reward
        label_page.gate.approvals = Approvals(tmp_path / "approvals.json")  # as the shell gives it
        campaign_id = create_in_window(
            label_page, labeling[REQUESTER], qtbot, tmp_path / "digits", reward="0.01", batch=BATCH
        )
        funded = wait(c.balances(*holders))
        assert deltas(funded, start) == [-ITEMS * REWARD, 0, 0, 0, 0, 0, 0, ITEMS * REWARD, 0, 0, 0]

        # -- labeler B's app claims the first batch; each labels a batch in the window, by keyboard
        claim_b = wait(labeling[LABELER_B].claim(campaign_id))
        a_items = label_in_window(label_page, labeling[LABELER_A], qtbot)
        assert a_items.isdisjoint({i.id for i in claim_b.items})
        assert label_in_window(label_page, labeling[LABELER_B], qtbot) == {i.id for i in claim_b.items}

        # -- the requester accepts every item; each labeler withdraws exactly 5 × reward; closed
        subs = wait(labeling[REQUESTER].submissions(campaign_id))
        assert sorted(s.labeler.lower() for s in subs) == sorted(
            acct(i).address.lower() for i in (LABELER_A, LABELER_B)
        )
        accept_all = [(s, len(s.items)) for s in subs]
        wait(labeling[REQUESTER].review_batches(accept_all, "", intent="review:economy"))
        for who in (LABELER_B, LABELER_A):  # each in the window, after the review in words
            withdraw_in_window(label_page, labeling[who], qtbot, BATCH * REWARD)
        close_in_window(label_page, labeling[REQUESTER], qtbot)  # the requester's My campaigns tab
        assert wait(campaign_settled(labeling[REQUESTER], campaign_id))
        paid = wait(c.balances(*holders))
        five = BATCH * REWARD
        assert deltas(paid, start) == [-ITEMS * REWARD, five, five, 0, 0, 0, 0, 0, 0, 0, 0]

        # -- in the Marketplace window (over a real market indexer) the requester publishes the
        # campaign's dataset with the wizard, its labelers its contributors; the builder buys it
        indexer = MarketIndexer(c.client, env.sessions, c.deployment, store, interval_s=0.2)
        indexing = loop.create_task(indexer.run())
        requester_market = market_window(qtbot, indexer, ctx(REQUESTER), tmp_path / "requester")
        requester_market.account.labeling = lambda: (labeling[REQUESTER], "")  # as services give it
        dataset_id = publish_campaign_in_window(
            requester_market, qtbot, campaign_id, price=P_DATASET, labelers=2
        )
        assert wait(c.read("AssetRegistry", "getAsset", dataset_id))[16] == DEFAULT_OWNER_SHARE_BPS
        builder_market = market_window(qtbot, indexer, ctx(BUILDER), tmp_path / "builder")
        requester_seller = Seller(tmp_path, wallets[REQUESTER], REQUESTER, store, c)
        got, _license = buy_in_window(builder_market, dataset_id, "Digits", qtbot, requester_seller)
        bought_d = wait(c.balances(*holders))
        assert deltas(bought_d, paid) == [0, 0, 0, -P_DATASET, 0, 0, 0, 0, 0, 0, P_DATASET]  # in escrow

        # -- the GPU owner's worker (another process) trains a model on it for the builder, and is paid
        worker = Worker(tmp_path, env)
        qtbot.waitUntil(lambda: worker.seen("registered"), timeout=120000)
        registered = wait(c.balances(*holders))
        assert deltas(registered, bought_d) == [0, 0, 0, 0, -STAKE, 0, 0, 0, STAKE, 0, 0]
        key = wallets[BUILDER].encryption_key()
        posting = Requester(c.client, c.outbox, c.deployment, store, acct(BUILDER), key.public_key)
        recipe = Recipe(epochs=1, image_size=16, channels=1, seed=11, dataset_asset=dataset_id)
        job = wait(posting.submit(JobRequest(None, got.path, P_JOB, recipe=recipe)))
        qtbot.waitUntil(lambda: worker.seen(f"job {job}: submitted"), timeout=180000)
        trained = wait(posting.fetch_model(job, key.private_key))
        assert trained.dataset_asset == dataset_id  # the parent of the model's publish
        classes = [str(c_) for c_ in trained.metrics["classes"]]
        wait(c.advance(601))  # past the challenge window: the worker finalizes and withdraws
        qtbot.waitUntil(lambda: worker.seen(f"job {job}: paid"), timeout=120000)
        trained_at = wait(c.balances(*holders))
        assert deltas(trained_at, registered) == [0, 0, 0, -P_JOB, P_JOB, 0, 0, 0, 0, 0, 0]

        # -- in its Marketplace window the builder publishes the model with the wizard (parent: the
        # dataset), then the agent using it (its parent read from the graph)
        builder_seller = Seller(tmp_path, wallets[BUILDER], BUILDER, store, c)
        model_file = tmp_path / "builder" / "digits-trained.onnx"
        model_file.write_bytes(trained.model)
        model_id = publish_in_window(
            builder_market, qtbot, price=P_MODEL, files=[model_file], name="Trained digits",
            parent=dataset_id,
        )  # fmt: skip
        agent_file = agent_graph(
            tmp_path / "agent.json", f"asset:{c.deployment.chain_id}:{model_id}", classes
        )
        agent_id = publish_in_window(builder_market, qtbot, price=P_AGENT, graph=agent_file, parent=model_id)
        for child, parent in ((model_id, dataset_id), (agent_id, model_id)):
            assert wait(c.read("AssetRegistry", "parentsOf", child)) == [parent]
        published = wait(c.balances(*holders))
        fee = [p * fee_bps // 10_000 for p in (P_DATASET, P_MODEL, P_AGENT)]
        r_d, r_m, r_a = (p - f for p, f in zip((P_DATASET, P_MODEL, P_AGENT), fee, strict=True))
        # publishing the model accepted the dataset's license: its escrow is the fee and royalties
        assert deltas(published, trained_at) == [0, 0, 0, 0, 0, 0, fee[0], 0, 0, r_d, -P_DATASET]

        # -- the buyer finds the agent and the model it runs in the window and buys each in the
        # buy dialog (the builder's key delivery delivers); the model goes to the buyer's cache
        market = market_window(qtbot, indexer, ctx(BUYER), tmp_path / "buyer")
        bought, lic_a = buy_in_window(market, agent_id, "Digit reader", qtbot, builder_seller)
        _model, lic_m = buy_in_window(market, model_id, "Trained digits", qtbot, builder_seller)
        wait(fetch_into_cache(ctx(BUYER), model_id, paths.cache))  # this profile's cache: the buyer's
        for lic in (lic_a, lic_m):  # in My licenses: Accept delivery
            accept_in_window(market, qtbot, lic)
        sold = wait(c.balances(*holders))  # accepted: fees to the treasury, the rest to the vault
        spent = -P_AGENT - P_MODEL
        assert deltas(sold, published) == [0, 0, 0, 0, 0, spent, fee[1] + fee[2], 0, 0, r_m + r_a, 0]
        ran = wait(Executor().run(Graph.model_validate_json(bought.path.read_bytes())))
        (trace,) = [t for t in ran.traces if t.node_id == "m"]
        assert trace.error is None and trace.outputs["label"] in classes
        studio_page.open_path(bought.path)  # and in the Studio window: open the bought file, Run
        editor = studio_page.editor
        qtbot.waitUntil(lambda: editor.model.graph.name == "Digit reader", timeout=20000)
        editor.run_action.trigger()
        qtbot.waitUntil(lambda: editor.playground.status.text() == "Finished", timeout=60000)
        assert editor.scene.nodes["m"].status == "ok"

        # -- royalties, recomputed from the rules, then claimed
        m_asset = wait(c.read("AssetRegistry", "getAsset", model_id))
        a_asset = wait(c.read("AssetRegistry", "getAsset", agent_id))
        d_floor = wait(c.read("AssetRegistry", "getAsset", dataset_id))[6]
        (to_model,) = split(r_a, 0, a_asset[2], a_asset[6], [m_asset[6]])
        (to_dataset,) = split(r_m, to_model, m_asset[2], m_asset[6], [d_floor])
        builder_gets = r_a + r_m - to_dataset  # it owns the agent and the model: the dataset's share goes up
        pool_d = r_d + to_dataset
        kept = pool_d * DEFAULT_OWNER_SHARE_BPS // 10_000  # the dataset's owner share: its publisher's
        a_gets, b_gets = (pool_d - kept) * BATCH // ITEMS, (pool_d - kept) * BATCH // ITEMS
        expected = {LABELER_A: a_gets, LABELER_B: b_gets, BUILDER: builder_gets, REQUESTER: kept}
        for who, amount in expected.items():
            assert wait(earnings.earnings(ctx(who))).total == amount, who
        (row,) = wait(earnings.earnings(ctx(LABELER_A))).rows  # a contributor by its accepted items
        assert (row.asset_id, row.role, row.weight, row.total_weight) == (dataset_id, "labeler", BATCH, ITEMS)
        (row,) = wait(earnings.earnings(ctx(REQUESTER))).rows  # the publisher: its owner share
        assert (row.asset_id, row.role, row.claimable) == (dataset_id, "owner share", kept)
        for who, amount in expected.items():  # each in its own Marketplace window: Earnings, Claim all
            claim_in_window(market_window(qtbot, indexer, ctx(who), tmp_path / f"earner{who}"), qtbot, amount)

        end = wait(c.balances(*holders))
        assert deltas(end, start) == [
            -ITEMS * REWARD + kept,  # the requester paid its labelers and keeps 10 % of the royalties
            BATCH * REWARD + a_gets,
            BATCH * REWARD + b_gets,
            -P_DATASET - P_JOB + builder_gets,
            -STAKE + P_JOB,  # the stake stays in the compute market
            -P_AGENT - P_MODEL,
            sum(fee),
            0,  # the campaign's escrow is spent
            STAKE,
            pool_d - kept - a_gets - b_gets,  # rounding dust stays in the vault, nothing else
            0,  # no escrow left in the license market
        ]
    finally:
        if indexing is not None:
            indexing.cancel()
            qtbot.waitUntil(indexing.done, timeout=10000)
        logs = worker.stop() if worker is not None else ""
        wait(c.client.close())
    assert "Traceback" not in logs, logs
