"""Schemathesis against the api's own OpenAPI document: whatever it generates from the schema
(boundary numbers, odd strings, NUL bytes, lone surrogates, missing fields) gets a 4xx or a 2xx,
never a 5xx. /readyz is left out: its 503 ("no model worker") is the answer it exists to give.

Operations are driven through Hypothesis directly (`operation.as_strategy()`): Schemathesis' own
pytest integration reads a private pytest attribute that pytest 9 no longer has."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from planwright.settings import get_settings
from tests.db import fresh_postgres_database

EXAMPLES_PER_OPERATION = 30
NOT_FUZZED = {("GET", "/readyz")}


@pytest.fixture
def fuzz_database(api_env: dict[str, str]) -> Iterator[None]:
    """A database of its own, so the plans and targets it creates do not mix with other tests'."""
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = fresh_postgres_database("planwright_test_fuzz")
    get_settings.cache_clear()
    yield
    os.environ["DATABASE_URL"] = saved
    get_settings.cache_clear()
    redis.Redis.from_url(api_env["REDIS_URL"]).flushdb()  # the plans it queued are nobody's work


def test_no_generated_request_is_a_server_error(client: TestClient, fuzz_database: None) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call()
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}"
                )

        call()
    print(
        f"schemathesis: {sum(statuses.values())} requests over {len(operations) - len(NOT_FUZZED)} operations, statuses {dict(sorted(statuses.items()))}"
    )
    assert len(operations) >= 15  # the plans, targets, sizing and health routes are all in the document
    assert sum(statuses.values()) >= 10 * len(operations)
    assert server_errors == [], server_errors[:5]
