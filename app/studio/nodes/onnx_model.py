"""ONNX model: run a classifier or an embedding model with ONNX Runtime on the CPU.

The model is a file, a file the app ships (``resource:models/digits.onnx``), a blob in the local
store (``cid:…``, read through its hash checks) or a marketplace asset (``asset:<chain>:<id>``: the
licensed copy decrypted into the cache, hash-checked); see ``app.studio.model_refs``. The input is a
tensor (nested lists of numbers) or an image: rows of pixel values, or a ``data:image/…;base64,`` URL that is
decoded to grey levels in 0..1 and scaled to the model's input height and width. A picture with a
light border (dark ink on paper, like a scan) is inverted first, so ink is bright as digit-style
models expect (``bright_ink``; turn it off for models trained on dark-on-light pictures).

Inference runs in a worker thread so the event loop (the UI's, under qasync) never waits on it.
Sessions are cached per file version (per CID for blobs), so a graph that runs many times loads its
model once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from app.studio import model_refs
from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

if TYPE_CHECKING:
    import onnxruntime


class OnnxConfig(NodeConfig):
    path: str = Field(
        min_length=1,
        description="A model file, resource:models/<file> (shipped with the app), cid:<CID> (a model "
        "in the local blob store) or asset:<chain id>:<asset id> (a marketplace asset)",
    )
    task: Literal["classifier", "embedding"] = "classifier"
    labels: list[str] = Field(default_factory=list)
    # Reshape the input first, e.g. [1, 64] for an 8x8 image; -1 means "whatever is left".
    shape: list[int] | None = None
    input_name: str | None = None
    output_name: str | None = None
    softmax: bool = False
    bright_ink: bool = Field(
        True, description="Invert pictures with a light background (dark ink on paper) so ink is bright"
    )


def _new_session(model: str | bytes) -> onnxruntime.InferenceSession:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=8)
def _session(path: str, _version: tuple[int, int]) -> onnxruntime.InferenceSession:
    return _new_session(path)


@functools.lru_cache(maxsize=8)
def _blob_session(cid: str) -> onnxruntime.InferenceSession:
    # A CID names its bytes: once read through the hash checks, the session can be kept.
    return _new_session(model_refs.read_blob(cid))


def _open(reference: str) -> tuple[onnxruntime.InferenceSession, str]:
    """The session for a model reference, and how to name the model in messages."""
    try:
        ref = model_refs.parse_ref(reference)
        if ref.kind == "cid":
            return _blob_session(ref.value), str(ref)
        path = model_refs.local_path(ref)  # an asset: its cached copy, hash-checked, license unexpired
    except model_refs.ModelRefError as exc:
        raise NodeError(str(exc)) from None
    assert path is not None
    stat = path.stat()
    return _session(str(path), (stat.st_mtime_ns, stat.st_size)), str(path)


def _decode_image(url: str, size: tuple[int, int] | None, bright_ink: bool) -> Any:
    """A ``data:image/…;base64,`` URL as grey levels in 0..1, scaled to ``size`` (height, width);
    with ``bright_ink``, a light-bordered picture is inverted (as the digits pre-labeler does)."""
    import base64
    import binascii
    import io

    import numpy as np
    from PIL import Image, UnidentifiedImageError

    head, _, payload = url.partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        raise NodeError("an image given as text must be a data:image/...;base64, URL")
    try:
        with Image.open(io.BytesIO(base64.b64decode(payload, validate=True))) as image:
            grey = image.convert("L")
            if size is not None and grey.size != (size[1], size[0]):
                grey = grey.resize((size[1], size[0]), Image.Resampling.BOX)
            pixels = np.asarray(grey, dtype=np.float32) / 255.0
    except (binascii.Error, UnidentifiedImageError, OSError) as exc:
        raise NodeError(f"cannot read the image: {exc}") from None
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return 1.0 - pixels if bright_ink and border.mean() > 0.5 else pixels


def _spatial(shape: list[Any]) -> tuple[int, int] | None:
    """The fixed (height, width) of an image-like model input, e.g. [N, 1, 8, 8] -> (8, 8)."""
    if len(shape) >= 3 and all(isinstance(d, int) and d > 0 for d in shape[-2:]):
        return int(shape[-2]), int(shape[-1])
    return None


_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(uint8)": "uint8",
}


def _infer(config: OnnxConfig, value: Any) -> dict[str, Any]:
    import numpy as np

    try:
        session, name = _open(config.path)
    except NodeError:
        raise
    except OSError as exc:
        raise NodeError(f"cannot open the model {config.path}: {exc.strerror or exc}") from None
    except Exception as exc:  # onnxruntime raises its own types for a bad file
        raise NodeError(f"{config.path} is not a usable ONNX model: {exc}") from None
    inputs = {i.name: i for i in session.get_inputs()}
    input_name = config.input_name or next(iter(inputs))
    if input_name not in inputs:
        raise NodeError(f"{name} has no input {input_name!r} (it has {', '.join(inputs)})")
    if isinstance(value, str):
        value = _decode_image(value, _spatial(list(inputs[input_name].shape)), config.bright_ink)
    try:
        array = np.asarray(value, dtype=_DTYPES.get(inputs[input_name].type, "float32"))
        if config.shape:
            array = array.reshape(config.shape)
        out = session.run([config.output_name] if config.output_name else None, {input_name: array})[0]
    except Exception as exc:
        raise NodeError(f"inference failed: {exc}") from None
    out = np.asarray(out, dtype=np.float64)
    row = out[0] if out.ndim > 1 else out
    if config.task == "embedding":
        return {"vector": row.reshape(-1).tolist()}
    scores = row.reshape(-1)
    if config.softmax:
        scores = np.exp(scores - scores.max())
        scores = scores / scores.sum()
    index = int(scores.argmax())
    label = config.labels[index] if index < len(config.labels) else str(index)
    return {"label": label, "class_index": index, "scores": scores.tolist()}


@register
class OnnxModelNode(NodeType):
    type_name = "onnx_model"
    title = "ONNX model"
    category = "AI"
    description = "Classify or embed with an ONNX model file."
    Config = OnnxConfig
    default_timeout_s = 120.0

    def check(self, config: OnnxConfig) -> list[str]:
        return model_refs.problems(config.path)

    def model_refs(self, config: OnnxConfig) -> list[str]:
        """The models this node uses, for the list an exported agent carries."""
        return [config.path]

    def ports(self, config: OnnxConfig) -> NodePorts:
        inputs = (Port("input", PortType.TENSOR),)
        if config.task == "embedding":
            return NodePorts(inputs, (Port("vector", PortType.LIST),))
        outputs = (
            Port("label", PortType.TEXT),
            Port("class_index", PortType.NUMBER),
            Port("scores", PortType.LIST),
        )
        return NodePorts(inputs, outputs)

    async def run(self, ctx: NodeContext, config: OnnxConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(_infer, config, inputs["input"])
