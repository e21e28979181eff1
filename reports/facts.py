"""Per-conversation figures (``ConversationFact``), folded from a conversation's
sessions: the listeners refresh them as the domain events arrive and the backfill
builds them for the past, through the same function.

A conversation is a session and those that continue it by transfer (each next one's
``previous_session`` closed as ``transferred``)."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from bots.models import BotSession
from inbox.models import CloseReason, Message, SenderType, Session
from reports import rollups
from reports.models import ConversationFact
from routing.business_time import Schedule, business_seconds, schedule_of
from routing.models import Group
from routing.sla import sla_target_s, waiting_since_of

# abandons within this many seconds are left out of the service level
SHORT_ABANDON_S = 5
# upper edges, in seconds, of the first response histogram (median and p90 read it)
BUCKET_EDGES: tuple[int, ...] = (
    tuple(range(5, 60, 5))
    + tuple(range(60, 300, 10))
    + tuple(range(300, 1800, 60))
    + tuple(range(1800, 4 * 3600, 300))
    + tuple(range(4 * 3600, 7 * 86400 + 1, 3600))
)


def bucket_of(seconds: float) -> int:
    """The histogram bucket (its upper edge) of a duration; the last edge holds longer."""
    index = bisect.bisect_left(BUCKET_EDGES, seconds)
    return BUCKET_EDGES[min(index, len(BUCKET_EDGES) - 1)]


def conversation_root(session: Session) -> Session:
    """The first session of the transfer chain ``session`` belongs to."""
    current = session
    while current.previous_session_id is not None:
        previous = (
            Session.objects.filter(pk=current.previous_session_id)
            .only("id", "close_reason", "previous_session_id", "created_at")
            .first()
        )
        if previous is None or previous.close_reason != CloseReason.TRANSFERRED:
            break
        current = previous
    return current


def conversation_chain(root: Session) -> list[Session]:
    """The root and the sessions continuing it by transfer, in order."""
    chain = [root]
    while chain[-1].close_reason == CloseReason.TRANSFERRED:
        following = Session.objects.filter(previous_session_id=chain[-1].pk).order_by("id").first()
        if following is None:
            break
        chain.append(following)
    return chain


@dataclass
class _Reply:
    at: dt.datetime
    session: Session


def _first_reply(chain: list[Session]) -> _Reply | None:
    ids = [s.pk for s in chain]
    row = (
        Message.objects.filter(session_id__in=ids, sender_type=SenderType.OPERATOR, internal=False)
        .order_by("created_at", "id")
        .values_list("created_at", "session_id")
        .first()
    )
    if row is None:
        return None
    return _Reply(at=row[0], session=next(s for s in chain if s.pk == row[1]))


def _first_contact_at(chain: list[Session]) -> dt.datetime | None:
    return (
        Message.objects.filter(session_id__in=[s.pk for s in chain], sender_type="contact")
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


class Schedules:
    """Groups and their schedules, loaded once per group."""

    def __init__(self) -> None:
        self.groups: dict[int, Group] = {}
        self.schedules: dict[int | None, Schedule] = {None: schedule_of(None)}
        self.missing: set[int] = set()

    def load(self, group_ids: set[int]) -> None:
        """Reads the groups not read yet, all at once (one query and a prefetch)."""
        wanted = group_ids - self.groups.keys() - self.missing
        if not wanted:
            return
        found = Group.objects.prefetch_related("working_hours", "holidays").filter(pk__in=wanted)
        for group in found:
            self.groups[group.pk] = group
            self.schedules[group.pk] = schedule_of(group)
        self.missing |= wanted - self.groups.keys()

    def group(self, group_id: int | None) -> Group | None:
        if group_id is None or group_id in self.missing:
            return None
        if group_id not in self.groups:
            found = (
                Group.objects.prefetch_related("working_hours", "holidays")
                .filter(pk=group_id)
                .first()
            )
            if found is None:
                return None
            self.groups[group_id] = found
            self.schedules[group_id] = schedule_of(found)
        return self.groups[group_id]

    def schedule(self, group_id: int | None) -> Schedule:
        return self.schedules[group_id if self.group(group_id) is not None else None]


def _spans(chain: list[Session], schedule: Schedule) -> dict[str, Any]:
    """Queue waits and handle times, added up over the chain's sessions."""
    out: dict[str, Any] = {"waits": 0, "wait_s": 0.0, "wait_bh_s": 0, "handled": False}
    out |= {"handle_s": 0.0, "handle_bh_s": 0}
    for s in chain:
        if s.queued_at is not None and s.assigned_at is not None:
            out["waits"] += 1
            out["wait_s"] += max(0.0, (s.assigned_at - s.queued_at).total_seconds())
            out["wait_bh_s"] += business_seconds(schedule, s.queued_at, s.assigned_at)
        if s.assigned_at is not None and s.closed_at is not None:
            out["handled"] = True
            out["handle_s"] += max(0.0, (s.closed_at - s.assigned_at).total_seconds())
            out["handle_bh_s"] += business_seconds(schedule, s.assigned_at, s.closed_at)
    return out


def conversation_figures(chain: list[Session], schedules: Schedules) -> dict[str, Any]:
    """The fact's fields for one conversation (see ``ConversationFact``)."""
    return figures_of(
        chain,
        schedules,
        reply=_first_reply(chain),
        bot=BotSession.objects.filter(session_id=chain[0].pk).exists(),
        first_contact_at=_first_contact_at(chain),
    )


def figures_of(
    chain: list[Session],
    schedules: Schedules,
    *,
    reply: _Reply | None,
    bot: bool,
    first_contact_at: dt.datetime | None,
) -> dict[str, Any]:
    """``conversation_figures`` from what it reads: the chain's first operator reply,
    whether a bot had the conversation first and the contact's first message (a batch
    reads these for all its conversations at once, ``reports.batch``)."""
    root, last = chain[0], chain[-1]
    group_id = reply.session.group_id if reply is not None else last.group_id
    group, schedule = schedules.group(group_id), schedules.schedule(group_id)
    target = sla_target_s(group)
    start = waiting_since_of(
        created_at=root.created_at,
        # a requeue moves ``queued_at`` too: only a bot's handoff restarts the clock
        queued_at=root.queued_at if bot else None,
        first_contact_at=first_contact_at,
        first_reply_at=reply.at if reply is not None else None,
    )
    fields: dict[str, Any] = {
        "started_at": root.created_at,
        "group_id": group_id,
        "operator_id": reply.session.operator_id if reply is not None else None,
        "channel_id": root.dialog.channel_id,
        "schedule_version": schedule.version,
        "transfers": sum(1 for s in chain if s.close_reason == CloseReason.TRANSFERRED),
        "bot": bot,
        "bot_handoff": bot and root.queued_at is not None,
        "bot_resolved": bot
        and root.queued_at is None
        and root.close_reason == CloseReason.RESOLVED,
        "rating": next((s.rating for s in reversed(chain) if s.rating is not None), None),
    } | _spans(chain, schedule)
    fields |= _response(reply, start, schedule, target)
    fields |= _abandon(last, start, schedule, target, answered=reply is not None)
    return fields


def _response(
    reply: _Reply | None, start: dt.datetime, schedule: Schedule, target: int
) -> dict[str, Any]:
    if reply is None:
        return {
            "answered": False,
            "first_response_s": None,
            "first_response_bh_s": None,
            "fr_bucket_s": None,
            "fr_bucket_bh_s": None,
            "on_target": False,
            "on_target_bh": False,
        }
    raw = max(0.0, (reply.at - start).total_seconds())
    business = business_seconds(schedule, start, reply.at)
    return {
        "answered": True,
        "first_response_s": raw,
        "first_response_bh_s": business,
        "fr_bucket_s": bucket_of(raw),
        "fr_bucket_bh_s": bucket_of(business),
        "on_target": raw <= target,
        "on_target_bh": business <= target,
    }


def _abandon(
    last: Session, start: dt.datetime, schedule: Schedule, target: int, *, answered: bool
) -> dict[str, Any]:
    abandoned = (
        not answered and last.close_reason == CloseReason.ABANDONED and last.closed_at is not None
    )
    if not abandoned or last.closed_at is None:
        return {"abandoned": False, "abandoned_late": False, "abandoned_late_bh": False}
    waited = (last.closed_at - start).total_seconds()
    waited_bh = business_seconds(schedule, start, last.closed_at)
    short = waited <= SHORT_ABANDON_S
    return {
        "abandoned": True,
        "abandoned_late": not short and waited > target,
        "abandoned_late_bh": not short and waited_bh > target,
    }


def conversation_fact_refresh(
    *, session_id: int, schedules: Schedules | None = None, session: Session | None = None
) -> ConversationFact | None:
    """Recomputes the figures of the conversation ``session_id`` belongs to (None when
    the session is gone). ``session``: that session, just read with its dialog, when the
    caller has it (it is not read again)."""
    if session is None or session.pk != session_id:
        session = Session.objects.select_related("dialog").filter(pk=session_id).first()
    if session is None:
        return None
    root = conversation_root(session)
    if root.pk != session.pk:
        root = Session.objects.select_related("dialog").get(pk=root.pk)
    chain = conversation_chain(root)
    figures = conversation_figures(chain, schedules or Schedules())
    return fact_write(conversation_id=root.pk, figures=figures)


def fact_write(*, conversation_id: int, figures: dict[str, Any]) -> ConversationFact:
    """Stores a conversation's figures and moves its contribution in the rollups, in one
    transaction: the old row locked and read, then what changed and the rollups' deltas
    in one statement on PostgreSQL (nothing when nothing changed). Two writers creating
    the same row need no savepoint: the loser's insert does nothing and it updates."""
    with transaction.atomic(savepoint=False):
        fact = _locked(conversation_id)
        if fact is None:
            fact = ConversationFact(conversation_id=conversation_id, **figures)
            if _inserted(fact):
                rollups.fact_changed(None, rollups.snapshot(fact))
                return fact
            fact = _locked(conversation_id)
            assert fact is not None  # another writer's row, committed before our insert
        changed = [name for name, value in figures.items() if getattr(fact, name) != value]
        if not changed:
            return fact
        before = rollups.snapshot(fact)
        for name in changed:
            setattr(fact, name, figures[name])
        fact.updated_at = timezone.now()
        rollups.fact_changed(before, rollups.snapshot(fact), with_=[_update(fact, changed)])
    return fact


def _locked(conversation_id: int) -> ConversationFact | None:
    return (
        ConversationFact.objects.select_for_update().filter(conversation_id=conversation_id).first()
    )


def _db_values(fact: ConversationFact, names: list[str]) -> list[Any]:
    fields = {f.attname: f for f in ConversationFact._meta.concrete_fields}
    return [fields[n].get_db_prep_save(getattr(fact, n), connection) for n in names]


def _inserted(fact: ConversationFact) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``: False when the row exists already."""
    fact.updated_at = timezone.now()
    names = [f.attname for f in ConversationFact._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(ConversationFact._meta.db_table)} ({', '.join(q(n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT ({q('conversation_id')}) DO NOTHING RETURNING {q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _db_values(fact, names))
        row = cursor.fetchone()
    if row is None:
        return False
    fact.pk = row[0]
    return True


def _update(fact: ConversationFact, changed: list[str]) -> tuple[str, list[Any]]:
    names = [*changed, "updated_at"]
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(n)} = %s" for n in names)
    sql = f"UPDATE {q(ConversationFact._meta.db_table)} SET {assignments} WHERE {q('id')} = %s"
    return sql, [*_db_values(fact, names), fact.pk]


def conversations_backfill(*, since: dt.datetime | None = None) -> int:
    """Builds the figures of every conversation whose first session was created since
    ``since`` (all when None); returns how many."""
    roots = Session.objects.exclude(
        Q(previous_session__close_reason=CloseReason.TRANSFERRED)
    ).order_by("id")
    if since is not None:
        roots = roots.filter(created_at__gte=since)
    schedules = Schedules()
    count = 0
    for session_id in roots.values_list("pk", flat=True).iterator(chunk_size=2000):
        conversation_fact_refresh(session_id=session_id, schedules=schedules)
        count += 1
    return count
