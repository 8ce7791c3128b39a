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
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.blob import open_cli_store
from app.cli.label_campaigns import fast_campaigns, print_campaigns
from app.cli.wallet import CliError, read_password, wallet_folder
from app.words import format_sahara

if TYPE_CHECKING:
    from app.labeling.formats import ImportProblem, ImportResult
    from app.labeling.schema import Annotation, Item, TaskType
    from app.labeling.service import LabelingService
    from app.runtime import AppRuntime
    from app.services import NetworkServices
    from app.storage import BlobStore

# Named here, not imported: building the parser must stay cheap for every `sahara` command; an
# unknown name is refused by the formats package itself, with the list.
IMPORT_FORMATS = "folder, csv, jsonl, coco, yolo, voc, labelstudio"
EXPORT_FORMATS = "coco, yolo, voc, jsonl, csv, labelstudio"
TASKS = ["image_classification", "bounding_boxes", "text_classification", "ner"]
NEEDS_WALLET = {"create", "claim", "submit", "export", "review", "earnings", "withdraw", "close"}
READS_ONLY = {"earnings"}  # the account's address is in the keystore's clear list: no password to read


@dataclass
class Session:
    """An opened runtime, connected, with contracts, and the service for the chosen account."""

    runtime: AppRuntime
    services: NetworkServices
    store: BlobStore
    service: LabelingService


def sahara(wei: int) -> str:
    return format_sahara(wei, max_decimals=6)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


@asynccontextmanager
async def _session(args: argparse.Namespace, password: str | None) -> AsyncIterator[Session]:
    """Open the app's runtime like the window does, unlock (when a password is given), connect and
    find the contracts (deploying them on the devnet if missing); always closed afterwards."""
    from app.runtime import AppRuntime, NetworkError
    from app.services import NetworkServices, ServiceOptions

    runtime = AppRuntime.open(args.paths)
    try:
        if runtime.db_error:
            raise CliError(runtime.db_error)
        wallet = runtime.wallet
        if password is not None:
            await asyncio.to_thread(wallet.unlock, password)
        if args.account is not None:
            if not any(e.index == args.account for e in wallet.accounts()):
                raise CliError(f"the wallet has no account {args.account}")
            wallet.active_index = args.account
        store = open_cli_store(args)
        accounts = None if args.account is None else [args.account]
        services = NetworkServices(
            runtime, lambda: store, ServiceOptions(accounts=accounts, demo_review=False)
        )
        if runtime.on_devnet and not _devnet_running(runtime):  # the rule `sahara wallet` follows too
            _say("starting the local devnet for this command")
        try:
            await services.open(lambda step, total, what: _say(f"deploying [{step}/{total}] {what}"))
        except NetworkError as exc:
            raise CliError(str(exc)) from exc
        yield Session(runtime, services, store, services.labeling())
    finally:
        runtime.wallet.lock()
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)


def _devnet_running(runtime: AppRuntime) -> bool:
    from app.chain.devnet import Devnet

    return Devnet(runtime.paths.devnet, chain_id=runtime.settings.network().chain_id).status() is not None


# -- browsing -------------------------------------------------------------------------------------


async def _campaigns(args: argparse.Namespace, s: Session) -> None:
    """The list, where the plain JSON-RPC path (``label_campaigns.py``) could not answer."""
    print_campaigns(await s.service.campaigns())


# -- requester ------------------------------------------------------------------------------------


def _parse_reward(text: str) -> int:
    from app.labeling.campaign_rules import parse_reward

    try:
        return parse_reward(text)
    except ValueError as exc:
        raise CliError(f"--reward: {exc}") from exc


def _problem(problem: ImportProblem) -> str:
    from app.labeling.campaign_rules import problem_line

    return f"skipped {problem_line(problem)}"


def _import(
    path: str,
    fmt: str | None,
    task: TaskType | None,
    classes: list[str] | None,
    images_root: str | None = None,
) -> ImportResult:
    from app.labeling.formats import FormatError, import_path

    root = Path(images_root) if images_root else None
    try:
        return import_path(Path(path), fmt, task_type=task, classes=classes, images_root=root)
    except FormatError as exc:
        raise CliError(str(exc)) from exc


def _task(args: argparse.Namespace, result: ImportResult) -> TaskType:
    """``--task``, else what the file implies, else classification of the items' kind."""
    from app.labeling.campaign_rules import default_task
    from app.labeling.schema import TaskType

    return TaskType(args.task) if args.task else default_task(result)


def _check_classes(args: argparse.Namespace, source: ImportResult, task: TaskType, names: list[str]) -> None:
    """Class folders missing for some of the classes, or one class only: said, and refused unless
    ``--allow-class-gaps``, before anything is uploaded or funded."""
    from app.labeling.campaign_rules import class_gaps

    gaps = class_gaps(source, task, names)
    for gap in gaps:
        _say(f"classes: {gap}")
    if gaps and not args.allow_class_gaps:
        raise CliError("nothing was uploaded or funded: fix the classes above, or pass --allow-class-gaps")


def _gold(
    args: argparse.Namespace, task: TaskType, names: list[str], items: list[Item]
) -> dict[str, Annotation]:
    """Known answers from ``--gold-from`` for items of the campaign (matched by item id) that fit the
    task and the label set; ``--gold-count`` keeps that many, picked as the wizard picks them
    (``campaign_rules.pick_gold``: spread evenly over the campaign, random within each stretch)."""
    import random

    from app.labeling.campaign_rules import gold_candidates, pick_gold

    if not args.gold_from:
        return {}
    found = _import(args.gold_from, args.gold_format, task, names, args.images_root)
    for problem in found.problems:
        _say(f"gold: {_problem(problem)}")
    candidates = gold_candidates(items, found.annotations, task, names)
    if not candidates:
        raise CliError(f"no answer in {args.gold_from} is for an item of the campaign with a known class")
    chosen = candidates
    if args.gold_count is not None and args.gold_count < len(candidates):
        try:
            chosen = pick_gold(candidates, args.gold_count, random.Random())
        except ValueError as exc:
            raise CliError(f"--gold-count: {exc}") from exc
    return {item_id: found.annotations[item_id] for item_id in chosen}


async def _create(args: argparse.Namespace, s: Session) -> None:
    from app.labeling.campaign_spec import CampaignSpec
    from app.labeling.schema import LabelSet, TaskType

    wanted = [n.strip() for n in args.labels.split(",") if n.strip()] if args.labels else None
    task = TaskType(args.task) if args.task else None
    source = await asyncio.to_thread(_import, args.source, args.format, task, wanted, args.images_root)
    for problem in source.problems:
        _say(_problem(problem))
    if not source.items:
        raise CliError(f"{args.source} holds no item to label")
    task = _task(args, source)
    names = wanted or source.class_names
    if not names:
        raise CliError(f"{args.source} names no classes: give them with --labels a,b,c")
    _check_classes(args, source, task, names)
    instructions = ""
    if args.instructions:
        try:
            instructions = Path(args.instructions).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read the instructions: {exc}") from exc
    gold = _gold(args, task, names, source.items)
    spec = CampaignSpec(
        title=args.title, task_type=task, label_set=LabelSet.from_names(names), instructions=instructions,
        items=source.items, gold=gold, redundancy=args.redundancy, reward_per_item=_parse_reward(args.reward),
        batch_size=args.batch_size, review_window_s=args.review_window, claim_ttl_s=args.claim_ttl,
        min_reputation=args.min_reputation, min_gold_accuracy=args.min_gold_accuracy,
    )  # fmt: skip
    shown: list[str] = []

    def progress(text: str, fraction: float) -> None:
        line = f"{int(fraction * 10) * 10:3d}% {text}"  # a line per step and per tenth, not per image
        if not shown or shown[-1] != line:
            shown.append(line)
            _say(line)

    campaign_id, skipped = await s.service.create_campaign(spec, progress=progress)
    for problem in skipped:
        _say(_problem(problem))
    kept = len(spec.items) - len(skipped)
    escrow = kept * spec.redundancy * spec.reward_per_item
    _say(f"campaign {campaign_id}: {kept} items, {len(gold)} gold, {sahara(escrow)} in escrow")
    print(campaign_id)


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
            _say(auto_review.describe(str(reviewer.service.address), done))
        reviewed += len(done.decisions)
    if not reviewed:
        _say("nothing to review")


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
    _say(f"campaign {args.campaign} closed; {sahara(before - after)} refunded")
    print(tx)


# -- labeler --------------------------------------------------------------------------------------


async def _claim(args: argparse.Namespace, s: Session) -> None:
    """Claim a batch; an open claim in the campaign is shown instead (a retry after a crash must
    not take a second batch), unless ``--another`` asks for one more."""
    held = [c for c in await s.service.open_claims() if c.campaign_id == args.campaign]
    if held and not args.another:
        claim = held[0]
        _say(
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
        _say(f"{args.answers}: {problem}")
    if read.problems:
        raise CliError(f"nothing was submitted: fix the {len(read.problems)} problem(s) above")
    if read.unanswered and not args.allow_empty:
        shown = ", ".join(read.unanswered[:5]) + (" …" if len(read.unanswered) > 5 else "")
        raise CliError(
            f"nothing was submitted: {len(read.unanswered)} of {len(claim.items)} items have no answer "
            f"({shown}); --allow-empty submits them empty"
        )
    tx = await s.service.submit(claim, read.answers)
    _say(f"submitted batch {claim.batch} of campaign {claim.campaign_id}: {len(read.answers)} answers")
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
    _say(f"withdrew {sahara(amount)}")
    print(tx)


ACTIONS = {
    "campaigns": _campaigns,
    "create": _create,
    "review": _review,
    "export": _export,
    "close": _close,
    "claim": _claim,
    "submit": _submit,
    "earnings": _earnings,
    "withdraw": _withdraw,
}


async def _run(args: argparse.Namespace, password: str | None) -> None:
    async with _session(args, password) as session:
        await ACTIONS[args.action](args, session)


def run_label(args: argparse.Namespace) -> int:
    if args.action == "campaigns" and (listed := _list_fast(args)) is not None:
        return listed
    from app.labeling.campaign_spec import CampaignError
    from app.runtime import NetworkError
    from app.storage.errors import StorageError
    from app.wallet.keystore import Keystore, KeystoreCorrupt, TooManyAttempts, WrongPassword
    from app.wallet.outbox import OutboxError

    try:
        password = None
        if args.action in NEEDS_WALLET:
            if not Keystore(wallet_folder(args.paths)).exists():
                raise CliError("no wallet here: run `sahara wallet new` or `sahara wallet import` first")
            if args.action not in READS_ONLY:
                password = read_password(args, confirm=False)  # asked before the loop: Ctrl+C just ends it
        asyncio.run(_run(args, password))
    except KeyboardInterrupt:
        return 130
    except KeyError as exc:  # an unknown campaign
        print(f"label: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except (
        CliError, CampaignError, NetworkError, OutboxError, StorageError, KeystoreCorrupt, WrongPassword,
        TooManyAttempts, ValueError,
    ) as exc:  # fmt: skip
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
    label = sub.add_parser(
        "label", help="labeling campaigns: list, create, claim, submit, review, export, earnings"
    )
    actions = label.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    actions.add_parser("campaigns", parents=[common], help="list the campaigns on the active network")

    create = actions.add_parser(
        "create", parents=[common], help="import items and fund a campaign; prints its id"
    )
    create.add_argument(
        "--from", dest="source", required=True, metavar="PATH", help="a folder or file of items"
    )
    create.add_argument("--format", help=f"the items' format: {IMPORT_FORMATS} (default: detected)")
    create.add_argument(
        "--images-root", metavar="DIR",
        help="the folder a file's image paths live under (Label Studio: its local-files document root "
        "or media folder); images are taken only from inside it (default: the file's folder)",
    )  # fmt: skip
    create.add_argument("--title", required=True)
    create.add_argument("--task", choices=TASKS, help="default: what the items imply")
    create.add_argument("--labels", metavar="A,B,C", help="the classes (default: those the file names)")
    create.add_argument(
        "--allow-class-gaps", action="store_true",
        help="go on when no imported item has some of --labels, or all have one class",
    )  # fmt: skip
    create.add_argument("--instructions", metavar="FILE", help="Markdown instructions for the labelers")
    create.add_argument("--reward", required=True, metavar="SAHARA", help="reward per item, e.g. 0.5")
    create.add_argument(
        "--redundancy", type=int, default=1, metavar="N", help="labelers per item (default 1)"
    )
    create.add_argument(
        "--batch-size", type=int, default=10, metavar="N", help="items per batch (default 10)"
    )
    create.add_argument(
        "--review-window", type=int, default=3 * 86400, metavar="S",
        help="seconds to review a batch before it is accepted automatically (default 3 days)",
    )  # fmt: skip
    create.add_argument(
        "--claim-ttl",
        type=int,
        default=3600,
        metavar="S",
        help="seconds to finish a claimed batch (default 3600)",
    )
    create.add_argument(
        "--min-reputation", type=int, default=0, metavar="N", help="labelers' minimum reputation"
    )
    create.add_argument(
        "--gold-from", metavar="PATH",
        help="known answers (any import format; the --from file to use its labels) kept as private gold",
    )  # fmt: skip
    create.add_argument("--gold-format", help="the gold file's format (default: detected)")
    create.add_argument(
        "--gold-count", type=int, metavar="N", help="use N of the known answers (default: all)"
    )
    create.add_argument(
        "--min-gold-accuracy", type=float, default=0.8, metavar="F",
        help="share of gold items a batch must get right to be paid (default 0.8)",
    )  # fmt: skip

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
