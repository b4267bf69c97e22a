"""Fixtures for the pipeline tests: the stateful fixture apps (to-do list, shop) besides the fixture site."""

from tests.fixture_apps.fixtures import shop_app, todo_app

__all__ = ["shop_app", "todo_app"]
