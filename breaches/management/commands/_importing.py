"""Shared body of import_figures and import_incidents."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from breaches.imports.pipeline import import_file


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=f"CSV or XLSX file of {self.kind}")
        parser.add_argument("--sheet", help="XLSX sheet to read (default: the first)")

    def handle(self, *args, path: Path, sheet=None, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        validation, result = import_file(path.read_bytes(), path.name, kind=self.kind, sheet=sheet)
        if not validation.ok:
            for error in validation.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(
                f"{validation.rejected} of {validation.rows_read} rows rejected: nothing imported"
            )
        batch = f" (batch {result.batch.pk})" if result.batch else ""
        self.stdout.write(
            f"{path.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, 0 rejected{batch}"
        )
