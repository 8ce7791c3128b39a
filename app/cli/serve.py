"""``sahara serve``: the app's background services without a window, until SIGINT or SIGTERM.

For people who keep their side of the economy running on a server or a spare machine: the
transaction outbox (broadcast, track, resume after crashes), key delivery (buyers of your
assets get their keys, and you get paid, while the laptop is closed) and the labeling auto-review
(labelers of your campaigns, and on the devnet of the demo campaign, get reviewed and paid).
It opens exactly what the window opens (``AppRuntime``: settings, database, network, contracts),
unlocks the wallet once (password from ``--password-file`` or a prompt; the headless session does
not auto-lock, since no one is there to unlock it again), and logs what it does to stderr and the
log file.

Stopping is clean: on SIGINT/SIGTERM the services are cancelled between steps (their state is in
the database, so the next start resumes), the wallet is locked, the chain client closed, and a
devnet this process started is stopped. Exit codes: 0 stopped on request, 1 could not start.
"""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli.blob import open_cli_store
from app.cli.wallet import CliError, read_password, require_wallet

if TYPE_CHECKING:
    from app.runtime import AppRuntime
    from app.services import NetworkServices

log = logging.getLogger("app.serve")


def _log_to_terminal() -> None:
    """Headless, stderr is the operator's view (a terminal, journald): show INFO there too."""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.INFO)


def _accounts(args: argparse.Namespace, runtime: AppRuntime) -> list[int] | None:
    if args.account is None:
        return None
    if not any(entry.index == args.account for entry in runtime.wallet.accounts()):
        raise CliError(f"the wallet has no account {args.account}")
    return [args.account]


async def _start(
    args: argparse.Namespace, runtime: AppRuntime, password: str, stopping: Callable[[], bool]
) -> NetworkServices | None:
    """Unlock, connect, find the contracts and start the services; None if a stop came meanwhile."""
    import asyncio

    from app.runtime import NetworkError
    from app.services import NetworkServices, ServiceOptions

    wallet = runtime.wallet
    await asyncio.to_thread(wallet.unlock, password)  # scrypt: off the loop, so signals still land
    wallet.auto_lock_s = math.inf
    options = ServiceOptions(
        interval_s=args.interval, outbox_interval_s=args.interval, accounts=_accounts(args, runtime),
        confirmations=args.confirmations,
    )  # fmt: skip
    store = open_cli_store(args)  # now: a bad --ipfs-api is refused before anything starts
    services = NetworkServices(runtime, lambda: store, options)
    if stopping():
        return None
    try:
        status, _deployment = await services.open(
            lambda step, total, what: log.info("deploying [%d/%d] %s", step, total, what)
        )
    except NetworkError as exc:
        raise CliError(str(exc)) from exc
    log.info("connected to %s (chain %d) at %s", status.name, status.chain_id, status.rpc_url)
    if stopping():
        return None
    if runtime.devnet is not None:
        services.follow_devnet()
    services.start_outbox()
    services.start_services()
    assert services.delivery is not None
    served = ", ".join(f"{e.index}:{e.address}" for e in services.delivery.served()) or "none"
    log.info(
        "serving: outbox, key delivery and labeling auto-review (accounts %s); stop with Ctrl+C or SIGTERM",
        served,
    )
    return services


async def _serve(args: argparse.Namespace, password: str) -> int:
    import asyncio

    from app.runtime import AppRuntime

    _log_to_terminal()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = AppRuntime.open(args.paths)
    services: NetworkServices | None = None
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        services = await _start(args, runtime, password, stop.is_set)
        await stop.wait()
        log.info("stopping")
    finally:
        if services is not None:
            await services.aclose()
        runtime.wallet.lock()
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("stopped")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import asyncio

    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword

    try:
        require_wallet(args)
        # Asked before the loop starts, where Ctrl+C at the prompt simply ends the command.
        password = read_password(args, confirm=False)
        return asyncio.run(_serve(args, password))
    except (CliError, KeystoreCorrupt, WrongPassword, TooManyAttempts) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def add_serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser(
        "serve",
        help="run the background services (outbox, key delivery, auto-review) without a window until stopped",
    )
    serve.add_argument(
        "--password-file", metavar="FILE", help="read the wallet password from FILE's first line"
    )
    serve.add_argument(
        "--account", type=int, metavar="N", help="serve only this wallet account (default: all)"
    )
    serve.add_argument(
        "--ipfs-api",
        metavar="URL",
        help="keep blobs on your IPFS node's RPC API (default: Settings > Storage, else the data folder)",
    )
    serve.add_argument(
        "--interval", type=float, default=5.0, metavar="S", help="seconds between service passes (default 5)"
    )
    serve.add_argument(
        "--confirmations",
        type=int,
        metavar="N",
        help="blocks a purchase must be buried under before delivery (default 0 on the devnet, 3 elsewhere)",
    )
    serve.set_defaults(func=run_serve)
