"""The one way numbers are said on screen and in the CLI (app.words)."""

from __future__ import annotations

from app.words import batch_name, duration, format_sahara, plural, sahara

SAHARA = 10**18


def test_durations_are_in_human_units_never_fractions_of_days() -> None:
    assert duration(600) == "10 minutes"  # was "0.00694444 days"
    assert duration(1) == "1 second" and duration(59) == "59 seconds"
    assert duration(3600) == "1 hour" and duration(3 * 3600 + 300) == "3 hours 5 minutes"
    assert duration(3 * 86400) == "3 days" and duration(86400 + 6 * 3600) == "1 day 6 hours"
    assert duration(-5) == "0 seconds"


def test_amounts_are_in_sahara_with_sensible_precision() -> None:
    assert sahara(5 * SAHARA) == "5 SAHARA"  # was "5000000000000000000 wei"
    assert sahara(SAHARA // 3) == "0.3333 SAHARA"
    assert sahara(1) == "< 0.0001 SAHARA", "a tiny nonzero amount never reads as nothing"
    assert format_sahara(1_234 * SAHARA + SAHARA // 2) == "1,234.5 SAHARA"


def test_plurals_and_batches_counted_from_one() -> None:
    assert plural(1, "batch") == "1 batch" and plural(2, "batch") == "2 batches"  # not "batch(es)"
    assert plural(1_200, "item") == "1,200 items" and plural(0, "item") == "0 items"
    assert batch_name(0) == "Batch 1"  # not "Batch 0"
