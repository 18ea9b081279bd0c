"""Remove previewed uploads nobody confirmed or cancelled, once UPLOAD_STAGING_MAX_AGE old.

Every new upload does this too; run it from cron or a systemd timer (docs/deploy.md) so that
stagings go also when nobody uploads for a while.
"""

from django.core.management.base import BaseCommand

from breaches.imports.staging import clean_up


class Command(BaseCommand):
    help = "Remove staged uploads (and their previews) older than UPLOAD_STAGING_MAX_AGE."

    def handle(self, *args, **options):
        removed = clean_up()
        self.stdout.write(f"Removed {removed} staged upload{'s' if removed != 1 else ''}.")
