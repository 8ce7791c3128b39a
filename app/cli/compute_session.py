"""What every ``sahara worker`` and ``sahara compute`` command opens: the app's runtime like the
window does, unlocked as the chosen account, connected, with contracts (deployed on the devnet when
missing) and the blob store; always closed afterwards. A failure is said in words, exit code 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.cli.blob import open_cli_store
from app.cli.wallet import CliError, read_password, require_wallet

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.runtime import AppRuntime
    from app.storage import BlobStore


@dataclass
class Session:
    """An opened runtime, unlocked as the chosen account, connected, with contracts, and the store."""

    runtime: AppRuntime
    store: BlobStore
    deployment: Deployment


def say(text: str) -> None:
    """A line for the person at the terminal (standard error: standard output is for results)."""
    print(text, file=sys.stderr)


def wei(text: str, what: str) -> int:
    """An amount of SAHARA typed for option ``what``, in wei, or ``CliError`` in words."""
    from app.wallet.tx_summary import parse_amount

    try:
        return parse_amount(text, 18, "SAHARA")
    except ValueError as exc:
        raise CliError(f"{what}: {exc}") from exc


@asynccontextmanager
async def open_session(args: argparse.Namespace, password: str) -> AsyncIterator[Session]:
    import asyncio

    from app.runtime import AppRuntime, NetworkError

    runtime = AppRuntime.open(args.paths)
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        await asyncio.to_thread(runtime.wallet.unlock, password)
        if args.account is not None:
            if not any(e.index == args.account for e in runtime.wallet.accounts()):
                raise CliError(f"the wallet has no account {args.account}")
            runtime.wallet.active_index = args.account
        store = open_cli_store(args)
        try:
            status = await runtime.start_network()
            deployment = await runtime.ensure_contracts(lambda s, t, what: say(f"deploying [{s}/{t}] {what}"))
        except NetworkError as exc:
            raise CliError(str(exc)) from exc
        if deployment is None:
            raise CliError(
                f"Sahara's contracts are not on {status.name}: run `sahara deploy --network {status.name}`"
            )
        yield Session(runtime, store, deployment)
    finally:
        runtime.wallet.lock()
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)


def _errors() -> tuple[type[Exception], ...]:
    """What the compute services raise with a message for the user. Imported when something is
    caught, not at start: these modules bring in eth-account, numpy and the database (seconds),
    which a refused password file or a missing wallet need not wait for."""
    from app.compute.dataset import DatasetError
    from app.compute.onnx_check import UnsafeModel
    from app.compute.requester import ComputeError
    from app.compute.tensors import TensorError
    from app.runtime import NetworkError
    from app.storage.errors import StorageError
    from app.wallet.outbox import OutboxError

    return ComputeError, UnsafeModel, TensorError, DatasetError, NetworkError, OutboxError, StorageError


def run_session(args: argparse.Namespace, body: Any, name: str) -> int:
    """Run ``body(args, session)`` in an opened session; a problem is said as ``name: why`` (exit 1)."""
    import asyncio

    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword

    try:
        require_wallet(args)
        password = read_password(args, confirm=False)

        async def main() -> None:
            async with open_session(args, password) as session:
                await body(args, session)

        asyncio.run(main())
    except KeyboardInterrupt:
        return 130
    except KeyError as exc:
        print(f"{name}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except (CliError, KeystoreCorrupt, WrongPassword, TooManyAttempts, ValueError, OSError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not isinstance(exc, _errors()):
            raise
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    return 0
