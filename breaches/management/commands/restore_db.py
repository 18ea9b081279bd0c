"""`manage.py restore_db FILE` (`make restore FILE=...`): replace the database's contents."""

import contextlib
from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from config.backups import BackupError, check_archive, restore, target


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_db (pg_restore --clean --if-exists, in one "
        "transaction) into the configured database, replacing what is there."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a .dump file written by backup_db")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, path: Path, interactive=True, **options):
        try:
            where = target()
            entries = check_archive(path, where)
            if interactive:
                answer = input(
                    f"This replaces every table in {where.describe()} with the contents of "
                    f"{path} ({entries} entries). Type 'yes' to continue: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled: nothing changed.")
            restore(path, where)
        except BackupError as error:
            raise CommandError(
                f"{error}\nNothing was restored: the database is unchanged."
            ) from error
        # Cached pages and charts are keyed by the data version, which a restore can bring back
        # with different data behind it: drop them (only this process's, for a local-memory
        # cache: restart the app servers then; a shared Redis cache is cleared for all).
        self.stdout.write(f"Restored {path} into {where.describe()}.")
        self._move_data_version_on()
        try:
            cache.clear()
        except Exception as error:  # a cache server that is down must not hide the restore
            self.stdout.write(
                self.style.WARNING(
                    f"Could not clear the cache ({error}): clear it or restart the app servers."
                )
            )
        self._warn_unapplied_migrations()

    def _move_data_version_on(self):
        """A restore brings back an old data version with other data behind it (in a shared
        cache, other servers' entries may still carry it): move it past them."""
        from breaches.versions import restart_generation

        # A backup from before the generation existed: `migrate` (asked for below) adds it.
        with contextlib.suppress(DatabaseError):
            restart_generation()

    def _warn_unapplied_migrations(self):
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(plan)} migration(s) of this code: "
                    "run `manage.py migrate` before serving."
                )
            )
