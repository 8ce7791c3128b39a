"""Issue 12 item 7: a FIFO (or any non-regular file) in an import never hangs the import.

Opening a FIFO for reading blocks until a writer comes, so each import runs in a child process
with a deadline: a hang fails the test instead of stalling the suite. The FIFO must be skipped
with a reason, without ever being opened.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from parsers_child import run_child, survived
from PIL import Image

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def import_in_child(path: Path, fmt: str) -> str:
    code = (
        "from pathlib import Path\nfrom app.labeling.formats import FormatError, import_path\n"
        f"try:\n    result = import_path(Path({str(path)!r}), {fmt!r})\n"
        "except FormatError as exc:\n    print('refused:', exc)\nelse:\n"
        "    print(sorted(i.id for i in result.items))\n"
        "    print(*(p.file + ': ' + p.message for p in result.problems), sep='\\n')"
    )
    return survived(run_child(code, raised_limit=False, timeout=60))


def test_a_fifo_among_images_is_skipped_with_a_reason(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    os.mkfifo(tmp_path / "b.png")
    os.symlink(tmp_path / "b.png", tmp_path / "c.png")  # a link to it is no better
    out = import_in_child(tmp_path, "folder")
    assert "['a.png']" in out
    assert "b.png: skipped: not a regular file (a FIFO): never opened" in out
    assert "c.png: skipped: not a regular file (a FIFO): never opened" in out


def test_fifos_in_voc_and_yolo_folders_and_coco_references_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "voc" / "Annotations").mkdir(parents=True)
    os.mkfifo(tmp_path / "voc" / "Annotations" / "a.xml")
    assert "Annotations/a.xml: skipped: not a regular file (a FIFO)" in import_in_child(
        tmp_path / "voc", "voc"
    )
    (tmp_path / "yolo" / "images").mkdir(parents=True)
    (tmp_path / "yolo" / "classes.txt").write_text("cat\n")
    os.mkfifo(tmp_path / "yolo" / "images" / "a.jpg")
    assert "images/a.jpg: skipped: not a regular file (a FIFO)" in import_in_child(tmp_path / "yolo", "yolo")
    os.mkfifo(tmp_path / "pipe.png")  # width and height given: nothing probes it before the collector
    images = [{"id": 1, "file_name": "pipe.png", "width": 4, "height": 4}]
    (tmp_path / "coco.json").write_text(json.dumps({"images": images}))
    assert "not a regular file (a FIFO)" in import_in_child(tmp_path / "coco.json", "coco")


def test_importing_a_fifo_itself_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "items.jsonl")
    out = import_in_child(tmp_path / "items.jsonl", "jsonl")
    assert "refused:" in out and "not a regular file (a FIFO): never opened" in out
