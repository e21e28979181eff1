"""Reads of the bots app: the facts an event is about (for trigger conditions, action
templates and webhook payloads), the triggers of an event, and due webhook deliveries."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from bots.models import (
    Bot,
    BotSession,
    BotVersion,
    DeliveryStatus,
    Trigger,
    TriggerEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from contactcenter import events
from crm.models import Contact, Lead
from inbox.models import Message, SenderType, Session, SessionStatus

# Which event class each trigger event stands for.
EVENT_TYPES: dict[str, type[events.Event]] = {
    TriggerEvent.SESSION_OPENED: events.SessionOpened,
    TriggerEvent.SESSION_CLOSED: events.SessionClosed,
    TriggerEvent.MESSAGE_RECEIVED: events.MessageReceived,
    TriggerEvent.LEAD_STAGE_CHANGED: events.LeadStageChanged,
    TriggerEvent.CONTACT_CREATED: events.ContactCreated,
}
EVENT_NAMES = {event_type: name for name, event_type in EVENT_TYPES.items()}

# What the facts of each event can hold (a lead only when there is one, etc.).
EVENT_ROOTS: dict[str, frozenset[str]] = {
    TriggerEvent.SESSION_OPENED: frozenset({"event", "session", "contact", "lead"}),
    TriggerEvent.SESSION_CLOSED: frozenset({"event", "session", "contact", "lead"}),
    TriggerEvent.MESSAGE_RECEIVED: frozenset({"event", "session", "contact", "lead", "message"}),
    TriggerEvent.LEAD_STAGE_CHANGED: frozenset({"event", "session", "contact", "lead"}),
    TriggerEvent.CONTACT_CREATED: frozenset({"event", "contact"}),
}


@dataclass(slots=True)
class Facts:
    """What an event is about: the rows (for actions) and their plain data (for
    conditions, templates and payloads). Actions update both as they go, so that a lead
    created by one action is the lead of the next."""

    event: str
    session: Session | None = None
    contact: Contact | None = None
    lead: Lead | None = None
    message: Message | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        return facts_data(self)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _user(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "email": user.email,
    }


def session_data(session: Session) -> dict[str, Any]:
    channel = session.dialog.channel
    operator = session.operator
    end = session.closed_at
    return {
        "id": session.pk,
        "dialog_id": session.dialog_id,
        "status": session.status,
        "close_reason": session.close_reason,
        "priority": session.priority,
        "topic": session.topic.title if session.topic is not None else None,
        "group": {"id": session.group.pk, "name": session.group.name}
        if session.group is not None
        else None,
        "operator": (
            {"id": operator.pk, "name": operator.name, "username": operator.user.get_username()}
            if operator is not None
            else None
        ),
        "channel": {"id": channel.pk, "name": channel.name, "type": channel.type},
        "created_at": _iso(session.created_at),
        "assigned_at": _iso(session.assigned_at),
        "closed_at": _iso(end),
        "duration_s": round((end - session.created_at).total_seconds()) if end else None,
        "rating": session.rating,
        "rating_comment": session.rating_comment,
    }


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "attributes": contact.attributes or {},
        "created_at": _iso(contact.created_at),
    }


def lead_data(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "title": lead.title,
        "status": lead.status,
        "pipeline": lead.pipeline.name,
        "stage": lead.stage.name if lead.stage is not None else None,
        "owner": _user(lead.owner),
        "session_id": lead.session_id,
        "fields": lead.fields or {},
        "created_at": _iso(lead.created_at),
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "text": message.text,
        "sender_type": message.sender_type,
        "sender_name": message.sender_name,
        "created_at": _iso(message.created_at),
    }


def facts_data(facts: Facts) -> dict[str, Any]:
    return {
        "event": {"name": facts.event, **facts.extra},
        "session": session_data(facts.session) if facts.session is not None else None,
        "contact": contact_data(facts.contact) if facts.contact is not None else None,
        "lead": lead_data(facts.lead) if facts.lead is not None else None,
        "message": message_data(facts.message) if facts.message is not None else None,
    }


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related(
        "dialog__channel", "dialog__contact", "group", "operator__user", "topic"
    )


def session_lead(*, session: Session) -> Lead | None:
    """The lead the session gave rise to (the newest, if several)."""
    return (
        Lead.objects.select_related("pipeline", "stage", "owner")
        .filter(session=session)
        .order_by("-id")
        .first()
    )


def facts_for_session(*, event: str, session_id: int, message_id: int | None = None) -> Facts:
    session = _sessions().get(pk=session_id)
    message = Message.objects.filter(pk=message_id).first() if message_id else None
    return Facts(
        event=event,
        session=session,
        contact=session.dialog.contact,
        lead=session_lead(session=session),
        message=message,
    )


def facts_for_event(event: events.Event) -> Facts | None:
    """The facts of a domain event, or None when it is nothing triggers look at (a
    message not from the customer) or its rows are gone."""
    name = EVENT_NAMES.get(type(event))
    if name is None:
        return None
    if isinstance(event, events.MessageReceived):
        if event.sender_type != SenderType.CONTACT or event.session_id is None:
            return None
        return _or_none(
            lambda: facts_for_session(
                event=name, session_id=event.session_id, message_id=event.message_id
            )
        )
    if isinstance(event, events.SessionOpened):
        return _or_none(lambda: facts_for_session(event=name, session_id=event.session_id))
    if isinstance(event, events.SessionClosed):
        facts = _or_none(lambda: facts_for_session(event=name, session_id=event.session_id))
        if facts is not None:
            facts.extra["reason"] = event.reason
        return facts
    if isinstance(event, events.ContactCreated):
        contact = Contact.objects.filter(pk=event.contact_id).first()
        return Facts(event=name, contact=contact) if contact is not None else None
    if isinstance(event, events.LeadStageChanged):
        return _lead_facts(name, event)
    return None


def _lead_facts(name: str, event: events.LeadStageChanged) -> Facts | None:
    lead = (
        Lead.objects.select_related("pipeline", "stage", "owner", "contact")
        .filter(pk=event.lead_id)
        .first()
    )
    if lead is None:
        return None
    session = _sessions().filter(pk=lead.session_id).first() if lead.session_id else None
    stages: dict[int | None, str] = dict(
        lead.pipeline.stages.filter(pk__in=[event.from_stage_id, event.to_stage_id]).values_list(
            "pk", "name"
        )
    )
    return Facts(
        event=name,
        session=session,
        contact=lead.contact,
        lead=lead,
        extra={
            "from_stage": stages.get(event.from_stage_id),
            "to_stage": stages.get(event.to_stage_id),
        },
    )


def _or_none(load: Any) -> Facts | None:
    try:
        return load()
    except Session.DoesNotExist:
        return None


def triggers_for(*, event: str) -> QuerySet[Trigger]:
    return (
        Trigger.objects.filter(event=event, is_active=True)
        .prefetch_related("conditions", "actions")
        .order_by("position", "id")
    )


def deliveries_due(*, now: Any = None) -> QuerySet[WebhookDelivery]:
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(
        Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
    )


# --- who listens ------------------------------------------------------------------------


def subscriptions_to(*, event: str) -> list[WebhookSubscription]:
    return [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if event in (subscription.events or [])
    ]


# Whether any active trigger or webhook wants an event, remembered per process for a
# couple of seconds: the question comes with every customer message, and the answer
# changes only when an administrator edits triggers or subscriptions (through the
# services, which forget it in their process at once; other processes follow within
# the two seconds).
WANTED_TTL_S = 2.0
_wanted_cache: dict[str, tuple[float, bool]] = {}


def event_wanted(*, event: str) -> bool:
    now = time.monotonic()
    cached = _wanted_cache.get(event)
    if cached is not None and now - cached[0] < WANTED_TTL_S:
        return cached[1]
    wanted = Trigger.objects.filter(event=event, is_active=True).exists() or bool(
        subscriptions_to(event=event)
    )
    _wanted_cache[event] = (now, wanted)
    return wanted


def event_wanted_forget() -> None:
    """Drops the remembered answers (after triggers or subscriptions change)."""
    _wanted_cache.clear()


# --- button bots ------------------------------------------------------------------------


def bot_list() -> QuerySet[Bot]:
    """Every bot, with its channels, by name."""
    return Bot.objects.prefetch_related("channels").order_by("name", "id")


def bot_versions(*, bot: Bot) -> QuerySet[BotVersion]:
    """The bot's versions, newest first."""
    return BotVersion.objects.filter(bot=bot).select_related("created_by").order_by("-number")


# --- bot flows in sessions ------------------------------------------------------------------

# Whether any session is with a bot anywhere, remembered for a moment, so that a contact
# message costs no query here (the messaging path's listeners run for every message). A
# "yes" that went stale costs only a step the step thread finds nothing for; a "no" is
# forgotten at once when a bot starts in this process, and one starting in another is
# seen within the TTL.
LIVE_TTL_S = 2.0
_live_cache: dict[str, tuple[bool, float]] = {}


def bot_sessions_live() -> bool:
    now = time.monotonic()
    known = _live_cache.get("live")
    if known is not None and now - known[1] < LIVE_TTL_S:
        return known[0]
    # the session's status, not the bot's state: a session is ``bot`` from the moment it
    # opens, before the step thread starts its flow (bots.services.stepper)
    live = Session.objects.filter(status=SessionStatus.BOT).exists()
    _live_cache["live"] = (live, now)
    return live


def bot_sessions_live_forget() -> None:
    _live_cache.clear()


# How far back a transfer chain is followed to find the bot's part of a conversation.
BOT_SESSION_LOOKBACK = 5


def session_bot_summary(*, session: Session) -> dict[str, Any] | None:
    """What a bot did in ``session`` (or in the session it continues, after a transfer),
    for the operator who gets it: the bot, its version, how it finished and what the
    contact gave it. ``None`` when no bot took part."""
    current: Session | None = session
    for _hop in range(BOT_SESSION_LOOKBACK):
        if current is None:
            return None
        found = BotSession.objects.select_related("version__bot").filter(session=current).first()
        if found is not None:
            return _bot_summary(found)
        current = current.previous_session
    return None


def _bot_summary(found: BotSession) -> dict[str, Any]:
    version = found.version
    bot = version.bot if version is not None else None
    return {
        "session": found.session_id,
        "bot": {"id": bot.pk, "name": bot.name} if bot is not None else None,
        "version": version.number if version is not None else None,
        "outcome": found.outcome,
        "node": found.node or None,
        "collected": dict(found.collected or {}),
        "choices": [str(c) for c in (found.state or {}).get("choices") or []],
        "started_at": found.created_at.isoformat(),
    }
