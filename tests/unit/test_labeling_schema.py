"""Label sets: default hotkeys a labeler can guess."""

from __future__ import annotations

from app.labeling.schema import LabelSet


def test_default_hotkeys_keep_a_digit_class_on_its_own_key() -> None:
    digits = LabelSet.from_names([str(k) for k in range(10)])
    assert [c.hotkey for c in digits.classes] == [str(k) for k in range(10)]
    assert digits.by_hotkey("7").name == "7"
    mixed = LabelSet.from_names(["cat", "2", "dog"])
    assert [c.hotkey for c in mixed.classes] == ["1", "2", "3"]
    assert [c.hotkey for c in LabelSet.from_names(["b", "a"]).classes] == ["1", "a"]  # b is the box tool
