"""``sahara deploy``: put Sahara's contracts on a network and write its deployment manifest.

On the local devnet the devnet treasury deploys (the app also does this by itself on first start).
On any other network the active account of the user's wallet deploys and becomes the admin, so the
wallet is unlocked with ``--password-file`` or a prompt.
"""

from __future__ import annotations

import argparse
import sys

from app.cli.wallet import CliError, read_password, wallet_folder


async def _deploy(args: argparse.Namespace) -> None:
    from app.runtime import AppRuntime, NetworkError
    from app.wallet.deploy import current_deployment, deploy_all

    runtime = AppRuntime.open(args.paths)
    if runtime.db_error:
        raise CliError(runtime.db_error)
    if args.network:
        if args.network not in {n.name for n in runtime.settings.networks}:
            known = ", ".join(n.name for n in runtime.settings.networks)
            raise CliError(f"no network named {args.network!r}; known networks: {known}")
        runtime.settings.active_network = args.network  # for this run only; not saved
    net = runtime.settings.network()
    try:
        await runtime.start_network()
        assert runtime.outbox is not None
        existing = await current_deployment(runtime.outbox, net.name, args.paths.data)
        if existing is not None and not args.force:
            print(f"already deployed on {net.name} (chain {existing.chain_id}, block {existing.block})")
        else:
            signer = _signer(args, runtime)
            progress = lambda step, total, what: print(f"[{step}/{total}] {what}", file=sys.stderr)  # noqa: E731
            existing = await deploy_all(runtime.outbox, signer, net.name, args.paths.data, progress=progress)
            print(f"deployed on {net.name} (chain {existing.chain_id}, block {existing.block})")
        for name, address in existing.addresses.items():
            print(f"{name}\t{address}")
    except NetworkError as exc:
        raise CliError(str(exc)) from exc
    finally:
        await runtime.aclose()
        runtime.shutdown()


def _signer(args: argparse.Namespace, runtime):  # type: ignore[no-untyped-def]
    if runtime.on_devnet:
        from app.wallet.faucet import treasury

        return treasury()
    from app.wallet.service import WalletService

    wallet = WalletService(wallet_folder(args.paths))
    if not wallet.exists:
        raise CliError(
            "deploying to a real network needs your wallet: run `sahara wallet new` or `import` first"
        )
    wallet.unlock(read_password(args, confirm=False))
    return wallet.signer()


def run_deploy(args: argparse.Namespace) -> int:
    import asyncio

    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword
    from app.wallet.outbox import OutboxError

    try:
        asyncio.run(_deploy(args))
    except (CliError, OutboxError, KeystoreCorrupt, WrongPassword, TooManyAttempts) as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


def add_deploy_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    deploy = sub.add_parser("deploy", help="deploy Sahara's contracts to a network and save its manifest")
    deploy.add_argument(
        "--network", metavar="NAME", help="a network from the settings (default: the active one)"
    )
    deploy.add_argument(
        "--force", action="store_true", help="deploy again even if a current deployment exists"
    )
    deploy.add_argument(
        "--password-file", metavar="FILE", help="wallet password (networks other than the devnet)"
    )
    deploy.set_defaults(func=run_deploy)
