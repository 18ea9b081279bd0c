"""Render the og:image of pinned charts that have none (rendering failed when pinned)."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.charts.images import render_pin_image
from dashboard.models import PinnedChart


class Command(BaseCommand):
    help = "Render missing og:image PNGs of pinned charts with kaleido (Debian's chromium)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="Only these pinned charts")
        parser.add_argument("--all", action="store_true", help="Re-render images that exist")

    def handle(self, *args, ids, all=False, **options):
        pins = PinnedChart.objects.defer("image").order_by("created_at")
        if ids:
            pins = pins.filter(pk__in=ids)
        if not all:
            pins = pins.filter(image__isnull=True)
        rendered = failed = 0
        for pin in pins.iterator():
            if render_pin_image(pin):
                rendered += 1
            else:
                failed += 1
                self.stderr.write(f"{pin.pk}: {pin.image_error}")
        self.stdout.write(f"{rendered} rendered, {failed} failed")
        if failed:
            raise CommandError(f"{failed} image(s) could not be rendered")
