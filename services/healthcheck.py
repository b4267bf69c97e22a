"""Container health probes, one command for compose healthchecks and Kubernetes exec probes:

    python -m services.healthcheck http://localhost:8000/healthz   # api; workers: their /metrics port
    python -m services.healthcheck --dependencies                  # beat: Postgres and Redis answer

Plain stdlib for the URL form (no curl in the images); exit 0 healthy, 1 not, with the reason on stderr.
"""

from __future__ import annotations

import sys
import urllib.request


def check_url(url: str, timeout_s: float = 5.0) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (our own URL)
            return None if 200 <= response.status < 300 else f"{url} answered {response.status}"
    except Exception as error:
        return f"{url}: {type(error).__name__}: {error}"


def check_dependencies() -> str | None:
    """What beat needs to do anything: its database and its broker."""
    import redis
    from sqlalchemy import text

    from planwright.db.session import get_engine
    from planwright.settings import get_settings

    settings = get_settings()
    try:
        with get_engine(settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
        redis.Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3).ping()
    except Exception as error:
        return f"{type(error).__name__}: {error}"[:300]
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    problem = check_dependencies() if argv[0] == "--dependencies" else check_url(argv[0])
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
