"""The "Data editors" group: may upload, change and retract data, but not manage users."""

from __future__ import annotations

DATA_EDITORS = "Data editors"
# Editors manage every data table; auth, sessions and admin logs stay with superusers.
EDITED_MODELS = (
    "dataset",
    "force",
    "forcealias",
    "workforce",
    "source",
    "return",
    "figure",
    "incident",
    "outcome",
    "enforcementaction",
)
READ_ONLY_MODELS = ("figurerevision", "incidentrevision")


def editor_codenames() -> list[str]:
    codenames = [f"{action}_{model}" for model in EDITED_MODELS for action in ("add", "change")]
    codenames += [f"view_{model}" for model in (*EDITED_MODELS, *READ_ONLY_MODELS)]
    # An alias added by mistake from an upload preview is removed from the batch page.
    codenames += ["delete_forcealias"]
    # Batches are added by uploading and undone by retracting, never edited or deleted.
    codenames += ["add_importbatch", "view_importbatch", "retract_importbatch"]
    return codenames


def ensure_data_editors_group(apps=None):
    """Create (or complete) the group; `apps` is the migration state when run by a migration."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the group needs them now.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None  # migration state
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=DATA_EDITORS)
    permissions = Permission.objects.filter(
        content_type__app_label="breaches", codename__in=editor_codenames()
    )
    group.permissions.add(*permissions)
    return group
