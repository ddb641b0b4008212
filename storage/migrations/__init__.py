"""Baton's Alembic migrations: env.py, the revision template, and versions/.

Run them with `baton db upgrade` (or `storage.migrate.upgrade_to_head(engine)`); the Alembic
config is built in code (storage/migrate.py), so no alembic.ini is needed in production.

To add a revision after changing storage/models.py, from the repository root:

    python -m storage.migrate revision -m "add jobs table"

That migrates a throwaway SQLite database to the current head, lets Alembic autogenerate the
difference into versions/, and prints the new file's path. Read it and tidy it before
committing (autogenerate misses renames and server defaults); tests/test_migrations.py fails
while the models and the revisions disagree. `alembic revision --autogenerate -m "…"` with
the repository's alembic.ini and DATABASE_URL pointing at a migrated database does the same.
"""
