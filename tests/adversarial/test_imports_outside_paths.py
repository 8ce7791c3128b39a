"""Issue 12 item 5: an import file cannot publish an image from outside the folder being imported.

Each test performs one attack the issue found (a COCO ``file_name`` with ``../`` or an absolute
path, a VOC ``<path>``, a JSON Lines ``image``, a Label Studio local-files URL, a link) against a
secret image beside the import folder, and checks the image is refused with the reason and that no
item id is a local path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from app.labeling.formats import ImportResult, import_path


def png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6), "red").save(path)
    return path


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A private image outside the import folder ``tmp_path / "import"``."""
    return png(tmp_path / "private" / "secret.png")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "import"
    png(root / "ok.png")
    return root


def refused(result: ImportResult, secret: Path) -> None:
    """The secret is no item (by source or id) and a problem says it lies outside the folder."""
    assert all(Path(i.source).resolve() != secret.resolve() for i in result.items)
    assert all(not i.id.startswith("/") and ".." not in i.id.split("/") for i in result.items)
    assert any("lies outside the imported folder" in p.message for p in result.problems), result.problems


def coco(folder: Path, *file_names: str) -> Path:
    images = [{"id": n, "file_name": name, "width": 8, "height": 6} for n, name in enumerate(file_names)]
    path = folder / "annotations.json"
    path.write_text(json.dumps({"images": images, "categories": [], "annotations": []}))
    return path


@pytest.mark.parametrize("how", ["dotdot", "absolute", "file-url"])
def test_coco_file_names_outside_the_folder_are_refused(folder: Path, secret: Path, how: str) -> None:
    name = {"dotdot": "../private/secret.png", "absolute": str(secret), "file-url": secret.as_uri()}[how]
    result = import_path(coco(folder, "ok.png", name))
    refused(result, secret)
    assert [i.id for i in result.items] == ["ok.png"]


def test_an_absolute_path_inside_the_folder_is_kept_under_a_relative_id(folder: Path) -> None:
    result = import_path(coco(folder, str(folder / "ok.png")))
    assert [i.id for i in result.items] == ["ok.png"] and result.problems == []


def test_a_voc_path_outside_the_folder_is_refused(folder: Path, secret: Path) -> None:
    (folder / "Annotations").mkdir()
    xml = f"<annotation><filename>secret.png</filename><path>{secret}</path></annotation>"
    (folder / "Annotations" / "a.xml").write_text(xml)
    (folder / "Annotations" / "b.xml").write_text(
        "<annotation><path>../private/secret.png</path></annotation>"
    )
    result = import_path(folder, "voc")
    refused(result, secret)
    assert len([p for p in result.problems if "outside" in p.message]) == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_record_image_outside_the_folder_is_refused(folder: Path, secret: Path, fmt: str) -> None:
    refs = ["ok.png", "../private/secret.png", str(secret)]
    if fmt == "jsonl":
        (source := folder / "items.jsonl").write_text("".join(json.dumps({"image": r}) + "\n" for r in refs))
    else:
        (source := folder / "items.csv").write_text("image\n" + "\n".join(refs) + "\n")
    result = import_path(source)
    refused(result, secret)
    assert [i.id for i in result.items] == ["ok.png"]


def test_a_label_studio_local_file_outside_the_folder_is_refused(folder: Path, secret: Path) -> None:
    tasks = [
        {"id": 1, "data": {"image": f"/data/local-files/?d={secret}"}},
        {"id": 2, "data": {"image": "ok.png"}},
    ]
    (source := folder / "tasks.json").write_text(json.dumps(tasks))
    refused(import_path(source, "labelstudio"), secret)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_links_are_followed_before_the_check(folder: Path, secret: Path) -> None:
    (folder / "cats").mkdir()
    png(folder / "cats" / "real.png")
    (folder / "cats" / "leak.png").symlink_to(secret)
    (folder / "alias.png").symlink_to(folder / "cats" / "real.png")  # inside: fine
    (folder / "ok.png").unlink()
    result = import_path(folder, "folder")
    refused(result, secret)
    assert sorted(i.id for i in result.items) == ["alias.png", "cats/real.png"]
    link_in_coco = import_path(coco(folder, "cats/leak.png"))  # a file name that is a link
    refused(link_in_coco, secret)


def test_the_cli_import_says_why(folder: Path, secret: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.label_create import _import, _problem

    result = _import(str(coco(folder, "ok.png", "../private/secret.png")), None, None, None)
    assert [_problem(p) for p in result.problems] == [
        "skipped annotations.json: image '../private/secret.png' skipped: "
        f"it lies outside the imported folder ({secret}): refused"
    ]
