"""`planwright team create|keys|revoke|audit`: an administrator's commands against the database, for
keys before anyone can call the API (the first key), for revoking a key someone leaked, and for reading
a team's audit log. What they change is in the audit log too (actor "cli")."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planwright.db.audit import CLI, MAX_PAGE, read_events, record_event
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
    audit = actions.add_parser("audit", help="a team's audit log, newest first: who did what, when, from where")
    audit.add_argument("name")
    audit.add_argument("--limit", type=int, default=50, help=f"rows to show (1-{MAX_PAGE}, default 50)")
    audit.add_argument("--action", dest="action_filter", help="only this action, e.g. plan.deleted")
    for sub in (create, keys, revoke, audit):
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
            key_id = max(info.id for info in team_keys(session, team_id=team.id))
            record_event(
                session, team_id=team.id, actor=CLI, action="key.created", subject="key", subject_id=key_id,
                detail={"name": args.key_name, "team_created": created},
            )  # fmt: skip
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
                    f"{info.id:>5}  {info.state:8} {printable(info.name, 20):20} {_when(info.created_at):20} "
                    f"{_when(info.last_used_at):20} {_when(info.expires_at)}"
                )
            return 0
        if args.action == "audit":
            return _print_audit(session, team.id, limit=args.limit, action=args.action_filter)
        if not revoke_api_key(session, team_id=team.id, key_id=args.key_id):
            print(f"error: team {name!r} has no key {args.key_id}", file=sys.stderr)
            return 1
        record_event(session, team_id=team.id, actor=CLI, action="key.revoked", subject="key", subject_id=args.key_id)
        print(f"revoked key {args.key_id} of team {name!r}; its web sessions have ended")
        return 0


def _when(moment: datetime | None, *, seconds: bool = False) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


def _print_audit(session: Session, team_id: int, *, limit: int, action: str | None) -> int:
    if not 1 <= limit <= MAX_PAGE:
        print(f"error: --limit must be between 1 and {MAX_PAGE}", file=sys.stderr)
        return 2
    events, total = read_events(session, team_id=team_id, limit=limit, action=action)
    print(f"{'id':>6}  {'when (UTC)':19} {'action':16} {'subject':12} {'by':28} {'from':16} detail")
    for event in events:
        who = event.actor if event.key_id is None else f"{event.actor} {event.key_id} {event.key_name or ''}"
        subject = f"{event.subject} {'' if event.subject_id is None else event.subject_id}"
        detail = " ".join(f"{key}={value}" for key, value in sorted(event.detail.items()))
        print(
            f"{event.id:>6}  {_when(event.at, seconds=True):19} {printable(event.action):16} "
            f"{printable(subject):12} {printable(who, 28):28} {printable(event.address or '-'):16} "
            f"{printable(detail, 200)}"
        )
    print(f"{len(events)} of {total} rows")
    return 0


def printable(text: str, limit: int = 60) -> str:
    """Text for a terminal: control and format characters (ANSI escapes, bidi overrides) as \\uXXXX,
    so a name cannot rewrite the screen or reorder what the administrator reads."""
    shown = "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") else char
        for char in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
