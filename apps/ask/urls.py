"""Ask pages under /ask/."""

from django.urls import path

from apps.ask import views

staff_patterns = ([
    path("", views.firm_ask, name="firm_ask"),
    path("clients/<int:client_id>/", views.client_ask, name="client_ask"),
], "ask")
