"""Shared body of import_figures and import_incidents."""

import argparse
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from breaches.imports.pipeline import import_file, import_incidents_stream


class Progress:
    """A one-line progress bar on a command's stderr, redrawn at most twice a second."""

    def __init__(self, stream, total_bytes: int, label: str):
        self.stream, self.total, self.label = stream, max(total_bytes, 1), label
        self.started = self.drawn = time.monotonic()

    def __call__(self, rows: int, done_bytes: int, phase: str = "reading") -> None:
        now = time.monotonic()
        if now - self.drawn < 0.5 and done_bytes < self.total and phase == "reading":
            return
        self.drawn = now
        share = min(done_bytes / self.total, 1)
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {share:4.0%} {rows:,} rows read, "
            f"{now - self.started:.0f} s" + (", merging..." if phase == "merging" else ""),
            ending="",
        )
        self.stream.flush()

    def done(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{self.label}: {message} ({elapsed:.1f} s)")
        self.stream.flush()


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=f"CSV or XLSX file of {self.kind}")
        parser.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            help="draw a progress bar on stderr (default: when stderr is a terminal)",
        )

    def handle(self, *args, path: Path, sheet=None, progress=None, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        # The commands have no row limit (UPLOAD_MAX_ROWS is for admin uploads).
        if self.kind == "incidents":
            if progress is None:
                progress = self.stderr.isatty()
            validation, result = self._stream(path, sheet, progress)
        else:
            validation, result = import_file(
                path.read_bytes(), path.name, kind=self.kind, sheet=sheet, capped=False
            )
        if not validation.ok:
            for error in validation.errors:
                self.stderr.write(f"{path.name}: {error}")
            more = validation.rejected - len({e.row for e in validation.errors})
            if more:
                self.stderr.write(f"{path.name}: and {more:,} more rows with problems")
            raise CommandError(
                f"{validation.rejected} of {validation.rows_read} rows rejected: nothing imported"
            )
        batch = f" (batch {result.batch.pk})" if result.batch else ""
        self.stdout.write(
            f"{path.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, 0 rejected{batch}"
        )

    def _stream(self, path: Path, sheet, show_progress: bool):
        """Read, validate and COPY the file a chunk at a time, then merge (any size)."""
        progress = Progress(self.stderr, path.stat().st_size, path.name) if show_progress else None
        with path.open("rb") as source:
            validation, result = import_incidents_stream(
                source, path.name, sheet=sheet, progress=progress
            )
        if progress:
            progress.done("checked and saved" if result else "checked")
        return validation, result
