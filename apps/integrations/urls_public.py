from django.urls import path

from apps.integrations import views_public

app_name = "integrations_public"

urlpatterns = [
    path("integrations/quickbooks/callback/", views_public.quickbooks_callback_bounce,
         name="quickbooks_callback"),
    path("integrations/quickbooks/webhook/", views_public.quickbooks_webhook,
         name="quickbooks_webhook"),
]
