"""A deployed devnet for integration tests, and a test's view of it.

Several test modules (contract paths, key delivery, labeling) need the same thing: a real anvil with
every contract deployed through the app's own ``deploy_all``, and a small facade that sends through
the ``Outbox`` and reads through the bindings. The ``env`` fixture in conftest.py deploys once per
module from here, so tests in a module share one chain and compare balance *changes*.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session, sessionmaker

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import CONTRACTS, TIMELOCK, Deployment
from app.chain.devnet import DEVNET_CHAIN_ID, Devnet
from app.chain.permit import Permit, signed_permit
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.wallet.calls import events, transact
from app.wallet.deploy import deploy_all
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox

T = TypeVar("T")
C = TypeVar("C", bound="Chain")


@functools.cache
def acct(index: int) -> LocalAccount:
    """Devnet account ``index`` (anvil gives each 10,000 ETH); 9 is the treasury and admin."""
    return signing_account(DEV_MNEMONIC, index)


@dataclass(frozen=True)
class Env:
    rpc_url: str
    sessions: sessionmaker[Session]
    deployment: Deployment


@contextmanager
def deployed_devnet(folder: Path) -> Iterator[Env]:
    """A devnet under ``folder`` with every contract deployed; stopped on exit."""
    devnet = Devnet(folder / "devnet", block_time=None)
    info = devnet.start()
    try:
        upgrade(folder / "sahara.db")
        engine = make_engine(folder / "sahara.db")
        sessions = session_factory(engine)

        async def deploy() -> Deployment:
            client = ChainClient(info.rpc_url, timeout=30)
            try:
                outbox = Outbox(sessions, client, DEVNET_CHAIN_ID)
                return await deploy_all(outbox, treasury(), "devnet", folder)
            finally:
                await client.close()

        deployment = asyncio.run(deploy())
        assert set(deployment.addresses) == set(CONTRACTS) - {TIMELOCK}  # the devnet has no timelock
        yield Env(info.rpc_url, sessions, deployment)
        engine.dispose()
    finally:
        devnet.stop()


@dataclass
class Chain:
    """A test's view of the devnet: send through the outbox, read through bindings."""

    outbox: Outbox
    deployment: Deployment

    @property
    def client(self) -> ChainClient:
        return self.outbox.client

    def addr(self, name: str) -> str:
        return self.deployment.address(name)

    async def send(
        self, signer: LocalAccount, contract: str, function: str, *args: Any, intent: str = ""
    ) -> Any:
        intent = intent or f"test:{contract}.{function}:{uuid.uuid4().hex}"
        return await transact(self.outbox, signer, self.deployment, contract, function, *args, intent=intent)

    async def read(self, contract: str, function: str, *args: Any) -> Any:
        bound = bind(self.client.w3, contract, self.addr(contract))
        return await getattr(bound.functions, function)(*args).call()

    def events(self, contract: str, event: str, receipt: Any) -> list[Any]:
        return [log["args"] for log in events(self.outbox, self.deployment, contract, event, receipt)]

    def one(self, contract: str, event: str, receipt: Any) -> Any:
        (found,) = self.events(contract, event, receipt)
        return found

    async def emit(self, signer: LocalAccount, contract: str, function: str, *args: Any, event: str) -> Any:
        """Send, and return the one ``event`` the contract emitted."""
        return self.one(contract, event, await self.send(signer, contract, function, *args))

    async def balances(self, *holders: LocalAccount | str) -> list[int]:
        """SAHARA balances of accounts and of contracts (given by name)."""
        addresses = [self.addr(h) if isinstance(h, str) else h.address for h in holders]
        return [await self.read("SaharaToken", "balanceOf", a) for a in addresses]

    async def fund(self, account: LocalAccount, amount: int) -> None:
        await self.send(treasury(), "SaharaToken", "transfer", account.address, amount)

    async def permit(self, owner: LocalAccount, spender: str, value: int) -> Permit:
        return await signed_permit(self.client, self.addr("SaharaToken"), owner, self.addr(spender), value)

    async def now(self) -> int:
        return int((await self.client.w3.eth.get_block("latest"))["timestamp"])

    async def advance(self, seconds: int) -> None:
        """Move chain time forward and mine a block, so gas estimation already sees the new time."""
        await self.client.w3.provider.make_request("evm_increaseTime", [seconds])
        await self.client.w3.provider.make_request("evm_mine", [])


def run(env: Env, body: Callable[[C], Awaitable[T]], chain: type[C] = Chain) -> T:  # type: ignore[assignment]
    """Run ``body`` on a fresh event loop with a chain view over its own client."""

    async def main() -> T:
        client = ChainClient(env.rpc_url, timeout=30)
        try:
            return await body(chain(Outbox(env.sessions, client, DEVNET_CHAIN_ID), env.deployment))
        finally:
            await client.close()

    return asyncio.run(main())


def deltas(after: list[int], before: list[int]) -> list[int]:
    return [a - b for a, b in zip(after, before, strict=True)]
