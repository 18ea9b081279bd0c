from django.db import migrations


def count_stored_incidents(apps, schema_editor):
    """Backfill: count the incidents stored before derived figures existed.

    A migration of its own: the count table's unique index, which the backfill's upsert
    needs, is only created when the previous migration's schema changes are applied.
    """
    from breaches.imports.counting import recount_everything

    recount_everything()


class Migration(migrations.Migration):
    dependencies = [("breaches", "0005_incident_counts")]

    operations = [migrations.RunPython(count_stored_incidents, migrations.RunPython.noop)]
