"""The wallet session: auto-lock, signer access, EIP-712 and personal_sign equal to eth-account's."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from app.wallet.service import WalletLocked, WalletService

ANVIL = "test test test test test test test test test test test junk"

PERMIT = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Permit": [
            {"name": "owner", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
    },
    "primaryType": "Permit",
    "domain": {
        "name": "Sahara",
        "version": "1",
        "chainId": 31337,
        "verifyingContract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    },
    "message": {
        "owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "spender": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "value": 10**18,
        "nonce": 0,
        "deadline": 2**40,
    },
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path, clock) -> WalletService:
    return WalletService(tmp_path / "wallet", auto_lock_s=60, scrypt_n=1 << 12, clock=clock)


def test_create_unlock_lock_and_listeners(service: WalletService) -> None:
    events: list[bool] = []
    service.events.connect("lock_changed", events.append)
    assert not service.exists and service.accounts() == []
    entry = service.create(ANVIL, "password1")
    assert entry.address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" and service.unlocked
    service.lock()
    with pytest.raises(WalletLocked):
        service.signer()
    service.unlock("password1")
    assert events == [True, False, True]


def test_auto_lock_after_idle_and_activity_postpones_it(service: WalletService, clock: Clock) -> None:
    service.create(ANVIL, "password1")
    clock.now += 50
    service.touch()
    clock.now += 50
    assert service.unlocked  # 50 s since the last activity
    clock.now += 10
    assert not service.unlocked
    with pytest.raises(WalletLocked):
        service.sign_typed_data(PERMIT)


def test_signatures_equal_eth_account(service: WalletService) -> None:
    service.create(ANVIL, "password1")
    key = Account.from_mnemonic(ANVIL, account_path="m/44'/60'/0'/0/0").key
    expected_712 = Account.sign_message(encode_typed_data(full_message=PERMIT), key).signature
    assert service.sign_typed_data(PERMIT) == bytes(expected_712)
    expected_personal = Account.sign_message(encode_defunct(text="hello sahara"), key).signature
    assert service.personal_sign("hello sahara") == bytes(expected_personal)
    recovered = Account.recover_message(
        encode_defunct(text="hello sahara"), signature=service.personal_sign("hello sahara")
    )
    assert recovered == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_accounts_and_reveal(service: WalletService) -> None:
    service.create(ANVIL, "password1")
    second = service.add_account("Labeling")
    service.active_index = second.index
    assert service.signer().address == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert service.active_account() == second
    assert service.reveal_mnemonic("password1") == ANVIL
    assert len(service.encryption_key().public_key) == 64


def test_private_key_wallet_has_no_phrase(service: WalletService) -> None:
    service.import_private_key(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "password1"
    )
    with pytest.raises(ValueError, match="no recovery phrase"):
        service.reveal_mnemonic("password1")
