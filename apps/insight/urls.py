"""Forecast pages: `staff_patterns` under /insight/, `portal_patterns` under /portal/."""

from django.urls import path

from apps.insight import views

staff_patterns = ([
    path("forecast/", views.firm_forecast, name="firm_forecast"),
    path("forecast/refresh/", views.forecast_refresh, name="forecast_refresh"),
    path("clients/<int:client_id>/forecast/", views.client_forecast, name="client_forecast"),
    path("clients/<int:client_id>/forecast/refresh/", views.client_forecast_refresh,
         name="client_forecast_refresh"),
], "insight")

portal_patterns = ([
    path("<int:client_id>/forecast/", views.portal_forecast, name="forecast"),
], "portal_insight")
