"""A new campaign's rules: what each step accepts, which items become gold, the escrow.

The window's "New campaign" wizard and ``sahara label create`` both ask this module, so a campaign
made from either follows the same rules with the same messages: the wizard's widgets only collect
text and numbers, the CLI only parses flags. Every rule (a class name used twice, a hotkey the
labeling view keeps for itself, a reward with 19 decimals, more gold items than labeled ones) is
tested here without a display. ``CampaignForm.spec()`` is what ``LabelingService.create_campaign``
receives.
"""

from __future__ import annotations

import enum
import math
import random
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from app.labeling.campaign_spec import CampaignSpec
from app.labeling.formats import ImportProblem, ImportResult
from app.labeling.formats.common import ANSWER_PART
from app.labeling.schema import HOTKEYS, MAX_CLASSES, Annotation, Item, LabelClass, LabelSet, TaskType
from app.wallet.tx_summary import parse_amount
from app.words import SAHARA_DECIMALS

MAX_TITLE = 200
MAX_NAME = 64


class Step(enum.IntEnum):
    SOURCE = 0
    TASK = 1
    INSTRUCTIONS = 2
    QUALITY = 3
    SUMMARY = 4

    @property
    def title(self) -> str:
        return ["Source", "Task", "Instructions", "Quality & pay", "Summary"][self]


class LabelRow(NamedTuple):
    """One row of the label set editor as typed (not yet checked)."""

    name: str
    color: str
    hotkey: str


def problem_line(problem: ImportProblem) -> str:
    """``data.csv:12: label missing`` (no line number when the problem concerns the whole file)."""
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    return f"{where}: {problem.message}"


def check_label_rows(rows: list[LabelRow]) -> tuple[LabelSet | None, list[str]]:
    """The label set the rows make, or None and every reason why not (one sentence each)."""
    problems: list[str] = []
    if not rows:
        problems.append("Add at least one class.")
    if len(rows) > MAX_CLASSES:
        problems.append(f"A campaign has at most {MAX_CLASSES} classes; remove {len(rows) - MAX_CLASSES}.")
    names = [r.name.strip() for r in rows]
    keys = [r.hotkey.strip().lower() for r in rows]
    for i, (name, key) in enumerate(zip(names, keys, strict=True), start=1):
        if not name:
            problems.append(f"Row {i} has no name.")
        elif len(name) > MAX_NAME:
            problems.append(f"Row {i}: a class name has at most {MAX_NAME} characters.")
        if key and (len(key) != 1 or key not in HOTKEYS):
            problems.append(
                f"Row {i}: “{key}” cannot be a hotkey. Use a digit or a letter other than b and z "
                "(the box tool and undo)."
            )
    for name, count in Counter(n for n in names if n).items():
        if count > 1:
            problems.append(f"“{name}” is used {count} times: class names must differ.")
    for key, count in Counter(k for k in keys if k).items():
        if count > 1:
            owners = ", ".join(f"“{n}”" for n, k in zip(names, keys, strict=True) if k == key)
            problems.append(f"Hotkey “{key}” is given to {owners}: each class needs its own key.")
    if problems:
        return None, problems
    classes = [LabelClass(name=n, color=r.color, hotkey=k) for n, k, r in zip(names, keys, rows, strict=True)]
    return LabelSet(classes=classes), []


def parse_reward(text: str) -> int:
    """A reward per item typed in SAHARA as wei (18 decimals); ``ValueError`` says what is wrong."""
    return parse_amount(text, SAHARA_DECIMALS, "SAHARA")


def parse_price(text: str) -> int:
    """A dataset price in SAHARA as wei; unlike a reward it may be 0 (a free dataset)."""
    try:
        if Decimal(text.strip() or "x") == 0:
            return 0
    except InvalidOperation:
        pass
    return parse_amount(text, SAHARA_DECIMALS, "SAHARA")


def default_label_set(names: list[str]) -> LabelSet | None:
    """The imported classes with default colours and keys (class "7" keeps the key 7)."""
    return LabelSet.from_names(names) if names else None


def modality(items: Iterable[Item]) -> str | None:
    """``"text"`` when the items carry text, ``"image"`` when they name images, None for none."""
    first = next(iter(items), None)
    if first is None:
        return None
    return "text" if first.text is not None else "image"


def default_task(result: ImportResult) -> TaskType:
    """The task the file implies, else the classification task of the items' kind."""
    if result.task_type is not None:
        return result.task_type
    if modality(result.items) == "text":
        return TaskType.TEXT_CLASSIFICATION
    return TaskType.IMAGE_CLASSIFICATION


def unknown_labels(annotations: Iterable[Annotation], names: Iterable[str]) -> Counter[str]:
    """Labels the imported answers use that the label set lacks, with how many answers use each."""
    known = set(names)
    return Counter(label for a in annotations for label in a.labels_used() if label not in known)


def class_gaps(result: ImportResult, task: TaskType, names: Sequence[str]) -> list[str]:
    """Before funding: classes of the label set that no imported answer has (a class folder
    missing), and imports whose answers are all one class. Empty for unlabeled imports and for
    tasks other than classification, whose answers are not one class per item."""
    if task not in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION):
        return []
    found = Counter(a.label for a in result.annotations.values() if a.label is not None)
    if not found:
        return []
    gaps = []
    missing = [n for n in names if n not in found]
    if missing:
        gaps.append(
            f"No imported item is labeled {_quoted(missing)} (no class folder or answer has "
            f"{'it' if len(missing) == 1 else 'them'}): no gold item or pre-label covers "
            f"{'that class' if len(missing) == 1 else 'those classes'}."
        )
    if len(found) == 1:
        gaps.append(
            f"Every imported item is labeled {_quoted(found)}: with one class, every answer is the same. "
            "Add the other classes' folders, or import the images without class folders."
        )
    return gaps


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{n}”" for n in names)


def fits(task: TaskType, answer: Annotation, names: set[str]) -> bool:
    """Whether ``answer`` can be gold for ``task``: it has the task's part and only known classes."""
    return bool(getattr(answer, ANSWER_PART[task])) and answer.labels_used() <= names


def gold_candidates(
    items: Iterable[Item], answers: Mapping[str, Annotation], task: TaskType, names: Iterable[str]
) -> list[str]:
    """Ids of the items with a known answer that fits the task and the label set, in campaign order."""
    known = set(names)
    return [i.id for i in items if i.id in answers and fits(task, answers[i.id], known)]


def pick_gold(candidates: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """``count`` of the ``candidates`` (in campaign order) as gold: spread evenly, drawn at random.

    The candidates are cut into ``count`` equal stretches and one item is drawn from each. Even,
    because a batch is a run of consecutive items and is judged on the gold it holds: a random
    sample can leave whole batches without gold (paid unchecked) and pile it up in others. Random
    within a stretch, because the item order is public: every k-th item would tell a labeler which
    answers are checked, and a cheater would answer only those with care.
    """
    if count < 0:
        raise ValueError("The number of gold items cannot be negative.")
    if count > len(candidates):
        raise ValueError(f"Only {len(candidates)} imported items have labels that fit; choose at most that.")
    bounds = [len(candidates) * k // count for k in range(count + 1)] if count else []
    return [candidates[rng.randrange(bounds[k], bounds[k + 1])] for k in range(count)]


@dataclass
class CampaignForm:
    """What the wizard has gathered so far; each ``set_*`` checks one step and returns its problems."""

    result: ImportResult | None = None
    task_type: TaskType = TaskType.IMAGE_CLASSIFICATION
    label_set: LabelSet | None = None
    title: str = ""
    instructions: str = ""
    redundancy: int = 1
    reward_per_item: int = 0
    batch_size: int = 10
    review_window_s: int = 3 * 86400
    claim_ttl_s: int = 3600
    min_reputation: int = 0
    min_gold_accuracy: float = 0.8
    gold: dict[str, Annotation] = field(default_factory=dict)
    # One seed per form: asking again for the same number of gold items gives the same ones.
    gold_seed: int = field(default_factory=lambda: secrets.randbits(64))
    use_prelabels: bool = False  # the imported answers become the labelers' starting answers

    @property
    def items(self) -> list[Item]:
        return self.result.items if self.result is not None else []

    def set_source(self, result: ImportResult) -> list[str]:
        if not result.items:
            return ["Nothing to label was found there. Choose another file or folder, or another format."]
        self.result = result
        self.gold = {}
        return []

    def task_problem(self, task: TaskType) -> str | None:
        """Why ``task`` cannot label these items (images for a text task, or the reverse), or None."""
        kind = modality(self.items)
        if kind is not None and task.modality != kind:
            return f"These items are {kind}s: {task.title.lower()} needs {task.modality}s."
        return None

    def set_task(self, task: TaskType, rows: list[LabelRow]) -> list[str]:
        problem = self.task_problem(task)
        label_set, problems = check_label_rows(rows)
        problems = [problem, *problems] if problem else problems
        if not problems:
            self.task_type, self.label_set = task, label_set
        return problems

    def set_instructions(self, title: str, instructions: str) -> list[str]:
        title = " ".join(title.split())
        if not title:
            return ["Give the campaign a title: labelers pick campaigns by it."]
        if len(title) > MAX_TITLE:
            return [f"A title has at most {MAX_TITLE} characters."]
        self.title, self.instructions = title, instructions.strip()
        return []

    def gold_candidates(self) -> list[str]:
        """Imported items whose answer fits the task and the label set: the possible gold items."""
        if self.result is None or self.label_set is None:
            return []
        return gold_candidates(self.items, self.result.annotations, self.task_type, self.label_set.names)

    def choose_gold(self, count: int) -> None:
        """``count`` imported answers as gold (``pick_gold``); ``ValueError`` when too few fit."""
        chosen = pick_gold(self.gold_candidates(), count, random.Random(self.gold_seed))
        answers = self.result.annotations if self.result is not None else {}
        self.gold = {i: answers[i] for i in chosen}

    def prelabels(self) -> dict[str, Annotation]:
        """With ``use_prelabels``, the imported answers that fit, as starting answers; never a gold
        item's: pre-labels are published with the campaign."""
        if not self.use_prelabels or self.result is None:
            return {}
        answers = self.result.annotations
        return {i: answers[i] for i in self.gold_candidates() if i not in self.gold}

    @property
    def batches(self) -> int:
        return math.ceil(len(self.items) / self.batch_size) if self.items else 0

    @property
    def escrow(self) -> int:
        """What the wallet pays into the campaign now: every item, by every labeler, at the reward."""
        return len(self.items) * self.redundancy * self.reward_per_item

    def spec(self) -> CampaignSpec:
        assert self.label_set is not None and self.items
        return CampaignSpec(
            title=self.title,
            task_type=self.task_type,
            label_set=self.label_set,
            instructions=self.instructions,
            items=self.items,
            gold=dict(self.gold),
            redundancy=self.redundancy,
            reward_per_item=self.reward_per_item,
            batch_size=self.batch_size,
            review_window_s=self.review_window_s,
            claim_ttl_s=self.claim_ttl_s,
            min_reputation=self.min_reputation,
            min_gold_accuracy=self.min_gold_accuracy,
            prelabels=self.prelabels(),
        )


def instructions_template(task: TaskType, label_set: LabelSet | None) -> str:
    """A starting point for the instructions: the task, the classes with their keys, room for examples."""
    verb = {
        TaskType.IMAGE_CLASSIFICATION: "Pick the class that best describes each image.",
        TaskType.TEXT_CLASSIFICATION: "Pick the class that best describes each text.",
        TaskType.BOUNDING_BOXES: "Draw a tight box around every object of a class (B is the box tool).",
        TaskType.NER: "Select every span of text that names one of the classes.",
    }[task]
    lines = [f"# {task.title}", "", verb, "", "| Key | Class | When to use it |", "|---|---|---|"]
    for c in label_set.classes if label_set is not None else []:
        lines.append(f"| {c.hotkey or '—'} | {c.name} | |")
    lines += ["", "## Examples", "", "- ", "", "## When unsure", "", "Skip the item rather than guess."]
    return "\n".join(lines)
