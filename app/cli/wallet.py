"""``sahara wallet ...``: headless wallet commands, for the worker on a server and for scripts.

Secrets never travel on the command line (shell history and ``ps`` would show them): passwords come
from ``--password-file`` or a prompt, recovery phrases and keys from standard input or a prompt.
Stdout carries only what scripts need (an address, a list); the one-time recovery phrase of a new
wallet goes to stderr, for the person at the terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.paths import AppPaths


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 1."""


def wallet_folder(paths: AppPaths) -> Path:
    return paths.data / "wallet"


def read_password(args: argparse.Namespace, confirm: bool) -> str:
    if args.password_file:
        try:
            lines = Path(args.password_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CliError(f"cannot read the password file: {exc}") from exc
        if not lines or not lines[0]:
            raise CliError("the password file is empty")
        return lines[0]
    if not sys.stdin.isatty():
        raise CliError("no password: pass --password-file FILE (or run in a terminal to be asked)")
    password = getpass.getpass("Wallet password: ")
    if confirm and getpass.getpass("Repeat the password: ") != password:
        raise CliError("the passwords do not match")
    return password


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def _service(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.wallet.service import WalletService

    return WalletService(wallet_folder(args.paths))


def _keystore(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The keystore alone: whether a wallet exists and its clear account list, with no key code
    (eth-account, a second or more): a command checks these before it opens the service."""
    from app.wallet.keystore import Keystore

    return Keystore(wallet_folder(args.paths))


def require_wallet(args: argparse.Namespace) -> None:
    """Refuse, in words and before any key code loads, a command that needs a wallet where none is."""
    if not _keystore(args).exists():
        raise CliError("no wallet here: run `sahara wallet new` or `sahara wallet import` first")


def account_options() -> argparse.ArgumentParser:
    """The options of every command group that signs as a wallet account and keeps blobs (a parent
    parser): which account, the password's file (``read_password``), and the store (``--ipfs-api``,
    read by ``app.cli.blob.open_cli_store``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--account", type=int, metavar="N", help="act as this wallet account (default: the app's)"
    )
    common.add_argument(
        "--password-file", metavar="FILE", help="read the wallet password from FILE's first line"
    )
    common.add_argument(
        "--ipfs-api",
        metavar="URL",
        help="keep blobs on your IPFS node's RPC API (default: Settings > Storage, else the data folder)",
    )
    return common


def _no_wallet_yet(args: argparse.Namespace) -> None:
    keystore = _keystore(args)
    if keystore.exists():
        raise CliError(f"a wallet already exists in {keystore.file}; it is never overwritten")


def _new(args: argparse.Namespace) -> None:
    _no_wallet_yet(args)
    password = read_password(args, confirm=True)
    service = _service(args)
    phrase = service.new_mnemonic(args.words)
    entry = service.create(phrase, password)
    print(
        "Your recovery phrase (shown once; write it down and keep it offline):\n\n"
        f"    {phrase}\n\nAnyone with these words controls the wallet.",
        file=sys.stderr,
    )
    print(entry.address)
    if not args.no_faucet and _on_devnet(args.paths):  # as the app does: a new account can act at once
        try:
            _faucet_to(args.paths, entry.address)
        except CliError as exc:  # the wallet is made all the same; funding can be asked for again
            print(
                f"the new account was not funded: {exc}. `sahara wallet faucet` tries again.", file=sys.stderr
            )


def _import(args: argparse.Namespace) -> None:
    _no_wallet_yet(args)
    secret = _read_secret("Private key: " if args.private_key else "Recovery phrase: ")
    password = read_password(args, confirm=True)
    service = _service(args)
    entry = (
        service.import_private_key(secret, password) if args.private_key else service.create(secret, password)
    )
    print(entry.address)


def _list(args: argparse.Namespace) -> None:
    """From the keystore's clear account list alone: no key code (eth-account) is imported."""
    keystore = _keystore(args)
    if not keystore.exists():
        raise CliError("no wallet yet: run `sahara wallet new` or `sahara wallet import`")
    for account in keystore.accounts():
        print(f"{account.index}\t{account.address}\t{account.name}")


def _pubkey(args: argparse.Namespace) -> None:
    """The account's encryption public key: what a buyer publishes and what content is encrypted to."""
    if not _keystore(args).exists():
        raise CliError("no wallet yet: run `sahara wallet new` or `sahara wallet import`")
    password = read_password(args, confirm=False)
    service = _service(args)
    service.unlock(password)  # the key is derived from the secret
    try:
        if not 0 <= args.account < len(service.accounts()):
            raise CliError(f"the wallet has no account {args.account}")
        print("0x" + service.encryption_key(args.account).public_key.hex())
    finally:
        service.lock()


def _on_devnet(paths: AppPaths) -> bool:
    from app.settings import load_settings

    return load_settings(paths.settings_file).settings.network().rpc_url is None


def _rpc_url(paths: AppPaths) -> tuple[str, str]:
    """The active network's RPC URL. One rule for every command that reads the chain: on the local
    devnet it is started when not running (and said so on stderr), as `sahara label` does."""
    from app.chain.devnet import Devnet
    from app.settings import load_settings

    net = load_settings(paths.settings_file).settings.network()
    if net.rpc_url is not None:
        return net.name, net.rpc_url
    devnet = Devnet(paths.devnet, chain_id=net.chain_id)
    info = devnet.status()
    if info is None:
        print("starting the local devnet (`sahara devnet stop` stops it)", file=sys.stderr)
        try:
            info = devnet.start()
        except Exception as exc:  # anvil missing, a port in use: said in words
            raise CliError(f"the local devnet could not start: {exc}") from exc
    return net.name, info.rpc_url


def _faucet(args: argparse.Namespace) -> None:
    """Devnet test coins (10 ETH, and SAHARA once the contracts are up) to ADDRESS or your account."""
    from eth_utils import is_address, to_checksum_address

    if args.address:
        if not is_address(args.address):
            raise CliError(f"{args.address!r} is not an address")
        address = to_checksum_address(args.address)
    else:
        entry = _service(args).active_account()
        if entry is None:
            raise CliError("no wallet yet, and no ADDRESS given: run `sahara wallet new` first")
        address = entry.address
    if not _on_devnet(args.paths):
        raise CliError("the faucet gives test coins on the local devnet only (the active network is not)")
    _faucet_to(args.paths, address)


def _faucet_to(paths: AppPaths, address: str) -> None:
    import asyncio

    print(f"asking the devnet faucet for test coins for {address}…", file=sys.stderr)
    got = asyncio.run(_drip(paths, address))
    print(f"funded {address}: {got}", file=sys.stderr)


async def _drip(paths: AppPaths, address: str) -> str:
    """What the app's Faucet button does, awaited until mined; the amounts received, in words."""
    from app.runtime import AppRuntime, NetworkError
    from app.words import format_eth

    runtime = AppRuntime.open(paths)
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        try:
            await runtime.start_network()
            await runtime.ensure_contracts(
                lambda step, total, what: print(f"deploying [{step}/{total}] {what}", file=sys.stderr)
            )
            rows = await runtime.faucet(address)
        except NetworkError as exc:
            raise CliError(str(exc)) from exc
        assert runtime.outbox is not None
        settled = [await runtime.outbox.wait(row.id, timeout=60) for row in rows]
    finally:
        await runtime.aclose()
        runtime.shutdown()
    failed = next((row for row in settled if row.status != "mined"), None)
    if failed is not None:
        raise CliError(failed.error or f"the faucet transaction ended {failed.status}")
    return " and ".join([format_eth(int(settled[0].value)), *(["SAHARA"] if len(settled) > 1 else [])])


def _balance(args: argparse.Namespace) -> None:
    from eth_utils import is_address, to_checksum_address

    from app.chain.jsonrpc import RpcError, rpc_call
    from app.words import format_eth

    if args.address:
        if not is_address(args.address):
            raise CliError(f"{args.address!r} is not an address")
        addresses = [to_checksum_address(args.address)]
    else:
        keystore = _keystore(args)
        addresses = [a.address for a in keystore.accounts()] if keystore.exists() else []
        if not addresses:
            raise CliError("no wallet yet, and no ADDRESS given")
    network, url = _rpc_url(args.paths)
    for address in addresses:
        try:
            wei = int(rpc_call(url, "eth_getBalance", [address, "latest"], timeout=10), 16)
        except RpcError as exc:
            raise CliError(f"{network} did not answer: {exc}") from exc
        print(f"{address}\t{format_eth(wei, max_decimals=6)}\t({network})")


def run_wallet(args: argparse.Namespace) -> int:
    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword
    from app.wallet.mnemonic import MnemonicError

    try:
        actions = {
            "new": _new, "import": _import, "list": _list, "balance": _balance, "pubkey": _pubkey,
            "faucet": _faucet,
        }  # fmt: skip
        actions[args.action](args)
    except (
        CliError,
        MnemonicError,
        KeystoreCorrupt,
        WrongPassword,
        TooManyAttempts,
        ValueError,
        FileExistsError,
    ) as exc:
        print(f"wallet: {exc}", file=sys.stderr)
        return 1
    return 0


def add_wallet_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    wallet = sub.add_parser("wallet", help="create, import and inspect the wallet without the GUI")
    actions = wallet.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="create a wallet; prints its first address")
    new.add_argument("--words", type=int, choices=(12, 24), default=12, help="recovery phrase length")
    new.add_argument(
        "--no-faucet", action="store_true", help="on the local devnet, do not fund the new account"
    )
    imp = actions.add_parser("import", help="import a recovery phrase (or --private-key) read from stdin")
    imp.add_argument("--private-key", action="store_true", help="read a private key instead of a phrase")
    for action in (new, imp):
        action.add_argument(
            "--password-file", metavar="FILE", help="read the password from FILE's first line"
        )
    actions.add_parser("list", help="print index, address and name of every account")
    balance = actions.add_parser("balance", help="print ETH balances on the active network")
    balance.add_argument("address", nargs="?", metavar="ADDRESS", help="any address (default: your accounts)")
    faucet = actions.add_parser(
        "faucet", help="local devnet: send test ETH (and SAHARA) to ADDRESS or your active account"
    )
    faucet.add_argument("address", nargs="?", metavar="ADDRESS", help="any address (default: yours)")
    pubkey = actions.add_parser(
        "pubkey", help="print an account's encryption public key (hex, for --encrypt-to)"
    )
    pubkey.add_argument("--account", type=int, default=0, help="wallet account (default 0)")
    pubkey.add_argument("--password-file", metavar="FILE", help="read the password from FILE's first line")
    wallet.set_defaults(func=run_wallet)
