"""Small ONNX models built in tests, including hostile ones (needs the ``onnx`` package)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def _model(graph, *opsets) -> bytes:  # type: ignore[no-untyped-def]
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), *opsets])
    model.ir_version = 8
    return model.SerializeToString()


def custom_op() -> bytes:
    """One node from a custom domain: what a custom-op library would implement in native code."""
    node = helper.make_node("Steal", ["x"], ["y"], domain="com.evil")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    return _model(graph, helper.make_opsetid("com.evil", 1))


def hidden_custom_op() -> bytes:
    """A custom-domain node inside an If branch, with no opset import declaring it."""
    inner = helper.make_graph(
        [helper.make_node("Steal", ["x"], ["z"], domain="com.evil")], "then", [],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
    nodes = [
        helper.make_node("Constant", [], ["cond"], value=cond),
        helper.make_node("If", ["cond"], ["y"], then_branch=inner, else_branch=inner),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    return _model(graph)


def external_data(location: str) -> bytes:
    """A weight whose bytes ORT would read from ``location``, a path next to the model."""
    weight = helper.make_tensor("w", TensorProto.FLOAT, [2], [0.0, 0.0])
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value=location)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])], initializer=[weight],
    )  # fmt: skip
    return _model(graph)


def allocates(elements: int) -> bytes:
    """Adds a tensor of ``elements`` zeros to its input's sum: asks for ``4 * elements`` bytes."""
    shape = helper.make_tensor("s", TensorProto.INT64, [1], [elements])
    nodes = [
        helper.make_node("Constant", [], ["shape"], value=shape),
        helper.make_node("ConstantOfShape", ["shape"], ["big"]),
        helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
        helper.make_node("Add", ["x", "total"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    return _model(graph)


def spins(iterations: int) -> bytes:
    """A Loop that adds 1 ``iterations`` times: runs as long as asked, allocating nothing."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Add", ["acc_in", "one"], ["acc_out"]),
        ],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    nodes = [
        helper.make_node(
            "Constant", [], ["one"], value=helper.make_tensor("o", TensorProto.FLOAT, [], [1.0])
        ),
        helper.make_node(
            "Constant", [], ["n"], value=helper.make_tensor("n", TensorProto.INT64, [], [iterations])
        ),
        helper.make_node("Constant", [], ["t"], value=helper.make_tensor("t", TensorProto.BOOL, [], [True])),
        helper.make_node("Loop", ["n", "t", "x"], ["y"], body=body),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
    )  # fmt: skip
    return _model(graph)


def batch() -> np.ndarray:
    return np.arange(6, dtype=np.float32).reshape(3, 2)
