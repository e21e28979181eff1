"""ASGI entry point: HTTP through Django, websockets through Channels.

``daphne contactcenter.asgi:application``

The operator socket only accepts pages of this site (allowed hosts); the widget socket
is embedded on customers' websites, so it checks each channel's allowed origins itself.
"""

import gc
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

# Young collections after this many new container objects (CPython's default is 700).
YOUNG_COLLECTION_AFTER = 10_000


def collector_tune() -> None:
    """The garbage collector, set for a socket server. With the defaults, a young
    collection ran every few hundred allocations, so the objects of a message still in
    flight (its frame, its future, its row) were promoted to the oldest generation and
    then swept out by full collections, each of which walks every object of the process:
    with 1,000 widget sockets, 100-200 ms with every socket of the process stalled, three
    or four times in 40 s at 1,000 msg/s. Young collections now wait for 10,000 new
    objects, by when such objects are gone, and what exists at startup (modules, URL
    patterns, settings) is frozen out of the full collections' sight."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


collector_tune()
