"""The local database: SQLite in WAL mode through SQLAlchemy 2, schema managed by Alembic."""
