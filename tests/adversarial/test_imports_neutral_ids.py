"""Issue 12 item 5 (ids): published item ids never give the answer away, nor a local path.

A folder of class folders named its items ``7/0042.png``, so every labeler saw the class in the id.
Its items now get ids from their bytes; the same folder imported again gets the same ids, so gold
answers still match. A campaign whose ids are local paths is refused before anything is uploaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.labeling.campaign_spec import CampaignError, CampaignSpec, check_spec
from app.labeling.formats import import_path
from app.labeling.schema import Item, LabelSet, TaskType


def pets_folder(root: Path) -> Path:
    for k, name in enumerate(["cat", "dog", "owl"]):
        for n in range(2):
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.new("L", (8, 8), k * 40 + n).save(root / name / f"{n:04d}.png")
    return root


def test_class_folders_do_not_show_in_item_ids(tmp_path: Path) -> None:
    result = import_path(pets_folder(tmp_path / "pets"), "folder")
    assert len(result.items) == 6 and result.task_type is TaskType.IMAGE_CLASSIFICATION
    for item in result.items:
        label = result.annotations[item.id].label
        assert Path(item.source).parent.name == label  # the label is still read from the folder
        assert "/" not in item.id and label not in item.id and Path(item.source).name not in item.id
    labels = [result.annotations[i.id].label for i in result.items]
    assert labels != sorted(labels) or len(set(labels)) == 1, "items ordered by class make one-class batches"
    assert [i.id for i in result.items] == sorted(i.id for i in result.items)
    again = import_path(tmp_path / "pets", "folder")
    assert [i.id for i in again.items] == [i.id for i in result.items]  # gold from a re-import matches


@pytest.mark.parametrize(
    "item_id", ["/home/me/photos/cat.png", "C:\\Users\\me\\cat.png", "../cat.png", "file:///x.png"]
)
def test_a_campaign_with_a_local_path_as_an_item_id_is_refused(item_id: str) -> None:
    spec = CampaignSpec(
        title="t", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LabelSet.from_names(["a", "b"]),
        items=[Item(id="fine.png", image_cid="bafy"), Item(id=item_id, image_cid="bafy")],
        instructions="", gold={}, reward_per_item=1,
    )  # fmt: skip
    with pytest.raises(CampaignError, match="is a local path, and item ids are published"):
        check_spec(spec)
