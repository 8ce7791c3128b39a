"""The ``sahara`` command: the GUI by default, and subcommands for headless use.

Imports stay light at module level (argparse and a few small modules) so ``sahara --help`` and the
GUI's first paint are fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli.agent import add_agent_parser
from app.cli.blob import add_blob_parser
from app.cli.compute import add_compute_parser
from app.cli.demo import add_demo_parser
from app.cli.deploy import add_deploy_parser
from app.cli.label import add_label_parser
from app.cli.llm import add_llm_parser
from app.cli.market import add_market_parser
from app.cli.serve import add_serve_parser
from app.cli.update import add_update_parser
from app.cli.wallet import add_wallet_parser
from app.cli.worker import add_worker_parser
from app.paths import app_paths
from app.version import __version__


def _cmd_gui(args: argparse.Namespace) -> int:
    from app.ui.app import run_gui

    return run_gui(args.paths, to_tray=getattr(args, "tray", False))


def _cmd_doctor(args: argparse.Namespace) -> int:
    from app.doctor import CORE_CHECKS, run_checks
    from app.ui.doctor_checks import check_qt

    results = run_checks(args.paths, (CORE_CHECKS[0], check_qt, *CORE_CHECKS[1:]))
    for result in results:
        print(result.line())
    failed = [r for r in results if not r.ok]
    print(f"doctor: {len(results) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


def _cmd_self_test(_args: argparse.Namespace) -> int:
    from app.selftest import SelfTestError, run_self_test

    try:
        run_self_test()
    except SelfTestError as exc:
        print(f"self-test: FAILED at {exc}", file=sys.stderr)
        return 1
    print("self-test: ok")
    return 0


def _devnet(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.chain.devnet import CLI_OWNER, Devnet

    return Devnet(args.paths.devnet, owner=CLI_OWNER)


def _cmd_devnet(args: argparse.Namespace) -> int:
    from app.chain.devnet import DevnetError
    from app.chain.jsonrpc import rpc_call

    devnet = _devnet(args)
    try:
        if args.action == "start":
            info = devnet.start()
            print(
                f"devnet running: {info.rpc_url} (chain {info.chain_id}, pid {info.pid}, owner {info.owner})"
            )
        elif args.action == "status":
            info = devnet.status()
            if info is None:
                print("devnet: not running")
                return 1
            block = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
            print(f"devnet running: {info.rpc_url} (chain {info.chain_id}, block {block}, pid {info.pid})")
        elif args.action == "stop":
            print("devnet stopped" if devnet.stop() else "devnet: was not running")
        elif args.action == "reset":
            if not args.yes:
                if not sys.stdin.isatty():
                    print("devnet reset deletes the local chain; pass --yes to confirm", file=sys.stderr)
                    return 2
                answer = input("This deletes the local chain (balances, contracts, history). Type 'reset': ")
                if answer.strip() != "reset":
                    print("devnet reset cancelled")
                    return 1
            devnet.reset()
            print("devnet reset: the next start is a fresh chain")
    except DevnetError as exc:
        print(f"devnet: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sahara",
        description="Sahara Desktop: label data, build agents, trade AI assets, rent your GPU. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"sahara {__version__}")
    parser.set_defaults(func=_cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument(
        "--tray",
        action="store_true",
        help="start in the system tray, window hidden (what the installers' start-at-login entry runs)",
    )
    gui.set_defaults(func=_cmd_gui)
    sub.add_parser("doctor", help="check this installation, one line per check").set_defaults(
        func=_cmd_doctor
    )
    sub.add_parser("self-test", help="headless end-to-end check in a throwaway data folder").set_defaults(
        func=_cmd_self_test
    )

    devnet = sub.add_parser("devnet", help="manage the embedded local chain (anvil)")
    devnet_sub = devnet.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    devnet_sub.add_parser("start", help="start the devnet in the background (it keeps running)")
    devnet_sub.add_parser("stop", help="stop the running devnet (its chain state is kept)")
    devnet_sub.add_parser("status", help="print where the devnet runs and its latest block; exit 1 if down")
    reset = devnet_sub.add_parser("reset", help="stop the devnet and delete its chain state")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    devnet.set_defaults(func=_cmd_devnet)
    add_wallet_parser(sub)
    add_deploy_parser(sub)
    add_blob_parser(sub)
    add_serve_parser(sub)
    add_agent_parser(sub)
    add_label_parser(sub)
    add_market_parser(sub)
    add_llm_parser(sub)
    add_demo_parser(sub)
    add_update_parser(sub)
    add_worker_parser(sub)
    add_compute_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.paths = app_paths().ensure()
    from app.logs import setup_logging

    setup_logging(
        args.paths.log_file, to_stderr=args.func is not _cmd_gui or bool(os.environ.get("SAHARA_DEBUG"))
    )
    return int(args.func(args) or 0)
