"""Relevance search past BM25's window: a common word (more than ``WINDOW`` matches) is ranked by
where it is (name, then tags, then card, newest first), a rare word by BM25 while common words
only filter; what each search finds is what a plain scan finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from market_logs import ADDRESSES, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.search import WINDOW, Query, like_search, search
from app.market.catalog.sink import MarketSink

CHAIN = 31337
ALICE = "0x" + "1" * 40
COUNT = WINDOW + 200


def text_of(asset: int) -> dict[str, str]:
    """Every asset says "common" somewhere: in its name (one in 4), tags (one in 4) or card only.
    One in 10 also says "rare", in the name of asset 1000 and in the cards of the others; and
    asset 3 says "rarest" (a longer word that "rare" also finds) in its tags."""
    name, tags, card = f"asset {asset}", "", "a card"
    if asset % 4 == 0:
        name += " common"
    elif asset % 4 == 1:
        tags = "common"
    else:
        card += " common"
    if asset % 10 == 0:
        card += " rare"
    if asset == 1000:
        name += " rare"
    if asset == 3:
        tags += " rarest"
    return {"name": name, "tags": tags, "card": card}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    folder: Path = tmp_path_factory.mktemp("ranks")
    upgrade(folder / "sahara.db")
    sessions = session_factory(make_engine(folder / "sahara.db"))
    logs = [registered(a, ALICE, block=a, kind=a % 3) for a in range(1, COUNT + 1)]
    with sessions() as session:
        MarketSink(CHAIN, Decoder(ADDRESSES)).apply(session, logs)
        session.execute(
            text("UPDATE market_asset SET name = :name, card = :card, tags = :tags WHERE asset_id = :a"),
            [{"a": a, **text_of(a)} for a in range(1, COUNT + 1)],
        )
        session.execute(text("UPDATE market_asset SET task_type = 'special' WHERE asset_id = 10"))
        session.commit()
    return sessions


def ids(sessions: sessionmaker[Session], **query: object) -> list[int]:
    with sessions() as session:
        return [hit.asset_id for hit in search(session, CHAIN, Query(**query))]  # type: ignore[arg-type]


def tier(asset: int) -> int:
    return {0: 0, 1: 1}.get(asset % 4, 2)


def test_a_common_word_ranks_name_then_tags_then_card_newest_first(catalogue: sessionmaker[Session]) -> None:
    newest = sorted(range(1, COUNT + 1), key=lambda a: (tier(a), -a))
    assert ids(catalogue, text="common", limit=60) == newest[:60]
    assert ids(catalogue, text="comm", limit=20, offset=590) == newest[590:610]  # a prefix, a page
    models = [a for a in newest if a % 3 == 1]
    assert ids(catalogue, text="common", kind=1, limit=50) == models[:50]
    with catalogue() as session:  # every page together: every match once, in that order
        pages = [
            search(session, CHAIN, Query(text="common", limit=500, offset=o)) for o in range(0, COUNT, 500)
        ]
    assert [hit.asset_id for page in pages for hit in page] == newest


def test_the_first_letter_typed_finds_what_the_word_finds(catalogue: sessionmaker[Session]) -> None:
    assert ids(catalogue, text="c", limit=30) == ids(catalogue, text="common", limit=30)


def test_a_rare_word_is_ranked_by_bm25_and_a_common_one_only_filters(
    catalogue: sessionmaker[Session],
) -> None:
    rare = ids(catalogue, text="rare", limit=500)
    assert rare[:2] == [1000, 3]  # named so, then tagged with a word it starts, then cards
    assert sorted(rare) == sorted([3, *range(10, COUNT + 1, 10)])
    both = ids(catalogue, text="rare common", limit=500)  # "common" is in every asset: the same order
    assert both == rare
    assert ids(catalogue, text="common rare", kind=1, limit=3) == [a for a in rare if a % 3 == 1][:3]
    assert ids(catalogue, text="rare nowhere") == []
    assert rare[-1] == 10  # the oldest of the card matches ranks last, past the first slice read
    assert ids(catalogue, text="rare", task_type="special", limit=1) == [10]


def test_every_search_finds_what_a_plain_scan_finds(catalogue: sessionmaker[Session]) -> None:
    with catalogue() as session:
        for words, kind in (("rare", None), ("rare", 2), ("rare common", 0), ("co ra", 1)):
            query = Query(text=words, kind=kind, limit=500)
            found = [h.asset_id for h in search(session, CHAIN, query)]
            assert len(found) == len(set(found)) < 500
            assert set(found) == {h.asset_id for h in like_search(session, CHAIN, query)}
