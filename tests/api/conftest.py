from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.db import fresh_postgres_database, fresh_redis


@pytest.fixture(scope="session")
def api_env() -> Iterator[dict[str, str]]:
    env = {
        "DATABASE_URL": fresh_postgres_database("planwright_test_api"),
        "REDIS_URL": fresh_redis(11),
        # These tests are about other things and post many plans for team 1 with no worker to finish
        # them: no limits, every plan sent at once (tests/api/test_limits.py sets its own).
        "TEAM_MAX_ACTIVE_PLANS": "0",
        "TEAM_MAX_PLANS_PER_HOUR": "0",
        "TEAM_DISPATCH_WINDOW": "100000",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    from planwright.settings import get_settings

    get_settings.cache_clear()
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def client(api_env: dict[str, str]) -> Iterator[TestClient]:
    import planwright.queue

    # The Celery app reads REDIS_URL when built: build it against the suite's Redis db.
    planwright.queue.celery_app = planwright.queue.make_celery_app()
    from services.api.main import create_app

    with TestClient(create_app()) as test_client:
        yield test_client
