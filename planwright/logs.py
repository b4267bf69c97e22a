"""One logging setup for every process: JSON lines (structlog) on stderr, context bound per job/request.

Every logger — ours (stdlib `logging`, %-style messages kept as they are, so `grep
'crawl.plan.completed'` still works), Celery's, uvicorn's, Python warnings — goes through the same
formatter, so an operator's log pipeline sees one shape: `{"event", "level", "logger", "timestamp",
"service", ...}` plus whatever is bound with `bind` (plan_id, team_id, stage, task_id, request_id).

Nothing secret is written: fields named like secrets are replaced, `name=value` / `"name": "value"`
pairs and Bearer tokens inside messages are masked, and values registered with `register_secret` (the
deployment's SECRET_KEY and model API key, a plan's login) are cut out of every line wherever they appear.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import structlog
from structlog.types import EventDict, WrappedLogger

REDACTED = "[redacted]"
# Names that hold secrets (as a whole name or its last part: password, user_password, x-api-key,
# access_token, set-cookie) and never ordinary counters such as prompt_tokens.
_SECRET_WORDS = (
    r"(?:[\w-]*[_-])?(?:pass(?:word|wd|phrase)?|secret(?:[_-]key)?|api[_-]?key|token|cookies?|"
    r"authori[sz]ation|credentials?|storage[_-]state)"
)
SECRET_NAME = re.compile(rf"{_SECRET_WORDS}", re.IGNORECASE)
# key=value, key: value, "key": "value" where the key names a secret; the value runs to a delimiter.
SECRET_PAIR = re.compile(
    rf"""(?P<key>(?<![\w-])["']?{_SECRET_WORDS}["']?\s*[=:]\s*)(?P<quote>["']?)(?P<value>[^\s"',;&}}\]]+)""",
    re.IGNORECASE,
)
SECRET_CONTAINERS = {"headers", "extra_http_headers"}  # an auth spec's headers: every value is a secret
BEARER = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]{6,})")
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words
MAX_REGISTERED = 2048

_secrets: OrderedDict[str, None] = OrderedDict()
_secrets_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Never log these strings (a deployment secret, a plan's password or cookie), in any field."""
    with _secrets_lock:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                _secrets[value] = None
                _secrets.move_to_end(value)
        while len(_secrets) > MAX_REGISTERED:
            _secrets.popitem(last=False)


def register_secrets_in(data: Any) -> None:
    """Register every string under a secret-named key of a nested structure (an auth spec, a storage
    state: cookie values, header values, passwords)."""
    for value in _secret_strings(data, under_secret=False):
        register_secret(value)


def _secret_strings(data: Any, *, under_secret: bool) -> Iterable[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            secret = SECRET_NAME.fullmatch(str(key)) or str(key).lower() in SECRET_CONTAINERS
            yield from _secret_strings(value, under_secret=under_secret or bool(secret))
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _secret_strings(value, under_secret=under_secret)
    elif isinstance(data, str) and under_secret:
        yield data


def scrub(text: str) -> str:
    """The text with registered secrets, secret-named pairs and Bearer tokens masked."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    text = BEARER.sub(lambda m: f"{m['key']}{REDACTED}", text)
    return SECRET_PAIR.sub(lambda m: f"{m['key']}{m['quote']}{REDACTED}", text)


def redact(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the last step before rendering, so every field of every logger passes here."""
    for key in list(event_dict):
        value = event_dict[key]
        if key not in ("event", "logger", "level") and SECRET_NAME.fullmatch(key):
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = scrub(value)
        elif value is not None and not isinstance(value, int | float | bool):
            event_dict[key] = scrub(str(value))
    return event_dict


def bind(**values: Any) -> None:
    """Bind ids to every line this thread/task logs from now on (structlog contextvars)."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v is not None})


def clear() -> None:
    structlog.contextvars.clear_contextvars()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of each line (a test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


class _ServiceName:
    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", self.service)
        return event_dict


def configure_logging(service: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger of this process through one structlog formatter on stderr (idempotent)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _ServiceName(service),
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer(serializer=_dumps)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    # Replace our own handler if configured before; keep others (a test runner's capture handlers).
    root.handlers = [h for h in root.handlers if not isinstance(h, _StderrHandler)] + [handler]
    root.setLevel(level.upper())
    # uvicorn and Celery bring their own handlers: send their records through ours instead. The api
    # logs each request itself (with its request id), so uvicorn's access lines would be duplicates.
    for name in ("uvicorn", "uvicorn.error", "celery", "celery.task", "celery.redirected"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore"):  # one line per HTTP call at INFO (the heartbeat, the webhooks)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _dumps(data: Any, **kwargs: Any) -> str:
    kwargs.setdefault("default", str)
    return json.dumps(data, ensure_ascii=False, **kwargs)
