"""ASGI entry point: HTTP through Django, websockets through Channels.

``daphne contactcenter.asgi:application``

The operator socket only accepts pages of this site (allowed hosts); the widget socket
is embedded on customers' websites, so it checks each channel's allowed origins itself.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from inbox.routing import websocket_urlpatterns as widget_sockets  # noqa: E402
from routing.routing import websocket_urlpatterns as operator_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter([*widget_sockets, *operator_sockets])}
)
