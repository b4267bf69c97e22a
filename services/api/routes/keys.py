"""A team's own API keys: list them (never the key itself), make one more, revoke one. Another team's
key answers 404, as a missing one does; revoking ends the web sessions made with it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from planwright.db.models import Team
from planwright.schemas import DB_INT_MAX
from planwright.teams import create_api_key, revoke_api_key, team_keys
from services.api.deps import AuditDep, SessionDep, TeamDep

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])
KeyId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The key's id")]


class KeyPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str


class KeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="none: never expires")


class KeyCreated(KeyPublic):
    key: str = Field(description="The new key, shown this once; only its hash is stored")


@router.get("", response_model=list[KeyPublic])
def read_keys(session: SessionDep, team_id: TeamDep) -> list[KeyPublic]:
    return [KeyPublic(**vars(info)) for info in team_keys(session, team_id=team_id)]


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyCreate, session: SessionDep, team_id: TeamDep, audit: AuditDep) -> KeyCreated:
    team = session.get(Team, team_id)
    if team is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such team.")
    expires = datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    key = create_api_key(session, team=team, name=body.name, expires_at=expires)
    info = team_keys(session, team_id=team_id)[-1]
    audit.record("key.created", "key", info.id, name=info.name, expires_at=info.expires_at)
    return KeyCreated(**vars(info), key=key)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: KeyId, session: SessionDep, team_id: TeamDep, audit: AuditDep) -> None:
    if not revoke_api_key(session, team_id=team_id, key_id=key_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such key.")
    audit.record("key.revoked", "key", key_id)
