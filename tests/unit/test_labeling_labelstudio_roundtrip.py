"""The Label Studio round trip without hand work, checked against Label Studio's task format (no
server): our export is tasks whose results name the controls of the ``label_config.xml`` written
beside it and whose images are ``/data/local-files/?d=`` paths under the export folder (Label
Studio's local-files document root); Label Studio's own export of them, downloaded elsewhere,
imports again given ``images_root``, and its labels become gold. ``/data/upload/`` paths resolve
under Label Studio's media folder; a path leading outside the images root is refused."""

from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from PIL import Image

from app.labeling.campaign_rules import gold_candidates
from app.labeling.formats import export, import_path
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

TASK = TaskType.IMAGE_CLASSIFICATION
LABELS = LabelSet.from_names(["cat", "dog"])


def png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (16, 12), 20 * n).save(out, format="PNG")
    return out.getvalue()


def check_against_label_studio(tasks: object, config: str, document_root: Path) -> None:
    """What Label Studio's importer requires of a task list for this labeling config."""
    view = ET.fromstring(config)
    (image,) = view.iter("Image")
    (choices,) = view.iter("Choices")
    variable = image.get("value", "").removeprefix("$")
    allowed = {c.get("value") for c in choices.iter("Choice")}
    assert isinstance(tasks, list) and tasks
    for task in tasks:
        assert isinstance(task, dict) and isinstance(task["data"], dict)
        url = urlparse(task["data"][variable])
        assert url.path == "/data/local-files/" and not url.scheme  # served by Label Studio itself
        (relative,) = parse_qs(url.query)["d"]
        assert not Path(relative).is_absolute() and (document_root / relative).is_file()
        for annotation in task.get("annotations", []):
            for result in annotation["result"]:
                assert (result["from_name"], result["to_name"]) == (choices.get("name"), image.get("name"))
                assert result["type"] == "choices" and set(result["value"]["choices"]) <= allowed
                assert isinstance(result["id"], str)


def test_export_loads_in_label_studio_and_comes_back_as_gold(tmp_path: Path) -> None:
    items = [Item(id=f"item-{n}", image_cid=f"cid{n}", width=16, height=12) for n in range(6)]
    answers = {i.id: Annotation(item_id=i.id, label="cat" if n % 2 else "dog") for n, i in enumerate(items)}
    dest = tmp_path / "ls-root"
    export("labelstudio", dest, (TASK, LABELS, items), answers, images=lambda item: png(int(item.id[5:])))
    tasks = json.loads((dest / "labelstudio.json").read_text())
    check_against_label_studio(tasks, (dest / "label_config.xml").read_text(), dest)

    # Label Studio's export of that project keeps data as imported; it is downloaded elsewhere.
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    shutil.copy(dest / "labelstudio.json", downloads / "project-1.json")
    lost = import_path(downloads / "project-1.json", "labelstudio")
    assert not lost.items and len(lost.problems) == 6
    assert "not found under" in lost.problems[0].message and "--images-root" in lost.problems[0].message

    back = import_path(downloads / "project-1.json", "labelstudio", images_root=dest)
    assert back.problems == []
    assert [i.id for i in back.items] == [i.id for i in items]
    assert {k: a.label for k, a in back.annotations.items()} == {k: a.label for k, a in answers.items()}
    assert [Path(i.source).read_bytes() for i in back.items] == [png(n) for n in range(6)]
    assert gold_candidates(back.items, back.annotations, TASK, LABELS.names) == [i.id for i in items]


def test_uploaded_files_resolve_under_the_media_folder_and_paths_stay_inside(tmp_path: Path) -> None:
    data = tmp_path / "label-studio-data"
    (data / "media" / "upload" / "3").mkdir(parents=True)
    (data / "media" / "upload" / "3" / "1a2b3c4d-cat.png").write_bytes(png(1))
    secret = tmp_path / "elsewhere.png"
    secret.write_bytes(png(2))
    export_file = tmp_path / "export.json"
    result = {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["cat"]}}
    export_file.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "data": {"image": "/data/upload/3/1a2b3c4d-cat.png"},
                    "annotations": [{"result": [result]}],
                },
                {"id": 2, "data": {"image": "/data/local-files/?d=../elsewhere.png"}},
            ]
        )
    )
    for root in (data / "media", data):  # the media folder or the data folder above it
        found = import_path(export_file, "labelstudio", images_root=root)
        assert [i.id for i in found.items] == ["1"] and found.annotations["1"].label == "cat"
        assert Path(found.items[0].source) == data / "media" / "upload" / "3" / "1a2b3c4d-cat.png"
        (problem,) = found.problems  # outside the root: refused (or, from media/, not there)
        assert "elsewhere.png" in problem.message and (
            "outside" in problem.message or "not found" in problem.message
        )
    assert "outside the imported folder" in problem.message  # the last root, data: the file exists
