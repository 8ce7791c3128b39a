"""ONNX model: run a classifier or an embedding model with ONNX Runtime on the CPU.

Inference runs in a worker thread so the event loop (the UI's, under qasync) never waits on it.
Sessions are cached per file version, so a graph that runs many times loads its model once.
Asset references (models bought on the marketplace) will resolve to a file path here.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

if TYPE_CHECKING:
    import onnxruntime


class OnnxConfig(NodeConfig):
    path: str = Field(min_length=1)
    task: Literal["classifier", "embedding"] = "classifier"
    labels: list[str] = Field(default_factory=list)
    # Reshape the input first, e.g. [1, 64] for an 8x8 image; -1 means "whatever is left".
    shape: list[int] | None = None
    input_name: str | None = None
    output_name: str | None = None
    softmax: bool = False


@functools.lru_cache(maxsize=8)
def _session(path: str, _version: tuple[int, int]) -> onnxruntime.InferenceSession:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(uint8)": "uint8",
}


def _infer(config: OnnxConfig, value: Any) -> dict[str, Any]:
    import numpy as np

    path = Path(config.path).expanduser()
    try:
        stat = path.stat()
        session = _session(str(path), (stat.st_mtime_ns, stat.st_size))
    except OSError as exc:
        raise NodeError(f"cannot open the model {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # onnxruntime raises its own types for a bad file
        raise NodeError(f"{path} is not a usable ONNX model: {exc}") from None
    types = {i.name: i.type for i in session.get_inputs()}
    input_name = config.input_name or next(iter(types))
    if input_name not in types:
        raise NodeError(f"the model has no input {input_name!r} (it has {', '.join(types)})")
    try:
        array = np.asarray(value, dtype=_DTYPES.get(types[input_name], "float32"))
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
        path = Path(config.path).expanduser()
        return [] if path.is_file() else [f"model file not found: {path}"]

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
