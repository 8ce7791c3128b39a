"""The fast paths of relevance search rank exactly as BM25 over every match does: a rare word's
matches are ranked after the filters and the other words cut them (or, without filters, only the
best are read), and each search here is checked against that full ranking, filtered afterwards.
Another chain's assets hold the best matches, so the unfiltered path must read past them."""

from __future__ import annotations

from pathlib import Path

import pytest
from market_logs import ADDRESSES, offered, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.search import RANK, WINDOW, Query, fts_match, search
from app.market.catalog.sink import MarketSink, padded

CHAIN, OTHER = 31337, 5
ALICE = "0x" + "1" * 40
COUNT = WINDOW + 300  # "common" is in every asset: more than BM25 ranks


def text_of(asset: int) -> dict[str, str]:
    """ "common" everywhere; "rare" in one asset in five, once or twice, in the name, tags or card,
    with cards of different lengths (BM25 weighs both)."""
    name, tags, card = f"asset {asset} common", "", "a card " + "filler " * (asset % 7)
    if asset % 5 == 0:
        where = asset % 3
        if where == 0:
            name += " rare"
        elif where == 1:
            tags = "rare"
        card += " rare" * (1 + asset % 2)
    return {"name": name, "tags": tags, "card": card}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    folder: Path = tmp_path_factory.mktemp("exact")
    upgrade(folder / "sahara.db")
    sessions = session_factory(make_engine(folder / "sahara.db"))
    with sessions() as session:
        MarketSink(CHAIN, Decoder(ADDRESSES)).apply(
            session,
            [registered(a, ALICE, block=a, kind=a % 3) for a in range(1, COUNT + 1)]
            + [
                offered(a, a, ALICE, (a * 7919 % 50) * 10**18, block=COUNT + 1)
                for a in range(1, COUNT + 1, 3)
            ],
        )
        # Another chain's assets, each named "rare rare": BM25's best matches are all theirs.
        MarketSink(OTHER, Decoder(ADDRESSES)).apply(
            session, [registered(a, ALICE, block=a) for a in range(1, 301)]
        )
        session.execute(
            text(
                "UPDATE market_asset SET name = :name, card = :card, tags = :tags "
                "WHERE chain_id = :c AND asset_id = :a"
            ),
            [{"c": CHAIN, "a": a, **text_of(a)} for a in range(1, COUNT + 1)]
            + [{"c": OTHER, "a": a, "name": "rare rare", "card": "", "tags": ""} for a in range(1, 301)],
        )
        session.execute(text("UPDATE market_asset SET task_type = 'special' WHERE asset_id % 4 = 0"))
        session.commit()
    return sessions


def full_ranking(session: Session, rare: str, words: str, where: str, limit: int) -> list[int]:
    """Every match of ``rare`` ranked by BM25, then kept when it matches ``words`` and ``where``:
    the ranking the fast paths must give."""
    fts = "SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH :m"
    ranked = [
        row for (row,) in session.execute(text(f"{fts} ORDER BY {RANK}, rowid DESC"), {"m": fts_match(rare)})
    ]
    every = {row for (row,) in session.execute(text(fts), {"m": fts_match(words)})}
    sql = f"SELECT id, asset_id FROM market_asset a WHERE a.chain_id = {CHAIN} AND {where}"
    passing = dict(session.execute(text(sql)).all())
    return [passing[row] for row in ranked if row in every and row in passing][:limit]


CASES = [  # the query, then the words BM25 ranks and the filter as SQL
    (Query(text="rare", limit=50), "rare", "1"),  # the best read first: the other chain's, then the rest
    (Query(text="rare", limit=500), "rare", "1"),  # fewer matches than asked for
    (Query(text="rare", kind=1, limit=40), "rare", "a.kind = 1"),
    (Query(text="rare", task_type="special", limit=30, offset=7), "rare", "a.task_type = 'special'"),
    (Query(text="rare common", limit=60), "rare", "1"),  # a common word only filters
    (Query(text="common rar", kind=2, limit=25), "rar", "a.kind = 2"),
    (Query(text="rare nowhere", limit=10), "rare", "1"),
]


@pytest.mark.parametrize(("query", "rare", "where"), CASES)
def test_a_rare_word_ranks_as_bm25_over_every_match_then_filtered(
    catalogue: sessionmaker[Session], query: Query, rare: str, where: str
) -> None:
    with catalogue() as session:
        expected = full_ranking(session, rare, query.text, where, query.limit + query.offset)[query.offset :]
        found = [hit.asset_id for hit in search(session, CHAIN, query)]
    assert found == expected
    if "nowhere" not in query.text:
        assert found  # each case finds something: the comparison is not of two empty lists


def names_matches(session: Session, table: str, match: str) -> list[int]:
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH :m ORDER BY rowid"
    return [row for (row,) in session.execute(text(sql), {"m": match})]


def test_the_names_index_is_filled_by_its_migration_and_follows_every_change(tmp_path: Path) -> None:
    """Migration 0014's index of names and tags alone: built from the rows already there, then
    kept in step by its triggers (metadata read, changed, an asset rolled back); it finds what the
    main index finds in those columns, so relevance by place ranks as before."""
    db = tmp_path / "sahara.db"
    upgrade(db, "0013")
    before = make_engine(db)
    with session_factory(before)() as session:
        MarketSink(CHAIN, Decoder(ADDRESSES)).apply(
            session, [registered(a, ALICE, block=a) for a in range(1, 41)]
        )
        session.execute(
            text("UPDATE market_asset SET name = :name, card = :card, tags = :tags WHERE asset_id = :a"),
            [{"a": a, **text_of(a)} for a in range(1, 41)],
        )
        session.commit()
    before.dispose()
    upgrade(db)  # on a copy, put in the file's place: a new engine opens it
    with session_factory(make_engine(db))() as session:
        session.execute(text("UPDATE market_asset SET name = 'renamed', tags = 'rare' WHERE asset_id = 3"))
        session.execute(text("UPDATE market_asset SET name = '', tags = '' WHERE asset_id = 6"))
        session.execute(text("DELETE FROM market_asset WHERE asset_id = 9"))
        session.execute(text("UPDATE market_asset SET card = 'classification' WHERE asset_id = 12"))
        session.commit()
        assert [h.asset_id for h in search(session, CHAIN, Query(text="classificati"))] == [12]  # 12 letters
        for words in ("rare", "ren", "common asset", "ass 1", "classific", "renamed"):
            for names, main in (("{{name}} : ({})", "{{name}} : ({})"), ("{}", "{{name tags}} : ({})")):
                expected = names_matches(session, "market_asset_fts", main.format(fts_match(words)))
                assert (
                    names_matches(session, "market_asset_names", names.format(fts_match(words))) == expected
                )
        assert names_matches(session, "market_asset_names", fts_match("renamed")) == [3]
        assert 6 not in names_matches(session, "market_asset_names", fts_match("asset"))
        assert 9 not in names_matches(session, "market_asset_names", fts_match("asset"))


@pytest.mark.parametrize("sort", ["newest", "price", "licensed"])
@pytest.mark.parametrize("words", ["rare", "common", "rare common"])
def test_a_sorted_page_of_rare_or_common_words_is_the_sort_over_every_match(
    catalogue: sessionmaker[Session], sort: str, words: str
) -> None:
    """Rare words sort their own rows, common ones walk the sort's index: the same pages."""
    order = {"newest": "block DESC, asset_id DESC", "price": "min_price IS NULL, min_price, asset_id DESC"}
    order["licensed"] = "licenses DESC, asset_id DESC"
    cases = [
        (Query(text=words, sort=sort, limit=30, offset=5), "1"),  # type: ignore[arg-type]
        (Query(text=words, sort=sort, kind=1, max_price=30 * 10**18), "kind = 1 AND min_price <= :p"),  # type: ignore[arg-type]
    ]
    with catalogue() as session:
        for query, where in cases:
            sql = (
                f"SELECT asset_id FROM market_asset WHERE chain_id = {CHAIN} AND {where} AND id IN "
                f"(SELECT rowid FROM market_asset_fts WHERE market_asset_fts MATCH :m) ORDER BY {order[sort]}"
            )
            every = [
                a for (a,) in session.execute(text(sql), {"m": fts_match(words), "p": padded(30 * 10**18)})
            ]
            found = [hit.asset_id for hit in search(session, CHAIN, query)]
            assert found == every[query.offset : query.offset + query.limit] and found
