"""Teams, their API keys and the web sessions made from them. Keys and session tokens are stored as
SHA-256 hashes; a team never sees another's data, nor another team's keys.

A key has a name, a last use, an optional expiry and can be revoked; a revoked or expired key stops
working at once, and so does every web session logged in with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from planwright.db.models import ApiKey, Team, WebSession

# A key's last use is written at most this often, so every request is not also a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
WEB_SESSION_LIFETIME = timedelta(hours=12)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """Stored times come back naive from some drivers (SQLite): they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def create_team(session: Session, *, name: str) -> Team:
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def create_api_key(
    session: Session, *, team: Team, name: str = "default", expires_at: datetime | None = None
) -> str:
    """The plain key, returned once; only its hash is kept."""
    key = "pw_" + secrets.token_urlsafe(32)
    session.add(ApiKey(team_id=team.id, name=name, key_hash=hash_api_key(key), expires_at=expires_at))
    session.flush()
    return key


def key_problem(key: ApiKey, now: datetime | None = None) -> str | None:
    """Why `key` no longer works ("revoked", "expired"), or None while it does."""
    now = now or _now()
    if key.revoked_at is not None:
        return "revoked"
    expires = _aware(key.expires_at)
    if expires is not None and expires <= now:
        return "expired"
    return None


def usable_api_key(session: Session, *, key: str) -> ApiKey | None:
    """The stored key for `key` if it exists and is neither revoked nor expired; notes its use."""
    # A lookup by hash: the stored value never reveals the key, so there is no timing oracle on it.
    stored = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
    if stored is None or key_problem(stored) is not None:
        return None
    now = _now()
    last = _aware(stored.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        stored.last_used_at = now
        session.flush()
    return stored


def team_for_api_key(session: Session, *, key: str) -> Team | None:
    stored = usable_api_key(session, key=key)
    return None if stored is None else session.get(Team, stored.team_id)


@dataclass(frozen=True)
class KeyInfo:
    """What a team may see of its keys: never the key, never its hash."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str  # active | revoked | expired


def team_keys(session: Session, *, team_id: int) -> list[KeyInfo]:
    keys = session.scalars(select(ApiKey).where(ApiKey.team_id == team_id).order_by(ApiKey.id))
    return [
        KeyInfo(
            id=key.id,
            name=key.name,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            state=key_problem(key) or "active",
        )
        for key in keys
    ]


def revoke_api_key(session: Session, *, team_id: int, key_id: int) -> bool:
    """Revoke one of `team_id`'s keys and end its web sessions; False when the team has no such key."""
    key = session.get(ApiKey, key_id)
    if key is None or key.team_id != team_id:
        return False
    if key.revoked_at is None:
        key.revoked_at = _now()
    session.execute(delete(WebSession).where(WebSession.api_key_id == key.id))
    session.flush()
    return True


def start_web_session(session: Session, *, api_key: ApiKey) -> str:
    """A new web login for the holder of `api_key`: the token for the cookie, returned once."""
    token = "pws_" + secrets.token_urlsafe(32)
    lifetime_end = _now() + WEB_SESSION_LIFETIME
    key_end = _aware(api_key.expires_at)
    session.add(
        WebSession(
            token_hash=hash_api_key(token),
            api_key_id=api_key.id,
            expires_at=min(lifetime_end, key_end) if key_end else lifetime_end,
        )
    )
    session.flush()
    return token


def key_for_web_session(session: Session, *, token: str) -> ApiKey | None:
    """The key a live session was logged in with (not expired, the key still usable), else None."""
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == hash_api_key(token)))
    if web_session is None:
        return None
    expires = _aware(web_session.expires_at)
    key = session.get(ApiKey, web_session.api_key_id)
    if key is None or key_problem(key) is not None or (expires is not None and expires <= _now()):
        session.delete(web_session)
        session.flush()
        return None
    return key


def team_for_web_session(session: Session, *, token: str) -> Team | None:
    """The team of a live session (not expired, its key still usable), else None."""
    key = key_for_web_session(session, token=token)
    return None if key is None else session.get(Team, key.team_id)


def end_web_session(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_api_key(token)))
    session.flush()
