"""Least-privilege database roles, one per service: `python -m planwright.db.roles` (as the owner, after
`alembic upgrade head`: compose's `db_roles` service and the k8s db-roles Job run it).

The owner (POSTGRES_USER) owns the schema and runs migrations; each service connects as its own role
with only what its real work needs (tests/policy/test_db_roles.py runs that work as each role):

- api: plans and their results, targets, keys and web sessions, the audit log (never DDL);
- crawler: plans (their logins too: it logs in), pages, elements, cases, target runs' regression;
  never keys, web sessions, teams, the audit log or targets' sealed logins and webhook secrets;
- model_worker: plans without their `auth` column (it cannot read or write sealed logins), pages,
  elements, cases and the generation log; never keys, sessions, targets, runs or the audit log;
- beat: targets and their runs, the plans a run makes and retention deletes, webhooks' cases; never
  keys, web sessions or the audit log.

Re-running it resets each role's grants to exactly these (new tables after a migration included).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import psycopg
from psycopg import sql

ALL = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ = ("SELECT",)


@dataclass(frozen=True)
class Grant:
    table: str
    privileges: tuple[str, ...]
    columns: tuple[str, ...] | None = None  # None: the whole table
    # Every column but these, read from the database when the grants are made, so a column a later
    # migration adds is granted too (the ORM selects every column it maps).
    all_columns_but: tuple[str, ...] = ()


GRANTS: dict[str, tuple[Grant, ...]] = {
    "api": (
        Grant("teams", ("SELECT", "INSERT")),  # `planwright team create` runs in the api's container
        Grant("api_keys", ("SELECT", "INSERT", "UPDATE")),
        Grant("web_sessions", ("SELECT", "INSERT", "DELETE")),
        Grant("plans", ALL),
        Grant("pages", ("SELECT", "DELETE")),
        Grant("elements", ("SELECT", "DELETE")),
        Grant("test_cases", ("SELECT", "DELETE")),
        Grant("generations", ("SELECT", "DELETE")),
        Grant("targets", ALL),
        Grant("target_runs", ALL),
        Grant("audit_events", ("SELECT", "INSERT")),
        Grant("audit_events", ("UPDATE",), ("subject_id",)),  # a new plan's id, set in its commit
    ),
    "crawler": (
        Grant("plans", ("SELECT", "UPDATE")),
        Grant("pages", ALL),
        Grant("elements", ALL),
        Grant("test_cases", ALL),
        Grant("generations", ("SELECT", "INSERT")),
        Grant("target_runs", ("SELECT", "UPDATE")),
    ),
    "model_worker": (
        Grant("plans", ("SELECT", "UPDATE"), all_columns_but=("auth",)),  # never the sealed logins
        Grant("pages", ("SELECT", "UPDATE")),
        Grant("elements", READ),
        Grant("test_cases", ALL),
        Grant("generations", ALL),  # a rerun of the stage replaces the plan's log
    ),
    "beat": (
        Grant("targets", ("SELECT", "UPDATE")),
        Grant("target_runs", ALL),
        Grant("plans", ("SELECT", "INSERT", "UPDATE", "DELETE")),
        Grant("pages", READ),
        Grant("test_cases", READ),
    ),
}
SERVICES = tuple(GRANTS)


class MissingTables(RuntimeError):
    """Grants before the migrations would be silently partial: refused instead (a Job retries)."""


def _columns(connection: psycopg.Connection, table: str, but: tuple[str, ...]) -> tuple[str, ...]:
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return tuple(name for (name,) in rows if name not in but)


def role_name(prefix: str, service: str) -> str:
    return f"{prefix}_{service}"


def apply_roles(
    connection: psycopg.Connection, *, prefix: str, passwords: dict[str, str | None]
) -> list[str]:
    """Create (or update) each service's login role and reset its grants to GRANTS; returns the roles.
    `connection` is the owner's, on the planned database, in autocommit."""
    database = connection.info.dbname
    tables = {
        row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    missing = sorted({grant.table for grants in GRANTS.values() for grant in grants} - tables)
    if missing:
        raise MissingTables(f"tables {', '.join(missing)} do not exist yet: run `alembic upgrade head` first")
    sequences = {
        row[0]: row[1]
        for row in connection.execute(
            "SELECT c.relname, s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class c ON c.oid = d.refobjid WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i')"
        )
    }
    made = []
    for service in SERVICES:
        role = sql.Identifier(role_name(prefix, service))
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role_name(prefix, service)])
        verb = "ALTER" if exists.fetchone() else "CREATE"
        password = passwords.get(service)
        options = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        if password:
            options = sql.SQL("{} PASSWORD {}").format(options, sql.Literal(password))
        connection.execute(sql.SQL(verb + " ROLE {} WITH {}").format(role, options))
        connection.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(role))
        connection.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(role))
        connection.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(role))
        connection.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role)
        )
        connection.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        for grant in GRANTS[service]:
            table = sql.Identifier(grant.table)
            listed = grant.columns or (
                _columns(connection, grant.table, grant.all_columns_but) if grant.all_columns_but else None
            )
            for privilege in grant.privileges:
                columns = listed if privilege in ("SELECT", "UPDATE") else None
                target = (
                    sql.SQL("{} ({})").format(
                        sql.SQL(privilege), sql.SQL(", ").join(map(sql.Identifier, columns))
                    )
                    if columns
                    else sql.SQL(privilege)
                )
                connection.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(target, table, role))
            if "INSERT" in grant.privileges and grant.table in sequences:
                connection.execute(
                    sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                        sql.Identifier(sequences[grant.table]), role
                    )
                )
        made.append(role_name(prefix, service))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m planwright.db.roles", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OWNER_DATABASE_URL") or os.environ.get("DATABASE_URL"),
        help="the owner's URL (default: OWNER_DATABASE_URL, else DATABASE_URL)",
    )
    parser.add_argument(
        "--prefix", default=os.environ.get("DB_ROLE_PREFIX", "planwright"), help="role names' prefix"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        print("error: give --database-url or set OWNER_DATABASE_URL", file=sys.stderr)
        return 2
    # Each role's password from <SERVICE>_DB_PASSWORD (API_DB_PASSWORD, ...); none: the role has none
    # (a trust or peer setup), which the service's DATABASE_URL must then match.
    passwords = {service: os.environ.get(f"{service.upper()}_DB_PASSWORD") for service in SERVICES}
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as connection:
        try:
            roles = apply_roles(connection, prefix=args.prefix, passwords=passwords)
        except MissingTables as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    for role in roles:
        print(f"role {role}: grants applied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
