"""Forecast pages: `staff_patterns` under /insight/, `portal_patterns` under /portal/."""

from django.urls import path

from apps.insight import views, views_bi

staff_patterns = ([
    path("forecast/", views.firm_forecast, name="firm_forecast"),
    path("forecast/refresh/", views.forecast_refresh, name="forecast_refresh"),
    path("clients/<int:client_id>/forecast/", views.client_forecast, name="client_forecast"),
    path("clients/<int:client_id>/forecast/refresh/", views.client_forecast_refresh,
         name="client_forecast_refresh"),
    path("bi/", views_bi.bi_page, name="bi"),
    path("bi/export/<slug:section>.csv", views_bi.bi_export, name="bi_export"),
    path("roi/", views_bi.roi_page, name="roi"),
], "insight")

portal_patterns = ([
    path("<int:client_id>/forecast/", views.portal_forecast, name="forecast"),
], "portal_insight")
