from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.db import fresh_postgres_database


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A migrated Postgres database of this module's own; settings read it through DATABASE_URL."""
    url = fresh_postgres_database("planwright_test_targets")
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    from planwright.settings import get_settings

    get_settings.cache_clear()
    yield url
    if saved is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = saved
    get_settings.cache_clear()
