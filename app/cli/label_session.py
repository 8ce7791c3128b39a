"""What every ``sahara label`` command but ``campaigns`` opens: the app's runtime like the window
does, unlocked when a password is given, connected, with contracts (deployed on the devnet when
missing), and the labeling service of the chosen account; always closed afterwards."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.cli.blob import open_cli_store
from app.cli.wallet import CliError
from app.words import format_sahara

if TYPE_CHECKING:
    from app.labeling.service import LabelingService
    from app.runtime import AppRuntime
    from app.services import NetworkServices
    from app.storage import BlobStore


@dataclass
class Session:
    """An opened runtime, connected, with contracts, and the service for the chosen account."""

    runtime: AppRuntime
    services: NetworkServices
    store: BlobStore
    service: LabelingService


def sahara(wei: int) -> str:
    return format_sahara(wei, max_decimals=6)


def say(text: str) -> None:
    print(text, file=sys.stderr)


@asynccontextmanager
async def open_session(args: argparse.Namespace, password: str | None) -> AsyncIterator[Session]:
    """Open the app's runtime like the window does, unlock (when a password is given), connect and
    find the contracts (deploying them on the devnet if missing); always closed afterwards."""
    import asyncio

    from app.runtime import AppRuntime, NetworkError
    from app.services import NetworkServices, ServiceOptions

    runtime = AppRuntime.open(args.paths)
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        wallet = runtime.wallet
        if password is not None:
            await asyncio.to_thread(wallet.unlock, password)
        if args.account is not None:
            if not any(e.index == args.account for e in wallet.accounts()):
                raise CliError(f"the wallet has no account {args.account}")
            wallet.active_index = args.account
        store = open_cli_store(args)
        accounts = None if args.account is None else [args.account]
        services = NetworkServices(
            runtime, lambda: store, ServiceOptions(accounts=accounts, demo_review=False)
        )
        if runtime.on_devnet and not _devnet_running(runtime):  # the rule `sahara wallet` follows too
            say("starting the local devnet for this command")
        try:
            await services.open(lambda step, total, what: say(f"deploying [{step}/{total}] {what}"))
        except NetworkError as exc:
            raise CliError(str(exc)) from exc
        yield Session(runtime, services, store, services.labeling())
    finally:
        runtime.wallet.lock()
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)


def _devnet_running(runtime: AppRuntime) -> bool:
    from app.chain.devnet import Devnet

    return Devnet(runtime.paths.devnet, chain_id=runtime.settings.network().chain_id).status() is not None
