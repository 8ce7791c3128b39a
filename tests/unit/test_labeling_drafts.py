"""Drafts survive a fresh process: they are rows in the real SQLite file, committed per change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.drafts import DraftStore
from app.labeling.schema import Annotation, Box

ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _store(db: Path, campaign: int = 1, account: str = ACCOUNT) -> DraftStore:
    return DraftStore(session_factory(make_engine(db)), 31337, campaign, account)


def test_save_replace_load_delete(tmp_path: Path) -> None:
    db = tmp_path / "sahara.db"
    upgrade(db)
    store = _store(db)
    store.save(Annotation(item_id="a", label="cat"))
    store.save(Annotation(item_id="a", label="dog"))
    store.save(Annotation(item_id="b", boxes=[Box(x=1, y=2, w=3, h=4, label="dog")]))
    assert store.load("a") == Annotation(item_id="a", label="dog")
    assert set(store.load_all()) == {"a", "b"}
    assert _store(db, campaign=2).load_all() == {}
    assert _store(db, account="0x" + "1" * 40).load_all() == {}
    store.delete(["a"])
    assert set(store.load_all()) == {"b"}
    assert store.load("a") is None


def test_a_killed_process_loses_no_draft(tmp_path: Path) -> None:
    db = tmp_path / "sahara.db"
    upgrade(db)
    child = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from app.db.engine import make_engine, session_factory\n"
        "from app.labeling.drafts import DraftStore\n"
        "from app.labeling.schema import Annotation\n"
        f"s = DraftStore(session_factory(make_engine(Path(sys.argv[1]))), 31337, 1, {ACCOUNT!r})\n"
        "for i in range(50):\n"
        "    s.save(Annotation(item_id=str(i), label='x'))\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", child, str(db)], cwd=Path(__file__).parents[2], check=False)
    assert proc.returncode == -9
    assert len(_store(db).load_all()) == 50
