"""Teams and their API keys. Keys are stored as SHA-256 hashes; a team never sees another's data."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db.models import ApiKey, Team


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_team(session: Session, *, name: str) -> Team:
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def create_api_key(session: Session, *, team: Team, name: str = "default") -> str:
    """The plain key, returned once; only its hash is kept."""
    key = "pw_" + secrets.token_urlsafe(32)
    session.add(ApiKey(team_id=team.id, name=name, key_hash=hash_api_key(key)))
    session.flush()
    return key


def team_for_api_key(session: Session, *, key: str) -> Team | None:
    # A lookup by hash: equal hashes of unequal keys are not a practical concern, and the stored
    # value never reveals the key, so there is no timing oracle on the key itself.
    return session.scalar(select(Team).join(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
