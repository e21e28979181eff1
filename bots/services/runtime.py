"""Bot flows on the live channels: who starts with a bot, and each step of it.

``session_claim`` is the decider registered with ``inbox.handlers``: a new session on
a channel with a bot in mode ``always``, or ``outside_hours`` while the session's
group is closed, opens as ``bot`` and ``SessionOpened`` names ``bots.flow:<bot id>``.
The listeners then call ``bot_session_start`` and, for what the contact does in a
``bot`` session, ``bot_session_text`` and ``bot_session_press``. Each runs the pure
engine (``bots.flows.runner.advance``) on the version the session started with and
carries out its outputs through the owners' services: messages through inbox, saved
fields through crm, ``handoff`` through ``routing.services.session_handoff`` (in
``outside_hours`` mode the queued session then waits for the group to open, as routing
does for every closed group), ``end`` through inbox's ``session_close``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bots import selectors
from bots.flows import engine, runner
from bots.models import Bot, BotMode, BotSession, BotVersion
from contactcenter import events
from contactcenter.api_common import StateConflict
from crm import services as crm_services
from crm.models import Contact
from inbox import services as inbox_services
from inbox.handlers import Handler
from inbox.models import CloseReason, Message, SenderType, Session, SessionStatus
from routing import services as routing_services
from routing.hours import group_is_open
from routing.models import Group

logger = logging.getLogger(__name__)

HANDLER_PREFIX = "bots.flow:"
# what the runtime keeps beside the engine's state in ``BotSession.state``
SEEN_KEY = "seen_message"
CHOICES_KEY = "choices"  # the titles of the buttons pressed, for the operator
MAX_CHOICES = 20


# --- who starts with a bot ----------------------------------------------------------------


def channel_bot(*, channel_id: int) -> Bot | None:
    """The bot of a channel (the oldest, should an admin attach two), unless it is off
    or has no published flow yet."""
    return (
        Bot.objects.filter(channels=channel_id, version__gt=0)
        .exclude(mode=BotMode.OFF)
        .order_by("id")
        .first()
    )


def session_claim(session: Session) -> Handler | None:
    """The decider (``inbox.handlers``): reads only, for a session not yet written."""
    bot = channel_bot(channel_id=session.dialog.channel_id)
    if bot is None:
        return None
    if bot.mode == BotMode.OUTSIDE_HOURS:
        group = Group.objects.filter(pk=session.group_id).first() if session.group_id else None
        if group is None or group_is_open(group=group, at=timezone.now()):
            return None
    return Handler(name=f"{HANDLER_PREFIX}{bot.pk}")


def handler_bot_id(handler: str | None) -> int | None:
    """The bot id that ``SessionOpened.handler`` names, if a bot claimed the session."""
    if not handler or not handler.startswith(HANDLER_PREFIX):
        return None
    ident = handler[len(HANDLER_PREFIX) :]
    return int(ident) if ident.isdigit() else None


# --- steps --------------------------------------------------------------------------------


@transaction.atomic
def bot_session_start(*, session_id: int, bot_id: int) -> BotSession | None:
    """Starts the bot's current version in a session that opened with it; the bot
    answers the contact's first message. A bot that is gone hands the session to
    people rather than leaving it with nobody."""
    session = (
        Session.objects.select_for_update(of=("self",)).select_related("dialog").get(pk=session_id)
    )
    if session.status != SessionStatus.BOT or BotSession.objects.filter(session=session).exists():
        return None
    bot = Bot.objects.filter(pk=bot_id).first()
    version = (
        BotVersion.objects.filter(bot=bot, number=bot.version).first() if bot is not None else None
    )
    if bot is None or version is None:
        routing_services.session_handoff(session_id=session.pk)
        return None
    first = _contact_messages(session).order_by("-id").values_list("id", "text").first()
    state = engine.State(session={"group_open": _group_open(session)})
    bot_session = BotSession.objects.create(session=session, version=version)
    selectors.bot_sessions_live_forget()
    events.emit(
        events.BotSessionStarted(session_id=session.pk, bot_id=bot.pk, version=version.number)
    )
    event = engine.Start(text=first[1] if first else "")
    _advance(session, bot_session, state, event, seen=first[0] if first else 0)
    return bot_session


@transaction.atomic
def bot_session_text(*, session_id: int, message_id: int) -> None:
    """The contact wrote in a ``bot`` session: a typed answer, a button's title or
    number, or the handoff keyword. A message the bot has already seen (the one that
    opened the session) is not answered twice."""
    locked = _locked(session_id)
    if locked is None:
        return
    session, bot_session = locked
    if message_id <= int(bot_session.state.get(SEEN_KEY) or 0):
        return
    text = (
        Message.objects.filter(pk=message_id, session=session, sender_type=SenderType.CONTACT)
        .values_list("text", flat=True)
        .first()
    )
    if not text:
        return  # a file without words: nothing the bot can read
    state = engine.State.from_dict(bot_session.state)
    _advance(session, bot_session, state, engine.Text(text), seen=message_id)


@transaction.atomic
def bot_session_press(*, session_id: int, node: str, button: str) -> None:
    """The contact pressed one of the bot's buttons (any channel)."""
    locked = _locked(session_id)
    if locked is None:
        return
    session, bot_session = locked
    state = engine.State.from_dict(bot_session.state)
    seen = int(bot_session.state.get(SEEN_KEY) or 0)
    title = _button_title(bot_session, node, button)
    choices = list(bot_session.state.get(CHOICES_KEY) or [])
    if title:  # a press is no message: the operator reads it in the bot panel
        choices = [*choices, title][-MAX_CHOICES:]
    press = engine.Press(node=node, button=button)
    _advance(session, bot_session, state, press, seen=seen, choices=choices)


def _button_title(bot_session: BotSession, node: str, button: str) -> str:
    flow = bot_session.version.flow if bot_session.version is not None else {}
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    step = nodes.get(node) if isinstance(nodes, dict) else None
    for item in (step.get("buttons") or []) if isinstance(step, dict) else []:
        if isinstance(item, dict) and str(item.get("id")) == button:
            return str(item.get("title") or "")
    return ""


def _locked(session_id: int) -> tuple[Session, BotSession] | None:
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("dialog")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.status != SessionStatus.BOT:
        return None
    bot_session = (
        BotSession.objects.select_for_update(of=("self",))
        .select_related("version__bot")
        .filter(session=session)
        .first()
    )
    if bot_session is None or bot_session.state.get("outcome") in engine.FINISHED:
        return None
    if bot_session.version is None:  # the bot was deleted meanwhile: people take over
        routing_services.session_handoff(session_id=session.pk)
        return None
    return session, bot_session


def _advance(
    session: Session,
    bot_session: BotSession,
    state: engine.State,
    event: engine.Event,
    *,
    seen: int,
    choices: list[str] | None = None,
) -> None:
    version = bot_session.version
    assert version is not None  # see _locked
    bot = version.bot
    # conditions read the contact as it is now (an operator or the CRM may have changed it)
    state = dataclasses.replace(state, contact=_contact_facts(session.dialog.contact_id))
    state, outputs = runner.advance(version.flow, state, event, keywords=bot.handoff_keywords)
    if choices is None:
        choices = list(bot_session.state.get(CHOICES_KEY) or [])
    bot_session.state = {**state.as_dict(), SEEN_KEY: seen, CHOICES_KEY: choices}
    bot_session.node = state.node or ""
    bot_session.attempts = state.attempts
    bot_session.collected = dict(state.collected)
    bot_session.outcome = state.outcome
    bot_session.save()
    for output in outputs:
        _carry_out(session, bot, output)


def _carry_out(session: Session, bot: Bot, output: engine.Output) -> None:
    if isinstance(output, engine.Say):
        inbox_services.bot_message_send(
            session=session,
            text=output.text,
            buttons=[dict(b) for b in output.buttons] or None,
            node=output.node if output.buttons else None,
            sender_name=bot.name,
        )
    elif isinstance(output, engine.Save):
        _save(session, output)
    elif isinstance(output, engine.Handoff):
        _handoff(session, bot, output)
    elif isinstance(output, engine.End):
        inbox_services.session_close(session_id=session.pk, reason=CloseReason.RESOLVED)
        events.emit(events.BotSessionResolved(session_id=session.pk, bot_id=bot.pk))


def _handoff(session: Session, bot: Bot, output: engine.Handoff) -> None:
    try:
        with transaction.atomic():
            handed = routing_services.session_handoff(
                session_id=session.pk, group=output.group, priority=output.priority
            )
    except StateConflict:  # the group was deleted since the flow was published
        logger.warning("bot %s: handoff to group %s refused; default group", bot.pk, output.group)
        handed = routing_services.session_handoff(session_id=session.pk)
    events.emit(
        events.BotSessionHandedOff(
            session_id=session.pk,
            bot_id=bot.pk,
            group_id=handed.group_id,
            keyword=output.reason == "keyword",
        )
    )


def _save(session: Session, output: engine.Save) -> None:
    """A value the contact gave, on their contact record. A checked e-mail or phone
    links identities as the identity policy says; a value the contact record refuses
    is kept in the bot's collected data only."""
    dialog_id = session.dialog_id
    field, value = output.field, output.value
    try:
        with transaction.atomic():
            if field in ("email", "phone") and output.check in ("email", "phone"):
                inbox_services.dialog_contact_verified_link(dialog_id=dialog_id, **{field: value})
            contact = Contact.objects.get(dialogs__pk=dialog_id)
            if field.startswith("attributes."):
                crm_services.contact_attributes_merge(
                    contact=contact, attributes={field.removeprefix("attributes."): value}
                )
            elif field in ("name", "email", "phone") and getattr(contact, field) != value:
                crm_services.contact_update(contact=contact, data={field: value})
    except (ValidationError, StateConflict) as refused:
        logger.info("session %s: %s not saved on the contact: %s", session.pk, field, refused)


def _contact_messages(session: Session) -> Any:
    return Message.objects.filter(session=session, sender_type=SenderType.CONTACT)


def _contact_facts(contact_id: int) -> dict[str, Any]:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return {}
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "attributes": dict(contact.attributes or {}),
    }


def _group_open(session: Session) -> bool:
    group = Group.objects.filter(pk=session.group_id).first() if session.group_id else None
    return group is None or group_is_open(group=group, at=timezone.now())
