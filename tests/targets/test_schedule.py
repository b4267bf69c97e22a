"""Cron + IANA time zone: validation words and next-run times, DST included (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planwright.targets.schedule import check_cron, check_timezone, describe, next_run_after


def test_next_run_is_in_the_targets_time_zone() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 13:00 in Moscow
    assert next_run_after("0 2 * * *", "Europe/Moscow", now) == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert next_run_after("0 2 * * *", "UTC", now) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_next_run_is_strictly_after_now_even_within_the_minute() -> None:
    now = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
    assert next_run_after("* * * * *", "UTC", now) == datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
    exactly = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
    assert next_run_after("* * * * *", "UTC", exactly) == datetime(2026, 12, 1, 10, 2, tzinfo=UTC)


def test_daylight_saving_time_moves_the_utc_time_not_the_local_one() -> None:
    winter = next_run_after("0 2 * * *", "Europe/Berlin", datetime(2026, 3, 1, tzinfo=UTC))
    summer = next_run_after("0 2 * * *", "Europe/Berlin", datetime(2026, 6, 1, tzinfo=UTC))
    assert (winter.hour, summer.hour) == (1, 0)  # 02:00 CET = 01:00 UTC, 02:00 CEST = 00:00 UTC


def test_a_run_missed_for_days_is_due_once_then_counted_from_now() -> None:
    """The tick computes the next run from now, so three missed nights are one run, not three."""
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    upcoming = next_run_after("0 2 * * *", "UTC", now)
    assert upcoming == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 2 * *", "must have five fields"),
        ("0 2 * * * *", "must have five fields"),
        ("61 * * * *", "Bad minute"),
        ("0 0 31 2 *", "Bad day-of-month"),
        ("banana", "must have five fields"),
    ],
)
def test_bad_cron_expressions_say_why(expression: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_cron(expression)


def test_good_cron_expressions_are_normalised() -> None:
    assert check_cron("  0   2 * *  1-5 ") == "0 2 * * 1-5"
    assert describe("0 2 * * *") == "At 02:00 every day"


@pytest.mark.parametrize("name", ["Mars/Olympus", "+03:00", "MSK", "", "../etc/passwd"])
def test_time_zones_must_be_iana_names(name: str) -> None:
    with pytest.raises(ValueError, match="IANA time zone"):
        check_timezone(name)


@pytest.mark.parametrize("name", ["Europe/Moscow", "UTC", "America/New_York", "Asia/Kolkata"])
def test_iana_names_pass(name: str) -> None:
    assert check_timezone(name) == name
