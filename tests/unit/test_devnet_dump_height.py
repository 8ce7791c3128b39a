"""The height of a snapshot anvil sends is read from its ``best_block_number`` alone
(``devnet_state._dumped_height``): the same answer as parsing the whole dump, never fooled by the
key's text inside a string, and anything laid out otherwise is parsed whole as before."""

from __future__ import annotations

import gzip
import json

import pytest

from app.chain.devnet_state import _dumped_height, _height


def dump(best: object, note: str = "") -> bytes:
    state = {
        "block": {"number": "0x1"},
        "accounts": {
            "0x" + "11" * 20: {"nonce": 0, "balance": "0x0", "code": "0x", "storage": {}, "note": note}
        },
        "best_block_number": best,
        "blocks": [{"header": {"number": "0x0"}}],
    }
    return json.dumps(state, separators=(",", ":")).encode()


@pytest.mark.parametrize("best", ["0x1f", 31, "0x0"])
def test_the_quick_height_is_the_parsed_height(best: object) -> None:
    raw = gzip.decompress(gzip.compress(dump(best)))
    assert _dumped_height(raw) == _height(json.loads(raw))


def test_the_key_written_inside_a_string_does_not_count() -> None:
    raw = dump("0x5", note='"best_block_number":"0x999999"')  # escaped in the JSON text
    assert b'\\"best_block_number\\":' in raw
    assert _dumped_height(raw) == 5


def test_another_layout_is_parsed_whole() -> None:
    assert _dumped_height(b'{"accounts":{},"block":{"number":"0x7"}}') == 7
    assert _dumped_height(b"[1, 2]") is None
    with pytest.raises(ValueError):
        _dumped_height(b'{"accounts": {')  # torn: refused as before


def test_a_value_that_is_not_a_height_is_refused() -> None:
    assert _dumped_height(b'{"block":{},"best_block_number":oops}') is None
    assert _dumped_height(b'{"block":{},"best_block_number":"zz"}') is None
