"""Train the digits pre-labeling model and export it to ONNX, reproducibly.

    .venv/bin/python scripts/train_digits.py          # writes resources/models/digits.onnx + .json
    .venv/bin/python scripts/train_digits.py --check  # retrains; fails unless it is the shipped model

Data: scikit-learn's copy of the UCI optical digits (1,797 8×8 images, 0..16 per pixel), copied
verbatim to resources/datasets/digits.csv.gz so the app (which has no scikit-learn) ships the same
images for the demo campaign. Model: a small CNN, trained on one thread with fixed seeds and
deterministic kernels, so the same torch version on the same kind of CPU produces the same ONNX
bytes. The kernels are pinned to AVX2 (torch's and oneDNN's), yet MKL still rounds differently on
other CPUs (an Intel AVX-512 Xeon and an AMD EPYC trained different bytes from the same seeds, with
MKL capped to AVX2 too), so ``--check`` accepts either the shipped bytes or a model that is the
same model up to that rounding: its held-out accuracy within a point of the shipped one's and the
same answer on at least 98 % of the held-out digits (both run on ONNX Runtime, as the app runs them).
Input ``image``: float32 [N, 1, 8, 8], grey levels in 0..1 with ink bright (pixels / 16).
Output ``probabilities``: float32 [N, 10], softmax.
"""

from __future__ import annotations

import os

# Before torch loads: the same vector kernels on every x86-64 CPU (see the docstring).
os.environ["ATEN_CPU_CAPABILITY"] = "avx2"
os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"

import argparse
import hashlib
import io
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "resources" / "models" / "digits.onnx"
META = ROOT / "resources" / "models" / "digits.json"
DATA = ROOT / "resources" / "datasets" / "digits.csv.gz"
SEED = 20261125
EPOCHS = 60
TEST_SHARE = 0.2
MIN_ACCURACY = 0.95
# What "the same model up to rounding" allows when the bytes differ (see the docstring).
MAX_ACCURACY_GAP = 0.01
MIN_AGREEMENT = 0.98


def _data(check: bool) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits file, copied verbatim into resources (or, with ``check``, compared)."""
    import sklearn.datasets

    source = (Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz").read_bytes()
    if check:
        if DATA.read_bytes() != source:
            raise SystemExit(f"{DATA} differs from scikit-learn's digits.csv.gz")
    else:
        DATA.parent.mkdir(parents=True, exist_ok=True)
        DATA.write_bytes(source)
    sys.path.insert(0, str(ROOT))
    from app.labeling.digits import load_digits

    return load_digits()


def _model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def _onnx_answers(data: bytes, x: np.ndarray) -> np.ndarray:
    """The digit the exported bytes answer for each image, on ONNX Runtime as the app runs them."""
    import onnxruntime as ort

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    probabilities = session.run(["probabilities"], {"image": x})[0]
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4):
        raise SystemExit("the exported model's outputs are not probabilities")
    return probabilities.argmax(axis=1)


def train(check: bool = False) -> tuple[bytes, dict, np.ndarray]:
    """Train and export; returns the ONNX bytes, their metadata and the held-out images."""
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    images, labels = _data(check)
    order = np.random.default_rng(SEED).permutation(len(labels))
    cut = int(len(order) * (1 - TEST_SHARE))
    train_idx, test_idx = torch.tensor(order[:cut]), torch.tensor(order[cut:])
    x = torch.tensor(images[:, None, :, :] / 16.0, dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    model = _model()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(EPOCHS):
        model.train()
        for batch in torch.randperm(len(train_idx), generator=generator).split(64):
            idx = train_idx[batch]
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            optimiser.step()
    model.eval()
    exported = nn.Sequential(model, nn.Softmax(dim=1))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter on purpose: it needs no onnxscript (not in the ``train`` extra)
        # and writes the same bytes every run on one CPU, which ``--check`` compares first.
        warnings.filterwarnings("ignore", "You are using the legacy TorchScript-based ONNX export")
        torch.onnx.export(
            exported,
            (x[:1],),
            buffer,
            input_names=["image"],
            output_names=["probabilities"],
            dynamic_axes={"image": {0: "N"}, "probabilities": {0: "N"}},
            opset_version=17,
            dynamo=False,
        )
    data = buffer.getvalue()
    held_out = x[test_idx].numpy()
    accuracy = float((_onnx_answers(data, held_out) == y[test_idx].numpy()).mean())
    if accuracy < MIN_ACCURACY:
        raise SystemExit(f"held-out accuracy {accuracy:.3f} is below {MIN_ACCURACY}; not writing the model")
    meta = {
        "classes": [str(k) for k in range(10)],
        "input": {"name": "image", "shape": ["N", 1, 8, 8], "range": "0..1, ink bright (pixels / 16)"},
        "output": {"name": "probabilities", "shape": ["N", 10]},
        "test_accuracy": round(accuracy, 4),
        "test_items": len(test_idx),
        "seed": SEED,
        "epochs": EPOCHS,
        "torch": torch.__version__,
        "data": "resources/datasets/digits.csv.gz (scikit-learn's UCI optical digits)",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return data, meta, held_out


def _check(data: bytes, meta: dict, held_out: np.ndarray) -> tuple[bool, str]:
    """Whether the retrained model is the shipped one: the same bytes, or the same model up to rounding."""
    shipped_data = MODEL.read_bytes()
    shipped = json.loads(META.read_text())
    if hashlib.sha256(shipped_data).hexdigest() != shipped["sha256"]:
        return False, f"{MODEL.name} does not match the sha256 in {META.name}"
    if meta["sha256"] == shipped["sha256"]:
        return True, "the same bytes"
    agreement = float((_onnx_answers(data, held_out) == _onnx_answers(shipped_data, held_out)).mean())
    gap = abs(meta["test_accuracy"] - shipped["test_accuracy"])
    accuracies = f"accuracy {meta['test_accuracy']:.4f} vs {shipped['test_accuracy']:.4f}"
    words = f"other rounding: {agreement:.1%} same answers, {accuracies}"
    return agreement >= MIN_AGREEMENT and gap <= MAX_ACCURACY_GAP, words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain and compare with the shipped model")
    args = parser.parse_args()
    started = time.perf_counter()
    data, meta, held_out = train(check=args.check)
    seconds = time.perf_counter() - started
    if args.check:
        same, how = _check(data, meta, held_out)
        print(f"digits model reproducible: {same} ({meta['sha256'][:16]}…, {how}, {seconds:.1f} s)")
        return 0 if same else 1
    MODEL.write_bytes(data)
    META.write_text(json.dumps(meta, indent=2) + "\n")
    print(
        f"wrote {MODEL} ({len(data)} bytes) in {seconds:.1f} s, held-out accuracy {meta['test_accuracy']:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
