from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # DJANGO_ADMIN_PATH (default "admin/"); everything in admin, uploads included, uses reverse().
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("dashboard.urls")),
]

# Error pages (config/errors.py): the site's look, nothing about its insides.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
