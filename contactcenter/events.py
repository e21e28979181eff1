"""Domain events: named, typed, dispatched after the transaction that caused them commits.

A lower app that must make a higher one act emits an event; the higher app listens.
Listeners register in their app's ``AppConfig.ready()`` (from its ``listeners.py``)::

    events.subscribe(events.SessionOpened, on_session_opened)

Services emit inside their transaction::

    events.emit(events.SessionOpened(session_id=s.id, dialog_id=s.dialog_id, ...))

Nothing is delivered when the transaction rolls back. Outside a transaction the event is
delivered at once. A listener that raises is logged and does not stop the others, nor
the write that emitted the event: the message flow never breaks on a listener.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every domain event. Payloads are ids and plain values, never model rows:
    listeners load what they need, so they see the committed state."""

    @property
    def name(self) -> str:
        return type(self).__name__


# --- crm --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactCreated(Event):
    contact_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactUpdated(Event):
    contact_id: int
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactsMerged(Event):
    contact_id: int
    merged_contact_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadCreated(Event):
    lead_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadStageChanged(Event):
    lead_id: int
    from_stage_id: int | None
    to_stage_id: int | None


# --- inbox ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionOpened(Event):
    """A contact opened a session. ``handler`` names the handler that claimed it (the
    session is then ``bot``: see ``inbox.handlers``); ``None``: routing takes it."""

    session_id: int
    dialog_id: int
    channel_id: int
    handler: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived(Event):
    """A message was stored in a dialog, whoever sent it (see ``sender_type``).
    ``status``: the delivery status it was stored with (``pending``: a connector is to
    send it to the contact; None: nothing to send, or the widget's socket delivers it)."""

    message_id: int
    session_id: int | None
    dialog_id: int
    sender_type: str
    status: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionClosed(Event):
    """``operator_id`` and ``group_id``: who had the session and its group when it
    closed (routing hands the freed seat out without reading them again; ``None`` for
    both when the emitter did not say: the listener reads them)."""

    session_id: int
    dialog_id: int
    reason: str
    operator_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstReplySent(Event):
    """An operator answered a session for the first time (``first_response_at`` was
    just set): once per session, never per message."""

    session_id: int
    message_id: int
    operator_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRated(Event):
    """The contact rated a closed session (a new score replaces an earlier one)."""

    session_id: int
    score: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRerouted(Event):
    """A waiting session changed its group (the contact picked a topic)."""

    session_id: int
    group_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """The contact pressed a bot button (bots answer it). ``node`` and ``button`` are
    the ids as text (the flow's names, or numbers written as text)."""

    dialog_id: int
    session_id: int | None
    node: str
    button: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSendRetried(Event):
    """An operator asked to send a failed message to the contact again (the dialog's
    connector sends it)."""

    message_id: int
    dialog_id: int


# --- routing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionQueued(Event):
    session_id: int
    group_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionHandedOff(Event):
    """A handler (a bot) gave its session to people: it is queued for ``group_id``
    (``None``: no group to route to). ``SessionQueued`` follows when there is a group."""

    session_id: int
    dialog_id: int
    group_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionAssigned(Event):
    session_id: int
    operator_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorStatusChanged(Event):
    operator_id: int
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityFreed(Event):
    """Seats may have opened in these groups: routing hands out the queue's head."""

    group_ids: tuple[int, ...]


# --- bots -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BotSessionStarted(Event):
    """A bot flow began talking in a session (it stays on ``version`` to its end)."""

    session_id: int
    bot_id: int
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BotSessionResolved(Event):
    """A bot flow ended the session itself (an ``end`` node: closed as resolved)."""

    session_id: int
    bot_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BotSessionHandedOff(Event):
    """A bot flow gave its session to people (a ``handoff`` node or the handoff
    keyword); ``SessionHandedOff`` from routing says where it was queued."""

    session_id: int
    bot_id: int
    group_id: int | None
    keyword: bool = False


E = TypeVar("E", bound=Event)
Listener = Callable[[Any], None]

_listeners: dict[type[Event], list[Listener]] = defaultdict(list)
# (event type, listener) pairs subscribed with ``atomic=False``
# (by the listener's id: a listener need not be hashable; it stays referenced above)
_plain: set[tuple[type[Event], int]] = set()


def subscribe(event_type: type[E], listener: Callable[[E], None], *, atomic: bool = True) -> None:
    """Register ``listener`` for ``event_type``; registering the same one twice is a no-op.

    ``atomic=False`` is for a listener that writes nothing itself: it reads (a cached
    answer, an ``exists()``) and hands work on (a task queued on commit, a thread's
    queue). Delivered outside a transaction, it runs without an atomic block of its own,
    which costs about 10 µs of CPU per listener and event (Django switches autocommit off
    and on around it); the message path delivers five listeners per message, thousands of
    messages a second (docs/benchmarks.md, "Messaging", issue 18). Inside a caller's
    transaction it still gets its savepoint, so that a failing query cannot break the
    caller's transaction. A failure is logged like any listener's."""
    if listener not in _listeners[event_type]:
        _listeners[event_type].append(listener)
    if atomic:
        _plain.discard((event_type, id(listener)))
    else:
        _plain.add((event_type, id(listener)))


def unsubscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    if listener in _listeners[event_type]:
        _listeners[event_type].remove(listener)
    _plain.discard((event_type, id(listener)))


def listeners_of(event_type: type[Event]) -> list[Listener]:
    return list(_listeners[event_type])


def emit(event: Event, *, using: str | None = None) -> None:
    """Deliver ``event`` to its listeners once the current transaction commits."""
    transaction.on_commit(lambda: dispatch(event), using=using)


def dispatch(event: Event) -> list[Listener]:
    """Deliver now. Each listener runs in its own atomic block (unless subscribed with
    ``atomic=False``), so a failing one rolls back only its own writes. Returns the
    listeners that failed (each already logged)."""
    return [listener for listener in listeners_of(type(event)) if not deliver_to(listener, event)]


def deliver_to(listener: Listener, event: Event) -> bool:
    """Runs one listener in its own atomic block; False (and logged) if it failed, in
    which case nothing it wrote was kept."""
    try:
        plain = (type(event), id(listener)) in _plain
        if plain and not transaction.get_connection().in_atomic_block:
            listener(event)
            return True
        with transaction.atomic():
            listener(event)
    except Exception:
        logger.exception("listener %s failed on %s", _name(listener), event)
        return False
    return True


def _name(listener: Listener) -> str:
    return f"{getattr(listener, '__module__', '?')}.{getattr(listener, '__qualname__', listener)}"
