"""Real databases for tests: a Postgres database and a Redis db index of the suite's own."""

from __future__ import annotations

import os

import psycopg
import redis

from planwright.cli import migrate

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_postgres_database(name: str) -> str:
    """Drop and re-create `name`, migrate it with Alembic, return its SQLAlchemy URL.

    PLANWRIGHT_TEST_DB_SUFFIX lets two checkouts run the suite at once without sharing databases.
    """
    name += os.environ.get("PLANWRIGHT_TEST_DB_SUFFIX", "")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    migrate(url)
    return url


def fresh_redis(db_index: int) -> str:
    """Flush and return a Redis db index of the suite's own (PLANWRIGHT_TEST_REDIS_SHIFT and _PORT move it)."""
    db_index = (db_index + int(os.environ.get("PLANWRIGHT_TEST_REDIS_SHIFT", "0"))) % 16
    port = os.environ.get("PLANWRIGHT_TEST_REDIS_PORT", "6379")
    url = f"redis://127.0.0.1:{port}/{db_index}"
    redis.Redis.from_url(url).flushdb()
    return url
