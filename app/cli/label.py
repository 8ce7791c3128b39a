"""``sahara label ...``: labeling campaigns without the window, for requesters on a server and scripts.

The commands go through the same ``LabelingService`` and auto-review as the Label page, so what
they do on chain is what the window does: every transaction through the outbox with the same
intents (creating the same campaign twice funds it once), results encrypted the same way.

Stdout carries what scripts need (a campaign id, tab-separated rows, the files written); progress,
problems and explanations go to stderr. The wallet password comes from ``--password-file`` or a
prompt, as for ``sahara wallet``; ``campaigns`` reads the chain only and needs none. Amounts are
printed in SAHARA. Exit codes: 0 done, 1 a problem the message names.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from app.cli.label_campaigns import fast_campaigns, print_campaigns
from app.cli.label_create import add_create_parser, create
from app.cli.label_session import Session, open_session, sahara, say
from app.cli.wallet import CliError, account_options, read_password, require_wallet

# Named here, not imported: building the parser must stay cheap for every `sahara` command.
EXPORT_FORMATS = "coco, yolo, voc, jsonl, csv, labelstudio"
NEEDS_WALLET = {"create", "claim", "submit", "export", "review", "earnings", "withdraw", "close"}
READS_ONLY = {"earnings"}  # the account's address is in the keystore's clear list: no password to read


# -- browsing -------------------------------------------------------------------------------------


async def _campaigns(args: argparse.Namespace, s: Session) -> None:
    """The list, where the plain JSON-RPC path (``label_campaigns.py``) could not answer."""
    print_campaigns(await s.service.campaigns())


async def _review(args: argparse.Namespace, s: Session) -> None:
    """One auto-review round for each of the wallet's accounts (or ``--account``)."""
    from app.workers import auto_review

    reviewed = 0
    for reviewer in s.services.reviewers():
        done = await reviewer.run_once()
        for d in done.decisions:
            sub = d.submission
            print(
                f"{sub.campaign_id}\t{sub.batch}\t{sub.labeler}\t{d.accepted}/{len(sub.items)} accepted"
                f"\t{'; '.join(d.reasons)}"
            )
        if done.decisions:
            say(auto_review.describe(str(reviewer.service.address), done))
        reviewed += len(done.decisions)
    if not reviewed:
        say("nothing to review")


async def _export(args: argparse.Namespace, s: Session) -> None:
    from app.labeling.formats import FormatError

    try:
        files = await s.service.export(args.campaign, args.format, Path(args.output))
    except FormatError as exc:
        raise CliError(str(exc)) from exc
    for path in files:
        print(path)


async def _close(args: argparse.Namespace, s: Session) -> None:
    before = (await s.service.board.campaign(args.campaign)).escrow
    tx = await s.service.close(args.campaign)
    after = (await s.service.board.campaign(args.campaign)).escrow
    say(f"campaign {args.campaign} closed; {sahara(before - after)} refunded")
    print(tx)


# -- labeler --------------------------------------------------------------------------------------


async def _claim(args: argparse.Namespace, s: Session) -> None:
    """Claim a batch; an open claim in the campaign is shown instead (a retry after a crash must
    not take a second batch), unless ``--another`` asks for one more."""
    held = [c for c in await s.service.open_claims() if c.campaign_id == args.campaign]
    if held and not args.another:
        claim = held[0]
        say(
            f"you already hold batch {claim.batch} of campaign {claim.campaign_id}; --another claims one more"
        )
    else:
        claim = await s.service.claim(args.campaign)
    expires = datetime.fromtimestamp(claim.expires_at, UTC).isoformat(timespec="seconds")
    print(f"{claim.campaign_id}\t{claim.batch}\t{claim.slot}\t{expires}")
    for item in claim.items:
        print(item.id)


async def _submit(args: argparse.Namespace, s: Session) -> None:
    """Submit a held batch with the answers in ``--answers``; refused whole (nothing sent) if any
    line is wrong or, without ``--allow-empty``, an item is left unanswered: a submitted batch
    cannot be corrected."""
    from app.labeling.answers import read_answers

    held = [c for c in await s.service.open_claims() if c.campaign_id == args.campaign]
    if args.batch is not None:
        held = [c for c in held if c.batch == args.batch]
    if not held:
        which = f"batch {args.batch} of campaign" if args.batch is not None else "batch of campaign"
        raise CliError(f"you hold no {which} {args.campaign}: `sahara label claim {args.campaign}` first")
    if len(held) > 1:
        batches = ", ".join(str(c.batch) for c in held)
        raise CliError(f"you hold batches {batches} of campaign {args.campaign}: say which with --batch")
    claim = held[0]
    manifest = await s.service.manifest(claim.campaign_id)
    try:
        read = read_answers(Path(args.answers), claim.items, manifest.task_type, manifest.label_set)
    except OSError as exc:
        raise CliError(f"cannot read {args.answers}: {exc.strerror or exc}") from exc
    for problem in read.problems:
        say(f"{args.answers}: {problem}")
    if read.problems:
        raise CliError(f"nothing was submitted: fix the {len(read.problems)} problem(s) above")
    if read.unanswered and not args.allow_empty:
        shown = ", ".join(read.unanswered[:5]) + (" …" if len(read.unanswered) > 5 else "")
        raise CliError(
            f"nothing was submitted: {len(read.unanswered)} of {len(claim.items)} items have no answer "
            f"({shown}); --allow-empty submits them empty"
        )
    tx = await s.service.submit(claim, read.answers)
    say(f"submitted batch {claim.batch} of campaign {claim.campaign_id}: {len(read.answers)} answers")
    print(tx)


async def _earnings(args: argparse.Namespace, s: Session) -> None:
    e = await s.service.earnings()
    for name in ("withdrawable", "pending", "accepted", "rejected", "paid"):
        print(f"{name}\t{sahara(getattr(e, name))}")
    for row in e.rows:
        print(
            f"{row.campaign_id}\t{row.batch}\t{row.status}\t{row.accepted}/{row.items}"
            f"\t{sahara(row.paid)}\t{row.reason}"
        )


async def _withdraw(args: argparse.Namespace, s: Session) -> None:
    account = s.service.address
    if account is None:
        raise CliError("the wallet has no account yet")
    amount = (await s.service.board.labeler(account)).earnings
    if amount == 0:
        raise CliError("nothing to withdraw yet: earnings arrive when your batches are reviewed")
    tx = await s.service.withdraw()
    say(f"withdrew {sahara(amount)}")
    print(tx)


ACTIONS = {
    "campaigns": _campaigns,
    "create": create,
    "review": _review,
    "export": _export,
    "close": _close,
    "claim": _claim,
    "submit": _submit,
    "earnings": _earnings,
    "withdraw": _withdraw,
}


async def _run(args: argparse.Namespace, password: str | None) -> None:
    async with open_session(args, password) as session:
        await ACTIONS[args.action](args, session)


def _errors() -> tuple[type[Exception], ...]:
    """What the labeling services raise with a message for the user. Imported when something is
    caught, not at start: these modules bring in pydantic, Pillow and the database, which a refused
    password file or a missing wallet need not wait for."""
    from app.labeling.campaign_spec import CampaignError
    from app.runtime import NetworkError
    from app.storage.errors import StorageError
    from app.wallet.outbox import OutboxError

    return CampaignError, NetworkError, OutboxError, StorageError


def run_label(args: argparse.Namespace) -> int:
    import asyncio

    if args.action == "campaigns" and (listed := _list_fast(args)) is not None:
        return listed
    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword

    try:
        password = None
        if args.action in NEEDS_WALLET:
            require_wallet(args)
            if args.action not in READS_ONLY:
                password = read_password(args, confirm=False)  # asked before the loop: Ctrl+C just ends it
        asyncio.run(_run(args, password))
    except KeyboardInterrupt:
        return 130
    except KeyError as exc:  # an unknown campaign
        print(f"label: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except (CliError, KeystoreCorrupt, WrongPassword, TooManyAttempts, ValueError) as exc:
        print(f"label: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not isinstance(exc, _errors()):
            raise
        print(f"label: {exc}", file=sys.stderr)
        return 1
    return 0


def _list_fast(args: argparse.Namespace) -> int | None:
    """``label campaigns`` without web3 or the database: the exit code, or None where that path
    cannot answer (the runtime's path then starts the devnet, deploys, reads the index)."""
    try:
        found = fast_campaigns(args)
    except CliError as exc:
        print(f"label: {exc}", file=sys.stderr)
        return 1
    if found is None:
        return None
    print_campaigns(found)
    return 0


def add_label_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = account_options()
    label = sub.add_parser(
        "label", help="labeling campaigns: list, create, claim, submit, review, export, earnings"
    )
    actions = label.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    actions.add_parser("campaigns", parents=[common], help="list the campaigns on the active network")

    add_create_parser(actions, common)

    actions.add_parser(
        "review",
        parents=[common],
        help="one auto-review round for your campaigns (all accounts, or --account)",
    )
    export = actions.add_parser("export", parents=[common], help="write a campaign's aggregated labels")
    export.add_argument("campaign", type=int, metavar="CAMPAIGN")
    export.add_argument("--format", default="coco", help=f"{EXPORT_FORMATS} (default: coco)")
    export.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write into")
    close = actions.add_parser(
        "close", parents=[common], help="close a campaign and take back unspent escrow"
    )
    close.add_argument("campaign", type=int, metavar="CAMPAIGN")

    claim = actions.add_parser(
        "claim", parents=[common], help="claim a batch to label (in the app, or `sahara label submit`)"
    )
    claim.add_argument("campaign", type=int, metavar="CAMPAIGN")
    claim.add_argument("--another", action="store_true", help="claim one more even if you hold one there")
    submit = actions.add_parser(
        "submit", parents=[common], help="submit a claimed batch with answers from a JSON Lines file"
    )
    submit.add_argument("campaign", type=int, metavar="CAMPAIGN")
    submit.add_argument(
        "--answers",
        required=True,
        metavar="FILE",
        help='one annotation per line: {"item_id": ..., "label": ...} ("boxes"/"spans" for those tasks)',
    )
    submit.add_argument("--batch", type=int, help="which held batch, when you hold more than one")
    submit.add_argument("--allow-empty", action="store_true", help="submit items without an answer as empty")
    actions.add_parser("earnings", parents=[common], help="your labeling earnings, batch by batch")
    actions.add_parser("withdraw", parents=[common], help="pay out your reviewed earnings")
    label.set_defaults(func=run_label)
