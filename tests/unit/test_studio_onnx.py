"""The ONNX node against real ONNX Runtime, on a tiny model this test writes itself.

The ``onnx`` package is not a dependency, so the model is encoded here directly as the protobuf
an ``.onnx`` file is (a handful of fields of ModelProto): y = x @ W + b, 4 features, 3 classes.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import numpy as np
import pytest

from app.studio.executor import Executor
from app.studio.graph import SCHEMA_VERSION, Graph
from app.studio.validate import validate

W = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, -1]], dtype=np.float32)
B = np.array([0.0, 0.5, -0.5], dtype=np.float32)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, value: bytes | str | int) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _tensor(name: str, array: np.ndarray) -> bytes:
    dims = b"".join(_field(1, d) for d in array.shape)
    return dims + _field(2, 1) + _field(8, name) + _field(9, array.astype("<f4").tobytes())


def _value_info(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(_field(1, _field(1, d) if isinstance(d, int) else _field(2, d)) for d in dims)
    tensor_type = _field(1, 1) + _field(2, shape)
    return _field(1, name) + _field(2, _field(1, tensor_type))


def _node(op: str, inputs: list[str], outputs: list[str]) -> bytes:
    return b"".join(_field(1, i) for i in inputs) + b"".join(_field(2, o) for o in outputs) + _field(4, op)


def write_linear_model(path: Path) -> Path:
    graph = (
        _field(1, _node("MatMul", ["x", "W"], ["xw"]))
        + _field(1, _node("Add", ["xw", "b"], ["y"]))
        + _field(2, "linear")
        + _field(5, _tensor("W", W))
        + _field(5, _tensor("b", B))
        + _field(11, _value_info("x", ["batch", 4]))
        + _field(12, _value_info("y", ["batch", 3]))
    )
    opset = _field(1, "") + _field(2, 13)
    path.write_bytes(_field(1, 8) + _field(8, opset) + _field(7, graph))
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_linear_model(tmp_path / "linear.onnx")


def onnx_graph(config: dict, value: object) -> Graph:
    return Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "nodes": [
                {"id": "x", "type": "input", "config": {"name": "x", "type": "tensor", "default": value}},
                {"id": "m", "type": "onnx_model", "config": config},
            ],
            "edges": [
                {"id": "e", "source": "x", "source_port": "value", "target": "m", "target_port": "input"}
            ],
        }
    )


def run_model(config: dict, value: object) -> tuple[dict | None, str | None]:
    result = asyncio.run(Executor().run(onnx_graph(config, value)))
    trace = next(t for t in result.traces if t.node_id == "m")
    return (trace.outputs or None), trace.error


def test_classifier_gives_label_index_and_scores(model: Path) -> None:
    outputs, error = run_model({"path": str(model), "labels": ["cat", "dog", "bird"]}, [[0, 2, 1, 0]])
    assert error is None
    expected = (np.array([[0, 2, 1, 0]], dtype=np.float32) @ W + B)[0]
    assert outputs["scores"] == pytest.approx(expected.tolist())
    assert (outputs["label"], outputs["class_index"]) == ("dog", 1)


def test_classifier_reshapes_and_applies_softmax(model: Path) -> None:
    outputs, _ = run_model({"path": str(model), "shape": [1, 4], "softmax": True}, [3, 0, 0, 0])
    assert sum(outputs["scores"]) == pytest.approx(1.0)
    assert (outputs["label"], outputs["class_index"]) == ("0", 0)


def test_embedding_task_gives_the_vector(model: Path) -> None:
    outputs, _ = run_model({"path": str(model), "task": "embedding"}, [[1, 1, 1, 1]])
    assert outputs == {"vector": pytest.approx([2.0, 2.5, -0.5])}


def test_wrong_input_shape_is_a_node_error(model: Path) -> None:
    outputs, error = run_model({"path": str(model)}, [[1, 2, 3]])
    assert outputs is None and error.startswith("inference failed")


def test_a_missing_or_broken_model_file_is_reported(tmp_path: Path, model: Path) -> None:
    issues = validate(onnx_graph({"path": str(tmp_path / "gone.onnx")}, [1]))
    assert [i.message for i in issues] == [f"model file not found: {tmp_path / 'gone.onnx'}"]
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(struct.pack("<I", 12345) * 10)
    outputs, error = run_model({"path": str(broken)}, [[1, 2, 3, 4]])
    assert outputs is None and "is not a usable ONNX model" in error
