"""Deploying Sahara's contracts on a real devnet through the outbox."""

from __future__ import annotations

import asyncio

import pytest

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import CONTRACTS, TIMELOCK
from app.chain.devnet import Devnet
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.wallet.deploy import ADMIN_ROLE, ADMINISTERED, current_deployment, deploy_all
from app.wallet.faucet import DEV_MNEMONIC, TREASURY_INDEX
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox


@pytest.fixture
def setup(paths, devnets):
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    info = devnet.start()
    upgrade(paths.database)
    engine = make_engine(paths.database)
    yield devnet, info, session_factory(engine)
    engine.dispose()


def test_deploy_wires_everything_and_is_idempotent(setup, paths) -> None:
    _, info, sessions = setup
    admin = signing_account(DEV_MNEMONIC, TREASURY_INDEX)
    steps: list[str] = []

    async def body():
        client = ChainClient(info.rpc_url)
        outbox = Outbox(sessions, client, 31337)
        try:
            first = await deploy_all(
                outbox, admin, "devnet", paths.data, progress=lambda s, t, w: steps.append(w)
            )
            found = await current_deployment(outbox, "devnet", paths.data)
            again = await deploy_all(outbox, admin, "devnet", paths.data)
            w3 = client.w3
            token = bind(w3, "SaharaToken", first.address("SaharaToken"))
            registry = bind(w3, "AssetRegistry", first.address("AssetRegistry"))
            compute = bind(w3, "ComputeMarket", first.address("ComputeMarket"))
            market = bind(w3, "LicenseMarket", first.address("LicenseMarket"))
            minter = await token.functions.MINTER_ROLE().call()
            arbiter = await compute.functions.ARBITER_ROLE().call()
            facts = (
                await token.functions.symbol().call(),
                await token.functions.hasRole(minter, first.address("Faucet")).call(),
                await registry.functions.licenseChecker().call(),
                await compute.functions.hasRole(arbiter, admin.address).call(),
                await market.functions.hasRole(arbiter, admin.address).call(),
                await market.functions.hasRole(ADMIN_ROLE, admin.address).call(),  # devnet: no timelock
            )
            return first, found, again, facts, len(outbox.history())
        finally:
            await client.close()

    first, found, again, facts, tx_count = asyncio.run(body())
    assert set(first.addresses) == set(CONTRACTS) - {TIMELOCK} and len(steps) == 11
    assert found == first and again.addresses == first.addresses
    assert tx_count == 11  # the second run signed nothing new
    assert facts == ("SAHARA", True, first.address("LicenseMarket"), True, True, True)


def test_a_reset_devnet_makes_the_manifest_stale(setup, paths) -> None:
    devnet, info, sessions = setup
    admin = signing_account(DEV_MNEMONIC, TREASURY_INDEX)

    async def deploy_then_reset():
        client = ChainClient(info.rpc_url)
        try:
            await deploy_all(Outbox(sessions, client, 31337), admin, "devnet", paths.data)
        finally:
            await client.close()
        devnet.reset()
        fresh = devnet.start()
        client = ChainClient(fresh.rpc_url)
        try:
            return await current_deployment(Outbox(sessions, client, 31337), "devnet", paths.data)
        finally:
            await client.close()

    assert asyncio.run(deploy_then_reset()) is None


def test_no_faucet_and_a_timelocked_admin_outside_the_devnet(paths, devnets, tmp_path) -> None:
    """A minting faucet on a real network would let anyone mint; only the devnet gets one. There the
    admin roles belong to the timelock alone: the deployer keeps none to change things at once."""
    other = Devnet(tmp_path / "other-chain", chain_id=4242, block_time=None)
    devnets.append(other)
    info = other.start()
    upgrade(paths.database)
    engine = make_engine(paths.database)
    deployer = signing_account(DEV_MNEMONIC, 2)
    steps: list[str] = []

    async def body():
        client = ChainClient(info.rpc_url)
        outbox = Outbox(session_factory(engine), client, 4242)
        try:
            deployment = await deploy_all(
                outbox, deployer, "testnet", paths.data, progress=lambda s, t, w: steps.append(w)
            )
            timelock = deployment.address(TIMELOCK)
            holders = []
            for name in ADMINISTERED:
                contract = bind(client.w3, name, deployment.address(name))
                has = contract.functions.hasRole
                holders.append(
                    (await has(ADMIN_ROLE, timelock).call(), await has(ADMIN_ROLE, deployer.address).call())
                )
            lock = bind(client.w3, TIMELOCK, timelock)
            delay = await lock.functions.getMinDelay().call()
            proposer = await lock.functions.hasRole(
                await lock.functions.PROPOSER_ROLE().call(), deployer.address
            ).call()
            return (
                deployment,
                await current_deployment(outbox, "testnet", paths.data),
                holders,
                delay,
                proposer,
            )
        finally:
            await client.close()

    deployment, found, holders, delay, proposer = asyncio.run(body())
    engine.dispose()
    assert "Faucet" not in deployment.addresses and len(deployment.addresses) == 7
    assert len(steps) == 10 + 2 * len(ADMINISTERED) and found == deployment
    assert holders == [(True, False)] * len(ADMINISTERED)
    assert delay == 2 * 24 * 3600 and proposer
