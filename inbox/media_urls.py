"""Stored attachments under ``MEDIA_URL``, served by the application itself (the
embedded default has no web server in front); a proxy may serve the same paths in
production with the same headers (docs/attachments.md)."""

from django.urls import path

from inbox import views

urlpatterns = [
    path("<path:path>", views.attachment_file, name="attachment-file"),
]
