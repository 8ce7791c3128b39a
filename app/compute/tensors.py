"""The bytes a job reads and writes: inputs as one ``.npy`` array, outputs in a canonical container.

Both formats are read with ``allow_pickle=False`` and only numeric dtypes are accepted: a job's
inputs come from a stranger, and a pickled object array would run code when loaded.

The result container is canonical (same outputs, same bytes: fixed ``.npy`` header version, names
and arrays in the model's output order, lengths big-endian), so its keccak-256 is the
``resultHash`` on chain: the requester checks the decrypted bytes against it, and two replicas that
computed the same numbers commit to the same hash.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from eth_utils import keccak

MAGIC = b"SAHARA-RESULT\x01"
MAX_OUTPUTS = 256
NUMERIC_KINDS = frozenset("biuf")  # bool, signed, unsigned, float; no objects, strings or voids


class TensorError(ValueError):
    """The bytes are not a valid inputs array or result container."""


def _check_dtype(array: np.ndarray, what: str) -> None:
    if array.dtype.kind not in NUMERIC_KINDS:
        raise TensorError(f"{what} has dtype {array.dtype}; only numeric arrays are accepted")


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
    return buffer.getvalue()


def _load_npy(data: bytes, what: str) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise TensorError(f"{what} is not a .npy array: {exc}") from exc
    if not isinstance(array, np.ndarray):
        raise TensorError(f"{what} is not a single .npy array")
    _check_dtype(array, what)
    return array


def encode_inputs(array: np.ndarray) -> bytes:
    _check_dtype(array, "the inputs")
    return _npy(array)


def decode_inputs(data: bytes) -> np.ndarray:
    array = _load_npy(data, "the inputs")
    if array.ndim == 0 or array.shape[0] == 0:
        raise TensorError("the inputs must be a batch: an array with at least one row")
    return array


def load_inputs(path: Path) -> np.ndarray:
    """``decode_inputs`` of a file, mapped rather than copied into memory (a large batch is read
    once, by the model)."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise TensorError(f"the inputs are not a .npy array: {exc}") from exc
    if not isinstance(array, np.ndarray):
        raise TensorError("the inputs are not a single .npy array")
    _check_dtype(array, "the inputs")
    if array.ndim == 0 or array.shape[0] == 0:
        raise TensorError("the inputs must be a batch: an array with at least one row")
    return array


def output_parts(outputs: list[tuple[str, np.ndarray]]) -> list[bytes | memoryview]:
    """The result container in pieces, each array's data a view of the array itself: the sandbox
    writes them to its result file one after another, with no copy of the outputs in between (a
    fresh copy of a large batch's outputs is page faults the baseline never pays). Joined, they are
    ``encode_outputs``'s bytes."""
    parts: list[bytes | memoryview] = [MAGIC, struct.pack(">I", len(outputs))]
    for name, array in outputs:
        _check_dtype(array, f"output {name!r}")
        data = np.ascontiguousarray(array)  # as _npy: the same header, the same bytes
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, np.lib.format.header_data_from_array_1_0(data))
        raw_name = name.encode("utf-8")
        parts += [struct.pack(">H", len(raw_name)), raw_name, struct.pack(">Q", header.tell() + data.nbytes)]
        parts += [header.getvalue(), memoryview(data.reshape(-1).view(np.uint8))]
    return parts


def encode_outputs(outputs: list[tuple[str, np.ndarray]]) -> bytes:
    return b"".join(output_parts(outputs))


def decode_outputs(data: bytes) -> list[tuple[str, np.ndarray]]:
    """The outputs of a result container, in order; ``TensorError`` for anything malformed."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise TensorError("the result is not a Sahara result container")
    (count,) = struct.unpack_from(">I", data, len(MAGIC))
    if count > MAX_OUTPUTS:
        raise TensorError(f"the result claims {count} outputs (at most {MAX_OUTPUTS})")
    pos, outputs = len(MAGIC) + 4, []
    try:
        for _ in range(count):
            (name_len,) = struct.unpack_from(">H", data, pos)
            name = data[pos + 2 : pos + 2 + name_len].decode("utf-8")
            pos += 2 + name_len
            (body_len,) = struct.unpack_from(">Q", data, pos)
            body = data[pos + 8 : pos + 8 + body_len]
            if len(body) != body_len:
                raise TensorError("the result is truncated")
            outputs.append((name, _load_npy(body, f"output {name!r}")))
            pos += 8 + body_len
    except (struct.error, UnicodeDecodeError) as exc:
        raise TensorError(f"the result is malformed: {exc}") from exc
    if pos != len(data):
        raise TensorError("the result has trailing bytes")
    return outputs


def result_hash(data: bytes) -> bytes:
    """The on-chain ``resultHash`` of a plain result container."""
    return keccak(data)
