from django.urls import re_path

from contactcenter.socket_auth import SocketAuthStack
from routing import consumers

# Only pages of this site may open the operator socket with the session cookie (Origin
# among ALLOWED_HOSTS); token clients need no Origin (see contactcenter.socket_auth).
websocket_urlpatterns = [
    re_path(r"^ws/operator/$", SocketAuthStack(consumers.OperatorConsumer.as_asgi())),
]
