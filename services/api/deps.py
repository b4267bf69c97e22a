"""Dependency aliases: a request's session (committed once, here) and the calling team."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.orm import Session

from planwright.db.models import DEFAULT_TEAM_ID
from planwright.db.session import get_sessionmaker
from planwright.settings import Settings, get_settings
from planwright.teams import team_for_api_key


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


def get_team_id(
    session: SessionDep,
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header(description="The team's API key")] = None,
) -> int:
    if x_api_key:
        team = team_for_api_key(session, key=x_api_key)
        if team is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown API key.")
        return team.id
    if settings.require_api_key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "This server requires an X-API-Key header.")
    return DEFAULT_TEAM_ID


TeamDep = Annotated[int, Depends(get_team_id)]
