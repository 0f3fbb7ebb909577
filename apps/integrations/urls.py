from django.urls import path

from apps.integrations import views

app_name = "integrations"

# Firm host.
urlpatterns = [
    path("staff/clients/<int:client_id>/books/", views.client_books, name="client_books"),
    path("staff/clients/<int:client_id>/books/connect/", views.books_connect,
         name="books_connect"),
    path("staff/clients/<int:client_id>/books/sync/", views.books_sync, name="books_sync"),
    path("staff/clients/<int:client_id>/books/disconnect/", views.books_disconnect,
         name="books_disconnect"),
    path("integrations/quickbooks/callback/", views.books_callback, name="books_callback"),
    path("staff/integrations/webhooks/", views.webhook_list, name="webhook_list"),
    path("staff/integrations/webhooks/<int:endpoint_id>/", views.webhook_detail,
         name="webhook_detail"),
    path("staff/integrations/deliveries/<int:delivery_id>/redeliver/",
         views.webhook_redeliver, name="webhook_redeliver"),
]
