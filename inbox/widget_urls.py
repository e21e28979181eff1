from django.urls import path

from inbox import widget_api

urlpatterns = [
    path("api/<str:key>/config/", widget_api.widget_config, name="widget-config"),
    path("api/<str:key>/visitors/", widget_api.widget_visitors, name="widget-visitors"),
    path("api/<str:key>/attachments/", widget_api.widget_attachments, name="widget-attachments"),
]
