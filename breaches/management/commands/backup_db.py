"""`manage.py backup_db` (`make backup`): a timestamped pg_dump of the configured database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, backup, backup_dir


class Command(BaseCommand):
    help = (
        "Write a pg_dump custom-format backup of the configured database to "
        "BACKUP_DIR (default backups/) as <database>-<UTC time>.dump, and print its path."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            help=f"folder for the backup (default: {backup_dir()})",
        )
        parser.add_argument("--output", type=Path, help="exact file to write instead")

    def handle(self, *args, directory=None, output=None, **options):
        try:
            path = backup(directory=directory, output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = path.stat().st_size
        self.stdout.write(f"Backup written: {path} ({size:,} bytes)")
