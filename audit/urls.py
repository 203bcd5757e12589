from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, name="export"),
    path("cases/<str:reference>/", views.case_access, name="case_access"),
    path("people/<str:username>/", views.user_access, name="user_access"),
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
]
