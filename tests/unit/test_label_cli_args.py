"""`sahara label` without a chain: arguments, the gold answers it picks, rewards and tasks."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.cli import build_parser
from app.cli.label_create import _gold, _parse_reward, _prelabels, _task
from app.cli.wallet import CliError
from app.labeling.formats import ImportResult
from app.labeling.schema import Item, TaskType

NAMES = ["pos", "neg"]


def gold_args(path: Path | None, count: int | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        gold_from=str(path) if path else None, gold_format=None, gold_count=count, images_root=None
    )


def test_create_parses_with_defaults() -> None:
    args = build_parser().parse_args(
        ["label", "create", "--from", "x.csv", "--title", "T", "--reward", "0.5"]
    )
    assert (args.action, args.source, args.redundancy, args.batch_size, args.min_gold_accuracy) == (
        "create", "x.csv", 1, 10, 0.8,
    )  # fmt: skip
    assert (args.review_window, args.claim_ttl, args.gold_from, args.account) == (3 * 86400, 3600, None, None)
    export = build_parser().parse_args(["label", "export", "3", "-o", "out"])
    assert (export.campaign, export.format, export.output) == (3, "coco", "out")


def test_gold_keeps_known_answers_for_campaign_items_picked_by_the_wizards_rule(tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    rows = [f"t{n},text {n},{'pos' if n % 2 else 'neg'}" for n in range(10)]
    gold.write_text("id,text,label\n" + "\n".join([*rows, "t10,text 10,maybe", "elsewhere,x,pos"]) + "\n")
    items = [Item(id=f"t{n}", text=f"text {n}") for n in (*range(9, -1, -1), 10)]  # campaign order
    everything = _gold(gold_args(gold), TaskType.TEXT_CLASSIFICATION, NAMES, items)
    assert list(everything) == [f"t{n}" for n in range(9, -1, -1)]  # no unknown class, no stranger
    assert everything["t3"].label == "pos"
    picked = list(_gold(gold_args(gold, 3), TaskType.TEXT_CLASSIFICATION, NAMES, items))
    # campaign_rules.pick_gold: one from each third of the campaign, in campaign order
    stretches = [["t9", "t8", "t7"], ["t6", "t5", "t4"], ["t3", "t2", "t1", "t0"]]
    assert len(picked) == 3 and all(p in s for p, s in zip(picked, stretches, strict=True))
    assert _gold(gold_args(None), TaskType.TEXT_CLASSIFICATION, NAMES, items) == {}
    with pytest.raises(CliError, match=r"no answer in .* is for an item of the campaign"):
        _gold(gold_args(gold), TaskType.TEXT_CLASSIFICATION, NAMES, [Item(id="other", text="x")])
    with pytest.raises(CliError, match=r"--gold-count: .*negative"):
        _gold(gold_args(gold, -1), TaskType.TEXT_CLASSIFICATION, NAMES, items)


def test_rewards_are_sahara_with_at_most_18_decimals() -> None:
    assert _parse_reward("0.5") == 5 * 10**17
    assert _parse_reward(" 1_000 ") == 1000 * 10**18
    for bad, why in [
        ("0", "more than 0"),
        ("1,5", "dot for decimals"),
        ("0.0000000000000000001", "18 decimal"),
    ]:
        with pytest.raises(CliError, match=f"--reward: .*{why}"):
            _parse_reward(bad)


def test_task_is_asked_for_else_implied_else_by_the_items_kind() -> None:
    def result(task: TaskType | None, item: Item) -> ImportResult:
        return ImportResult(task, [item], {}, [], [])

    text, image = Item(id="a", text="hello"), Item(id="b", source="/x.png")
    asked = argparse.Namespace(task="ner")
    none = argparse.Namespace(task=None)
    assert _task(asked, result(None, image)) is TaskType.NER
    assert _task(none, result(TaskType.BOUNDING_BOXES, image)) is TaskType.BOUNDING_BOXES
    assert _task(none, result(None, text)) is TaskType.TEXT_CLASSIFICATION
    assert _task(none, result(None, image)) is TaskType.IMAGE_CLASSIFICATION


def test_prelabels_come_from_any_import_and_never_go_to_gold_items(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    rows = [f"t{n},text {n},{'pos' if n % 2 else 'neg'}" for n in range(4)]
    answers.write_text("id,text,label\n" + "\n".join([*rows, "t4,text 4,maybe"]) + "\n")
    items = [Item(id=f"t{n}", text=f"text {n}") for n in range(5)]
    args = argparse.Namespace(prelabels_from=str(answers), prelabels_format=None, images_root=None)
    gold = _gold(gold_args(answers, 1), TaskType.TEXT_CLASSIFICATION, NAMES, items)
    starting = _prelabels(args, TaskType.TEXT_CLASSIFICATION, NAMES, items, gold)
    assert set(starting) == {"t0", "t1", "t2", "t3"} - set(gold) and len(starting) == 3  # t4: no such class
    assert all(answer.item_id == item_id for item_id, answer in starting.items())
    parsed = build_parser().parse_args(
        ["label", "create", "--from", "x.json", "--title", "T", "--reward", "1", "--prelabels-from", "x.json"]
    )
    assert parsed.prelabels_from == "x.json" and parsed.prelabels_format is None
    with pytest.raises(CliError, match=r"no answer in .* is for an item of the campaign"):
        _prelabels(args, TaskType.TEXT_CLASSIFICATION, NAMES, [Item(id="other", text="x")], {})
