"""A SAHARA_HOME as a person who runs `sahara` on a server has it, for the CLI's integration tests.

A plain module (not a test), imported by name. test_market_cli, test_labeling_cli and
test_compute_worker each drive the real `sahara` command in subprocesses as the devnet mnemonic's
accounts 0 and 1, against the embedded devnet started with `sahara devnet start`; the ``cli`` fixture
in conftest.py makes that home from here, so the three set it up one way.

The keystore is written in this process with a small scrypt cost, as the other wallet tests do. Every
command given ``--password-file`` unlocks it, and at the standard cost that is a second of CPU per
command, about a minute per test file, spent on what the keystore's own tests cover;
`sahara wallet import` is tested in test_serve and test_cli_wallet.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from test_serve import PASSWORD, sahara

from app.chain.devnet import Devnet
from app.paths import AppPaths
from app.runtime import AppRuntime
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account
from app.wallet.service import WalletService

FAST_SCRYPT_N = 2**4


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def in_app(paths: AppPaths, body: Callable[[AppRuntime], Awaitable[Any]]) -> Any:
    """``body(runtime)`` with the app's runtime opened on ``paths``, connected, with contracts."""

    async def main() -> Any:
        runtime = AppRuntime.open(paths)
        try:
            await runtime.start_network()
            await runtime.ensure_contracts()
            return await body(runtime)
        finally:
            await runtime.aclose()
            runtime.shutdown()

    return asyncio.run(main())


@dataclass(frozen=True)
class CliHome:
    home: Path
    paths: AppPaths
    pw: tuple[str, str]  # the arguments that give a command the wallet's password
    rpc_url: str  # the embedded devnet's

    def fund(self, *indexes: int) -> None:
        """The devnet faucet's ETH and SAHARA to these accounts, mined. It deploys the contracts if no
        command has yet, so a test that checks the first command deploys funds after it."""

        async def body(runtime: AppRuntime) -> None:
            assert runtime.outbox is not None
            for index in indexes:
                for row in await runtime.faucet(signing_account(DEV_MNEMONIC, index).address):
                    await runtime.outbox.wait(row.id, timeout=60)

        in_app(self.paths, body)


@contextmanager
def cli_home(home: Path, paths: AppPaths, folder: Path) -> Iterator[CliHome]:
    """``home`` with a wallet of the devnet mnemonic (accounts 0 and 1, password ``PASSWORD`` in a
    file under ``folder``) and its embedded devnet running; the devnet is stopped on exit."""
    password = folder / "pw"
    password.write_text(PASSWORD + "\n")
    wallet = WalletService(paths.data / "wallet", scrypt_n=FAST_SCRYPT_N)
    wallet.create(DEV_MNEMONIC, PASSWORD)
    assert wallet.add_account().address == signing_account(DEV_MNEMONIC, 1).address
    wallet.lock()
    ok(sahara(home, "devnet", "start"))
    try:
        info = Devnet(paths.devnet).status()
        assert info is not None
        yield CliHome(home, paths, ("--password-file", str(password)), info.rpc_url)
    finally:
        sahara(home, "devnet", "stop")
