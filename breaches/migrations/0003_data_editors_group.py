from django.db import migrations


def create_group(apps, schema_editor):
    from breaches.permissions import ensure_data_editors_group

    ensure_data_editors_group(apps)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Data editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("breaches", "0002_retraction_and_uploads"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
