from django.urls import re_path

from inbox import consumers

websocket_urlpatterns = [
    re_path(r"^ws/widget/(?P<key>[\w-]{1,64})/$", consumers.WidgetConsumer.as_asgi()),
]
