from django.urls import path

from inbox.connectors import views

urlpatterns = [
    path("<slug:kind>/<str:key>/", views.webhook, name="connector-webhook"),
]
