"""Real databases for tests: a Postgres database and a Redis db index of the suite's own."""

from __future__ import annotations

import psycopg
import redis

from planwright.cli import migrate

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_postgres_database(name: str) -> str:
    """Drop and re-create `name`, migrate it with Alembic, return its SQLAlchemy URL."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    migrate(url)
    return url


def fresh_redis(db_index: int) -> str:
    url = f"redis://127.0.0.1:6379/{db_index}"
    redis.Redis.from_url(url).flushdb()
    return url
