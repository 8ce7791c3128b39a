"""`sahara market publish --owner-share`: a campaign's dataset takes the share its requester keeps;
a share out of range, or one on anything but a campaign's dataset, is refused in words before
anything is read, stored or signed (no session is even needed to refuse it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.cli import build_parser
from app.cli.market_publish import publish_command


def parse(*argv: str) -> Any:
    return build_parser().parse_args(["market", "publish", *argv])


def never(*_args: Any) -> None:
    raise AssertionError("asked to confirm what should have been refused")


def test_the_option_is_parsed() -> None:
    assert parse("dataset", "--campaign", "3", "--owner-share", "15").owner_share == "15"
    assert parse("dataset", "--campaign", "3").owner_share is None  # the default, 10 %


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (("dataset", "--campaign", "3", "--owner-share", "150"), "between 0 and 100"),
        (("dataset", "--campaign", "3", "--owner-share", "lots"), "not a percentage"),
        (("model", "m.onnx", "--name", "M", "--owner-share", "10"), "for a campaign's dataset"),
    ],
)
def test_a_bad_owner_share_is_refused_in_words(argv: tuple[str, ...], why: str) -> None:
    from app.cli.wallet import CliError

    with pytest.raises(CliError, match=why):
        asyncio.run(publish_command(parse(*argv), None, never))  # type: ignore[arg-type]
