"""planwright/logs.py in a fresh interpreter (the setup replaces this process's handlers otherwise):
every line is JSON with the bound ids, and no secret survives in any field or message."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from planwright.logs import REDACTED, scrub

ROOT = Path(__file__).resolve().parent.parent


def run_logging(body: str) -> list[dict[str, object]]:
    script = "from planwright.logs import *\nimport logging, warnings\n" + textwrap.dedent(body)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "", result.stdout
    return [json.loads(line) for line in result.stderr.splitlines() if line.strip()]


def test_every_logger_writes_json_with_the_bound_ids() -> None:
    records = run_logging(
        """
        configure_logging("crawler")
        bind(plan_id=7, team_id=3, stage="crawl", task_id="t-1")
        logging.getLogger("planwright.x").info("crawl.plan.completed plan_id=%s pages=%s", 7, 3)
        logging.getLogger("celery.app.trace").warning("Task succeeded")
        warnings.warn("a library warning")
        try:
            1 / 0
        except ZeroDivisionError:
            logging.getLogger("planwright.y").exception("crawl.plan.crashed")
        clear()
        logging.getLogger("planwright.z").info("after the task")
        """
    )
    assert [r["event"] for r in records][:2] == ["crawl.plan.completed plan_id=7 pages=3", "Task succeeded"]
    for record in records[:4]:
        assert (record["plan_id"], record["team_id"], record["stage"], record["task_id"]) == (
            7,
            3,
            "crawl",
            "t-1",
        )
        assert record["service"] == "crawler" and record["timestamp"].endswith("Z")
    assert records[2]["logger"] == "py.warnings"
    assert "ZeroDivisionError" in str(records[3]["exception"])
    assert "plan_id" not in records[4]


def test_secrets_are_cut_out_of_fields_messages_and_tracebacks() -> None:
    records = run_logging(
        """
        configure_logging("api")
        register_secret("deployment-secret-key")
        register_secrets_in({"login": {"username": "qa", "password": "pw-Very-Secret"},
                             "headers": {"X-Custom": "header-value-1"},
                             "storage_state": {"cookies": [{"name": "sid", "value": "cookie-value-1"}]}})
        log = logging.getLogger("planwright.t")
        log.info("login with pw-Very-Secret and cookie-value-1 / header-value-1")
        log.info("unsealing with deployment-secret-key")
        log.info("sent password=hunter2 Authorization: Bearer abc.def.ghi X-API-Key: pw_abcdef")
        try:
            raise RuntimeError("fill failed for pw-Very-Secret")
        except RuntimeError:
            log.exception("verify.crashed")
        import structlog
        structlog.get_logger("s").info("event", api_key="pw_zzz", password="p4ss", prompt_tokens=12)
        """
    )
    text = json.dumps(records)
    for secret in (
        "pw-Very-Secret",
        "cookie-value-1",
        "header-value-1",
        "deployment-secret-key",
        "hunter2",
        "abc.def.ghi",
        "pw_abcdef",
        "pw_zzz",
        "p4ss",
    ):
        assert secret not in text, secret
    assert records[-1]["prompt_tokens"] == 12 and records[-1]["api_key"] == REDACTED


def test_scrub_keeps_ordinary_counters() -> None:
    line = "engine.stats prompt_tokens=120 completion_tokens: 64 max_new_tokens=32 tokens_per_s=41.2"
    assert scrub(line) == line
    assert scrub("token=abc123 secret_key=xyz") == f"token={REDACTED} secret_key={REDACTED}"
