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
import asyncio
import logging
import math
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli_blob import open_cli_store
from app.cli_wallet import CliError, read_password, wallet_folder

if TYPE_CHECKING:
    from app.runtime import AppRuntime

log = logging.getLogger("app.serve")

DEVNET_CONFIRMATIONS = 0  # our own devnet does not reorganise
NETWORK_CONFIRMATIONS = 3


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


def _follow_devnet(runtime: AppRuntime) -> None:
    """A restarted devnet listens on a new port: reconnect the one client and outbox to it."""

    async def reconnect() -> None:
        from app.runtime import NetworkError

        try:
            status = await runtime.start_network()
            log.info("reconnected to the devnet at %s", status.rpc_url)
        except NetworkError as exc:
            log.error("could not reconnect to the devnet: %s", exc)

    def on_event(kind: str, message: str) -> None:  # on the loop, whichever thread saw it
        log.warning("devnet %s: %s", kind, message)
        if kind == "restarted":
            asyncio.get_running_loop().create_task(reconnect())

    runtime.events.connect("devnet", on_event)


async def _start(
    args: argparse.Namespace, runtime: AppRuntime, password: str, stopping: Callable[[], bool]
) -> list[asyncio.Task[None]]:
    """Unlock, connect, find the contracts and start the services; [] if a stop came meanwhile."""
    from app.runtime import NetworkError
    from app.workers import auto_review
    from app.workers.key_delivery import DeliveryConfig, KeyDeliveryService
    from app.workers.supervise import supervise

    wallet = runtime.wallet
    await asyncio.to_thread(wallet.unlock, password)  # scrypt: off the loop, so signals still land
    wallet.auto_lock_s = math.inf
    accounts = _accounts(args, runtime)
    store = open_cli_store(args)
    if stopping():
        return []
    try:
        status = await runtime.start_network()
        log.info("connected to %s (chain %d) at %s", status.name, status.chain_id, status.rpc_url)
        if stopping():
            return []
        deployment = await runtime.ensure_contracts(
            progress=lambda step, total, what: log.info("deploying [%d/%d] %s", step, total, what)
        )
    except NetworkError as exc:
        raise CliError(str(exc)) from exc
    if deployment is None:
        raise CliError(
            f"Sahara's contracts are not on {status.name}: run `sahara deploy --network {status.name}`"
        )
    if stopping():
        return []
    if runtime.devnet is not None:
        _follow_devnet(runtime)
    outbox = runtime.outbox
    assert outbox is not None and runtime.sessions is not None
    confirmations = args.confirmations
    if confirmations is None:
        confirmations = DEVNET_CONFIRMATIONS if runtime.on_devnet else NETWORK_CONFIRMATIONS
    config = DeliveryConfig(interval_s=args.interval, confirmations=confirmations)
    delivery = KeyDeliveryService(
        runtime.sessions, outbox, deployment, store, wallet, accounts=accounts, config=config
    )
    requesters = auto_review.reviewers(runtime, store, accounts=accounts, demo=True)
    served = ", ".join(f"{e.index}:{e.address}" for e in delivery.served()) or "none"
    log.info(
        "serving: outbox, key delivery and labeling auto-review (accounts %s); stop with Ctrl+C or SIGTERM",
        served,
    )
    return [
        asyncio.create_task(supervise("outbox", lambda: outbox.run(args.interval)), name="outbox"),
        asyncio.create_task(supervise("key delivery", delivery.run), name="key-delivery"),
        asyncio.create_task(
            supervise("auto-review", lambda: auto_review.run(requesters, interval_s=args.interval)),
            name="auto-review",
        ),
    ]


async def _serve(args: argparse.Namespace, password: str) -> int:
    from app.runtime import AppRuntime

    _log_to_terminal()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = AppRuntime.open(args.paths)
    tasks: list[asyncio.Task[None]] = []
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        tasks = await _start(args, runtime, password, stop.is_set)
        await stop.wait()
        log.info("stopping")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        runtime.wallet.lock()
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("stopped")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from app.wallet.keystore import Keystore, KeystoreCorrupt, TooManyAttempts, WrongPassword

    try:
        if not Keystore(wallet_folder(args.paths)).exists():
            raise CliError("no wallet here: run `sahara wallet new` or `sahara wallet import` first")
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
        help=f"blocks a purchase must be buried under before delivery "
        f"(default {DEVNET_CONFIRMATIONS} on the devnet, {NETWORK_CONFIRMATIONS} elsewhere)",
    )
    serve.set_defaults(func=run_serve)
