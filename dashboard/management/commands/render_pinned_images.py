"""Render the og:image of pinned charts: the pending ones "Share" queued, or any chosen."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.charts.rendering import pending, render_claimed
from dashboard.models import PinnedChart


class Command(BaseCommand):
    help = (
        "Render og:image PNGs of pinned charts with kaleido (Debian's chromium). By default "
        "every pin without an image, failed ones included; --pending only those never tried."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="Only these pinned charts")
        parser.add_argument("--all", action="store_true", help="Re-render images that exist")
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Only pins queued by Share and not yet tried (what the spawned renderer runs)",
        )

    def handle(self, *args, ids, all=False, **options):
        pins = pending() if options["pending"] else PinnedChart.objects.all()
        if ids:
            pins = pins.filter(pk__in=ids)
        if not all:
            pins = pins.filter(image__isnull=True)
        rendered = failed = 0
        for pin, ok in render_claimed(pins):
            if ok:
                rendered += 1
            else:
                failed += 1
                self.stderr.write(f"{pin.pk}: {pin.image_error}")
        self.stdout.write(f"{rendered} rendered, {failed} failed")
        if failed:
            raise CommandError(f"{failed} image(s) could not be rendered")
