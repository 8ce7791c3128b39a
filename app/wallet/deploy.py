"""Deploy and wire Sahara's contracts on a network, and record where they are.

Every step is an outbox transaction with an intent id derived from the network and the artifacts'
source hash, so a deployment interrupted by a crash resumes where it stopped instead of deploying
twice. Steps run in order because later constructors take earlier addresses. The result is the
network's deployment manifest (``<data>/deployments/<network>.json``).

On the devnet the admin, treasury and arbiters are the devnet treasury account (keys public by
design), and the Faucet, which may mint, exists only there: anywhere else it would let anyone mint
by dripping to fresh addresses. On every other network the deploying user's account is the treasury
and the arbiter, and proposes and executes admin changes, but the admin roles themselves go to a
``SaharaTimelock`` (OpenZeppelin TimelockController, ``timelock_delay_s``): the deployer grants them
to it and renounces its own, so every later change waits out the delay in public first.
Deploying signs and sends, so it sits in the wallet layer beside the outbox (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.chain.bindings import encode_call, encode_deploy
from app.chain.client import ChainUnavailable
from app.chain.contracts import (
    CONTRACTS,
    TIMELOCK,
    Deployment,
    load_artifact,
    load_deployment,
    save_deployment,
)
from app.chain.devnet import DEVNET_CHAIN_ID
from app.wallet.outbox import Outbox, Signer, TxRequest

log = logging.getLogger(__name__)

TOKEN = 10**18
MINTER_ROLE_NAME = "MINTER_ROLE"
ARBITER_ROLE_NAME = "ARBITER_ROLE"


@dataclass(frozen=True)
class DeployConfig:
    initial_supply: int = 1_000_000_000 * TOKEN
    faucet_drip: int = 1_000 * TOKEN
    faucet_cooldown_s: int = 60 * 60
    min_parent_royalty_bps: int = 1_000
    fee_bps: int = 250
    delivery_timeout_s: int = 3 * 24 * 3600
    min_stake: int = 100 * TOKEN
    unbonding_delay_s: int = 7 * 24 * 3600
    # TaskBoard: a rejection may be disputed for 2 days, the arbiter has 7 days to rule, a dispute
    # bonds 10 % of the disputed reward, and reputation counts campaigns paying >= 0.001 SAHARA/item.
    dispute_window_s: int = 2 * 24 * 3600
    arbiter_window_s: int = 7 * 24 * 3600
    dispute_bond_bps: int = 1_000
    reputation_min_reward: int = TOKEN // 1_000
    timelock_delay_s: int = 2 * 24 * 3600  # non-devnet networks: how long admin changes wait


ADMIN_ROLE = b"\0" * 32  # AccessControl.DEFAULT_ADMIN_ROLE
# The AccessControl contracts whose admin role goes to the timelock off the devnet.
ADMINISTERED = ("SaharaToken", "AssetRegistry", "LicenseMarket", "TaskBoard", "ComputeMarket")


class DeployError(RuntimeError):
    pass


def _role(name: str) -> bytes:
    from eth_utils import keccak

    return keccak(text=name)


async def deploy_all(
    outbox: Outbox,
    signer: Signer,
    network: str,
    data_dir: Path,
    config: DeployConfig = DeployConfig(),
    progress: Callable[[int, int, str], None] = lambda step, total, what: None,
) -> Deployment:
    """Deploy every contract, wire roles and links, save and return the manifest."""
    sources = load_artifact(CONTRACTS[0]).sources_hash
    admin = signer.address
    with_faucet = outbox.chain_id == DEVNET_CHAIN_ID
    addresses: dict[str, str] = {}
    total = 11 if with_faucet else 10 + 2 * len(ADMINISTERED)
    step = 0

    async def send(label: str, to: str | None, data: bytes) -> Any:
        nonlocal step
        step += 1
        progress(step, total, label)
        intent = f"deploy:{network}:{sources[:16]}:{step}:{label}"
        row = await outbox.submit(TxRequest(intent, to, data=data, description=f"Deploy: {label}"), signer)
        row = await outbox.wait(row.id, timeout=300)
        if row.status != "mined":
            raise DeployError(f"{label} failed ({row.status}): {row.error or 'no reason given'}")
        return await outbox.client.ask(outbox.client.w3.eth.get_transaction_receipt(row.tx_hash))

    async def create(name: str, *args: Any) -> str:
        receipt = await send(name, None, encode_deploy(load_artifact(name), *args))
        addresses[name] = str(receipt["contractAddress"])
        return addresses[name]

    token = await create("SaharaToken", admin, config.initial_supply)
    if with_faucet:
        faucet = await create("Faucet", token, admin, config.faucet_drip, config.faucet_cooldown_s)
        await send(
            "grant minter to Faucet",
            token,
            encode_call("SaharaToken", "grantRole", _role(MINTER_ROLE_NAME), faucet),
        )
    registry = await create("AssetRegistry", admin, config.min_parent_royalty_bps)
    vault = await create("RoyaltyVault", token, registry)
    market = await create(
        "LicenseMarket", token, registry, vault, admin, admin, config.fee_bps, config.delivery_timeout_s
    )
    await send(
        "link registry to LicenseMarket", registry, encode_call("AssetRegistry", "setLicenseChecker", market)
    )
    await send(
        "grant market arbiter",
        market,
        encode_call("LicenseMarket", "grantRole", _role(ARBITER_ROLE_NAME), admin),
    )
    await create(
        "TaskBoard", token, admin, admin, config.dispute_window_s, config.arbiter_window_s,
        config.dispute_bond_bps, config.reputation_min_reward,
    )  # fmt: skip
    compute = await create("ComputeMarket", token, admin, config.min_stake, config.unbonding_delay_s)
    await send(
        "grant arbiter", compute, encode_call("ComputeMarket", "grantRole", _role(ARBITER_ROLE_NAME), admin)
    )
    if not with_faucet:
        delay = config.timelock_delay_s
        timelock = await create(TIMELOCK, delay, [admin], [admin], "0x" + "00" * 20)
        for name in ADMINISTERED:
            contract = addresses[name]
            await send(
                f"{name} admin to timelock", contract, encode_call(name, "grantRole", ADMIN_ROLE, timelock)
            )
            await send(
                f"{name}: deployer renounces admin",
                contract,
                encode_call(name, "renounceRole", ADMIN_ROLE, admin),
            )
    block = int(await outbox.client.block_number())
    deployment = Deployment(network, outbox.chain_id, block, sources, addresses)
    save_deployment(data_dir, deployment)
    log.info("deployed %d contracts on %s at block %d", len(addresses), network, block)
    return deployment


def expected_contracts(chain_id: int) -> set[str]:
    return set(CONTRACTS) - ({TIMELOCK} if chain_id == DEVNET_CHAIN_ID else {"Faucet"})


async def current_deployment(outbox: Outbox, network: str, data_dir: Path) -> Deployment | None:
    """The saved manifest if it matches this chain, these artifacts, and code is really there.

    A devnet reset wipes the chain but not the manifest, and an app update may ship new contracts:
    both make the manifest stale, and the caller redeploys (on the devnet) or tells the user.
    """
    deployment = load_deployment(data_dir, network)
    if deployment is None or deployment.chain_id != outbox.chain_id:
        return None
    if deployment.sources_hash != load_artifact(CONTRACTS[0]).sources_hash:
        return None
    if set(deployment.addresses) != expected_contracts(outbox.chain_id):
        return None
    try:
        code = await outbox.client.ask(outbox.client.w3.eth.get_code(deployment.addresses["TaskBoard"]))
    except ChainUnavailable:
        return None
    return deployment if len(code) > 0 else None
