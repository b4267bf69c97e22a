"""A team's audit log: who created, changed, deleted, exported what, when, from which address. A team
reads only its own rows, newest first, a bounded page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from planwright.db.audit import MAX_PAGE, read_events
from planwright.schemas import DB_BIGINT_MAX
from services.api.deps import SessionDep, TeamDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="api_key | web_session | anonymous | cli")
    key_id: int | None = Field(description="The caller's key (its id, never the key)")
    key_name: str | None
    action: str = Field(description="e.g. plan.created, plan.deleted, plan.exported, key.revoked")
    subject: str
    subject_id: int | None
    detail: dict[str, Any]
    address: str | None = Field(description="The client's address as the api saw it")


class AuditEventsPublic(BaseModel):
    data: list[AuditEventPublic]
    total: int
    offset: int
    limit: int


@router.get("", response_model=AuditEventsPublic)
def read_audit_route(
    session: SessionDep,
    team_id: TeamDep,
    offset: Annotated[int, Query(ge=0, le=DB_BIGINT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    action: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_.]+$")] = None,
) -> AuditEventsPublic:
    events, total = read_events(session, team_id=team_id, offset=offset, limit=limit, action=action)
    return AuditEventsPublic(
        data=[AuditEventPublic.model_validate(event, from_attributes=True) for event in events],
        total=total,
        offset=offset,
        limit=limit,
    )
