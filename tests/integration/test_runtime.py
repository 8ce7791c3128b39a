"""AppRuntime: what the window and `sahara serve` open at start, on a real devnet."""

from __future__ import annotations

import asyncio

import pytest

from app.chain.client import ChainClient, ChainUnavailable
from app.runtime import AppRuntime, NetworkError
from app.settings import NetworkConfig


def test_open_migrates_and_starts_the_devnet(paths) -> None:
    runtime = AppRuntime.open(paths)
    try:
        assert runtime.db_error is None and runtime.sessions is not None
        status = asyncio.run(runtime.start_network())
        assert status.chain_id == 31337 and status.name == "devnet"

        async def read() -> int:
            client = ChainClient(status.rpc_url)
            try:
                return await client.block_number()
            finally:
                await client.close()

        assert asyncio.run(read()) >= 0
    finally:
        runtime.shutdown()
    assert runtime.devnet is not None and runtime.devnet.status() is None


def test_corrupt_settings_are_reported_not_fatal(paths) -> None:
    paths.settings_file.write_text("{oops")
    runtime = AppRuntime.open(paths)
    assert runtime.settings_warning and "Defaults are in use" in runtime.settings_warning
    runtime.shutdown()


def test_custom_network_with_wrong_chain_id_is_refused(paths) -> None:
    runtime = AppRuntime.open(paths)
    try:
        devnet_status = asyncio.run(runtime.start_network())
        wrong = NetworkConfig(name="fake-mainnet", rpc_url=devnet_status.rpc_url, chain_id=1)
        runtime.settings.networks = [*runtime.settings.networks, wrong]
        runtime.settings.active_network = "fake-mainnet"
        with pytest.raises(NetworkError, match="refusing"):
            asyncio.run(runtime.start_network())
    finally:
        runtime.shutdown()


def test_unreachable_rpc_is_a_clear_error(paths) -> None:
    runtime = AppRuntime.open(paths)
    runtime.settings.networks = [
        *runtime.settings.networks,
        NetworkConfig(name="down", rpc_url="http://127.0.0.1:9", chain_id=5),
    ]
    runtime.settings.active_network = "down"
    with pytest.raises(NetworkError, match="unreachable"):
        asyncio.run(runtime.start_network())
    runtime.shutdown()


def test_chain_client_maps_connection_errors() -> None:
    async def read() -> None:
        client = ChainClient("http://127.0.0.1:9", timeout=2)
        try:
            await client.block_number()
        finally:
            await client.close()

    with pytest.raises(ChainUnavailable):
        asyncio.run(read())


def test_devnet_faucet_funds_a_new_account_once_per_window(paths) -> None:
    runtime = AppRuntime.open(paths)
    address = "0x00000000000000000000000000000000000000cc"

    async def body():
        await runtime.start_network()
        first = await runtime.faucet(address)
        again = await runtime.faucet(address)
        mined = await runtime.outbox.wait(first[0].id)
        balance = await runtime.client.w3.eth.get_balance(address)
        await runtime.aclose()
        return first, again, mined, balance

    try:
        first, again, mined, balance = asyncio.run(body())
    finally:
        runtime.shutdown()
    assert len(first) == 1, "no SAHARA drip before the contracts are deployed"
    assert again[0].id == first[0].id and mined.status == "mined"
    assert balance == 10 * 10**18
    assert mined.description == "Devnet faucet: 10 ETH"


def test_devnet_contracts_are_deployed_once_and_the_faucet_drips_sahara(paths) -> None:
    from app.chain.bindings import bind

    runtime = AppRuntime.open(paths)
    address = "0x00000000000000000000000000000000000000dd"
    steps: list[int] = []

    async def body():
        await runtime.start_network()
        deployment = await runtime.ensure_contracts(lambda step, total, what: steps.append(step))
        again = await runtime.ensure_contracts()
        rows = await runtime.faucet(address)
        settled = [await runtime.outbox.wait(row.id) for row in rows]
        token = bind(runtime.client.w3, "SaharaToken", deployment.address("SaharaToken"))
        balance = await token.functions.balanceOf(address).call()
        await runtime.aclose()
        return deployment, again, settled, balance

    try:
        deployment, again, settled, balance = asyncio.run(body())
    finally:
        runtime.shutdown()
    assert steps == list(range(1, 12)) and again == deployment
    assert [row.status for row in settled] == ["mined", "mined"]
    assert balance == 1_000 * 10**18


def test_a_second_drip_in_the_faucet_cooldown_still_gives_eth(paths, monkeypatch) -> None:
    import time

    from web3 import Web3

    import app.wallet.faucet as faucet

    runtime = AppRuntime.open(paths)
    address = "0x00000000000000000000000000000000000000ee"
    checksummed = Web3.to_checksum_address(address)

    async def body():
        await runtime.start_network()
        await runtime.ensure_contracts()
        first = await runtime.faucet(address)
        later = time.time() + faucet.DRIP_WINDOW_S + 1  # a new drip window, inside the contract's cooldown
        monkeypatch.setattr(faucet.time, "time", lambda: later)
        second = await runtime.faucet(address)
        await runtime.outbox.wait(second[0].id)
        balance = await runtime.client.w3.eth.get_balance(checksummed)
        await runtime.aclose()
        return first, second, balance

    try:
        first, second, balance = asyncio.run(body())
    finally:
        runtime.shutdown()
    assert len(first) == 2 and len(second) == 1  # SAHARA refused by the cooldown, ETH still sent
    assert balance == 20 * 10**18


def test_reconnecting_keeps_one_outbox(paths) -> None:
    runtime = AppRuntime.open(paths)

    async def body():
        await runtime.start_network()
        outbox = runtime.outbox
        runtime.devnet.stop()
        status = await runtime.start_network()  # a new node on a new port, the same chain state
        await runtime.aclose()
        return outbox, status

    try:
        outbox, status = asyncio.run(body())
    finally:
        runtime.shutdown()
    assert runtime.outbox is outbox and outbox.chain_id == status.chain_id


def test_faucet_is_refused_off_the_devnet(paths) -> None:
    runtime = AppRuntime.open(paths)
    with pytest.raises(NetworkError, match="Not connected"):
        asyncio.run(runtime.faucet("0x00000000000000000000000000000000000000cc"))
    runtime.shutdown()


def test_the_account_in_use_last_time_is_active_again(paths) -> None:
    from app.settings import save_settings
    from app.wallet.service import WalletService

    wallet = WalletService(paths.data / "wallet", scrypt_n=2**4)
    wallet.create("test test test test test test test test test test test junk", "pw-long-enough")
    wallet.add_account()
    runtime = AppRuntime.open(paths)
    runtime.settings.active_account = 1
    save_settings(paths.settings_file, runtime.settings)
    runtime.shutdown()

    runtime = AppRuntime.open(paths)
    assert runtime.wallet.active_index == 1
    runtime.shutdown()
    runtime = AppRuntime.open(paths)
    runtime.settings.active_account = 7  # an account that no longer exists: fall back to the first
    assert runtime.wallet.active_index == 0
    runtime.shutdown()
