"""``sahara market ...``: search, look at, publish, buy, manage licenses and claim royalties.

The commands call the same market services as the Marketplace page (``app.market``: publishing,
buying, My licenses, earnings, the catalogue's search), so they make the same checks before
signing and send the same transactions through the outbox. What would be signed (terms, total,
each parent's license) is printed in words first and needs a yes (``--yes`` in scripts).

Stdout carries what scripts need (ids, tab-separated rows); progress and explanations go to stderr.
``search`` and ``show`` read only and need no password. Exit codes: 0 done, 1 a problem the message
names, 2 a confirmation refused or impossible.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.wallet import CliError, account_options, read_password, require_wallet
from app.words import plural, sahara

if TYPE_CHECKING:
    from app.cli.label_session import Session

KINDS = ("dataset", "model", "agent")
READ_ONLY = {"search", "show"}


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _progress(stage: str, fraction: float) -> None:
    _say(f"[{fraction:4.0%}] {stage}")


def confirm(args: argparse.Namespace, question: str) -> None:
    """Ask before signing; ``--yes`` answers for scripts. Refusing raises ``Declined``."""
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise Declined("nothing was signed: pass --yes to confirm without a terminal")
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise Declined("cancelled: nothing was signed")


class Declined(CliError):
    """The user did not confirm (exit code 2)."""


# -- reading ------------------------------------------------------------------------------------


async def _show(args: argparse.Namespace, s: Session) -> None:
    from app.cli.market_show import show_asset

    await show_asset(s.services.market_context(), args.asset)


# -- acting -------------------------------------------------------------------------------------


async def _publish(args: argparse.Namespace, s: Session) -> None:
    from app.cli.market_publish import publish_command

    await publish_command(args, s, confirm)


async def _buy(args: argparse.Namespace, s: Session) -> None:
    from pathlib import Path

    from app.market import buying

    ctx = s.services.market_context()
    quote = await buying.quote(ctx, args.offer)
    _say(quote.words())
    if quote.problem:
        raise CliError(f"license not bought: {quote.problem}; nothing was paid")
    confirm(args, f"Pay {sahara(quote.total)} for this license?")
    license_id = await buying.buy(ctx, args.offer, progress=_progress)
    print(license_id)
    if args.output:
        got = await buying.download(ctx, license_id, Path(args.output), progress=_progress, wait_s=args.wait)
        _say(f"saved {got.path} ({got.size:,} bytes, SHA-256 {got.sha256} as published)")


async def _licenses(args: argparse.Namespace, s: Session) -> None:
    from pathlib import Path

    from app.market import buying, my_licenses

    ctx = s.services.market_context()
    if args.refund:
        confirm(args, f"Take a refund of license {args.refund}?")
        _say(f"refunded {sahara(await my_licenses.refund(ctx, args.refund))}")
    elif args.dispute:
        if not args.reason:
            raise CliError("say what is wrong with the delivery: --reason TEXT")
        confirm(args, f"Dispute license {args.dispute} (a bond is posted)?")
        _say(f"disputed; bond posted: {sahara(await my_licenses.dispute(ctx, args.dispute, args.reason))}")
    elif args.accept:
        confirm(args, f"Accept the delivery of license {args.accept} (the seller is paid now)?")
        await my_licenses.accept(ctx, args.accept)
        _say("accepted")
    elif args.download:
        if not args.output:
            raise CliError("where to save it: -o FILE")
        got = await buying.download(
            ctx, args.download, Path(args.output), progress=_progress, wait_s=args.wait
        )
        _say(f"saved {got.path} ({got.size:,} bytes, SHA-256 {got.sha256} as published)")
    else:
        rows = await my_licenses.my_licenses(ctx)
        if not rows:
            _say("this account holds no licenses")
            return
        print("license\tasset\toffer\tstatus\tstate")
        for r in rows:
            print(f"{r.license_id}\t{r.asset_id}\t{r.offer_id}\t{r.status.name.lower()}\t{r.state}")


async def _claim(args: argparse.Namespace, s: Session) -> None:
    from app.market import earnings

    ctx = s.services.market_context()
    if args.history:
        for h in await earnings.history(ctx):
            print(f"{h.asset_id}\t{sahara(h.amount)}\tblock {h.block}\t{h.tx_hash}")
        return
    found = await earnings.earnings(ctx)
    if not found.rows:
        _say("this account earns from no asset yet")
        return
    print("asset\trole\tclaimable\tclaimed so far")
    for r in found.rows:
        role = (
            r.role if r.role == "owner"
            else f"owner share ({r.owner_share_bps / 100:g} %)" if r.role == "owner share"
            else f"{r.role} ({r.weight:,} of {r.total_weight:,})"
        )  # fmt: skip
        print(f"{r.asset_id}\t{role}\t{sahara(r.claimable)}\t{sahara(r.claimed)}")
    if args.dry_run:
        return
    due = [r for r in found.rows if r.claimable]
    if not due:
        _say("nothing to claim yet")
        return
    confirm(args, f"Claim {sahara(found.total)} from {plural(len(due), 'asset')} in one transaction?")
    _say(f"claimed {sahara(await earnings.claim_all(ctx, found))}")


async def _fetch(args: argparse.Namespace, s: Session) -> None:
    from app.market.asset_cache import fetch_into_cache

    got = await fetch_into_cache(s.services.market_context(), args.asset, s.runtime.paths.cache)
    print(got.path)
    _say(f"asset {args.asset} decrypted into the cache through license {got.license_id}: the studio can use "
         f"asset:{got.chain_id}:{args.asset}")  # fmt: skip


ACTIONS: dict[str, Any] = {
    "show": _show, "publish": _publish, "buy": _buy,
    "licenses": _licenses, "claim": _claim, "fetch": _fetch,
}  # fmt: skip


async def _run(args: argparse.Namespace, password: str | None) -> None:
    from app.cli.label_session import open_session

    async with open_session(args, password) as session:
        await ACTIONS[args.action](args, session)


def _errors() -> tuple[type[Exception], ...]:
    """What the market services raise with a message for the user. Imported when something is
    caught, not at start: these modules bring in eth-account and web3 (seconds), which a refused
    password file or a missing wallet need not wait for."""
    from app.chain.client import ChainUnavailable
    from app.chain.permit import PermitError
    from app.market.access import AccessError
    from app.market.asset_cache import CacheError
    from app.market.asset_metadata import AssetMetadataError
    from app.market.buying import BuyError
    from app.market.earnings import ClaimError
    from app.market.my_licenses import LicenseActionError
    from app.market.offers import OfferError
    from app.market.publishing import PublishError
    from app.market.terms import TermsError
    from app.runtime import NetworkError
    from app.storage.errors import StorageError
    from app.studio.agent_publish import AgentPublishError
    from app.wallet.outbox import OutboxError

    return (
        NetworkError, OutboxError, StorageError, PublishError, BuyError, ClaimError, LicenseActionError,
        CacheError, AssetMetadataError, TermsError, AgentPublishError, AccessError, ChainUnavailable,
        OfferError, PermitError,
    )  # fmt: skip


def run_market(args: argparse.Namespace) -> int:
    import asyncio

    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword

    try:
        password = None
        if args.action == "search":  # the catalogue alone: no chain client, no key code
            from app.cli.market_search import search_command

            asyncio.run(search_command(args))
            return 0
        if args.action not in READ_ONLY:
            require_wallet(args)
            password = read_password(args, confirm=False)
        asyncio.run(_run(args, password))
    except KeyboardInterrupt:
        return 130
    except Declined as exc:
        print(f"market: {exc}", file=sys.stderr)
        return 2
    except (CliError, KeystoreCorrupt, WrongPassword, TooManyAttempts, OSError) as exc:
        print(f"market: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not isinstance(exc, _errors()):
            raise
        print(f"market: {exc}", file=sys.stderr)
        return 1
    return 0


def add_market_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from app.cli.market_publish import add_publish_arguments

    common = argparse.ArgumentParser(add_help=False, parents=[account_options()])
    common.add_argument("--yes", action="store_true", help="confirm what would be signed without asking")
    market = sub.add_parser("market", help="the marketplace: search, show, publish, buy, licenses, claim")
    actions = market.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)

    search = actions.add_parser("search", parents=[common], help="search the catalogue (names, cards, tags)")
    search.add_argument("words", nargs="*", help="words to look for (prefixes match)")
    search.add_argument("--kind", choices=KINDS)
    search.add_argument("--max-price", metavar="SAHARA", help="cheapest offer at most this")
    search.add_argument("--sort", choices=("relevance", "newest", "licensed", "price"))
    search.add_argument("--mine", action="store_true", help="only assets the account owns")
    search.add_argument("--limit", type=int, default=50, metavar="N")
    show = actions.add_parser("show", parents=[common], help="an asset: card, files, offers, lineage")
    show.add_argument("asset", type=int, metavar="ASSET")

    add_publish_arguments(actions.add_parser("publish", parents=[common], help="publish an asset for sale"))

    buy = actions.add_parser("buy", parents=[common], help="buy a license (terms and total shown first)")
    buy.add_argument("offer", type=int, metavar="OFFER")
    buy.add_argument("-o", "--output", metavar="FILE", help="then wait for the key and save the content here")
    buy.add_argument("--wait", type=float, default=600.0, metavar="S", help="how long to wait for the key")

    lic = actions.add_parser(
        "licenses", parents=[common], help="your licenses; refund, dispute, accept, download"
    )
    lic.add_argument("--refund", type=int, metavar="ID", help="take back the price of an undelivered license")
    lic.add_argument("--dispute", type=int, metavar="ID", help="dispute a delivery (posts a bond)")
    lic.add_argument("--reason", metavar="TEXT", help="what is wrong with the delivery")
    lic.add_argument("--accept", type=int, metavar="ID", help="accept a delivery now (the seller is paid)")
    lic.add_argument("--download", type=int, metavar="ID", help="decrypt a license's content (-o FILE)")
    lic.add_argument("-o", "--output", metavar="FILE")
    lic.add_argument("--wait", type=float, default=0.0, metavar="S", help="how long to wait for the key")

    claim = actions.add_parser("claim", parents=[common], help="claim every royalty owed, in one transaction")
    claim.add_argument("--dry-run", action="store_true", help="only show what is claimable, per asset")
    claim.add_argument("--history", action="store_true", help="list the royalties claimed so far")
    fetch = actions.add_parser("fetch", parents=[common], help="decrypt a licensed asset for the studio")
    fetch.add_argument("asset", type=int, metavar="ASSET")
    market.set_defaults(func=run_market)
