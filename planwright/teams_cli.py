"""`planwright team create|keys|revoke`: an administrator's commands against the database, for keys
before anyone can call the API (the first key) and for revoking a key someone leaked."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from planwright.db.models import Team
from planwright.db.session import session_scope
from planwright.settings import get_settings
from planwright.teams import create_api_key, create_team, revoke_api_key, team_keys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwright team", description=__doc__)
    parser.add_argument("--db", help="database URL (default: DATABASE_URL)")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a team (or reuse it) and print a new API key once")
    create.add_argument("name", help="the team's name; an existing team gets one more key")
    create.add_argument("--key-name", default="default", help="a label for the key (default: default)")
    create.add_argument("--expires-days", type=int, help="the key stops working after this many days")
    keys = actions.add_parser("keys", help="list a team's keys: id, name, state, created, last used, expiry")
    keys.add_argument("name")
    revoke = actions.add_parser("revoke", help="revoke one of a team's keys (its web sessions end too)")
    revoke.add_argument("name")
    revoke.add_argument("key_id", type=int)
    for sub in (create, keys, revoke):
        sub.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    name = args.name.strip()
    if not name:
        print("error: the team needs a name", file=sys.stderr)
        return 2
    if args.action == "create" and args.expires_days is not None and not 1 <= args.expires_days <= 3650:
        print("error: --expires-days must be between 1 and 3650", file=sys.stderr)
        return 2
    with session_scope(args.db or get_settings().database_url) as session:
        team = session.scalar(select(Team).where(Team.name == name))
        if args.action == "create":
            created = team is None
            if team is None:
                team = create_team(session, name=name)
            expires = datetime.now(UTC) + timedelta(days=args.expires_days) if args.expires_days else None
            key = create_api_key(session, team=team, name=args.key_name, expires_at=expires)
            print(f"{'created' if created else 'existing'} team {name!r} (id {team.id}); its new API key, shown once:")
            print(key)
            return 0
        if team is None:
            print(f"error: no team named {name!r}", file=sys.stderr)
            return 1
        if args.action == "keys":
            print(f"{'id':>5}  {'state':8} {'name':20} {'created':20} {'last used':20} expires")
            for info in team_keys(session, team_id=team.id):
                print(
                    f"{info.id:>5}  {info.state:8} {info.name[:20]:20} {_when(info.created_at):20} "
                    f"{_when(info.last_used_at):20} {_when(info.expires_at)}"
                )
            return 0
        if not revoke_api_key(session, team_id=team.id, key_id=args.key_id):
            print(f"error: team {name!r} has no key {args.key_id}", file=sys.stderr)
            return 1
        print(f"revoked key {args.key_id} of team {name!r}; its web sessions have ended")
        return 0


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
