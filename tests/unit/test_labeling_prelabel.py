"""The shipped digits model and pre-labeler, on real ONNX Runtime and the shipped images."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from app.labeling import prelabel
from app.labeling.digits import digit_png, load_digits
from app.labeling.prelabel import Prelabeler, PrelabelError, default_model

ROOT = Path(__file__).resolve().parents[2]
META = json.loads(default_model().with_suffix(".json").read_text())


def _held_out() -> tuple[np.ndarray, np.ndarray]:
    """The test split of scripts/train_digits.py: the last ``test_items`` of a seeded permutation."""
    images, labels = load_digits()
    test = np.random.default_rng(META["seed"]).permutation(len(labels))[-META["test_items"] :]
    return images[test], labels[test]


def _png(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_the_shipped_data_is_scikit_learns_digits() -> None:
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and set(labels.tolist()) == set(range(10))
    assert np.bincount(labels).min() >= 170  # every class well represented


def test_the_model_scores_on_the_held_out_split_in_onnx_runtime() -> None:
    import onnxruntime

    images, labels = _held_out()
    session = onnxruntime.InferenceSession(str(default_model()), providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"image": (images[:, None] / 16.0).astype(np.float32)})
    assert probabilities.shape == (len(labels), 10)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    assert accuracy >= 0.95 and accuracy == pytest.approx(META["test_accuracy"], abs=1e-4)


def test_rendered_digits_are_dark_on_white() -> None:
    images, _ = load_digits()
    with Image.open(io.BytesIO(digit_png(images[0]))) as image:
        assert (image.mode, image.size) == ("L", (64, 64))
        grey = np.asarray(image)
    assert grey[0, 0] == 255  # white paper
    assert np.array_equal(grey[::8, ::8], np.round(255 * (1 - images[0] / 16)).astype(np.uint8))


def test_the_pre_labeler_agrees_with_the_true_class() -> None:
    images, labels = _held_out()
    model = Prelabeler()
    assert model.classes == [str(k) for k in range(10)]
    proposals = [model.propose(digit_png(image)) for image in images]
    hits = sum(label == str(true) for (label, _), true in zip(proposals, labels, strict=True))
    assert hits / len(labels) >= 0.95
    assert all(0.1 <= p <= 1.0 for _, p in proposals)


def test_bright_ink_on_black_and_large_colour_jpegs_are_read_too() -> None:
    images, labels = _held_out()
    model = Prelabeler()
    hits = 0
    for image, true in zip(images[:60], labels[:60], strict=True):
        with Image.open(io.BytesIO(digit_png(image, scale=4))) as paper:
            negative = _png(ImageOps.invert(paper))
            photo = _png(paper.convert("RGB").resize((400, 400), Image.Resampling.BILINEAR), "JPEG")
        hits += model.propose(negative)[0] == str(true)
        hits += model.propose(photo)[0] == str(true)
    assert hits >= 0.9 * 120


def test_metadata_matches_the_model_file() -> None:
    assert META["sha256"] == hashlib.sha256(default_model().read_bytes()).hexdigest()
    assert META["classes"] == [str(k) for k in range(10)] and META["input"]["shape"] == ["N", 1, 8, 8]
    assert default_model().stat().st_size < 200_000


def test_a_bad_model_file_or_image_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(PrelabelError, match="not a usable ONNX model"):
        Prelabeler(bad)
    with pytest.raises(PrelabelError, match="no such model"):
        Prelabeler(tmp_path / "missing.onnx")
    with pytest.raises(PrelabelError, match="not an image"):
        Prelabeler().propose(b"GIF89a but not really")


def test_a_model_that_is_not_an_image_classifier_is_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 64])],
    )
    path = tmp_path / "flat.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)
    with pytest.raises(PrelabelError, match=r"does not take one float \[N, 1, H, W\] image"):
        Prelabeler(path)


def test_cuda_is_asked_for_only_with_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.sysinfo

    offered = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr(app.sysinfo, "onnx_providers", lambda: offered)
    monkeypatch.setattr(app.sysinfo, "nvidia_gpus", lambda: ([], "no NVIDIA driver"))
    assert prelabel.providers() == ["CPUExecutionProvider"]
    monkeypatch.setattr(app.sysinfo, "nvidia_gpus", lambda: ([app.sysinfo.Gpu(0, "H100", 81_559)], None))
    assert prelabel.providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]


@pytest.mark.slow
def test_training_reproduces_the_shipped_model_byte_for_byte() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_digits.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reproducible: True" in proc.stdout
