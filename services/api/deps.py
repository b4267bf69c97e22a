"""Dependency aliases: a request's session (committed once, here), the calling team, and the request's
audit trail (who called: the key or web session, from which address)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Cookie, Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from planwright.db.audit import ANONYMOUS, Actor, AuditTrail
from planwright.db.models import DEFAULT_TEAM_ID, ApiKey, AuditEvent
from planwright.db.session import get_sessionmaker
from planwright.settings import Settings, get_settings
from planwright.teams import key_for_web_session, usable_api_key


def get_db(settings: Annotated[Settings, Depends(get_settings)]) -> Iterator[Session]:
    session = get_sessionmaker(settings.database_url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


# The web pages' login: a server-side session's random token (never the API key) in an HttpOnly,
# SameSite=Strict cookie, so the pages, their live-progress requests and the export links act as that
# team (another site cannot send it); logging out or revoking the key ends it (planwright/teams.py).
SESSION_COOKIE = "planwright_session"


class LoginRequired(Exception):
    """A web page needs a team's API key; the app answers with a redirect to /login."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "")
        self.reason = reason


def get_team_id(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header(description="The team's API key")] = None,
    planwright_session: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> int:
    if x_api_key:
        key = usable_api_key(session, key=x_api_key)
        if key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown, revoked or expired API key.")
        return _caller(request, key, "api_key")
    if planwright_session:
        key = key_for_web_session(session, token=planwright_session)
        if key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "The web session has ended: log in again.")
        return _caller(request, key, "web_session")
    if settings.require_api_key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "This server requires an X-API-Key header.")
    request.state.actor = ANONYMOUS
    return DEFAULT_TEAM_ID


def _caller(request: Request, key: ApiKey, kind: str) -> int:
    """The key's team; the key (id and name, never the key) is kept on the request for the audit log."""
    request.state.actor = Actor(kind, key_id=key.id, key_name=key.name)
    return key.team_id


def get_web_team_id(request: Request, session: SessionDep, settings: SettingsDep) -> int:
    """Like get_team_id, but a person without a (valid) key is sent to the login page, not given a 401."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        key = key_for_web_session(session, token=token)
        if key is None:
            raise LoginRequired(
                "Your session has ended (logged out, expired, or its key revoked): log in again."
            )
        return _caller(request, key, "web_session")
    if settings.require_api_key:
        raise LoginRequired()
    request.state.actor = ANONYMOUS
    return DEFAULT_TEAM_ID


def logged_team_id(request: Request, team_id: Annotated[int, Depends(get_team_id)]) -> int:
    """The team, also kept on the request so its access log line names it (services/api/observability.py)."""
    request.state.team_id = team_id
    return team_id


def logged_web_team_id(request: Request, team_id: Annotated[int, Depends(get_web_team_id)]) -> int:
    request.state.team_id = team_id
    return team_id


TeamDep = Annotated[int, Depends(logged_team_id)]
WebTeamDep = Annotated[int, Depends(logged_web_team_id)]


class RequestAudit:
    """A request's audit trail, on the request's own session (its rows commit with the action). The
    team and caller are read when an event is recorded, after TeamDep/WebTeamDep have named them."""

    def __init__(self, request: Request, session: Session) -> None:
        self.request, self.session = request, session

    def record(self, action: str, subject: str, subject_id: int | None = None, **detail: Any) -> AuditEvent:
        state = self.request.state
        return AuditTrail(
            session=self.session,
            team_id=getattr(state, "team_id", DEFAULT_TEAM_ID),
            actor=getattr(state, "actor", ANONYMOUS),
            address=self.request.client.host if self.request.client else None,
        ).record(action, subject, subject_id, **detail)


def get_audit(request: Request, session: SessionDep) -> RequestAudit:
    return RequestAudit(request, session)


AuditDep = Annotated[RequestAudit, Depends(get_audit)]
