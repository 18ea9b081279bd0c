from django.urls import path

from . import browse, directory, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("league/", views.league, name="league"),
    path("forces/", directory.forces, name="forces"),
    path("forces/<slug:slug>/", directory.force, name="force"),
    path("datasets/", directory.datasets, name="datasets"),
    path("datasets/<slug:slug>/", directory.dataset, name="dataset"),
    path("figures/", browse.figures, name="figures"),
    path("incidents/", browse.incidents, name="incidents"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
]
