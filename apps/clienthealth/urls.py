"""Client health pages, under /client-health/ (/health/ is the service health check)."""

from django.urls import path

from apps.clienthealth import views

staff_patterns = ([
    path("", views.health_list, name="list"),
    path("clients/<int:client_id>/", views.client_health, name="client"),
], "clienthealth")
