from django.db import migrations, models


def first_generation(apps, schema_editor):
    apps.get_model("breaches", "DataGeneration").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("breaches", "0010_alias_provenance"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataGeneration",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("value", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(first_generation, migrations.RunPython.noop),
    ]
