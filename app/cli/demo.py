"""``sahara demo labeling``: seed the local devnet with a digits campaign to label right away.

``--serve`` keeps reviewing the demo campaign's submissions afterwards (the demo requester's
auto-review), so a labeler on this machine gets paid without a second app running; the GUI does
the same by itself while it runs.
"""

from __future__ import annotations

import argparse
import sys

from app.cli.wallet import CliError

REVIEW_INTERVAL_S = 5.0


async def _demo(args: argparse.Namespace) -> None:
    from app.runtime import AppRuntime, NetworkError
    from app.services import NetworkServices, ServiceOptions
    from app.storage import open_store
    from app.workers import auto_review

    runtime = AppRuntime.open(args.paths)
    if runtime.db_error:
        raise CliError(runtime.db_error)
    if not runtime.on_devnet:
        raise CliError("the labeling demo runs on the local devnet only; switch with Settings → Network")
    # Only the demo requester is served: no wallet account's campaigns are reviewed from here.
    options = ServiceOptions(interval_s=REVIEW_INTERVAL_S, accounts=[], demo_review=True)
    services = NetworkServices(runtime, lambda: open_store(args.paths), options)
    try:
        await services.open(lambda step, total, what: print(f"[{step}/{total}] {what}", file=sys.stderr))
        shown: list[str] = []

        def progress(text: str, fraction: float) -> None:
            line = f"{int(fraction * 10) * 10:3d}% {text}"  # one line per step and per tenth
            if not shown or shown[-1] != line:
                shown.append(line)
                print(line, file=sys.stderr)

        demo = await services.seed_demo(progress)
        state = "created" if demo.created else "already open"
        print(f"demo campaign {demo.campaign_id} {state}: open the app's Label page (Ctrl+2) to label it")
        if args.serve:
            print("reviewing submissions (Ctrl+C stops)", file=sys.stderr)
            await auto_review.run(
                services.reviewers,
                interval_s=REVIEW_INTERVAL_S,
                status=lambda text: print(text, file=sys.stderr),
            )
    except NetworkError as exc:
        raise CliError(str(exc)) from exc
    finally:
        await services.aclose()
        await runtime.aclose()
        runtime.shutdown()


def run_demo(args: argparse.Namespace) -> int:
    import asyncio

    from app.wallet.outbox import OutboxError

    try:
        asyncio.run(_demo(args))
    except KeyboardInterrupt:
        return 0
    except (CliError, OutboxError, RuntimeError, ValueError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    return 0


def add_demo_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser("demo", help="seed the local devnet with demo content")
    kinds = demo.add_subparsers(dest="demo_kind", required=True, metavar="KIND")
    labeling = kinds.add_parser(
        "labeling", help="a digits labeling campaign of 100 real images from a second (demo) account"
    )
    labeling.add_argument(
        "--serve", action="store_true", help="keep auto-reviewing the demo campaign's submissions"
    )
    labeling.set_defaults(func=run_demo)
