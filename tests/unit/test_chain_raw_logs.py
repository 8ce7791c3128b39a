"""A node's log objects are checked whole before anything is converted: each attack below is a
field a hostile node could send, refused with why; a fuzz test holds the parser to the rule."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.chain.raw_logs import RawLog, parse_log

GOOD: dict[str, Any] = {
    "address": "0x" + "aB" * 20,
    "topics": ["0x" + "11" * 32, "0x" + "Ee" * 32],
    "data": "0x" + "0f" * 40,
    "blockNumber": "0x1a",
    "blockHash": "0x" + "Cd" * 32,
    "transactionHash": "0x" + "ef" * 32,
    "logIndex": "0x0",
    "removed": False,
}


def test_a_good_log_is_converted_with_hex_in_lower_case() -> None:
    assert parse_log(GOOD) == RawLog(
        "0x" + "ab" * 20,
        (b"\x11" * 32, b"\xee" * 32),
        b"\x0f" * 40,
        26,
        "0x" + "cd" * 32,
        "0x" + "ef" * 32,
        0,
    )
    assert parse_log({k: v for k, v in GOOD.items() if k != "data"}).data == b""  # no data: none


DIGITS_INT_READS = ["0x_1", " 0x1", "0x1 ", "+0x1", "0x١", "0x１", "0X1", "1", "0x", "0x" + "1" * 65]


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        *(("blockNumber", v, "hex quantity") for v in DIGITS_INT_READS),
        *(("logIndex", v, "hex quantity") for v in DIGITS_INT_READS),
        ("blockNumber", 26, "hex quantity"),
        ("logIndex", None, "hex quantity"),
        ("address", "0x" + "ab" * 19, "address"),
        ("address", "0x" + "ab" * 21, "address"),
        ("address", "0x" + "ab" * 19 + "g0", "address"),
        ("address", "0x" + "ab" * 19 + " a", "address"),
        ("address", ["0x" + "ab" * 20], "address"),
        ("blockHash", "0x1234", "32-byte hash"),
        ("blockHash", "0x" + "ab" * 31 + "a ", "32-byte hash"),
        ("transactionHash", " 0x" + "ab" * 31 + "a", "32-byte hash"),
        ("transactionHash", "0x" + "ab" * 31 + "\u0661\u0662", "32-byte hash"),
        ("transactionHash", b"\xab" * 32, "32-byte hash"),
        ("topics", [], "1 to 4 topics"),
        ("topics", ["0x" + "11" * 32] * 5, "1 to 4 topics"),
        ("topics", "0x" + "11" * 32, "1 to 4 topics"),
        ("topics", ["0x" + "1_" * 32], "32-byte topic"),
        ("topics", ["0x" + "11" * 31 + " 1"], "32-byte topic"),
        ("topics", ["0x" + "11" * 31 + "  "], "32-byte topic"),  # 66 characters, 31 bytes to fromhex
        ("topics", ["0x" + "11" * 30 + " 11 "], "32-byte topic"),
        ("topics", ["0x" + "11" * 31], "32-byte topic"),
        ("topics", ["0X" + "11" * 32], "32-byte topic"),
        ("topics", [17], "32-byte topic"),
        ("topics", [["0x" + "11" * 32]], "32-byte topic"),
        ("data", "0x00 11 22", "not hex"),
        ("data", "0x0", "not hex"),
        ("data", "00", "not hex"),
        ("data", "0xzz", "not hex"),
        ("data", "0x\u0661\u0662", "not hex"),
        ("data", None, "not hex"),
    ],
)
def test_each_malformed_field_is_refused_with_why(field: str, value: Any, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_log({**GOOD, field: value})


@pytest.mark.parametrize("raw", [None, [], "log", 5, [GOOD]])
def test_a_log_that_is_not_an_object_is_refused(raw: Any) -> None:
    with pytest.raises(ValueError, match="not an object"):
        parse_log(raw)


HEX = "0123456789abcdefABCDEF"
RULES = {  # what each field must be, as a pattern over the whole string
    "address": r"0x[0-9a-fA-F]{40}",
    "blockNumber": r"0x[0-9a-fA-F]{1,64}",
    "logIndex": r"0x[0-9a-fA-F]{1,64}",
    "blockHash": r"0x[0-9a-fA-F]{64}",
    "transactionHash": r"0x[0-9a-fA-F]{64}",
}


def follows_rules(raw: dict[str, Any]) -> bool:
    topics, data = raw["topics"], raw.get("data", "0x")
    return (
        all(isinstance(raw[k], str) and re.fullmatch(p, raw[k]) for k, p in RULES.items())
        and 1 <= len(topics) <= 4
        and all(isinstance(t, str) and re.fullmatch(r"0x[0-9a-fA-F]{64}", t) for t in topics)
        and isinstance(data, str)
        and re.fullmatch(r"0x(?:[0-9a-fA-F]{2})*", data) is not None
    )


def mutated(text: str) -> st.SearchStrategy[str]:
    """``text`` with characters changed, inserted or cut (digits int() or fromhex would accept)."""
    alphabet = st.sampled_from([*HEX, " ", "_", "x", "X", "\u0661", "\uff11", "\n", "+", "-", "g"])
    return st.lists(st.tuples(st.integers(0, len(text)), alphabet, st.sampled_from("rid")), max_size=3).map(
        lambda edits: _apply(text, edits)
    )


def _apply(text: str, edits: list[tuple[int, str, str]]) -> str:
    for at, char, how in edits:
        at = min(at, len(text))
        if how == "r":
            text = text[:at] + char + text[at + 1 :]
        elif how == "i":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
    return text


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_mutated_log_parses_exactly_when_every_field_follows_the_rules(data: st.DataObject) -> None:
    raw = dict(GOOD)
    for field in data.draw(st.lists(st.sampled_from([*RULES, "data", "topic"]), max_size=3)):
        if field == "topic":
            raw["topics"] = [data.draw(mutated(t)) for t in raw["topics"]]
        else:
            raw[field] = data.draw(mutated(raw[field]))
    try:
        parsed = parse_log(raw)
    except ValueError:
        assert not follows_rules(raw)
        return
    assert follows_rules(raw)
    assert parsed.block == int(raw["blockNumber"], 16) and parsed.tx_hash == raw["transactionHash"].lower()
    assert parsed.data == bytes.fromhex(raw["data"][2:])
