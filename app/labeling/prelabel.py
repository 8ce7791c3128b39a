"""Pre-labeling: an ONNX classifier proposes a class for each image; one key accepts it.

The shipped model is the digits CNN from ``scripts/train_digits.py`` (``resources/models``); any
classifier with the same contract works: input ``[N, 1, H, W]`` grey levels in 0..1 with ink bright,
output ``[N, classes]`` probabilities. Photos of dark ink on light paper are inverted first (a bright
border means a light background), so a scanned digit and the shipped images both read right.
The model runs on the best execution provider this ONNX Runtime offers (CUDA, DirectML, CoreML) and
falls back to the CPU.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from app import safe_json
from app.resources import resources_dir

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider")


class PrelabelError(RuntimeError):
    """The model cannot be used (missing, unreadable, or not an image classifier)."""


def default_model() -> Path:
    return resources_dir() / "models" / "digits.onnx"


def providers() -> list[str]:
    """The accelerated providers this ONNX Runtime offers and this machine can run, best first,
    then the CPU. onnxruntime-gpu lists CUDA even on a machine without an NVIDIA GPU, where asking
    for it only prints an error before falling back, so CUDA also needs a GPU that NVML sees."""
    from app.sysinfo import nvidia_gpus, onnx_providers

    available = set(onnx_providers())
    if "CUDAExecutionProvider" in available and not nvidia_gpus()[0]:
        available.discard("CUDAExecutionProvider")
    return [p for p in PREFERRED_PROVIDERS if p in available] + ["CPUExecutionProvider"]


class Prelabeler:
    """Proposes ``(class, probability)`` for image bytes; safe to call from a worker thread."""

    def __init__(self, model_path: Path | None = None) -> None:
        import onnxruntime

        path = model_path or default_model()
        if not path.is_file():
            raise PrelabelError(f"{path}: no such model file")
        # one image at a time beside the labeler's window: one thread, and no spinning after each
        # inference (ORT's pool spins by default, taking the CPU the window needs for the next key)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(str(path), options, providers=providers())
        except Exception as exc:  # ORT raises its own types for a corrupt or unsupported file
            raise PrelabelError(f"{path} is not a usable ONNX model: {exc}") from exc
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        shape = inputs[0].shape if len(inputs) == 1 else []
        if (
            len(shape) != 4
            or not all(isinstance(d, int) for d in shape[1:])
            or shape[1] != 1
            or inputs[0].type != "tensor(float)"
        ):
            found = [(i.name, i.type, i.shape) for i in inputs]
            raise PrelabelError(f"{path.name} does not take one float [N, 1, H, W] image (inputs: {found})")
        self._input = inputs[0].name
        self._size = (int(shape[3]), int(shape[2]))  # PIL's (width, height)
        width = outputs[0].shape[-1] if outputs and outputs[0].shape else None
        if not isinstance(width, int):
            raise PrelabelError(f"{path.name} does not output [N, classes] probabilities")
        meta = path.with_suffix(".json")
        classes = (
            safe_json.loads(meta.read_text())["classes"] if meta.is_file() else [str(k) for k in range(width)]
        )
        if len(classes) != width:
            raise PrelabelError(f"{meta.name} names {len(classes)} classes, {path.name} outputs {width}")
        self.classes: list[str] = classes

    def tensor(self, image_bytes: bytes) -> np.ndarray:
        """The model's input for one image: grey, box-resized, ink bright, in 0..1."""
        from PIL import Image

        try:
            with Image.open(io.BytesIO(image_bytes)) as image:
                image.draft("L", (8 * self._size[0], 8 * self._size[1]))  # a big JPEG decodes at 1/2..1/8
                small = image.convert("L").resize(self._size, Image.Resampling.BOX)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise PrelabelError(f"not an image Pillow can read: {exc}") from exc
        grey = np.asarray(small, np.float32) / 255
        border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
        if border.mean() > 0.5:  # light paper, dark ink: flip to the training data's convention
            grey = 1.0 - grey
        return grey[None, None, :, :]

    def propose(self, image_bytes: bytes) -> tuple[str, float]:
        probabilities = self._session.run(None, {self._input: self.tensor(image_bytes)})[0][0]
        best = int(np.argmax(probabilities))
        return self.classes[best], float(probabilities[best])
