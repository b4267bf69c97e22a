"""Dependency aliases: a request's session (committed once, here) and the calling team."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Cookie, Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from planwright.db.models import DEFAULT_TEAM_ID
from planwright.db.session import get_sessionmaker
from planwright.settings import Settings, get_settings
from planwright.teams import team_for_api_key, team_for_web_session


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
    session: SessionDep,
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header(description="The team's API key")] = None,
    planwright_session: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> int:
    if x_api_key:
        team = team_for_api_key(session, key=x_api_key)
        if team is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown, revoked or expired API key.")
        return team.id
    if planwright_session:
        team = team_for_web_session(session, token=planwright_session)
        if team is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "The web session has ended: log in again.")
        return team.id
    if settings.require_api_key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "This server requires an X-API-Key header.")
    return DEFAULT_TEAM_ID


def get_web_team_id(request: Request, session: SessionDep, settings: SettingsDep) -> int:
    """Like get_team_id, but a person without a (valid) key is sent to the login page, not given a 401."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        team = team_for_web_session(session, token=token)
        if team is None:
            raise LoginRequired("Your session has ended (logged out, expired, or its key revoked): log in again.")
        return team.id
    if settings.require_api_key:
        raise LoginRequired()
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
