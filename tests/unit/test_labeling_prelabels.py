"""Pre-labels a requester asks for (``sahara label create --prelabels-from``, e.g. a Label Studio
export's labels): carried in the manifest, shown as each item's starting answer, never revealing
gold, and refused in a manifest when they name items or classes the campaign does not have."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.campaign_rules import CampaignForm
from app.labeling.campaign_spec import CampaignError, CampaignSpec, check_spec
from app.labeling.drafts import DraftStore
from app.labeling.formats import ImportResult
from app.labeling.schema import Annotation, Item, LabelSet, Manifest, TaskType
from app.labeling.session import LabelingSession

ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ANIMALS = LabelSet.from_names(["cat", "dog"])
ITEMS = [Item(id=f"img{i}", image_cid=f"cid{i}") for i in range(4)]
KEY = "ab" * 33


def manifest(prelabels: dict[str, Annotation]) -> Manifest:
    return Manifest(
        title="Pets", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=ANIMALS, items=ITEMS,
        requester_pubkey=KEY, prelabels=prelabels,
    )  # fmt: skip


def test_the_manifest_carries_prelabels_and_refuses_ones_that_do_not_fit() -> None:
    given = {"img1": Annotation(item_id="img1", label="dog")}
    assert Manifest.model_validate_json(manifest(given).model_dump_json()).prelabels == given
    bad = [
        {"img9": Annotation(item_id="img9", label="dog")},  # no such item
        {"img1": Annotation(item_id="img2", label="dog")},  # filed under another item
        {"img1": Annotation(item_id="img1", label="horse")},  # not a class of the campaign
    ]
    for prelabels in bad:
        with pytest.raises(ValidationError):
            manifest(prelabels)


def test_prelabels_are_the_starting_answer_and_a_draft_wins(tmp_path: Path) -> None:
    upgrade(tmp_path / "sahara.db")
    drafts = DraftStore(session_factory(make_engine(tmp_path / "sahara.db")), 31337, 1, ACCOUNT)
    drafts.save(Annotation(item_id="img0", label="cat"))  # the labeler already answered img0
    prelabels = {i.id: Annotation(item_id=i.id, label="dog") for i in ITEMS[:3]}
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, ANIMALS, ITEMS, drafts, prelabels=prelabels)
    assert [a.label for a in session.answers()] == ["cat", "dog", "dog", None]
    assert session.index == 1  # the first item the labeler has not answered: pre-labels are to review
    assert drafts.load("img1") is None  # nothing is saved until the labeler keeps or changes it
    session.pick("cat")
    assert drafts.load("img1") == Annotation(item_id="img1", label="cat")


def test_a_prelabel_on_a_gold_item_is_refused_it_would_publish_the_answer() -> None:
    gold = {"img2": Annotation(item_id="img2", label="cat")}
    spec = CampaignSpec(
        title="Pets", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=ANIMALS, instructions="",
        items=ITEMS, gold=gold, prelabels={"img2": Annotation(item_id="img2", label="cat")},
    )  # fmt: skip
    with pytest.raises(CampaignError, match="gold"):
        check_spec(spec)


def test_the_wizards_form_asks_for_prelabels_and_keeps_gold_answers_out_of_them() -> None:
    answers = {i.id: Annotation(item_id=i.id, label="cat") for i in ITEMS[:3]}
    imported = ImportResult(TaskType.IMAGE_CLASSIFICATION, ITEMS, answers, ["cat", "dog"], [])
    form = CampaignForm(result=imported, label_set=ANIMALS, title="Pets", reward_per_item=1)
    form.gold = {"img0": answers["img0"]}
    assert form.spec().prelabels == {}  # only on request
    form.use_prelabels = True
    assert form.spec().prelabels == {"img1": answers["img1"], "img2": answers["img2"]}
    check_spec(form.spec())
