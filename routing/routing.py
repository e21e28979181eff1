from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import re_path

from contactcenter.socket_auth import SocketAuthStack
from routing import consumers

# Only pages of this site may open the operator socket (Origin among ALLOWED_HOSTS).
websocket_urlpatterns = [
    re_path(
        r"^ws/operator/$",
        AllowedHostsOriginValidator(SocketAuthStack(consumers.OperatorConsumer.as_asgi())),
    ),
]
