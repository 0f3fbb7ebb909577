"""Work API routes, mounted at /api/v1/work/."""

from django.urls import path

from apps.work.api import views

app_name = "work_api"

urlpatterns = [
    path("templates/", views.TemplateListAPI.as_view(), name="template_list"),
    path("templates/<int:pk>/", views.TemplateDetailAPI.as_view(), name="template_detail"),
    path("jobs/", views.JobListAPI.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.JobDetailAPI.as_view(), name="job_detail"),
    path("jobs/<int:pk>/move/", views.JobMoveAPI.as_view(), name="job_move"),
    path("tasks/", views.TaskListAPI.as_view(), name="task_list"),
    path("tasks/<int:pk>/complete/", views.TaskCompleteAPI.as_view(), name="task_complete"),
    path("time-entries/", views.TimeEntryListAPI.as_view(), name="time_entry_list"),
]
