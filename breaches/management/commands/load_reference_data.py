from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from breaches.imports.reference_data import (
    ReferenceDataError,
    load_case_lists,
    load_reference_files,
    load_returns,
)


class Command(BaseCommand):
    help = (
        "Load everything in fixtures/: forces, aliases, datasets, workforce and ICO actions, "
        "then the published figures and incidents through the importer, then what is known "
        "about individual answers (returns.csv). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", type=Path, default=settings.BASE_DIR / "fixtures")

    def handle(self, *args, folder: Path, **options):
        try:
            counts = load_reference_files(folder)
        except ReferenceDataError as error:
            raise CommandError(str(error)) from None
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} rows in the table")
        call_command("import_figures", folder / "figures.csv", stdout=self.stdout)
        call_command("import_incidents", folder / "incidents.csv", stdout=self.stdout)
        if (folder / "returns.csv").exists():
            try:
                count = load_returns(folder / "returns.csv")
            except ReferenceDataError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"returns.csv: {count} rows in the table")
        if (folder / "case_lists.csv").exists():
            try:
                count = load_case_lists(folder / "case_lists.csv")
            except ReferenceDataError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"case_lists.csv: {count} answers marked complete or examples")
