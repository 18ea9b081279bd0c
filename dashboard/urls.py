from django.urls import path, register_converter

from . import browse, directory, feeds, transparency, views
from .charts import views as chart_views
from .incidents import views as incident_views

app_name = "dashboard"


class PinIdConverter:
    """A pin id (dashboard/models.py pin_id: 12 lower-case base32 characters). Anything else,
    /c/%00/ included, is a 404 from the resolver before a query sees it."""

    regex = "[a-z2-7]{12}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PinIdConverter, "pin")

urlpatterns = [
    path("", views.home, name="home"),
    path("league/", views.league_table, name="league"),
    path("forces/", directory.forces, name="forces"),
    path("forces/<slug:slug>/", directory.force, name="force"),
    path("forces/<slug:slug>/feed/", feeds.ForceChangesFeed(), name="force-feed"),
    path("feed/", feeds.ChangesFeed(), name="feed"),
    path("datasets/", directory.datasets, name="datasets"),
    path("datasets/<slug:slug>/", directory.dataset, name="dataset"),
    path("figures/", browse.figures, name="figures"),
    path("incidents/", incident_views.incidents, name="incidents"),
    path("transparency/", transparency.transparency, name="transparency"),
    path("about/", views.about, name="about"),
    path("about/data/", views.about_data, name="about-data"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

# Charts and pinned charts (dashboard/charts/views.py, docs/charts.md).

urlpatterns += [
    path("charts/", chart_views.charts, name="charts"),
    path("charts/data.json", chart_views.chart_json, name="chart-json"),
    path("charts/data.csv", chart_views.chart_csv, name="chart-csv"),
    path("charts/embed/", chart_views.chart_embed, name="chart-embed"),
    path("charts/pin", chart_views.pin, name="chart-pin"),
    path("c/<pin:pin_id>/", chart_views.pinned, name="pinned"),
    path("c/<pin:pin_id>/embed/", chart_views.pinned_embed, name="pinned-embed"),
    path("c/<pin:pin_id>/image.png", chart_views.pinned_image, name="pinned-image"),
    path("c/<pin:pin_id>/data.json", chart_views.pinned_json, name="pinned-json"),
    path("c/<pin:pin_id>/data.csv", chart_views.pinned_csv, name="pinned-csv"),
    path("c/<pin:pin_id>/live.json", chart_views.pinned_live, name="pinned-live"),
]
