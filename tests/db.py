"""Real databases for tests: a Postgres database and a Redis db index of the suite's own."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    # 1..15, never 0: index 0 is the default REDIS_URL's, which a stray default-settings client may use.
    db_index = 1 + (db_index + int(os.environ.get("PLANWRIGHT_TEST_REDIS_SHIFT", "0")) - 1) % 15
    port = os.environ.get("PLANWRIGHT_TEST_REDIS_PORT", "6379")
    url = f"redis://127.0.0.1:{port}/{db_index}"
    redis.Redis.from_url(url).flushdb()
    return url


@contextmanager
def own_redis_server(directory: Path) -> Iterator[str]:
    """A redis-server process of the test's own (a free port, nothing kept on disk), so a test may
    flush, stop or kill it without touching the Redis other tests and checkouts share. Yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=(directory / "redis.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"redis-server did not start: {(directory / 'redis.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
