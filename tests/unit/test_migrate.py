import contextlib
import shutil
import sqlite3
import subprocess
import sys

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


def test_the_quick_head_is_alembics_head(tmp_path, monkeypatch) -> None:
    assert migrate._quick_head() == head_revision()
    # Ids that are not plain literals, or two heads: the quick reading gives up and Alembic decides.
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    computed = scripts / "versions" / "9998_computed.py"
    computed.write_text(f'revision = "99" + "98"\ndown_revision = "{head_revision()}"\n')
    assert migrate._quick_head() is None
    computed.write_text('revision = "9998"\ndown_revision = "0001"\n')
    assert migrate._quick_head() is None


def test_a_current_database_is_checked_without_importing_alembic(paths) -> None:
    upgrade(paths.database)
    code = (
        "import sys; from pathlib import Path; from app.db.migrate import upgrade\n"
        "print(upgrade(Path(sys.argv[1])), 'alembic' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    run = [sys.executable, "-c", code, str(paths.database)]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out.split() == [head_revision(), "False", "False"]


def test_a_database_behind_the_head_is_migrated(paths) -> None:
    upgrade(paths.database, "0001")
    assert current_revision(paths.database) == "0001"
    assert migrate._already_at_head(paths.database) is None
    assert upgrade(paths.database) == head_revision()
    assert migrate._stored_revisions(paths.database) == [head_revision()]
