"""The composition root without a chain: what it builds, when it rebuilds, what it refuses.

The runtime here is a stand-in (a real wallet, a chain client that is never asked, plain objects
for the outbox and database); the services running against a real devnet are covered by
``tests/integration/test_serve.py`` and ``test_labeling_cli.py`` and the window's devnet tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.runtime import NetworkError
from app.services import NetworkServices, ServiceOptions
from app.settings import Settings
from app.wallet.service import WalletService

ANVIL = "test test test test test test test test test test test junk"
ADDRESSES = {
    "TaskBoard": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "LicenseMarket": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    "AssetRegistry": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
}


class Runtime:
    """The parts of ``AppRuntime`` the root reads."""

    def __init__(self, folder: Path, *, on_devnet: bool = True) -> None:
        self.paths = SimpleNamespace(data=folder)
        self.wallet = WalletService(folder / "wallet", scrypt_n=1 << 12)
        self.client = ChainClient("http://127.0.0.1:9")
        self.outbox = SimpleNamespace(chain_id=31337, runs=0, run=self._outbox_run)
        self.sessions: Any = object()
        self.deployment: Deployment | None = None
        self.on_devnet = on_devnet
        self.settings = Settings()
        self.lookups = 0

    async def _outbox_run(self, interval: float) -> None:
        self.outbox.runs += 1
        await asyncio.Event().wait()

    async def start_network(self) -> Any:
        return SimpleNamespace(name="devnet", chain_id=31337, rpc_url="http://127.0.0.1:9")

    async def ensure_contracts(self, progress: Any) -> Deployment:
        self.lookups += 1
        self.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
        return self.deployment


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return Runtime(tmp_path)


def services_for(runtime: Runtime, **options: Any) -> NetworkServices:
    stores = iter(range(1_000))
    return NetworkServices(runtime, lambda: SimpleNamespace(n=next(stores)), ServiceOptions(**options))  # type: ignore[arg-type]


def test_the_label_page_is_told_what_is_missing_in_words(runtime: Runtime) -> None:
    services = services_for(runtime)
    assert services.labeling_for_user() == (None, "Labeling needs Sahara's contracts on this network.")
    runtime.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
    assert services.labeling_for_user()[1].startswith("Set up a wallet")
    runtime.wallet.create(ANVIL, "password1")
    runtime.wallet.lock()
    assert services.labeling_for_user()[1].startswith("Unlock your wallet")


def test_one_labeling_service_per_account_contracts_and_store(runtime: Runtime) -> None:
    services = services_for(runtime)
    runtime.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
    runtime.wallet.create(ANVIL, "password1")
    first, reason = services.labeling_for_user()
    assert first is not None and reason == "" and first.wallet is runtime.wallet
    assert services.labeling_for_user()[0] is first  # built once, not per call
    runtime.wallet.add_account()
    runtime.wallet.active_index = 1
    second = services.labeling_for_user()[0]
    assert second is not None and second is not first
    services.storage_changed()
    third = services.labeling_for_user()[0]
    assert third is not second  # the new store
    runtime.wallet.lock()
    assert services.labeling_for_user()[0] is None
    runtime.wallet.unlock("password1")
    assert services.labeling_for_user()[0] is not third  # nothing opened before the lock is kept


def test_nothing_is_built_before_the_network_and_contracts(runtime: Runtime) -> None:
    services = services_for(runtime)
    with pytest.raises(NetworkError, match="not ready"):
        services.labeling()
    with pytest.raises(NetworkError, match="not ready"):
        services.key_delivery()


def test_the_demo_is_refused_off_the_devnet(tmp_path: Path) -> None:
    runtime = Runtime(tmp_path, on_devnet=False)
    runtime.deployment = Deployment("sepolia", 11155111, 1, "x", dict(ADDRESSES))
    with pytest.raises(NetworkError, match="local devnet only"):
        asyncio.run(services_for(runtime).seed_demo())


def test_key_delivery_waits_for_confirmations_off_the_devnet(tmp_path: Path) -> None:
    devnet, other = Runtime(tmp_path / "a"), Runtime(tmp_path / "b", on_devnet=False)
    for runtime in (devnet, other):
        runtime.deployment = Deployment("n", 1, 1, "x", dict(ADDRESSES))
    assert services_for(devnet).key_delivery().config.confirmations == 0
    assert services_for(other).key_delivery().config.confirmations == 3
    assert services_for(other, confirmations=7).key_delivery().config.confirmations == 7


def test_reviewers_follow_the_wallets_accounts_and_the_demo_option(runtime: Runtime) -> None:
    runtime.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
    runtime.wallet.create(ANVIL, "password1")
    services = services_for(runtime)
    first = services.reviewers()
    assert len(first) == 2  # the account, and the devnet's demo requester
    assert services.reviewers() is first
    runtime.wallet.add_account()
    assert len(services.reviewers()) == 3
    assert len(services_for(runtime, accounts=[1], demo_review=False).reviewers()) == 1


def test_the_outbox_runs_once_and_contracts_are_looked_up_per_chain(runtime: Runtime) -> None:
    seen: list[tuple[object, ...]] = []

    async def body() -> None:
        services = services_for(runtime)
        services.events.connect("contracts", lambda *args: seen.append(args))
        markets: list[object] = []
        services.events.connect("market", lambda: markets.append(services.market))
        devnet = SimpleNamespace(name="devnet", chain_id=31337)
        services.network_ready(devnet)
        services.network_ready(devnet)  # a reconnect to the same chain
        await asyncio.sleep(0.05)
        assert runtime.outbox.runs == 1 and runtime.lookups == 1
        assert {t.get_name() for t in services._running} == {
            "market-indexer", "key-delivery", "auto-review", "board-index", "input-keys",
        }  # fmt: skip
        assert len(markets) == 1 and markets[0] is services.market is not None  # pages hear of the indexer
        services.network_ready(SimpleNamespace(name="sepolia", chain_id=11155111))  # a switch
        await asyncio.sleep(0.05)
        assert runtime.outbox.runs == 1 and runtime.lookups == 2
        assert len(markets) == 2 and markets[1] is not markets[0]  # a new chain, a new catalogue reader
        await services.aclose()
        assert not services._tasks

    asyncio.run(body())
    assert [args[1] for args in seen] == [None, None] and all(args[0] is not None for args in seen)


def test_every_labeling_service_shares_one_board_and_its_log_cache(runtime: Runtime) -> None:
    runtime.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
    services = services_for(runtime)
    one, two = services.labeling(), services.labeling(SimpleNamespace())
    assert one.board is two.board
    runtime.deployment = Deployment("devnet", 31337, 2, "y", dict(ADDRESSES))  # redeployed
    assert services.labeling().board is not one.board


def test_a_reconnect_gives_new_services_on_the_new_client(runtime: Runtime) -> None:
    """A restarted devnet listens on a new port: services built on the old client would ask a
    closed session at the old port forever."""
    runtime.deployment = Deployment("devnet", 31337, 1, "x", dict(ADDRESSES))
    runtime.wallet.create(ANVIL, "password1")
    services = services_for(runtime)
    user, reviewers = services.labeling_for_user()[0], services.reviewers()
    runtime.client = ChainClient("http://127.0.0.1:10")
    again = services.labeling_for_user()[0]
    assert again is not None and again is not user and again.client is runtime.client
    assert services.reviewers() is not reviewers
    assert all(r.service.client is runtime.client for r in services.reviewers())


def test_connecting_goes_through_the_root_and_starts_what_works_on_the_network(runtime: Runtime) -> None:
    async def body() -> None:
        services = services_for(runtime)
        status = await services.connect()
        await asyncio.sleep(0.05)
        assert status.chain_id == 31337 and runtime.outbox.runs == 1 and runtime.lookups == 1
        assert services.delivery is not None
        await services.aclose()

    asyncio.run(body())
