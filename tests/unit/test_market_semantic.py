"""Semantic search on the real all-MiniLM-L6-v2 model: assets embedded when their metadata is read,
found by meaning, blended with FTS; attacked with an empty query, a huge one, assets without a
vector and vectors of assets a reorganisation took away."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from market_logs import ADDRESSES, offered, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog import semantic
from app.market.catalog.decode import Decoder
from app.market.catalog.metadata import fetch_pending
from app.market.catalog.search import Query, search
from app.market.catalog.sink import MarketSink
from app.storage.local import LocalStore

CHAIN = 31337
ALICE, BOB = "0x" + "1" * 40, "0x" + "2" * 40
CARDS = {
    1: dict(name="MNIST", card="70,000 scanned digit images, 0 to 9, written by hand.", tags=["vision"]),
    2: dict(name="Movie reviews", card="Film critiques marked positive or negative.", tags=["sentiment"]),
    3: dict(name="Street scenes", card="Dashcam photos with cars and pedestrians boxed.", tags=["detection"]),
    4: dict(name="Bird songs", card="Recordings of birds singing at dawn.", tags=["audio"]),
}


@pytest.fixture
def catalogue(tmp_path: Path) -> sessionmaker[Session]:
    return build_catalogue(tmp_path)


def build_catalogue(tmp_path: Path) -> sessionmaker[Session]:
    """Four assets with their metadata in a real store, indexed and read (so embedded)."""
    upgrade(tmp_path / "sahara.db")
    sessions = session_factory(make_engine(tmp_path / "sahara.db"))
    store = LocalStore(tmp_path / "blobs")
    logs = []
    for asset, fields in CARDS.items():
        cid = str(store.put([json.dumps(fields).encode()]))
        logs.append(
            registered(asset, ALICE if asset % 2 else BOB, block=10 + asset, kind=asset % 2, meta=cid)
        )
    logs.append(offered(1, 1, ALICE, 10**18, block=20))
    sink = MarketSink(CHAIN, Decoder(ADDRESSES))
    with sessions() as session:
        sink.apply(session, logs)
        session.commit()
    asyncio.run(fetch_pending(sessions, store, CHAIN))
    return sessions


def ids(sessions: sessionmaker[Session], **query: object) -> list[int]:
    with sessions() as session:
        return [hit.asset_id for hit in search(session, CHAIN, Query(**query))]  # type: ignore[arg-type]


def vectors(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM market_embedding")).scalar_one())


def test_each_asset_read_is_embedded_and_found_by_meaning(catalogue: sessionmaker[Session]) -> None:
    assert vectors(catalogue) == len(CARDS)
    assert ids(catalogue, text="handwritten numbers") == []  # no word in common: FTS alone finds nothing
    assert ids(catalogue, text="handwritten numbers", semantic=True)[0] == 1
    assert ids(catalogue, text="what do critics think of films", semantic=True)[0] == 2
    assert ids(catalogue, text="self-driving car pictures", semantic=True)[0] == 3


def test_a_word_match_still_counts_and_filters_still_apply(catalogue: sessionmaker[Session]) -> None:
    assert ids(catalogue, text="bird", semantic=True)[0] == 4
    assert 1 not in ids(catalogue, text="handwritten numbers", semantic=True, kind=0)
    assert ids(catalogue, text="handwritten numbers", semantic=True, commercial=True) == [1]
    assert ids(catalogue, text="handwritten numbers", semantic=True, limit=2, offset=1)[0] != 1


def test_an_empty_query_lists_the_newest_as_without_semantic(catalogue: sessionmaker[Session]) -> None:
    for typed in ("", "   ", "\n\t", "!!!"):
        assert ids(catalogue, text=typed, semantic=True) == ids(catalogue, text=typed) == [4, 3, 2, 1]


def test_a_huge_query_is_cut_not_choked_on(catalogue: sessionmaker[Session]) -> None:
    started = time.monotonic()
    found = ids(catalogue, text="digits written by hand " * 200_000, semantic=True)
    assert found[0] == 1 and time.monotonic() - started < 30


def test_an_asset_without_a_vector_is_still_found_by_its_words(catalogue: sessionmaker[Session]) -> None:
    row = "(SELECT id FROM market_asset WHERE asset_id = {})"
    with catalogue() as session:
        session.execute(text(f"DELETE FROM market_embedding WHERE asset_row = {row.format(4)}"))
        session.execute(
            text(f"UPDATE market_embedding SET vector = x'00ff' WHERE asset_row = {row.format(2)}")
        )
        session.commit()
    assert ids(catalogue, text="birds singing", semantic=True)[0] == 4  # its FTS rank alone
    assert ids(catalogue, text="film critiques", semantic=True)[0] == 2  # a vector of the wrong size: words


def test_vectors_of_assets_taken_away_are_never_returned(catalogue: sessionmaker[Session]) -> None:
    assert ids(catalogue, text="self-driving car pictures", semantic=True)[0] == 3  # vectors now in memory
    sink = MarketSink(CHAIN, Decoder(ADDRESSES))
    with catalogue() as session:
        sink.rollback(session, 12)  # a reorganisation above block 12: assets 3 and 4 are gone
        session.commit()
    # Their vectors went with their rows; so did asset 1's, rebuilt (its offer at block 20 went too)
    # and waiting for its metadata to be read and embedded again. Asset 2's stays.
    assert vectors(catalogue) == 1
    found = ids(catalogue, text="self-driving car pictures", semantic=True)
    assert found and not {3, 4} & set(found)


def test_a_broken_model_stores_metadata_all_the_same_and_search_stays_lexical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable() -> None:
        raise OSError("model.safetensors: input/output error")

    monkeypatch.setattr(semantic, "shared_model", unreadable)
    semantic.query_vector.cache_clear()
    try:
        sessions = build_catalogue(tmp_path)
        assert vectors(sessions) == 0
        with sessions() as session:
            assert (
                session.execute(text("SELECT count(*) FROM market_asset WHERE meta_status = 'ok'")).scalar()
                == 4
            )
        assert ids(sessions, text="birds", semantic=True) == ids(sessions, text="birds") == [4]
    finally:
        semantic.query_vector.cache_clear()
