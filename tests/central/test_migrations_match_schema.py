"""The Alembic chain and `schema.metadata` describe the same database.

Why: the tables are written twice (the Core schema the code reads, the migrations a deployed store runs); a column
added to one and not the other works in tests that build from one side and breaks a fleet upgraded by the other.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from central_service import migrations
from central_service.db import Database
from central_service.migrations import upgrade
from central_service.schema import metadata


def test_upgraded_store_matches_schema(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"migrations and schema.py differ: {diff}"


def test_one_line_of_migrations() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations.HERE))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"more than one head: {heads} (add a merge revision)"
