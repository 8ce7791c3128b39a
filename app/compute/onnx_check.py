"""Refuse an ONNX model that could run code or read files before ONNX Runtime ever sees it.

A job's model comes from a stranger. ONNX Runtime loads custom operators from domains other than
the standard ones (a custom-op library is native code), and a tensor stored as "external data"
names a file path that ORT opens next to the model: ``../../keystore.json`` would be read into a
weight. So the sandbox parses the model's protobuf itself, with no dependency on the ``onnx``
package (the frozen app does not carry it), and accepts only:

- operator set imports and node domains from the default ONNX domains (``""``, ``ai.onnx``,
  ``ai.onnx.ml``), checked in the main graph and in every subgraph (``Loop``/``If``/``Scan``
  bodies);
- no model-local functions (they define new operators under a custom domain);
- no tensor whose data lives outside the file.

The walk reads only the fields it needs (field numbers from onnx.proto3) and skips the others by
wire type, so any valid model parses; a truncated or malformed one is refused.
"""

from __future__ import annotations

ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
MAX_DEPTH = 32  # nested subgraphs; deeper is refused rather than recursed into

# onnx.proto3 field numbers
MODEL_GRAPH, MODEL_OPSET, MODEL_FUNCTIONS = 7, 8, 25
OPSET_DOMAIN = 1
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_SPARSE_INITIALIZER = 1, 5, 15
NODE_ATTRIBUTE, NODE_DOMAIN, NODE_OP_TYPE = 5, 7, 4
ATTR_TENSOR, ATTR_GRAPH, ATTR_TENSORS, ATTR_GRAPHS, ATTR_SPARSE, ATTR_SPARSES = 5, 6, 10, 11, 22, 23
SPARSE_VALUES, SPARSE_INDICES = 1, 2
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14


class UnsafeModel(ValueError):
    """The model is malformed, uses a custom operator domain, or reads data from other files."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise UnsafeModel("the model file is truncated or not an ONNX model")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """``(field, wire type, value)`` for each field of one message; bytes for length-delimited ones."""
    out: list[tuple[int, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((field, wire, value))
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise UnsafeModel("the model file is truncated or not an ONNX model")
            out.append((field, wire, data[pos : pos + size]))
            pos += size
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            if pos > len(data):
                raise UnsafeModel("the model file is truncated or not an ONNX model")
        else:
            raise UnsafeModel(f"the model file is not an ONNX model (wire type {wire})")
    return out


def _messages(fields: list[tuple[int, int, int | bytes]], number: int) -> list[bytes]:
    return [v for f, w, v in fields if f == number and w == 2 and isinstance(v, bytes)]


def _domain(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeModel(f"{what} has a domain that is not text") from exc


def _check_tensor(raw: bytes) -> None:
    fields = _fields(raw)
    external = any(f == TENSOR_DATA_LOCATION and v == 1 for f, _, v in fields)
    if external or _messages(fields, TENSOR_EXTERNAL_DATA):
        raise UnsafeModel("the model stores weights in external files; only self-contained models run")


def _check_sparse(raw: bytes) -> None:
    fields = _fields(raw)
    for tensor in _messages(fields, SPARSE_VALUES) + _messages(fields, SPARSE_INDICES):
        _check_tensor(tensor)


def _check_graph(raw: bytes, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise UnsafeModel(f"the model nests subgraphs deeper than {MAX_DEPTH}")
    fields = _fields(raw)
    for tensor in _messages(fields, GRAPH_INITIALIZER):
        _check_tensor(tensor)
    for sparse in _messages(fields, GRAPH_SPARSE_INITIALIZER):
        _check_sparse(sparse)
    for node in _messages(fields, GRAPH_NODE):
        node_fields = _fields(node)
        for domain in _messages(node_fields, NODE_DOMAIN):
            if _domain(domain, "a node") not in ALLOWED_DOMAINS:
                op = b"".join(_messages(node_fields, NODE_OP_TYPE)).decode("utf-8", "replace")
                raise UnsafeModel(
                    f"the model uses the custom operator {op!r} from domain {_domain(domain, 'a node')!r}; "
                    "only standard ONNX operators run"
                )
        for attribute in _messages(node_fields, NODE_ATTRIBUTE):
            attr_fields = _fields(attribute)
            for graph in _messages(attr_fields, ATTR_GRAPH) + _messages(attr_fields, ATTR_GRAPHS):
                _check_graph(graph, depth + 1)
            for tensor in _messages(attr_fields, ATTR_TENSOR) + _messages(attr_fields, ATTR_TENSORS):
                _check_tensor(tensor)
            for sparse in _messages(attr_fields, ATTR_SPARSE) + _messages(attr_fields, ATTR_SPARSES):
                _check_sparse(sparse)


def check_model(data: bytes) -> None:
    """Raise ``UnsafeModel`` (with the reason in words) unless ``data`` is a self-contained ONNX
    model that uses only the standard operator domains."""
    fields = _fields(data)
    graphs = _messages(fields, MODEL_GRAPH)
    if len(graphs) != 1:
        raise UnsafeModel("the file is not an ONNX model (it has no graph)")
    if _messages(fields, MODEL_FUNCTIONS):
        raise UnsafeModel("the model defines its own functions (custom operators); only standard ONNX runs")
    for opset in _messages(fields, MODEL_OPSET):
        for domain in _messages(_fields(opset), OPSET_DOMAIN):
            name = _domain(domain, "an operator set")
            if name not in ALLOWED_DOMAINS:
                raise UnsafeModel(
                    f"the model imports the custom operator domain {name!r}; only standard ONNX operators run"
                )
    _check_graph(graphs[0], 0)
