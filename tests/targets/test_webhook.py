"""The run-finished webhook, received by a real HTTP server: a valid signature, retries with backoff."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from planwright.db.models import DEFAULT_TEAM_ID, TargetRun, utcnow
from planwright.db.session import session_scope
from planwright.targets.runs import create_run
from planwright.targets.schemas import TargetCreate
from planwright.targets.service import create_target
from planwright.targets.webhook import (
    BACKOFF_S,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    notify_finished_runs,
    signature_matches,
)
from services.api.target_presenters import webhook_state

SECRET = "hook-secret-123"


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.received: list[tuple[dict[str, str], bytes]] = []


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((dict(self.headers.items()), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", server
    finally:
        server.shutdown()
        server.server_close()


def finished_run(database_url: str, webhook_url: str, status: str = "done") -> tuple[int, int]:
    with session_scope(database_url) as session:
        target = create_target(
            session,
            team_id=DEFAULT_TEAM_ID,
            body=TargetCreate(
                name="hooked", url="https://hooked.example/", webhook_url=webhook_url, webhook_secret=SECRET
            ),
        )
        run = create_run(session, target=target, trigger="manual")
        assert run.plan is not None
        run.plan.status, run.plan.finished_at = status, utcnow()
        run.regression = [
            {
                "key": "k",
                "title": "t",
                "page_url": "https://hooked.example/",
                "status": "now_fails",
                "detail": "x",
            }
        ]
        return target.id, run.number


def test_a_finished_run_is_posted_once_with_a_valid_signature(
    database_url: str, receiver: tuple[str, Receiver]
) -> None:
    url, server = receiver
    target_id, number = finished_run(database_url, url)
    tries = notify_finished_runs(database_url)
    assert (target_id, number, None) in tries
    assert notify_finished_runs(database_url) == []  # delivered: never again
    headers, body = server.received[-1]
    assert signature_matches(body, SECRET, headers[SIGNATURE_HEADER])
    assert not signature_matches(body + b" ", SECRET, headers[SIGNATURE_HEADER])
    assert not signature_matches(body, "another secret", headers[SIGNATURE_HEADER])
    message = json.loads(body)
    assert message["event"] == "run.finished" and headers["X-Planwright-Event"] == "run.finished"
    assert message["target"] == {"id": target_id, "name": "hooked", "url": "https://hooked.example/"}
    assert message["run"]["number"] == number and message["run"]["status"] == "done"
    assert message["run"]["regression"]["now_fails"] == 1 and message["run"]["counts"]["total"] == 0
    assert message["links"]["diff"].endswith(f"/api/v1/targets/{target_id}/runs/{number}/diff")


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    database_url: str, receiver: tuple[str, Receiver]
) -> None:
    url, server = receiver
    server.statuses = [500] * MAX_ATTEMPTS
    target_id, number = finished_run(database_url, url, status="failed")
    now = utcnow()
    assert notify_finished_runs(database_url, now=now) == [
        (target_id, number, "the receiver answered HTTP 500")
    ]
    assert notify_finished_runs(database_url, now=now + timedelta(seconds=BACKOFF_S[0] - 1)) == []  # waiting
    moment = now
    for wait in BACKOFF_S:
        moment += timedelta(seconds=wait)
        assert [t[:2] for t in notify_finished_runs(database_url, now=moment)] == [(target_id, number)]
    assert notify_finished_runs(database_url, now=moment + timedelta(hours=2)) == []  # given up
    with session_scope(database_url) as session:
        run = session.query(TargetRun).filter_by(target_id=target_id, number=number).one()
        assert run.webhook_attempts == MAX_ATTEMPTS and run.notified_at is None
        assert run.webhook_error == "the receiver answered HTTP 500"
        assert webhook_state(run) == f"gave up after {MAX_ATTEMPTS} tries: the receiver answered HTTP 500"
    assert (
        len([body for _, body in server.received if json.loads(body)["target"]["id"] == target_id])
        == MAX_ATTEMPTS
    )


def test_a_webhook_to_a_denied_address_is_not_sent(database_url: str) -> None:
    target_id, number = finished_run(database_url, "http://169.254.169.254/hook")
    tries = [t for t in notify_finished_runs(database_url) if t[0] == target_id]
    assert tries and "refused by the network policy" in (tries[0][2] or "")
