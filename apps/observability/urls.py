from django.urls import path

from apps.observability import views

app_name = "observability"

urlpatterns = [
    path("performance/", views.performance_dashboard, name="dashboard"),
    path("performance/data/", views.performance_data, name="data"),
]
