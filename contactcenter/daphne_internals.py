"""The one module that reaches into Daphne's internals: its per-connection input queue.

Daphne makes an ``asyncio.Queue`` for every connection (``daphne.server.Server.
create_application``) and hands the application its ``get``; its protocols only call
``put_nowait`` on it. An idle socket's empty ``asyncio.Queue`` holds four deques, about
3.4 KB; ``mailbox_queues_install`` makes that module's ``asyncio.Queue`` a
``contactcenter.mailbox.Mailbox`` instead (for ``daphne.server`` alone: the rest of the
process keeps asyncio's), with no copy of Daphne's code.

``WRITTEN_FOR`` is the Daphne release line this was read against;
``tests/contactcenter/test_daphne_internals.py`` fails when another one is installed or
when ``daphne.server`` stops making its queue this way.
"""

from __future__ import annotations

import asyncio
import sys
import types
from importlib import metadata
from typing import Any

from contactcenter.mailbox import Mailbox

WRITTEN_FOR = ("4.2",)


class _AsyncioWithMailboxes(types.ModuleType):
    """``asyncio`` as ``daphne.server`` sees it: the same module, with ``Queue`` a
    ``Mailbox``."""

    Queue = Mailbox

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


def installed_version() -> str:
    return metadata.version("daphne")


def is_written_for(version: str) -> bool:
    return ".".join(version.split(".")[:2]) in WRITTEN_FOR


def mailbox_queues_install() -> bool:
    """Daphne's per-connection queues become mailboxes, when ``daphne.server`` is
    already imported (the process is a Daphne server) and is a version this was
    checked against; says whether it did."""
    server = sys.modules.get("daphne.server")
    if server is None or not is_written_for(installed_version()):
        return False
    if not isinstance(getattr(server, "asyncio", None), _AsyncioWithMailboxes):
        setattr(server, "asyncio", _AsyncioWithMailboxes("asyncio"))  # noqa: B010
    return True
