"""A throwaway anvil for the gas bench: started in a temp dir, accounts funded with
anvil_setBalance, transactions signed locally and sent raw (so gasUsed is a real receipt's),
chain time moved with evm_increaseTime, permits signed the way the app signs them."""

from __future__ import annotations

import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eth_account import Account
from web3 import HTTPProvider, Web3

from app.chain.permit import TokenDomain, permit_typed_data, sign_permit

ROOT = Path(__file__).resolve().parent.parent
E18 = 10**18


def find_anvil() -> str:
    exe = "anvil.exe" if sys.platform == "win32" else "anvil"
    os_name = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    arch = {"x86_64": "amd64", "amd64": "amd64", "arm64": "arm64", "aarch64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    candidate = ROOT / "node_modules" / "@foundry-rs" / f"anvil-{os_name}-{arch}" / "bin" / exe
    if candidate.exists():
        return str(candidate)
    found = shutil.which("anvil")
    if found:
        return found
    raise FileNotFoundError("anvil not found: run `npm ci`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Chain:
    """A throwaway anvil plus helpers that sign and send with local keys."""

    def __init__(self) -> None:
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="sahara-gas-")
        self.proc = subprocess.Popen(
            [find_anvil(), "--port", str(self.port), "--silent", "--gas-limit", "100000000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.tmp.name,
        )
        self.w3 = Web3(HTTPProvider(f"http://127.0.0.1:{self.port}", request_kwargs={"timeout": 30}))
        deadline = time.monotonic() + 30
        while not self._up():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("anvil did not start")
            time.sleep(0.1)
        self.chain_id = self.w3.eth.chain_id

    def _up(self) -> bool:
        try:
            return self.w3.is_connected()
        except Exception:
            return False

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.tmp.cleanup()

    def account(self):  # type: ignore[no-untyped-def]
        acct = Account.create()
        self.w3.provider.make_request("anvil_setBalance", [acct.address, hex(100 * E18)])
        return acct

    def send(self, acct, call) -> dict:  # type: ignore[no-untyped-def]
        tx = call.build_transaction(
            {
                "from": acct.address,
                "nonce": self.w3.eth.get_transaction_count(acct.address),
                "chainId": self.chain_id,
                "gas": 15_000_000,
                "maxFeePerGas": 10**10,
                "maxPriorityFeePerGas": 1,
            }
        )
        tx_hash = self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction reverted: {call.fn_name}")
        return receipt

    def gas(self, acct, call) -> int:  # type: ignore[no-untyped-def]
        """Send `call` from `acct`; its receipt's gasUsed."""
        return int(self.send(acct, call)["gasUsed"])

    def deploy(self, acct, artifact: dict, *args):  # type: ignore[no-untyped-def]
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.send(acct, factory.constructor(*args))
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


def advance(chain: Chain, seconds: int) -> None:
    """Let `seconds` of chain time pass (anvil), e.g. past a dispute window."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])
    chain.w3.provider.make_request("evm_mine", [])


def permit(chain: Chain, token, owner, spender: str, value: int, deadline: int) -> tuple[int, bytes, bytes]:  # type: ignore[no-untyped-def]
    """An EIP-2612 permit signed the way the app signs them (app.chain.permit)."""
    domain = TokenDomain("Sahara", "1", chain.chain_id, token.address)
    nonce = token.functions.nonces(owner.address).call()
    signed = sign_permit(permit_typed_data(domain, owner.address, spender, value, nonce, deadline), owner)
    return signed.v, signed.r, signed.s
