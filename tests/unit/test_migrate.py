import contextlib
import shutil
import sqlite3

import pytest

from app.db import migrate
from app.db.engine import make_engine
from app.db.migrate import MigrationError, current_revision, head_revision, is_current, upgrade


def test_new_database_is_migrated_to_head_in_wal_mode(paths) -> None:
    assert current_revision(paths.database) is None
    assert upgrade(paths.database) == head_revision()
    assert is_current(paths.database)
    engine = make_engine(paths.database)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        tables = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    engine.dispose()
    assert {"app_state", "outbox_tx", "alembic_version"} <= tables


def test_upgrade_twice_is_a_no_op(paths) -> None:
    upgrade(paths.database)
    before = paths.database.read_bytes()
    assert upgrade(paths.database) == head_revision()
    assert paths.database.read_bytes() == before


def test_failed_migration_leaves_the_database_untouched(paths, tmp_path, monkeypatch) -> None:
    upgrade(paths.database)
    with contextlib.closing(sqlite3.connect(paths.database)) as conn, conn:
        conn.execute("INSERT INTO app_state VALUES ('user-data', 'precious', '2026-01-01')")
    original = paths.database.read_bytes()

    head = head_revision()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    (scripts / "versions" / "0002_broken.py").write_text(
        f'revision = "9999"\ndown_revision = "{head}"\nbranch_labels = None\ndepends_on = None\n'
        "from alembic import op\n\n"
        "def upgrade():\n"
        '    op.execute("CREATE TABLE half_done (id INTEGER)")\n'
        '    op.execute("THIS IS NOT SQL")\n\n'
        "def downgrade():\n    pass\n"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    assert head_revision() == "9999"

    with pytest.raises(MigrationError, match="unchanged"):
        upgrade(paths.database)
    assert paths.database.read_bytes() == original
    assert current_revision(paths.database) == head
    assert not list(paths.data.glob("*.migrating*"))
