"""The shipped digits model and pre-labeler, on real ONNX Runtime and the shipped images."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from app.labeling.digits import digit_png, load_digits
from app.labeling.prelabel import Prelabeler, PrelabelError, default_model

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_data_is_scikit_learns_digits() -> None:
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and set(labels.tolist()) == set(range(10))


def test_the_pre_labeler_agrees_with_the_true_class() -> None:
    images, labels = load_digits()
    model = Prelabeler()
    picks = np.random.default_rng(1).choice(len(labels), 300, replace=False)
    hits = sum(model.propose(digit_png(images[i]))[0] == str(labels[i]) for i in picks)
    assert hits / len(picks) >= 0.95


def test_dark_ink_on_paper_is_read_too() -> None:
    images, labels = load_digits()
    model = Prelabeler()
    hits = 0
    for i in range(100):
        paper = ImageOps.invert(Image.open(io.BytesIO(digit_png(images[i], scale=4))))
        out = io.BytesIO()
        paper.save(out, format="PNG")
        hits += model.propose(out.getvalue())[0] == str(labels[i])
    assert hits >= 95


def test_metadata_matches_the_model_file() -> None:
    import hashlib

    meta = json.loads(default_model().with_suffix(".json").read_text())
    assert meta["sha256"] == hashlib.sha256(default_model().read_bytes()).hexdigest()
    assert meta["test_accuracy"] >= 0.95


def test_a_bad_model_file_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(PrelabelError, match="not a usable ONNX model"):
        Prelabeler(bad)
    with pytest.raises(PrelabelError, match="no such model"):
        Prelabeler(tmp_path / "missing.onnx")


@pytest.mark.slow
def test_training_reproduces_the_shipped_model_byte_for_byte() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_digits.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
