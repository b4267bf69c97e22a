"""Fixtures for the fixture apps' own tests (their reference scenarios)."""

from tests.fixture_apps.fixtures import shop_app, todo_app

__all__ = ["shop_app", "todo_app"]
