from django.urls import path

from warrants import views

app_name = "warrants"

urlpatterns = [
    path("<str:reference>/new/", views.warrant_create, name="create"),
    path("<str:reference>/<int:pk>/", views.warrant_detail, name="detail"),
    path("<str:reference>/<int:pk>/apply/", views.warrant_apply, name="apply"),
    path("<str:reference>/<int:pk>/issue/", views.warrant_issue, name="issue"),
    path("<str:reference>/<int:pk>/refuse/", views.warrant_refuse, name="refuse"),
    path("<str:reference>/<int:pk>/execute/", views.warrant_execute, name="execute"),
    path("<str:reference>/<int:pk>/return/", views.warrant_return, name="return"),
    path("<str:reference>/<int:pk>/further-entry/", views.warrant_further_entry, name="further_entry"),
]
