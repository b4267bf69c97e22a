"""Bad input is a 4xx with a readable message, never a 500: text the database cannot store, ids and
offsets past the database's integers, header values that no HTTP request can carry."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


def post_raw_json(client: TestClient, text: str) -> tuple[int, str]:
    """Post JSON text as written: a lone surrogate must reach the server as the escape "\\ud800"."""
    response = client.post("/api/v1/plans", content=text, headers={"Content-Type": "application/json"})
    return response.status_code, response.json().get("message", "")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (json.dumps({"url": "http://example.com/\u0000x"}), "url: contains a NUL character at position 19"),
        ('{"url": "http://example.com/\\ud800"}', "url: contains a lone surrogate"),
        ('{"url": "http://exa\\u0000mple.com/"}', "url: contains a NUL character"),
        (json.dumps({"url": "http://example.com/\u0007"}), "url: contains the character U+0007"),
        ('{"url": "http://example.com/", "auth": {"basic_username": "qa\\udfff"}}', "auth.basic_username"),
        (
            '{"url": "http://example.com/", "auth": {"storage_state": {"cookies": [{"name": "\\u0000"}]}}}',
            "auth.storage_state.cookies[0].name: contains a NUL character",
        ),
        (
            json.dumps({"url": "http://example.com/", "auth": {"headers": {"X-Token": "a\r\nX-Admin: 1"}}}),
            "the value of X-Token contains a control character",
        ),
        (
            json.dumps({"url": "http://example.com/", "auth": {"headers": {"Bad Name": "x"}}}),
            "is not an HTTP header name",
        ),
        (json.dumps({"url": "http://example.com:port/"}), "url: is not a URL that can be read"),
    ],
)
def test_text_the_database_or_http_cannot_carry_is_a_422(client: TestClient, body: str, words: str) -> None:
    status, message = post_raw_json(client, body)
    assert status == 422
    assert words in message


def test_the_web_form_refuses_a_nul_byte_with_the_same_words(client: TestClient) -> None:
    response = client.post("/plans", data={"url": "http://example.com/\x00"})
    assert response.status_code == 422
    assert "contains a NUL character" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/plans/99999999999999999999",
        "/api/v1/plans/2147483648",  # one past Postgres' integer
        "/api/v1/plans/99999999999999999999/export.json",
        "/plans/99999999999999999999",
        "/api/v1/plans?offset=9223372036854775808",  # one past bigint
        "/api/v1/plans?offset=99999999999999999999",
    ],
)
def test_numbers_past_the_databases_integers_are_a_422(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert "Input should be less than or equal to" in response.json()["message"]


def test_the_largest_id_is_still_a_plain_404(client: TestClient) -> None:
    response = client.get("/api/v1/plans/2147483647")
    assert response.status_code == 404
    assert response.json()["detail"] == "Plan 2147483647 not found."


def test_a_sizing_query_that_divided_by_zero_is_a_422(client: TestClient) -> None:
    response = client.get("/api/v1/sizing", params={"params": "5e-324"})
    assert response.status_code == 422
    assert response.json()["message"] == "params: Input should be greater than or equal to 1000"


def test_a_sizing_refusal_has_the_documented_422_shape(client: TestClient) -> None:
    """Found by planning Planwright's own OpenAPI document: `detail` was a string here."""
    response = client.get("/api/v1/sizing", params={"model": "no-such-model"})
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], list) and body["detail"][0]["msg"] == body["message"]
    assert "no-such-model" in body["message"]
