"""Cron expressions in a team's time zone: validation with readable reasons, and the next run time.

Pure functions (cronsim + zoneinfo): the API, the CLI and the beat's tick all compute the same time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Moscow"


def check_cron(expression: str) -> str:
    """Five fields (minute hour day month weekday); a schedule that can never fire is refused too."""
    expression = " ".join(expression.split())
    if len(expression.split(" ")) != 5:
        raise ValueError(
            f"must have five fields (minute hour day-of-month month day-of-week), e.g. {DEFAULT_CRON!r}; "
            f"got {expression!r}"
        )
    try:
        iterator = CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC))
        next(iterator)
    except (CronSimError, StopIteration) as error:
        raise ValueError(
            f"is not a valid cron expression ({error or 'it never fires'}): {expression!r}"
        ) from None
    return expression


def check_timezone(name: str) -> str:
    """An IANA name such as 'Europe/Moscow' or 'UTC'; offsets like '+03:00' do not follow DST rules."""
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"must be an IANA time zone such as 'Europe/Moscow' or 'UTC', got {name!r}"
        ) from None
    if name not in _iana_names() and name != "UTC":
        raise ValueError(f"must be an IANA time zone such as 'Europe/Moscow' or 'UTC', got {name!r}")
    return name


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    """ZoneInfo also opens paths like 'posix/Europe/Moscow' or lower-case names on some systems."""
    return frozenset(available_timezones())


def next_run_after(cron: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after `after` at which `cron` fires in `timezone`, as UTC.

    Counting from now (not from the missed time) is what makes a run missed while beat was down fire
    once on its return, not once per missed night.
    """
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone).replace(second=0, microsecond=0)
    fire = next(CronSim(cron, local))
    while fire <= after:  # `after` had seconds: the minute it falls in is already past
        fire = next(CronSim(cron, fire))
    return fire.astimezone(UTC)


def describe(cron: str) -> str:
    """cronsim's English reading of the expression ('At 02:00'), for the page and the CLI."""
    try:
        return CronSim(cron, datetime(2000, 1, 1, tzinfo=UTC)).explain()
    except Exception:  # an explanation is a nicety; the expression itself was validated
        return cron
