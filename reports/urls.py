from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/reassign/", views.reassign, name="reassign"),
    path("figures/", views.figures, name="figures"),
    path("figures/exports/", views.figures_export_create, name="figures_export_create"),
    path("figures/exports/<int:pk>/", views.figures_export, name="figures_export"),
    path("figures/exports/<int:pk>/download/", views.figures_export_download, name="figures_export_download"),
]
