"""Create or update the runtime database role the portal connects as: it does not own the tables.

The table owner (and any superuser) can `ALTER TABLE … DISABLE TRIGGER`, `TRUNCATE` (which fires no row
trigger) and `DROP`: the append-only audit trail would then be only as strong as the application. So only
migrations run as the owner; web, worker and beat connect as `esb_app`, which may read and write rows and use
sequences, nothing more (docs/operations.md §5).

    DATABASE_URL=postgres://OWNER:…@host/db ESB_APP_DB_PASSWORD=… python deploy/db_roles.py

Run it as the role that owns the tables (the one `migrate` uses), after `migrate`; it is idempotent, so the
compose `migrate` job and `make run` run it every time (which also applies a changed password).
Standard library and psycopg only: it runs in the application image and from scripts/devstack.py.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlparse

APP_ROLE = "esb_app"
# Reference sequences are created at run time by this owner-defined SECURITY DEFINER function (migration
# esb 0004), so the app role never needs CREATE anywhere: the sequences are the owner's.
SEQUENCE_FUNCTION = "esb_create_reference_sequence(text)"
# The audit sealer fills these columns of a not-yet-sealed row once (the trigger refuses any other change).
AUDIT_CHAIN_COLUMNS = ("position", "prev_hash", "hash")
# Rows of these tables are never changed or removed (database triggers refuse it too).
APPEND_ONLY_TABLES = ("esb_auditevent", "applications_applicationevent", "applications_applicationrevision")


def statements(app_role: str, password: str, owner: str, database: str) -> list:
    """The SQL that makes `app_role` a non-owner runtime role for the tables `owner` creates."""
    from psycopg import sql

    role, own, db = (sql.Identifier(x) for x in (app_role, owner, database))
    return [
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN "
            "CREATE ROLE {role} LOGIN; END IF; END $$"
        ).format(name=sql.Literal(app_role), role=role),
        # never a superuser, never able to create roles, databases or bypass row security
        sql.SQL(
            "ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            "PASSWORD {password}"
        ).format(role=role, password=sql.Literal(password)),
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}").format(db=db, role=role),
        sql.SQL("REVOKE CREATE ON DATABASE {db} FROM {role}").format(db=db, role=role),
        # PostgreSQL < 15 let every role create objects in public: such an object (a function with a closer
        # argument match) could be picked up by the owner's own statements. Only the owner creates there.
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {role}").format(role=role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}").format(
            role=role
        ),
        sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}").format(
            role=role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}").format(role=role),
        # tables and sequences that later migrations create (as the owner) get the same grants
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        ).format(own=own, role=role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public "
            "GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        ).format(own=own, role=role),
    ]


def provision(conn, app_role: str, password: str) -> None:
    """Apply `statements` on an open psycopg connection of the owner role (in its current transaction)."""
    from psycopg import sql

    owner, database = conn.execute("SELECT current_user, current_database()").fetchone()
    if owner == app_role:
        raise SystemExit(f"connect as the owner of the tables to provision {app_role}, not as {app_role}")
    for statement in statements(app_role, password, owner, database):
        conn.execute(statement)
    # append-only tables (those migrations have created so far): read and add rows, nothing else
    for (table,) in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
        [list(APPEND_ONLY_TABLES)],
    ).fetchall():
        conn.execute(
            sql.SQL("REVOKE UPDATE, DELETE ON {table} FROM {role}").format(
                table=sql.Identifier(table), role=sql.Identifier(app_role)
            )
        )
        if table == "esb_auditevent":
            conn.execute(
                sql.SQL("GRANT UPDATE ({columns}) ON esb_auditevent TO {role}").format(
                    columns=sql.SQL(", ").join(sql.Identifier(c) for c in AUDIT_CHAIN_COLUMNS),
                    role=sql.Identifier(app_role),
                )
            )
    if conn.execute("SELECT to_regprocedure(%s)", [SEQUENCE_FUNCTION]).fetchone()[0] is not None:
        conn.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION {function} TO {role}").format(
                function=sql.SQL(SEQUENCE_FUNCTION), role=sql.Identifier(app_role)
            )
        )


def app_database_url(owner_url: str, password: str, app_role: str = APP_ROLE) -> str:
    """The owner's URL with the runtime role's credentials in place of the owner's."""
    from urllib.parse import quote

    parsed = urlparse(owner_url)
    netloc = f"{quote(app_role, safe='')}:{quote(password, safe='')}@{parsed.hostname or ''}"
    if parsed.port:
        netloc += f":{parsed.port}"
    return parsed._replace(netloc=netloc).geturl()


def main() -> int:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    password = os.environ.get("ESB_APP_DB_PASSWORD", "")
    if not url or not password:
        print("db_roles: DATABASE_URL (the owner) and ESB_APP_DB_PASSWORD must be set", file=sys.stderr)
        return 2
    parsed = urlparse(url)
    conninfo = url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, connect_timeout=10) as conn:
        provision(conn, APP_ROLE, password)
    print(f"db_roles: {APP_ROLE} may read and write rows of {unquote(parsed.path.lstrip('/'))}; owns nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
