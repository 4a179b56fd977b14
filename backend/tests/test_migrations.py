"""Migrations build the schema the models describe, and come back down cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from intellimix.extensions import db

pytestmark = pytest.mark.database


def test_upgrade_to_head_matches_models_and_downgrade_to_base(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        tables = set(inspect(db.engine).get_table_names())
        assert tables == set(db.metadata.tables) | {"alembic_version"}
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], "models changed without a migration"
        downgrade(directory=app.config["MIGRATIONS_DIR"], revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
