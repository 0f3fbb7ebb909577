"""Firm API routes, mounted at /api/<version>/ (URLPathVersioning; v1 today)."""

from django.urls import path

from apps.portal.api import views

app_name = "firm_api"

urlpatterns = [
    path("clients/", views.ClientListAPI.as_view(), name="client_list"),
    path("clients/<int:pk>/", views.ClientDetailAPI.as_view(), name="client_detail"),
    path("clients/<int:pk>/dashboard/", views.ClientDashboardAPI.as_view(),
         name="client_dashboard"),
    path("engagements/", views.EngagementListAPI.as_view(), name="engagement_list"),
    path("engagements/<int:pk>/", views.EngagementDetailAPI.as_view(),
         name="engagement_detail"),
    path("tasks/", views.TaskListAPI.as_view(), name="task_list"),
    path("tasks/<int:pk>/", views.TaskDetailAPI.as_view(), name="task_detail"),
]
