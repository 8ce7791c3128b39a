"""Class folders that miss some of the label set's classes, or a folder of one class, are said
before anything is uploaded or funded (``campaign_rules.class_gaps``; the CLI refuses without
``--allow-class-gaps``, the wizard shows it on its task step)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PIL import Image

from app.cli import build_parser
from app.cli.label_create import _check_classes
from app.cli.wallet import CliError
from app.labeling.campaign_rules import class_gaps
from app.labeling.formats import import_path
from app.labeling.schema import TaskType

IMAGES = TaskType.IMAGE_CLASSIFICATION


def folder(root: Path, classes: dict[str, int]) -> Path:
    for name, count in classes.items():
        (root / name).mkdir(parents=True)
        for n in range(count):
            Image.new("L", (8, 8), ord(name[0]) + n).save(root / name / f"{n}.png")
    return root


def test_missing_class_folders_are_named(tmp_path: Path) -> None:
    result = import_path(folder(tmp_path / "pets", {"cat": 2, "dog": 2}), "folder")
    gaps = class_gaps(result, IMAGES, ["cat", "dog", "bird", "fish"])
    assert len(gaps) == 1 and "“bird”, “fish”" in gaps[0] and "no class folder" in gaps[0]
    assert class_gaps(result, IMAGES, ["cat", "dog"]) == []


def test_one_class_only_is_said(tmp_path: Path) -> None:
    result = import_path(folder(tmp_path / "cats", {"cat": 3}), "folder")
    (gap,) = class_gaps(result, IMAGES, ["cat"])
    assert "Every imported item is labeled “cat”" in gap
    assert len(class_gaps(result, IMAGES, ["cat", "dog"])) == 2  # dog missing, and one class


def test_unlabeled_folders_and_other_tasks_have_no_gaps(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    Image.new("L", (8, 8)).save(plain / "a.png")
    assert class_gaps(import_path(plain, "folder"), IMAGES, ["cat", "dog"]) == []
    pets = import_path(folder(tmp_path / "pets", {"cat": 1}), "folder")
    assert class_gaps(pets, TaskType.BOUNDING_BOXES, ["cat", "dog"]) == []


def test_the_cli_refuses_before_funding_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = import_path(folder(tmp_path / "cats", {"cat": 3}), "folder")
    with pytest.raises(CliError, match=r"nothing was uploaded or funded.*--allow-class-gaps"):
        _check_classes(argparse.Namespace(allow_class_gaps=False), result, IMAGES, ["cat", "dog"])
    assert "classes: No imported item is labeled “dog”" in capsys.readouterr().err
    _check_classes(argparse.Namespace(allow_class_gaps=True), result, IMAGES, ["cat", "dog"])
    args = build_parser().parse_args(
        ["label", "create", "--from", "x", "--title", "T", "--reward", "1", "--allow-class-gaps"]
    )
    assert args.allow_class_gaps
