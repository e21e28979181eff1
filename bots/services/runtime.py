"""Bot flows on the live channels: who starts with a bot, and each step of it.

``session_claim`` is the decider registered with ``inbox.handlers``: a new session on
a channel with a bot in mode ``always``, or ``outside_hours`` while the session's
group is closed, opens as ``bot`` and ``SessionOpened`` names ``bots.flow:<bot id>``.
The listeners then hand a ``Step`` (the start, then each text and press of the contact
in a ``bot`` session) to ``bots.services.stepper``, which carries them out in batches
with ``bot_steps``. Each step runs the pure engine (``bots.flows.runner.advance``) on
the version the session started with and carries out its outputs through the owners'
services: messages through inbox (``bot_messages_send``: one insert for a batch), saved
fields through crm (``contacts_values_set``: one lock for a batch), ``handoff`` through
``routing.services.session_handoff`` (in ``outside_hours`` mode the queued session then
waits for the group to open, as routing does for every closed group), ``end`` through
inbox's ``session_close``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
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
from inbox.models import CloseReason, Dialog, Message, SenderType, Session, SessionStatus
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


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """What happened in a ``bot`` session: ``start``, it opened with the bot of that id
    (the bot answers the contact's first message); or the contact wrote ``message_id``
    (a typed answer, a button's title or number, the handoff keyword); or pressed
    ``button`` of the bot's step ``node``."""

    session_id: int
    message_id: int = 0
    node: str = ""
    button: str = ""
    start: int = 0


def bot_steps(steps: list[Step]) -> None:
    """Carries out ``steps`` in order, together: per round one query locks the sessions
    and their bot states, one reads the texts, one the contacts, one saves the states and
    one inserts every bot message (``inbox.services.bot_messages_send``); saved fields,
    handoffs and ends follow, each through its owner's service. A session's second step
    in the same batch waits for the next round, so it sees the first one's outcome."""
    pending = list(steps)
    while pending:
        now: list[Step] = []
        later: list[Step] = []
        sessions: set[int] = set()
        for step in pending:
            (later if step.session_id in sessions else now).append(step)
            sessions.add(step.session_id)
        _round(now)
        pending = later


# (the bot state, the engine's event, the last message the bot has seen, pressed titles)
Move = tuple[BotSession, engine.Event, int, list[str]]


@transaction.atomic
def _round(steps: list[Step]) -> None:
    begun = _begin([step for step in steps if step.start])
    moves = [*begun, *_moves([step for step in steps if not step.start])]
    facts = _contacts_facts(
        [m[0].session.dialog.contact_id for m in moves if _reads_contact(m[0].version)]
    )
    says: list[inbox_services.BotSay] = []
    saves: list[tuple[Session, engine.Save]] = []
    later: list[tuple[Session, Bot, engine.Output]] = []
    for bot_session, event, seen, choices in moves:
        session, bot = bot_session.session, _bot_of(bot_session)
        contact = facts.get(session.dialog.contact_id, {})
        for output in _advance(bot_session, bot, contact, event, seen, choices):
            if isinstance(output, engine.Say):
                says.append(_say(session, bot, output))
            elif isinstance(output, engine.Save) and not _links(output):
                saves.append((session, output))
            else:
                later.append((session, bot, output))
    if begun:
        BotSession.objects.bulk_create([move[0] for move in begun])
    _states_save([move[0] for move in moves[len(begun) :]])
    if says:
        inbox_services.bot_messages_send(says)
    if saves:
        _saves(saves)
    for session, bot, output in later:
        _carry_out(session, bot, output)


def _moves(steps: list[Step]) -> list[Move]:
    """The contacts' texts and presses in sessions still with a bot."""
    if not steps:
        return []
    held = _locked({step.session_id for step in steps})
    wanted = [step.message_id for step in steps if step.message_id and step.session_id in held]
    texts = dict(
        Message.objects.filter(pk__in=wanted, sender_type=SenderType.CONTACT).values_list(
            "pk", "text"
        )
        if wanted
        else ()
    )
    moves: list[Move] = []
    for step in steps:
        bot_session = held.get(step.session_id)
        event = _event(step, bot_session, texts) if bot_session is not None else None
        if bot_session is not None and event is not None:
            moves.append((bot_session, *event))
    return moves


def _begin(starts: list[Step]) -> list[Move]:
    """New bot states (not saved yet) for the sessions that opened with a bot and have
    none: the bot's current version, the contact's first message to answer. A session
    whose bot is gone (or never published) goes to people rather than to nobody."""
    if not starts:
        return []
    sessions = {
        session.pk: session
        for session in Session.objects.select_for_update(of=("self",))
        .select_related("dialog")
        .filter(
            pk__in=[step.session_id for step in starts],
            status=SessionStatus.BOT,
            bot_state__isnull=True,
        )
        .order_by("pk")
    }
    versions = _current_versions({step.start for step in starts})
    firsts = _last_contact_messages(list(sessions))
    opened = _groups_open({session.group_id for session in sessions.values()})
    begun: list[Move] = []
    for step in starts:
        session = sessions.get(step.session_id)
        version = versions.get(step.start)
        if session is None:
            continue
        if version is None:
            routing_services.session_handoff(session_id=session.pk)
            continue
        state = engine.State(session={"group_open": opened.get(session.group_id, True)})
        bot_session = BotSession(session=session, version=version, state=state.as_dict())
        seen, text = firsts.get(session.pk, (0, ""))
        begun.append((bot_session, engine.Start(text=text), seen, []))
        events.emit(
            events.BotSessionStarted(
                session_id=session.pk, bot_id=version.bot_id, version=version.number
            )
        )
    if begun:
        selectors.bot_sessions_live_forget()
    return begun


def _current_versions(bot_ids: set[int]) -> dict[int, BotVersion]:
    """Each bot's current version (with its bot), by bot id."""
    bots = {bot.pk: bot for bot in Bot.objects.filter(pk__in=bot_ids, version__gt=0)}
    found = BotVersion.objects.filter(
        bot_id__in=bots, number__in={b.version for b in bots.values()}
    )
    versions: dict[int, BotVersion] = {}
    for version in found:
        bot = bots[version.bot_id]
        if version.number == bot.version:
            version.bot = bot
            versions[bot.pk] = version
    return versions


def _last_contact_messages(session_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The contact's last message (id, text) in each session, in one query."""
    last: dict[int, tuple[int, str]] = {}
    rows = Message.objects.filter(
        session_id__in=session_ids, sender_type=SenderType.CONTACT
    ).values_list("pk", "session_id", "text")
    for pk, session_id, text in rows:
        if pk > last.get(session_id, (0, ""))[0]:
            last[session_id] = (pk, text or "")
    return last


def _groups_open(group_ids: set[int | None]) -> dict[int | None, bool]:
    now = timezone.now()
    groups = Group.objects.filter(pk__in=[pk for pk in group_ids if pk is not None])
    return {group.pk: group_is_open(group=group, at=now) for group in groups}


def _event(
    step: Step, bot_session: BotSession, texts: dict[int, str]
) -> tuple[engine.Event, int, list[str]] | None:
    """The engine's event for ``step``, the last message the bot has seen after it, and
    the titles of the buttons pressed so far; None when there is nothing to answer."""
    seen = int(bot_session.state.get(SEEN_KEY) or 0)
    choices = list(bot_session.state.get(CHOICES_KEY) or [])
    if step.message_id:
        text = texts.get(step.message_id)
        if step.message_id <= seen or not text:
            return None  # seen already (it opened the session), or a file without words
        return engine.Text(text), step.message_id, choices
    title = _button_title(bot_session, step.node, step.button)
    if title:  # a press is no message: the operator reads it in the bot panel
        choices = [*choices, title][-MAX_CHOICES:]
    return engine.Press(node=step.node, button=step.button), seen, choices


def _button_title(bot_session: BotSession, node: str, button: str) -> str:
    flow = bot_session.version.flow if bot_session.version is not None else {}
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    step = nodes.get(node) if isinstance(nodes, dict) else None
    for item in (step.get("buttons") or []) if isinstance(step, dict) else []:
        if isinstance(item, dict) and str(item.get("id")) == button:
            return str(item.get("title") or "")
    return ""


def _locked(session_ids: set[int]) -> dict[int, BotSession]:
    """The bot states of the sessions still with a bot, locked with their sessions (in
    id order, one statement). A session whose bot was deleted meanwhile goes to people."""
    # The dialogs first, in id order, as every writer of a conversation locks them
    # (the message store holds its dialog while it touches the session): a bot's
    # message into a dialog the store holds would otherwise wait on it while holding
    # the session the store waits for.
    list(
        Dialog.objects.select_for_update(of=("self",))
        .filter(sessions__pk__in=session_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = list(
        BotSession.objects.select_for_update(of=("self", "session"))
        .select_related("session__dialog")
        .filter(session_id__in=session_ids, session__status=SessionStatus.BOT)
        .order_by("session_id")
    )
    versions = _versions({row.version_id for row in rows if row.version_id is not None})
    held: dict[int, BotSession] = {}
    for bot_session in rows:
        bot_session.version = versions.get(bot_session.version_id or 0)
        if bot_session.state.get("outcome") in engine.FINISHED:
            continue
        if bot_session.version is None:  # the bot was deleted meanwhile: people take over
            routing_services.session_handoff(session_id=bot_session.session_id)
            continue
        held[bot_session.session_id] = bot_session
    return held


# Published versions never change (a change of a flow is a new version): their flows are
# read once per process, not with every step. The bots themselves (name, keywords) are
# read with every batch.
_flows: dict[int, tuple[int, dict[str, Any]]] = {}
MAX_FLOWS_KEPT = 1000


def _reads_contact(version: BotVersion | None) -> bool:
    """Whether a condition of the flow reads ``contact.*`` (else the contact's row need
    not be read for its steps)."""
    flow = version.flow if version is not None else None
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    if not isinstance(nodes, dict):
        return False
    return any(
        isinstance(node, dict)
        and node.get("type") == "condition"
        and any(
            str(rule.get("field", "")).startswith("contact.")
            for rule in node.get("rules") or []
            if isinstance(rule, dict)
        )
        for node in nodes.values()
    )


def versions_forget() -> None:
    """Forgets the flows read (a test database that reuses ids after a flush)."""
    _flows.clear()


def _versions(version_ids: set[int]) -> dict[int, BotVersion]:
    """The versions, each with its bot as it is now, by id (one query for the bots, one
    for the flows not read before)."""
    missing = [pk for pk in version_ids if pk not in _flows]
    if missing:
        if len(_flows) + len(missing) > MAX_FLOWS_KEPT:
            _flows.clear()
        for pk, bot_id, flow in BotVersion.objects.filter(pk__in=missing).values_list(
            "pk", "bot_id", "flow"
        ):
            _flows[pk] = (bot_id, flow)
    known = {pk: _flows[pk] for pk in version_ids if pk in _flows}
    bots = Bot.objects.in_bulk({bot_id for bot_id, _ in known.values()})
    versions: dict[int, BotVersion] = {}
    for pk, (bot_id, flow) in known.items():
        if bot_id in bots:
            versions[pk] = BotVersion(pk=pk, bot=bots[bot_id], flow=flow)
    return versions


def _bot_of(bot_session: BotSession) -> Bot:
    version = bot_session.version
    assert version is not None  # see _locked
    return version.bot


def _advance(
    bot_session: BotSession,
    bot: Bot,
    contact: dict[str, Any],
    event: engine.Event,
    seen: int,
    choices: list[str],
) -> list[engine.Output]:
    """One step of the engine on ``bot_session`` (changed in memory; saved by the
    caller). Conditions read the contact as it is now (an operator or the CRM may have
    changed it)."""
    version = bot_session.version
    assert version is not None  # see _locked
    state = engine.State.from_dict(bot_session.state)
    state = dataclasses.replace(state, contact=contact)
    state, outputs = runner.advance(version.flow, state, event, keywords=bot.handoff_keywords)
    bot_session.state = {**state.as_dict(), SEEN_KEY: seen, CHOICES_KEY: choices}
    bot_session.node = state.node or ""
    bot_session.attempts = state.attempts
    bot_session.collected = dict(state.collected)
    bot_session.outcome = state.outcome
    return outputs


STATE_FIELDS = ("state", "node", "attempts", "collected", "outcome", "updated_at")

# PostgreSQL: a batch's bot states in one statement from arrays (``bulk_update``'s CASE
# per field and row cost more in Python than the whole step).
STATES_SQL = """
UPDATE "bots_botsession" b
   SET "state" = v.state::jsonb, "node" = v.node, "attempts" = v.attempts,
       "collected" = v.collected::jsonb, "outcome" = v.outcome, "updated_at" = %(now)s
  FROM unnest(%(ids)s::bigint[], %(states)s::text[], %(nodes)s::varchar[],
              %(attempts)s::int[], %(collected)s::text[], %(outcomes)s::varchar[])
       AS v(id, state, node, attempts, collected, outcome)
 WHERE b."id" = v.id
"""


def _states_save(changed: list[BotSession]) -> None:
    now = timezone.now()
    for bot_session in changed:
        bot_session.updated_at = now
    if len(changed) == 1 or (changed and connection.vendor != "postgresql"):
        for bot_session in changed:
            bot_session.save(update_fields=STATE_FIELDS)
        return
    if changed:
        params: dict[str, Any] = {
            "now": now,
            "ids": [b.pk for b in changed],
            "states": [json.dumps(b.state) for b in changed],
            "nodes": [b.node for b in changed],
            "attempts": [b.attempts for b in changed],
            "collected": [json.dumps(b.collected) for b in changed],
            "outcomes": [b.outcome for b in changed],
        }
        with connection.cursor() as cursor:
            cursor.execute(STATES_SQL, params)


def _say(session: Session, bot: Bot, output: engine.Say) -> inbox_services.BotSay:
    return inbox_services.BotSay(
        session=session,
        text=output.text,
        buttons=[dict(b) for b in output.buttons] or None,
        node=output.node if output.buttons else None,
        sender_name=bot.name,
    )


def _carry_out(session: Session, bot: Bot, output: engine.Output) -> None:
    if isinstance(output, engine.Say):
        inbox_services.bot_messages_send([_say(session, bot, output)])
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


def _links(output: engine.Save) -> bool:
    """A checked e-mail or phone: it may link the contact's identities (``_save``)."""
    return output.field in ("email", "phone") and output.check in ("email", "phone")


def _saves(saves: list[tuple[Session, engine.Save]]) -> None:
    """Values the contacts gave, on their contact records, together (a value the record
    refuses is kept in the bot's collected data only)."""
    values = [(s.dialog.contact_id, output.field, output.value) for s, output in saves]
    for index, refused in crm_services.contacts_values_set(values).items():
        session, output = saves[index]
        logger.info(
            "session %s: %s not saved on the contact: %s", session.pk, output.field, refused
        )


def _save(session: Session, output: engine.Save) -> None:
    """A value the contact gave, on their contact record. A checked e-mail or phone
    links identities as the identity policy says; a value the contact record refuses
    is kept in the bot's collected data only."""
    dialog_id = session.dialog_id
    field, value = output.field, output.value
    try:
        with transaction.atomic():
            if _links(output):
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


def _contacts_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What conditions read as ``contact.*``, for each contact, in one query."""
    if not contact_ids:
        return {}
    rows = Contact.objects.filter(pk__in=set(contact_ids)).values(
        "pk", "name", "email", "phone", "attributes"
    )
    return {
        row["pk"]: {
            "name": row["name"],
            "email": row["email"],
            "phone": row["phone"],
            "attributes": dict(row["attributes"] or {}),
        }
        for row in rows
    }
