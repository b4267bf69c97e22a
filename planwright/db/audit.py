"""The audit log: one row per thing a team's caller created, changed, deleted, exported or logged in
with, added to the same session (so the same transaction) as the action itself where it writes.

What is kept names the caller (key id and name, or "web session", "anonymous", "cli") and the
subject by id; never key material, session tokens or login values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planwright.db.models import AuditEvent

MAX_PAGE = 200  # rows one read returns at most
MAX_DETAIL_TEXT = 200  # a detail's text value is cut here: names, formats, never bodies


@dataclass(frozen=True)
class Actor:
    """Who made a request: the key (by id and name) or the web session's key, or nobody (keys off)."""

    kind: str  # api_key | web_session | anonymous | cli
    key_id: int | None = None
    key_name: str | None = None


ANONYMOUS = Actor("anonymous")
CLI = Actor("cli")


@dataclass
class AuditTrail:
    """A request's (or command's) way to record events: its session, team, caller and address."""

    session: Session
    team_id: int
    actor: Actor = ANONYMOUS
    address: str | None = None

    def record(self, action: str, subject: str, subject_id: int | None = None, **detail: Any) -> AuditEvent:
        return record_event(
            self.session,
            team_id=self.team_id,
            actor=self.actor,
            address=self.address,
            action=action,
            subject=subject,
            subject_id=subject_id,
            detail=detail,
        )


def url_without_secrets(url: str | None) -> str | None:
    """A URL as the log keeps it: scheme, host, port and path; no user:password, query or fragment
    (where tokens travel)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    return f"{parts.scheme}://{host}{port}{parts.path}"[:MAX_DETAIL_TEXT]


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_DETAIL_TEXT]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)[:MAX_DETAIL_TEXT]


def record_event(
    session: Session,
    *,
    team_id: int,
    actor: Actor,
    action: str,
    subject: str,
    subject_id: int | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Add one row to `session` (flushed, not committed: it commits with the action)."""
    event = AuditEvent(
        team_id=team_id,
        actor=actor.kind,
        key_id=actor.key_id,
        key_name=actor.key_name,
        action=action,
        subject=subject,
        subject_id=subject_id,
        detail={key: _bounded(value) for key, value in (detail or {}).items()},
        address=(address or None) and address[:64],
    )
    session.add(event)
    session.flush()
    return event


def read_events(
    session: Session, *, team_id: int, offset: int = 0, limit: int = 50, action: str | None = None
) -> tuple[list[AuditEvent], int]:
    """A team's rows, newest first, one bounded page, and how many there are in all."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(AuditEvent).where(AuditEvent.team_id == team_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
    return list(rows), total
