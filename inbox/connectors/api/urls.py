"""The API channel's endpoints, under ``/api/v1/inbound/``."""

from django.urls import path, re_path

from inbox.connectors.api import views

urlpatterns = [
    path(
        "<str:key>/messages/",
        views.InboundMessagesView.as_view(),
        name="api-channel-messages",
    ),
    # any external id, slashes and line breaks included: the view answers every one
    re_path(
        r"^(?P<key>[^/]+)/contacts/(?P<external_id>[\s\S]+)/messages/$",
        views.InboundContactMessagesView.as_view(),
        name="api-channel-contact-messages",
    ),
]
