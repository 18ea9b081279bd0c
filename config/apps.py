from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin on our site class: two-factor sign-in (config/admin_site.py)."""

    default_site = "config.admin_site.StaffAdminSite"
