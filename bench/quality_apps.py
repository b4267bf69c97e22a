"""The apps the quality benchmark can run, by name, and the groups that name several at once.

Why a registry apart from `bench/quality.py`: the apps are imported lazily (the bench must start even if
one app is missing), and the real-world-idiom apps (`tests/fixture_apps/real/<app>/`, issue 10) are found
by their folders, so adding an app there registers it here and in the `real` group without a code change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_APPS_DIR = ROOT / "tests" / "fixture_apps" / "real"

ServeApp = Callable[[], AbstractContextManager[str]]


def _serve(module: str, function: str, *args: str) -> ServeApp:
    """Import a fixture app's serve function only when the app is run."""

    def start() -> AbstractContextManager[str]:
        return getattr(importlib.import_module(module), function)(*args)

    return start


REAL_APPS = sorted(path.parent.name for path in REAL_APPS_DIR.glob("*/index.html"))

APPS: dict[str, ServeApp] = {
    "todo": _serve("tests.fixture_apps.todo_app", "serve_todo_app"),
    "shop": _serve("tests.fixture_apps.shop_app", "serve_shop_app"),
    "fixture": _serve("tests.fixture_site.server", "serve_fixture_site"),
    **{name: _serve("tests.fixture_apps.real.server", "serve_real_app", name) for name in REAL_APPS},
}

GROUPS: dict[str, list[str]] = {
    "original": ["todo", "shop", "fixture"],  # written together with the explorer,
    "real": REAL_APPS,
}


def expand_apps(requested: Iterable[str]) -> tuple[list[str], list[str]]:
    """App names from names, groups and comma-separated lists, in order without repeats; and the unknown."""
    apps: list[str] = []
    unknown: list[str] = []
    for entry in requested:
        for name in (part.strip() for part in entry.split(",")):
            if not name:
                continue
            for app in GROUPS.get(name, [name]):
                if app not in APPS:
                    unknown.append(app)
                elif app not in apps:
                    apps.append(app)
    return apps, unknown
