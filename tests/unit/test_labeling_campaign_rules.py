"""A new campaign's rules, shared by the wizard and ``sahara label create``: label set checks with
their messages, SAHARA to wei, the escrow, the gold items picked from the imported answers (spread
over the campaign's batches, unpredictable to a labeler), and the spec handed to the service."""

from __future__ import annotations

import random

import pytest

from app.labeling.campaign_rules import (
    CampaignForm,
    LabelRow,
    check_label_rows,
    default_label_set,
    default_task,
    gold_candidates,
    instructions_template,
    parse_price,
    parse_reward,
    pick_gold,
    problem_line,
    unknown_labels,
)
from app.labeling.formats import ImportProblem, ImportResult
from app.labeling.schema import Annotation, Box, Item, TaskType

SAHARA = 10**18


def images(n: int) -> list[Item]:
    return [Item(id=f"img{i}.png", source=f"/data/img{i}.png", width=8, height=8) for i in range(n)]


def result(
    n: int = 10, labeled: int = 6, task: TaskType | None = TaskType.IMAGE_CLASSIFICATION
) -> ImportResult:
    items = images(n)
    answers = {
        i.id: Annotation(item_id=i.id, label="cat" if k % 2 else "dog") for k, i in enumerate(items[:labeled])
    }
    return ImportResult(task, items, answers, ["dog", "cat"], [])


def test_label_rows_are_checked_with_a_message_each() -> None:
    label_set, problems = check_label_rows(
        [LabelRow("cat", "#4e79a7", "1"), LabelRow(" dog ", "#f28e2b", "Q")]
    )
    assert problems == [] and label_set is not None
    assert label_set.names == ["cat", "dog"] and label_set.by_hotkey("q").name == "dog"

    _none, problems = check_label_rows(
        [
            LabelRow("cat", "#4e79a7", "1"),
            LabelRow("cat", "#f28e2b", "1"),
            LabelRow("", "#e15759", "b"),
            LabelRow("x" * 65, "#e15759", "12"),
        ]
    )
    text = "\n".join(problems)
    assert "“cat” is used 2 times" in text
    assert "Hotkey “1” is given to “cat”, “cat”" in text
    assert "Row 3 has no name." in text
    assert "“b” cannot be a hotkey" in text and "box tool and undo" in text
    assert "Row 4: a class name has at most 64 characters." in text and "“12” cannot be a hotkey" in text
    assert check_label_rows([]) == (None, ["Add at least one class."])


def test_rewards_and_prices_in_sahara_become_wei() -> None:
    assert parse_reward("0.05") == 5 * 10**16
    assert parse_reward(" 1.5 ") == 3 * SAHARA // 2
    assert parse_reward("0.000000000000000001") == 1
    with pytest.raises(ValueError, match="at most 18 decimal places"):
        parse_reward("0.0000000000000000001")
    with pytest.raises(ValueError, match="more than 0"):
        parse_reward("0")
    with pytest.raises(ValueError, match="dot for decimals"):
        parse_reward("1,5")
    with pytest.raises(ValueError, match="not a number"):
        parse_reward("five")
    assert parse_price("0") == 0 and parse_price("0.00") == 0 and parse_price("2") == 2 * SAHARA
    with pytest.raises(ValueError, match="Enter an amount"):
        parse_price("")


def test_escrow_batches_and_gold() -> None:
    form = CampaignForm(gold_seed=1)
    assert form.set_source(ImportResult(None, [], {}, [], [])) != []
    assert form.set_source(result(n=41, labeled=10)) == []
    assert form.set_task(TaskType.IMAGE_CLASSIFICATION, [LabelRow("dog", "#4e79a7", "1")]) == []
    form.redundancy, form.reward_per_item, form.batch_size = 3, 5 * 10**16, 10
    assert form.escrow == 41 * 3 * 5 * 10**16 == 6150 * 10**15
    assert form.batches == 5
    # only answers whose class is in the label set can be gold: the 5 "dog" ones
    assert len(form.gold_candidates()) == 5
    assert unknown_labels(form.result.annotations.values(), ["dog"]) == {"cat": 5}
    form.choose_gold(3)
    first = dict(form.gold)
    assert len(first) == 3 and all(a.label == "dog" for a in first.values())
    form.choose_gold(3)
    assert form.gold == first, "the same draw for the same number: going back and forth changes nothing"
    form.choose_gold(4)
    assert len(form.gold) == 4
    with pytest.raises(ValueError, match="Only 5 imported items"):
        form.choose_gold(6)
    form.choose_gold(0)
    assert form.gold == {}


def test_the_task_must_fit_the_items_and_box_gold_needs_boxes() -> None:
    texts = [Item(id="t1", text="Ada met Charles.")]
    form = CampaignForm()
    form.set_source(ImportResult(None, texts, {}, [], []))
    assert default_task(form.result) is TaskType.TEXT_CLASSIFICATION
    assert form.set_task(TaskType.BOUNDING_BOXES, [LabelRow("PER", "#4e79a7", "1")]) == [
        "These items are texts: bounding boxes needs images."
    ]
    boxes = result(n=3, labeled=0)
    boxes.annotations["img0.png"] = Annotation(
        item_id="img0.png", boxes=[Box(x=1, y=1, w=2, h=2, label="dog")]
    )
    boxes.annotations["img1.png"] = Annotation(item_id="img1.png", label="dog")
    form.set_source(boxes)
    assert form.set_task(TaskType.BOUNDING_BOXES, [LabelRow("dog", "#4e79a7", "1")]) == []
    assert form.gold_candidates() == ["img0.png"]


def test_the_spec_carries_every_choice() -> None:
    form = CampaignForm(gold_seed=3)
    form.set_source(result(n=4, labeled=4))
    form.set_task(
        TaskType.IMAGE_CLASSIFICATION, [LabelRow("dog", "#4e79a7", "1"), LabelRow("cat", "#f28e2b", "2")]
    )
    assert form.set_instructions("   ", "x") == ["Give the campaign a title: labelers pick campaigns by it."]
    assert form.set_instructions("  Pets   and more ", "# Hi\n") == []
    form.reward_per_item, form.redundancy, form.min_gold_accuracy = 7, 2, 0.9
    form.choose_gold(2)
    spec = form.spec()
    assert spec.title == "Pets and more" and spec.instructions == "# Hi"
    assert spec.items == form.items and spec.label_set.names == ["dog", "cat"]
    assert spec.gold == form.gold and len(spec.gold) == 2
    assert (spec.reward_per_item, spec.redundancy, spec.min_gold_accuracy) == (7, 2, 0.9)


def test_words_for_problems_and_the_instructions_template() -> None:
    assert problem_line(ImportProblem("data.csv", 12, "label missing")) == "data.csv:12: label missing"
    assert (
        problem_line(ImportProblem("a.png", None, "skipped: not an image")) == "a.png: skipped: not an image"
    )
    form = CampaignForm()
    form.set_source(result())
    form.set_task(TaskType.IMAGE_CLASSIFICATION, [LabelRow("dog", "#4e79a7", "1")])
    text = instructions_template(TaskType.IMAGE_CLASSIFICATION, form.label_set)
    assert "| 1 | dog | |" in text and "## Examples" in text


def test_imported_digits_keep_their_own_keys() -> None:
    digits = default_label_set([str(d) for d in range(10)])
    assert digits is not None and digits.by_hotkey("7").name == "7" and digits.by_hotkey("0").name == "0"
    words = default_label_set(["cat", "dog"])
    assert words is not None and [c.hotkey for c in words.classes] == ["1", "2"]
    assert default_label_set(["a", "A"]).classes[1].hotkey == "2", "a key for each class, or the defaults"
    assert default_label_set([]) is None


def test_gold_candidates_keep_the_campaign_order_and_only_fitting_answers() -> None:
    imported = result(n=6, labeled=6)  # img0 dog, img1 cat, img2 dog, ...
    items = list(reversed(imported.items))
    assert gold_candidates(items, imported.annotations, TaskType.IMAGE_CLASSIFICATION, ["dog"]) == [
        "img4.png", "img2.png", "img0.png",
    ]  # fmt: skip
    assert gold_candidates(items, imported.annotations, TaskType.BOUNDING_BOXES, ["dog", "cat"]) == []


def test_pick_gold_puts_gold_in_every_batch() -> None:
    """100 items in batches of 10, 10 gold: each batch holds exactly one, whatever the draw (a plain
    random sample of 10 leaves about a third of the batches without gold: paid unchecked)."""
    candidates = [f"i{n:03d}" for n in range(100)]
    for seed in range(200):
        picked = pick_gold(candidates, 10, random.Random(seed))
        assert sorted(int(p[1:]) // 10 for p in picked) == list(range(10)), seed


def test_pick_gold_is_not_every_kth_item() -> None:
    """The item order is public: a labeler who knows the rule must not be able to tell the gold."""
    candidates = [f"i{n:03d}" for n in range(100)]
    draws = {tuple(pick_gold(candidates, 10, random.Random(seed))) for seed in range(50)}
    assert len(draws) == 50
    for position in range(10):  # every item of the first batch is gold in some draw
        assert any(f"i{position:03d}" in draw for draw in draws)


def test_pick_gold_counts() -> None:
    candidates = ["a", "b", "c"]
    assert pick_gold(candidates, 0, random.Random(1)) == []
    assert pick_gold(candidates, 3, random.Random(1)) == candidates
    assert len(pick_gold(candidates, 2, random.Random(1))) == 2
    with pytest.raises(ValueError, match="Only 3 imported items"):
        pick_gold(candidates, 4, random.Random(1))
    with pytest.raises(ValueError, match="cannot be negative"):
        pick_gold(candidates, -1, random.Random(1))
