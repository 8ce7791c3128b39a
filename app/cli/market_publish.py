"""``sahara market publish``: a dataset (files, or a settled campaign's export), a model, an agent.

Before anything is stored or signed it prints what will happen in words: the files, every term of
the offer, each parent and whether the account's license allows a derivative (and if a delivery
must be accepted first), the royalty the parents receive. Then it asks (``--yes`` for scripts).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.wallet import CliError

if TYPE_CHECKING:
    from app.cli.label_session import Session
    from app.market.publishing import PublishRequest
    from app.market.terms import OfferTerms


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _progress(stage: str, fraction: float) -> None:
    _say(f"[{fraction:4.0%}] {stage}")


def _bps(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        value = float(text.rstrip("% "))
    except ValueError:
        raise CliError(f"{what}: {text!r} is not a percentage") from None
    if not 0 <= value <= 100:
        raise CliError(f"{what}: a percentage is between 0 and 100")
    return round(value * 100)


def _terms(args: argparse.Namespace) -> tuple[OfferTerms, ...]:
    from app.market.terms import OfferTerms, parse_price

    if args.price is None:
        return ()
    terms = OfferTerms(
        parse_price(args.price), args.duration, args.max_licenses, not args.no_commercial,
        not args.no_derivatives, args.transferable,
    )  # fmt: skip
    terms.check()
    return (terms,)


async def _request(args: argparse.Namespace, s: Session, offers: tuple[OfferTerms, ...]) -> PublishRequest:
    from app.market.publishing import PublishRequest
    from app.studio.agent_publish import agent_request

    card = Path(args.card).read_text(encoding="utf-8") if args.card else ""
    tags = tuple(t.strip() for t in (args.tags or "").split(",") if t.strip())
    files = tuple(Path(f) for f in args.files)
    if args.kind == "agent":
        if len(files) != 1:
            raise CliError("an agent is published from its one graph file (studio: File > Save)")
        request = await agent_request(s.services.market_context(), files[0], name=args.name or "", card=card,
                                      tags=tags, offers=offers, version=args.version)  # fmt: skip
        return dataclasses.replace(
            request, parents=tuple(dict.fromkeys(request.parents + tuple(args.parent)))
        )
    if not args.name:
        raise CliError("name the asset: --name TEXT")
    return PublishRequest(
        kind=args.kind, name=args.name, files=files, card=card, tags=tags, task_type=args.task or "",
        version=args.version, parents=tuple(args.parent), offers=offers,
    )  # fmt: skip


async def publish_command(args: argparse.Namespace, s: Session, confirm: Callable[..., None]) -> None:
    from app.labeling.publish import publish_campaign
    from app.market.parents import check_parents
    from app.market.publishing import DEFAULT_OWNER_SHARE_BPS, check_request, publish, royalty_share
    from app.market.terms import describe

    offers = _terms(args)
    if not offers:
        _say("no --price: the asset is published without a license offer (add one later from the app)")
    for terms in offers:
        _say(f"offer: {describe(terms)}")
    if args.campaign is not None:
        if args.kind != "dataset" or args.files:
            raise CliError("--campaign publishes a dataset from the campaign's export: give no files")
        kept = _bps(args.owner_share, "--owner-share")
        kept = DEFAULT_OWNER_SHARE_BPS if kept is None else kept
        _say(
            f"the dataset of campaign {args.campaign}: you keep {kept / 100:g} % of its royalties, its "
            f"labelers share {(10_000 - kept) / 100:g} % by accepted items"
        )
        confirm(args, "Publish it?")
        published = await publish_campaign(
            s.service,
            args.campaign,
            price=offers[0].price if offers else 0,
            offers=offers,
            progress=_progress,
            owner_share_bps=kept,
        )
    else:
        if args.owner_share is not None:
            raise CliError(
                "--owner-share is for a campaign's dataset (--campaign), whose labelers share the rest"
            )
        request = await _request(args, s, offers)
        derivative = _bps(args.derivative_royalty, "--derivative-royalty")
        request = dataclasses.replace(
            request, parent_royalty_bps=_bps(args.royalty, "--royalty"),
            derivative_royalty_bps=request.derivative_royalty_bps if derivative is None else derivative,
        )  # fmt: skip
        check_request(request)
        ctx = s.services.market_context()
        _say(f"{request.kind} “{request.name}”: {', '.join(p.name for p in request.files)}")
        checks = await check_parents(ctx, request.parents)
        for c in checks:
            _say(f"parent {c.asset_id}: {'ok' if c.ok else 'REFUSED'}: {c.reason}")
        if any(not c.ok for c in checks):
            raise CliError("a parent cannot be built on (above); nothing was stored or signed")
        if request.parents:
            share = await royalty_share(ctx, request, checks)
            _say(f"the parents receive {share / 100:g} % of this asset's revenue")
        confirm(args, "Publish it?")
        published = await publish(ctx, request, progress=_progress)
    print(published.asset_id)
    for offer_id in published.offer_ids:
        _say(f"offer {offer_id} is open: `sahara market buy {offer_id}`")


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=("dataset", "model", "agent"))
    parser.add_argument("files", nargs="*", metavar="FILE", help="the files (an agent: its graph file)")
    parser.add_argument(
        "--campaign", type=int, metavar="N", help="a dataset from settled campaign N's labels"
    )
    parser.add_argument("--name", help="the asset's name (an agent: default its graph's)")
    parser.add_argument("--card", metavar="FILE", help="a Markdown card describing it")
    parser.add_argument("--tags", metavar="A,B", help="comma-separated tags")
    parser.add_argument("--task", help="the task type, e.g. image_classification")
    parser.add_argument("--version", default="1.0")
    parser.add_argument(
        "--parent",
        type=int,
        action="append",
        default=[],
        metavar="ASSET",
        help="an asset this derives from (repeat); your license must allow derivatives",
    )
    parser.add_argument(
        "--royalty", metavar="PERCENT", help="the parents' share (default: the least allowed)"
    )
    parser.add_argument(
        "--derivative-royalty", metavar="PERCENT", help="what derivatives owe it (default 10)"
    )
    parser.add_argument(
        "--owner-share",
        metavar="PERCENT",
        help="with --campaign: the share of the dataset's royalties you keep (default 10); "
        "its labelers share the rest by accepted items",
    )
    parser.add_argument("--price", metavar="SAHARA", help="offer licenses at this price (0: free)")
    parser.add_argument(
        "--duration", type=int, default=0, metavar="S", help="license length (default: perpetual)"
    )
    parser.add_argument("--max-licenses", type=int, default=0, metavar="N", help="default: unlimited")
    parser.add_argument("--no-commercial", action="store_true", help="licensees may not use it commercially")
    parser.add_argument("--no-derivatives", action="store_true", help="licensees may not build on it")
    parser.add_argument("--transferable", action="store_true", help="licenses may be resold")
