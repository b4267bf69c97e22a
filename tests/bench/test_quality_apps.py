"""The benchmark's app registry: every real-world-idiom app is runnable by name and by the `real` group."""

from __future__ import annotations

import urllib.request

from bench.quality_apps import APPS, GROUPS, REAL_APPS, expand_apps


def test_groups_names_and_comma_lists_expand_in_order_without_repeats() -> None:
    assert len(REAL_APPS) >= 12 and GROUPS["real"] == REAL_APPS
    assert expand_apps(["todo", "shop", "fixture"]) == (["todo", "shop", "fixture"], [])
    assert expand_apps(["todo,shop", "todo", "real"]) == (["todo", "shop", *REAL_APPS], [])
    assert expand_apps(["original"])[0] == ["todo", "shop", "fixture"]
    assert expand_apps(["bmi,nope", ""]) == (["bmi"], ["nope"])


def test_a_real_app_serves_its_page_at_the_root_by_name() -> None:
    with APPS["tango"]() as url:
        with urllib.request.urlopen(url + "/") as response:
            assert "単語カード" in response.read().decode("utf-8")
