from django.urls import path

from apps.ask.api import views

app_name = "ask_api"

urlpatterns = [path("ask/", views.AskAPI.as_view(), name="ask")]
