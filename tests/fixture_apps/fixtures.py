"""Pytest fixtures for the fixture apps; conftest files of the test folders that need them import these.

Each app runs once per session; tests that count requests read the server's counters as differences,
so they do not depend on what other tests did before them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fixture_apps.common import AppServer
from tests.fixture_apps.shop_app import make_shop_server, serve_shop_app
from tests.fixture_apps.todo_app import make_todo_server, serve_todo_app


@dataclass
class RunningApp:
    """A served fixture app: its base URL (no trailing slash) and its server, for request counts."""

    url: str
    server: AppServer


@pytest.fixture(scope="session")
def todo_app() -> Iterator[RunningApp]:
    server = make_todo_server()
    with serve_todo_app(server=server) as url:
        yield RunningApp(url, server)


@pytest.fixture(scope="session")
def shop_app() -> Iterator[RunningApp]:
    server = make_shop_server()
    with serve_shop_app(server=server) as url:
        yield RunningApp(url, server)
