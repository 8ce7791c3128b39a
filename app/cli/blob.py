"""``sahara blob ...``: store, fetch and check content-addressed blobs from a terminal or a script.

Stdout carries only what a script needs (``put`` prints the CID); everything else goes to stderr.
Blobs go to the local store in the data folder unless ``--ipfs-api`` (the user's IPFS node) or
``--gateway`` (read-only) names another backend, or the settings name an IPFS node. Exit codes:
0 ok, 1 a problem to fix (bad input, missing blob, unreachable node, full disk), 2 bad usage, 3 the
blob failed verification.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.wallet import CliError, read_password, wallet_folder

if TYPE_CHECKING:
    from app.storage import BlobStore

EXIT_CORRUPT = 3


def _saved_ipfs_api(args: argparse.Namespace) -> str | None:
    from app.settings import load_settings

    return load_settings(args.paths.settings_file).settings.ipfs_api


def open_cli_store(
    args: argparse.Namespace, saved_ipfs_api: Callable[[argparse.Namespace], str | None] = _saved_ipfs_api
) -> BlobStore:
    """The store a command names (``--ipfs-api`` or ``--gateway``), else the one in the settings
    (Settings > Storage in the app; ``saved_ipfs_api`` reads it), else the data folder: a worker
    uses what the window uses."""
    from app.storage import open_store

    gateway = getattr(args, "gateway", None)
    ipfs_api = args.ipfs_api or (None if gateway else saved_ipfs_api(args))
    try:
        return open_store(args.paths, ipfs_api=ipfs_api, gateway=gateway)
    except ValueError as exc:  # a malformed URL
        given = "--ipfs-api" if args.ipfs_api else "--gateway" if gateway else "Settings > Storage"
        raise CliError(f"{given}: {exc}") from exc  # the URL itself is not echoed: it may hold a password


def _put(args: argparse.Namespace) -> None:
    from app.storage import read_pieces
    from app.storage.keywrap import BadPublicKey, parse_public_key

    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"{source}: no such file")
    try:
        recipients = [parse_public_key(key) for key in args.encrypt_to]
    except BadPublicKey as exc:
        raise CliError(f"--encrypt-to: {exc}") from exc
    store = open_cli_store(args)
    with open(source, "rb") as fh:
        pieces: Iterator[bytes] = read_pieces(fh)
        if recipients:
            from app.storage.envelope import encrypt

            pieces = encrypt(pieces, recipients)
        cid = store.put(pieces, pin=not args.no_pin)
    print(cid)


def _private_encryption_key(args: argparse.Namespace) -> bytes:
    from app.wallet.service import WalletService

    service = WalletService(wallet_folder(args.paths))
    if not service.exists:
        raise CliError("no wallet here to decrypt with: run `sahara wallet import` first")
    service.unlock(read_password(args, confirm=False))
    if not 0 <= args.account < len(service.accounts()):
        raise CliError(f"the wallet has no account {args.account}")
    return service.encryption_key(args.account).private_key


def _get(args: argparse.Namespace) -> None:
    from app.storage import as_cid, save_stream

    cid = as_cid(args.cid)
    dest = Path(args.output)
    if dest.is_dir() or not dest.parent.is_dir():
        raise CliError(f"{dest}: not a file path in an existing folder")
    key = _private_encryption_key(args) if args.decrypt else None
    pieces = open_cli_store(args).get(cid)
    if key is not None:
        from app.storage.envelope import decrypt

        pieces = decrypt(pieces, key)
    size = save_stream(pieces, dest)
    print(f"{cid}: {size} bytes{' decrypted' if key else ''} written to {dest}", file=sys.stderr)


def _verify(args: argparse.Namespace) -> None:
    from app.storage import as_cid

    cid = as_cid(args.cid)
    size = open_cli_store(args).verify(cid)
    print(f"{cid}: ok, {size} bytes match the CID", file=sys.stderr)


def _pin(args: argparse.Namespace) -> None:
    from app.storage import as_cid

    store, cid = open_cli_store(args), as_cid(args.cid)
    if args.action == "pin":
        store.pin(cid)
    else:
        store.unpin(cid)
    print(f"{cid}: {'pinned' if args.action == 'pin' else 'unpinned'}", file=sys.stderr)


def _gc(args: argparse.Namespace) -> None:
    removed = open_cli_store(args).gc()
    print(f"gc: removed {removed} unpinned {'blocks' if args.ipfs_api else 'blobs'}", file=sys.stderr)


def run_blob(args: argparse.Namespace) -> int:
    from app.storage import BlobCorrupt, StorageError
    from app.wallet.keystore import TooManyAttempts
    from app.wallet.secret_storage import KeystoreCorrupt, WrongPassword

    actions = {"put": _put, "get": _get, "verify": _verify, "pin": _pin, "unpin": _pin, "gc": _gc}
    try:
        actions[args.action](args)
    except BlobCorrupt as exc:
        print(f"blob: {exc}", file=sys.stderr)
        return EXIT_CORRUPT
    except (CliError, StorageError, KeystoreCorrupt, WrongPassword, TooManyAttempts) as exc:
        print(f"blob: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # reading the input file, or a folder we cannot write
        print(f"blob: {exc}", file=sys.stderr)
        return 1
    return 0


def add_blob_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backend = argparse.ArgumentParser(add_help=False)
    where = backend.add_mutually_exclusive_group()
    where.add_argument(
        "--ipfs-api",
        metavar="URL",
        help="use your IPFS node's RPC API, e.g. http://127.0.0.1:5001 (default: Settings > Storage)",
    )
    where.add_argument("--gateway", metavar="URL", help="read through a trustless IPFS gateway (read-only)")

    blob = sub.add_parser("blob", help="store, fetch and verify content-addressed blobs (CIDv1)")
    actions = blob.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    put = actions.add_parser("put", parents=[backend], help="store FILE; prints its CID")
    put.add_argument("file", metavar="FILE")
    put.add_argument(
        "--encrypt-to",
        metavar="PUBKEY",
        action="append",
        default=[],
        help="encrypt for this encryption public key (hex); repeat for several readers",
    )
    put.add_argument("--no-pin", action="store_true", help="let gc remove the blob later")
    get = actions.add_parser("get", parents=[backend], help="fetch CID into FILE, verified, all or nothing")
    get.add_argument("cid", metavar="CID")
    get.add_argument("-o", "--output", metavar="FILE", required=True)
    get.add_argument("--decrypt", action="store_true", help="decrypt with your wallet's encryption key")
    get.add_argument("--account", type=int, default=0, help="wallet account whose key decrypts (default 0)")
    get.add_argument(
        "--password-file", metavar="FILE", help="read the wallet password from FILE's first line"
    )
    verify = actions.add_parser(
        "verify", parents=[backend], help="check CID against its bytes; exit 3 if not"
    )
    verify.add_argument("cid", metavar="CID")
    for name, text in (("pin", "keep CID through gc"), ("unpin", "let gc remove CID")):
        actions.add_parser(name, parents=[backend], help=text).add_argument("cid", metavar="CID")
    actions.add_parser("gc", parents=[backend], help="remove unpinned blobs")
    blob.set_defaults(func=run_blob)
