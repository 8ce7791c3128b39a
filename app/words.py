"""Numbers in words, the one way every screen and command says them: SAHARA and ETH amounts with
sensible precision, durations in human units ("10 minutes", "3 days"), counts with the right plural
("1 batch", "2 batches") and batches counted from 1 as people count them (the chain counts from 0).

Plain Python with no app imports, so the UI, the CLI, the services and the workers all share it.
"""

from __future__ import annotations

ETH_DECIMALS = 18
SAHARA_DECIMALS = 18  # SaharaToken's decimals()
SHORT_DECIMALS = 4  # what a list or a sentence shows; a review of what is paid shows every decimal

_IRREGULAR = {"batch": "batches", "day": "days", "entry": "entries", "this": "these", "is": "are"}


def format_units(amount: int, decimals: int = ETH_DECIMALS, *, max_decimals: int | None = None,
                 round_up: bool = False) -> str:  # fmt: skip
    """``amount`` smallest units as a decimal number with thousands separators, trailing zeros
    trimmed. With ``max_decimals`` the fraction is cut there (rounded up if ``round_up``, so an
    upper bound stays an upper bound); a nonzero amount never shows as plain 0."""
    negative, amount = amount < 0, abs(amount)
    scale = 10**decimals
    if max_decimals is not None and max_decimals < decimals:
        step = 10 ** (decimals - max_decimals)
        cut = -(-amount // step) * step if round_up else amount // step * step
        if amount and not cut:
            return f"< 0.{'0' * (max_decimals - 1)}1"
        amount = cut
    whole, frac = divmod(amount, scale)
    text = f"{whole:,}"
    fraction = str(frac).rjust(decimals, "0").rstrip("0") if decimals else ""
    if fraction:
        text += "." + fraction
    return ("-" if negative else "") + text


def format_eth(wei: int, *, max_decimals: int | None = None, round_up: bool = False) -> str:
    return f"{format_units(wei, ETH_DECIMALS, max_decimals=max_decimals, round_up=round_up)} ETH"


def format_sahara(wei: int, *, max_decimals: int | None = None) -> str:
    """``1,234.5 SAHARA``: every decimal unless ``max_decimals`` (what is paid is shown to the wei)."""
    return f"{format_units(wei, SAHARA_DECIMALS, max_decimals=max_decimals)} SAHARA"


def sahara(wei: int) -> str:
    """``1.25 SAHARA`` for lists and sentences: at most 4 decimals, a tiny nonzero amount never 0."""
    return format_sahara(wei, max_decimals=SHORT_DECIMALS)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 batch``, ``2 batches``, ``1,200 items``: the count and the word that agrees with it."""
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {many or _IRREGULAR.get(word, word + 's')}"


def duration(seconds: float) -> str:
    """``45 seconds``, ``10 minutes``, ``2 hours 30 minutes``, ``3 days``, ``1 day 6 hours``: the
    two largest units that matter, rounded down to whole units (never "0.00694444 days")."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return plural(seconds, "second")
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return plural(minutes, "minute")
    if hours < 24:
        rest = minutes % 60
        return plural(hours, "hour") + (f" {plural(rest, 'minute')}" if rest else "")
    rest = hours % 24
    return plural(days, "day") + (f" {plural(rest, 'hour')}" if rest else "")


def batch_name(index: int) -> str:
    """``Batch 1`` for the chain's batch 0: people count from 1."""
    return f"Batch {index + 1}"
