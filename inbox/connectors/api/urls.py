"""The API channel's endpoints, under ``/api/v1/inbound/``."""

from django.urls import path

from inbox.connectors.api import views

urlpatterns = [
    path(
        "<str:key>/messages/",
        views.InboundMessagesView.as_view(),
        name="api-channel-messages",
    ),
    path(
        "<str:key>/contacts/<path:external_id>/messages/",
        views.InboundContactMessagesView.as_view(),
        name="api-channel-contact-messages",
    ),
]
