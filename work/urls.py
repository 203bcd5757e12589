from django.urls import path

from work import views

app_name = "work"

urlpatterns = [
    path("my-work/", views.my_work_page, name="my_work"),
    path("cases/<str:reference>/work/", views.case_work, name="case_work"),
    path("cases/<str:reference>/tasks/new/", views.task_create_view, name="task_create"),
    path("cases/<str:reference>/reviews/new/", views.review_add, name="review_add"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/done/", views.task_complete_view, name="task_complete"),
    path("tasks/<int:pk>/reassign/", views.task_reassign_view, name="task_reassign"),
    path("tasks/<int:pk>/accept/", views.task_accept_view, name="task_accept"),
    path("tasks/<int:pk>/dismiss/", views.task_dismiss_view, name="task_dismiss"),
]
