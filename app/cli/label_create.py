"""``sahara label create``: import items (any format), check the classes and the funding, upload and
fund a campaign, as the "New campaign" wizard does (the rules are ``app/labeling/campaign_rules.py``).

Known answers become private gold (``--gold-from``, ``--gold-count``); nothing is uploaded or
funded before the classes and the account's SAHARA are known to be right."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.label_session import Session, sahara, say
from app.cli.wallet import CliError

if TYPE_CHECKING:
    from app.labeling.formats import ImportProblem, ImportResult
    from app.labeling.schema import Annotation, Item, TaskType

# Named here, not imported: building the parser must stay cheap for every `sahara` command; an
# unknown name is refused by the formats package itself, with the list.
IMPORT_FORMATS = "folder, csv, jsonl, coco, yolo, voc, labelstudio"
TASKS = ["image_classification", "bounding_boxes", "text_classification", "ner"]


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
        say(f"classes: {gap}")
    if gaps and not args.allow_class_gaps:
        raise CliError("nothing was uploaded or funded: fix the classes above, or pass --allow-class-gaps")


def _gold(
    args: argparse.Namespace, task: TaskType, names: list[str], items: list[Item]
) -> dict[str, Annotation]:
    """Known answers from ``--gold-from`` for items of the campaign (matched by item id) that fit the
    task and the label set; ``--gold-count`` keeps that many, picked as the wizard picks them
    (``campaign_rules.pick_gold``: spread evenly over the campaign, random within each stretch)."""
    import random

    from app.labeling.campaign_rules import pick_gold

    if not args.gold_from:
        return {}
    candidates, answers = _fitting(
        args.gold_from, args.gold_format, "gold", task, names, items, args.images_root
    )
    chosen = candidates
    if args.gold_count is not None and args.gold_count < len(candidates):
        try:
            chosen = pick_gold(candidates, args.gold_count, random.Random())
        except ValueError as exc:
            raise CliError(f"--gold-count: {exc}") from exc
    return {item_id: answers[item_id] for item_id in chosen}


def _prelabels(
    args: argparse.Namespace, task: TaskType, names: list[str], items: list[Item], gold: dict[str, Annotation]
) -> dict[str, Annotation]:
    """Starting answers from ``--prelabels-from`` (any import format: a Label Studio export's labels,
    a model's predictions) for items of the campaign that fit the task and the label set. They are
    published in the manifest, so gold items get none: their answers stay private."""
    if not args.prelabels_from:
        return {}
    source, fmt, root = args.prelabels_from, args.prelabels_format, args.images_root
    fitting, answers = _fitting(source, fmt, "pre-labels", task, names, items, root)
    if held := [i for i in fitting if i in gold]:
        say(f"pre-labels: {len(held)} gold item(s) left without one, so their answers stay private")
    return {i: answers[i] for i in fitting if i not in gold}


def _fitting(
    source: str,
    fmt: str | None,
    what: str,
    task: TaskType,
    names: list[str],
    items: list[Item],
    images_root: str | None,
) -> tuple[list[str], dict[str, Annotation]]:
    """The answers in ``source`` (any import format): the ids of the campaign's items they fit (the
    task, a known class) and every answer read. What could not be read is said, prefixed ``what``;
    a file with no fitting answer is refused."""
    from app.labeling.campaign_rules import gold_candidates

    found = _import(source, fmt, task, names, images_root)
    for problem in found.problems:
        say(f"{what}: {_problem(problem)}")
    fitting = gold_candidates(items, found.annotations, task, names)
    if not fitting:
        raise CliError(f"no answer in {source} is for an item of the campaign with a known class")
    return fitting, found.annotations


async def create(args: argparse.Namespace, s: Session) -> None:
    import asyncio

    from app.labeling.campaign_spec import CampaignSpec
    from app.labeling.schema import LabelSet, TaskType

    wanted = [n.strip() for n in args.labels.split(",") if n.strip()] if args.labels else None
    task = TaskType(args.task) if args.task else None
    source = await asyncio.to_thread(_import, args.source, args.format, task, wanted, args.images_root)
    for problem in source.problems:
        say(_problem(problem))
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
    prelabels = _prelabels(args, task, names, source.items, gold)
    spec = CampaignSpec(
        title=args.title, task_type=task, label_set=LabelSet.from_names(names), instructions=instructions,
        items=source.items, gold=gold, redundancy=args.redundancy, reward_per_item=_parse_reward(args.reward),
        batch_size=args.batch_size, review_window_s=args.review_window, claim_ttl_s=args.claim_ttl,
        min_reputation=args.min_reputation, min_gold_accuracy=args.min_gold_accuracy, prelabels=prelabels,
    )  # fmt: skip
    shown: list[str] = []

    def progress(text: str, fraction: float) -> None:
        line = f"{int(fraction * 10) * 10:3d}% {text}"  # a line per step and per tenth, not per image
        if not shown or shown[-1] != line:
            shown.append(line)
            say(line)

    campaign_id, skipped = await s.service.create_campaign(spec, progress=progress)
    for problem in skipped:
        say(_problem(problem))
    kept = len(spec.items) - len(skipped)
    escrow = kept * spec.redundancy * spec.reward_per_item
    starting = f", {len(prelabels)} pre-labeled" if prelabels else ""
    say(f"campaign {campaign_id}: {kept} items, {len(gold)} gold, {sahara(escrow)} in escrow{starting}")
    print(campaign_id)


def add_create_parser(actions: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
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
        "--prelabels-from", metavar="PATH",
        help="answers labelers start from (any import format; the --from file to use its labels); "
        "published with the campaign, so never given to gold items",
    )  # fmt: skip
    create.add_argument("--prelabels-format", help="the pre-labels file's format (default: detected)")
    create.add_argument(
        "--gold-count", type=int, metavar="N", help="use N of the known answers (default: all)"
    )
    create.add_argument(
        "--min-gold-accuracy", type=float, default=0.8, metavar="F",
        help="share of gold items a batch must get right to be paid (default 0.8)",
    )  # fmt: skip
