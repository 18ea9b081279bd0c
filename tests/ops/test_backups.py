"""`make backup` / `make restore FILE=...` (manage.py backup_db / restore_db): round trips
that compare the contents of every table, against the embedded server and DATABASE_URL."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from config.backups import BackupError, Target, check_archive, new_backup_path, program
from tests.ops.support import ROOT, django_env, generation, manage, tables_snapshot

RESTATEMENT = """dataset,force,period_start,period_end,count,source_title
bbw-2016,Surrey Police,2011-06-01,2015-12-31,203,Ops backup test source
bbw-2016,Kent Police,2020-01-01,2020-12-31,7,Ops backup test source
"""
LATER = """dataset,force,period_start,period_end,count,source_title
pa-2014,Kent Police,2013-01-01,2013-01-31,3,Ops backup test later source
"""


# Set when the suite itself runs under `make test`: a make started here must not inherit them.
MAKE_VARIABLES = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}


def without_make_variables(env: dict) -> dict:
    return {key: str(value) for key, value in env.items() if key not in MAKE_VARIABLES}


def make(env: dict, *args) -> subprocess.CompletedProcess:
    """Run a Make target of the project with this interpreter (-o: skip the .venv install)."""
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            *args,
            f"MANAGE={sys.executable} manage.py",
        ],
        cwd=ROOT,
        env=without_make_variables(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"make {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def with_more_data(env: dict, tmp_path: Path) -> None:
    """Rows in the tables the reference data leaves empty: a user, a restatement, a batch."""
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": "a long ops test password"},
        "createsuperuser",
        "--noinput",
        "--username",
        "editor",
        "--email",
        "editor@example.org",
    )
    upload = tmp_path / "restatement.csv"
    upload.write_text(RESTATEMENT)
    assert "1 created, 1 updated" in manage(env, "import_figures", upload).stdout


def damage(pg_server, database: str, env: dict, tmp_path: Path) -> None:
    """What a backup is for: a later import, deleted and changed rows, a dropped table."""
    later = tmp_path / "later.csv"
    later.write_text(LATER)
    manage(env, "import_figures", later)
    pg_server.execute("UPDATE breaches_force SET name = upper(name)", dbname=database)
    pg_server.execute("DELETE FROM breaches_figurerevision", dbname=database)
    pg_server.execute("TRUNCATE auth_user CASCADE", dbname=database)
    pg_server.execute("DROP TABLE django_session", dbname=database)


def test_make_backup_then_make_restore_brings_back_every_table(pg_server, tmp_path):
    database = pg_server.clone("ops_backup")
    backups = tmp_path / "backups"
    env = django_env(pg_server, database, BACKUP_DIR=backups)
    with_more_data(env, tmp_path)
    before = tables_snapshot(pg_server, database)
    assert before["auth_user"][0] == 1
    assert before["breaches_figurerevision"][0] == 1

    output = make(env, "backup").stdout
    written = Path(re.search(r"Backup written: (\S+)", output).group(1))
    assert written.parent == backups
    assert re.fullmatch(r"ops_backup-\d{8}T\d{6}Z\.dump", written.name)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert written.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert list(backups.iterdir()) == [written]  # no .partial left behind

    damage(pg_server, database, env, tmp_path)
    assert tables_snapshot(pg_server, database) != before
    damaged_generation = generation(pg_server, database)

    restored = make(env, "restore", f"FILE={written}", "YES=1").stdout
    assert f"Restored {written} into database 'ops_backup'" in restored
    assert tables_snapshot(pg_server, database) == before
    # Cached pages keyed by any earlier data version are never served again.
    assert generation(pg_server, database) > damaged_generation


def test_a_backup_through_database_url_restores_into_an_empty_database(pg_server, tmp_path):
    """The same commands with DATABASE_URL (here the test server's socket, with a password
    that must reach pg_dump through the environment, not the command line)."""
    source = pg_server.clone("ops_backup_url")
    target = "ops_restore_url"
    pg_server.execute("DROP DATABASE IF EXISTS ops_restore_url")
    pg_server.execute("CREATE DATABASE ops_restore_url")
    host = quote(pg_server.socket_dir, safe="")

    def url_env(database):
        url = f"postgres://postgres:not-needed-with-trust@{host}:{pg_server.port}/{database}"
        return {**django_env(pg_server, database), "DATABASE_URL": url}

    before = tables_snapshot(pg_server, source)
    dump = tmp_path / "copy.dump"
    written = manage(url_env(source), "backup_db", "--output", dump).stdout
    assert f"Backup written: {dump}" in written
    try:
        manage(url_env(target), "restore_db", dump, "--noinput")
        assert tables_snapshot(pg_server, target) == before
    finally:
        pg_server.execute("DROP DATABASE ops_restore_url WITH (FORCE)")


def test_a_damaged_backup_is_refused_and_the_database_is_left_as_it_was(pg_server, tmp_path):
    database = pg_server.clone("ops_backup_damaged")
    env = django_env(pg_server, database)
    dump = tmp_path / "whole.dump"
    manage(env, "backup_db", "--output", dump)
    pg_server.execute("UPDATE breaches_force SET name = upper(name)", dbname=database)
    changed = tables_snapshot(pg_server, database)

    damaged = tmp_path / "damaged.dump"
    content = dump.read_bytes()
    damaged.write_bytes(content[: len(content) * 9 // 10])
    # Its table of contents is whole, so the restore starts (drops, creates, copies) and fails
    # on the cut data: the single transaction must undo all of it.
    assert check_archive(damaged, Target("", "", {}, server_major=18)) > 50
    not_a_backup = tmp_path / "notes.dump"
    not_a_backup.write_text("not a backup\n")
    for path in (damaged, not_a_backup, tmp_path / "missing.dump"):
        result = manage(env, "restore_db", path, "--noinput", check=False)
        assert result.returncode == 1, result.stdout
        assert "Nothing was restored: the database is unchanged." in result.stderr
        assert tables_snapshot(pg_server, database) == changed

    # Without --noinput it asks, and anything but "yes" changes nothing.
    asked = manage(env, "restore_db", dump, check=False, input="no\n")
    assert "Type 'yes' to continue" in asked.stdout
    assert "Restore cancelled: nothing changed." in asked.stderr
    assert tables_snapshot(pg_server, database) == changed


def test_make_restore_without_a_file_says_how_to_use_it():
    result = subprocess.run(
        ["make", "--no-print-directory", "restore"],
        cwd=ROOT,
        env=without_make_variables(os.environ),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "Usage: make restore FILE=backups/<name>.dump [YES=1]" in result.stderr


def test_backup_names_never_overwrite_an_earlier_backup(tmp_path):
    import datetime as dt

    now = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    first = new_backup_path(tmp_path, "breaches", now)
    assert first.name == "breaches-20250102T030405Z.dump"
    first.touch()
    assert new_backup_path(tmp_path, "breaches", now).name == "breaches-20250102T030405Z-2.dump"


def test_the_programs_match_the_server(monkeypatch, tmp_path):
    bundled = program("pg_dump")
    assert program("pg_dump", 18) == program("pg_dump", 17) == bundled
    # An older server gets its own version's programs (Debian's postgresql-client-NN).
    with pytest.raises(BackupError, match="install postgresql-client-13, or set PG_BIN_DIR"):
        program("pg_dump", 13)
    monkeypatch.setenv("PG_BIN_DIR", str(bundled.parent))
    assert program("pg_restore", 13) == bundled.parent / "pg_restore"
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump not found at .*set PG_BIN_DIR"):
        program("pg_dump")


PG15 = Path("/usr/lib/postgresql/15/bin")


class PlainServer:
    """A PostgreSQL server started from Debian's packages, reached on its socket."""

    def __init__(self, socket_dir: Path):
        self.socket_dir = str(socket_dir)

    def connect(self, dbname="postgres"):
        import psycopg2

        connection = psycopg2.connect(dbname=dbname, user="postgres", host=self.socket_dir)
        connection.autocommit = True
        return connection

    def execute(self, statement, dbname="postgres"):
        connection = self.connect(dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


@pytest.fixture
def postgresql_15():
    """Debian's PostgreSQL 15 (on the image; its own cluster is down) in a temporary folder,
    listening on a socket only, as the embedded server's system user when we are root."""
    if not (PG15 / "initdb").exists():
        pytest.skip("Debian's postgresql-15 is not installed")
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ops-pg15-"))
    user = "embedded_postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(folder, user)
        folder.chmod(0o755)

    def run(*command):
        subprocess.run(command, check=True, capture_output=True, user=user, timeout=60)

    data = folder / "data"
    try:
        run(PG15 / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        run(
            PG15 / "pg_ctl",
            "-D",
            data,
            "-o",
            f'-h "" -k {folder}',
            "-l",
            folder / "log",
            "-w",
            "start",
        )
        yield PlainServer(folder)
    finally:
        if (data / "postmaster.pid").exists():
            run(PG15 / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_round_trip_on_a_postgresql_15_server_through_database_url(
    pg_server, postgresql_15, tmp_path
):
    """The oldest PostgreSQL the app supports, with its own pg_dump and pg_restore."""
    postgresql_15.execute("CREATE DATABASE breaches")
    url = f"postgres://postgres@{quote(postgresql_15.socket_dir, safe='')}/breaches"
    env = {**django_env(pg_server, "ops_unused"), "DATABASE_URL": url, "BACKUP_DIR": tmp_path}
    env = {key: str(value) for key, value in env.items()}
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    before = tables_snapshot(postgresql_15, "breaches")
    assert before["breaches_figure"][0] > 100

    written = Path(re.search(r"Backup written: (\S+)", make(env, "backup").stdout).group(1))
    postgresql_15.execute("DELETE FROM breaches_figure", dbname="breaches")
    postgresql_15.execute("DROP TABLE django_session", dbname="breaches")
    make(env, "restore", f"FILE={written}", "YES=1")
    assert tables_snapshot(postgresql_15, "breaches") == before


def test_an_unreachable_database_is_reported_in_one_line(pg_server, tmp_path):
    url = "postgres://postgres@%2Fnowhere/breaches"
    env = {**django_env(pg_server, "ops_unused"), "DATABASE_URL": url}
    for command in (
        ["backup_db", "--dir", tmp_path],
        ["restore_db", tmp_path / "x.dump", "--noinput"],
    ):
        result = manage(env, *command, check=False)
        assert result.returncode == 1
        assert result.stderr.startswith("CommandError: Cannot connect to the database:")
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
