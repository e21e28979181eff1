"""Who handles a new session: routing, or a handler that a higher app registered.

Inbox opens sessions but may not import the apps above it, so the decision is a
registry: an app (``bots``, for a channel that has a bot) registers a function in its
``AppConfig.ready()``::

    handlers.handler_register(who_handles)   # who_handles(session) -> Handler | None

When a contact opens a session, ``sessions.session_open`` asks the registered
functions in order of registration; the first that returns a ``Handler`` claims the
session, which opens with status ``bot`` and is not queued. ``SessionOpened`` names the
handler, so that the app that claimed it acts on it after commit; it hands the session
to people with ``routing.services.session_handoff``. No claim: routing takes it, as
for every session.

A decider gets the session before its row is written (``pk`` is ``None``), with its
dialog, channel, topic and group set. It must be quick and must not write. One that
raises is logged and skipped (in a savepoint, so that a failed query leaves the opening
usable): a broken handler never stops a customer's message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from inbox.models import Session

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handler:
    """Who claimed a session: ``name`` is stable and says which app and which of its
    handlers (e.g. ``"bots.flow:3"``); it travels in ``SessionOpened.handler``."""

    name: str


Decider = Callable[["Session"], Handler | None]

_deciders: list[Decider] = []


def handler_register(decider: Decider) -> None:
    """Registers ``decider``; registering the same one twice is a no-op."""
    if decider not in _deciders:
        _deciders.append(decider)


def handler_unregister(decider: Decider) -> None:
    if decider in _deciders:
        _deciders.remove(decider)


def who_handles(session: Session) -> Handler | None:
    """The handler that claims the new ``session``, or ``None`` for routing."""
    for decider in list(_deciders):
        try:
            with transaction.atomic():
                handler = decider(session)
        except Exception:
            logger.exception("session handler %s failed; skipped", _name(decider))
            continue
        if handler is not None:
            return handler
    return None


def _name(decider: Decider) -> str:
    return f"{getattr(decider, '__module__', '?')}.{getattr(decider, '__qualname__', decider)}"
