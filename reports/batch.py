"""Recording a lane batch of domain events set-based (``batch_record``, called by
``reports.services.events_record``).

Recorded one by one (``reports.services.event_record``), each event costs about a dozen
statements: its session, the transfer chain, the first replies, the bot's session, the
fact locked and written, the rollups, the metric event. A burst of assignments spends
most of its CPU there, in the dispatcher's own processes. A batch reads the same for
all its records with a few ``__in`` queries, computes the facts in Python with the
functions the one-by-one path uses (``reports.facts.figures_of``), and writes the facts,
the metric events and the rollups' deltas summed per key in a handful of statements, in
one transaction: the figures are the same as the one-by-one path's (the tests compare
them), since every record of a conversation refreshes it from the same stored state.

Several processes record at once (each dispatcher process has its lane): the facts are
locked in the order of their conversation ids and the rollups' rows in the order of
their keys, so two batches do not wait on each other in a cycle. A deadlock or
serialization failure all the same runs the batch again; a batch that still fails, for
any reason, is recorded one by one, each record in its own transaction, so that one bad
record (logged) costs only itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Min, QuerySet
from django.utils import timezone

from bots.models import BotSession
from contactcenter import sql_arrays
from inbox.models import CloseReason, Message, SenderType, Session
from reports import facts, rollups
from reports.models import ConversationFact, MetricEvent, MetricKind
from routing.business_time import business_seconds

# (what, session id, values): what ``reports.services.event_record`` takes; ``values``
# may hold ``at``, when the event happened (seconds since the epoch: a record may wait in
# the workers' queue)
Record = tuple[str, int, dict[str, Any]]
CLOSE_KINDS = {
    CloseReason.RESOLVED: MetricKind.RESOLVED,
    CloseReason.TRANSFERRED: MetricKind.TRANSFER,
    CloseReason.TIMEOUT: MetricKind.TIMEOUT,
    CloseReason.ABANDONED: MetricKind.ABANDONED,
}


@dataclass
class _Read:
    """What a batch reads for its records' conversations."""

    sessions: dict[int, Session] = field(default_factory=dict)  # every session read
    roots: dict[int, int] = field(default_factory=dict)  # a record's session -> its root
    chains: dict[int, list[Session]] = field(default_factory=dict)  # by root
    figures: dict[int, dict[str, Any]] = field(default_factory=dict)  # by root


def batch_record(records: Sequence[Record]) -> None:
    """Records the batch in the caller's transaction (``reports.services.events_record``
    holds one and retries it)."""
    schedules = facts.Schedules()
    read = _read(sorted({session_id for _, session_id, _ in records}), schedules)
    _facts_write(read.figures)
    events: dict[tuple[str, int, int], dict[str, Any]] = {}
    scores: dict[int, int] = {}
    for what, session_id, values in records:
        session = read.sessions.get(session_id) if session_id in read.roots else None
        if session is None:
            continue
        root = read.roots[session_id]
        for event in _events(what, session, root, read.figures[root], values, schedules):
            if "at" in values and what != "closed":  # when it happened, not when recorded
                event["occurred_at"] = dt.datetime.fromtimestamp(float(values["at"]), dt.UTC)
            events.setdefault((event["kind"], event["conversation_id"], event["ref"]), event)
        if what == "rated":
            scores[session_id] = values["score"]
    if events:  # in the order of their keys too
        _events_insert([events[key] for key in sorted(events)])
    for session_id, score in scores.items():  # a new score replaces the one recorded
        MetricEvent.objects.filter(kind=MetricKind.RATING, session_id=session_id).update(
            score=score
        )


# what the figures and the metric events read of a session (a burst's 500 sessions are
# read in one query: the columns nobody reads are not converted)
SESSION_FIELDS = (
    "id",
    "group_id",
    "operator_id",
    "previous_session_id",
    "created_at",
    "queued_at",
    "assigned_at",
    "closed_at",
    "close_reason",
    "rating",
    "dialog__channel_id",
)


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("dialog").only(*SESSION_FIELDS)


def _read(session_ids: list[int], schedules: facts.Schedules) -> _Read:
    read = _Read()
    found = _sessions().filter(pk__in=session_ids)
    read.sessions = {s.pk: s for s in found}
    # the roots: each record's session walked back while the previous session was
    # closed by a transfer, one query a step for all of them
    read.roots = {sid: sid for sid in read.sessions}
    walking = dict(read.roots)
    while walking:
        wanted = {read.sessions[at].previous_session_id for at in walking.values()}
        missing = {pk for pk in wanted if pk is not None and pk not in read.sessions}
        if missing:
            earlier = _sessions().filter(pk__in=missing)
            read.sessions |= {s.pk: s for s in earlier}
        step = {}
        for sid, at in walking.items():
            previous = read.sessions.get(read.sessions[at].previous_session_id or 0)
            if previous is not None and previous.close_reason == CloseReason.TRANSFERRED:
                read.roots[sid] = step[sid] = previous.pk
        walking = step
    _chains(read)
    _figures(read, schedules)
    return read


def _chains(read: _Read) -> None:
    """The chains from their roots, following the transfers (a query per step of the
    longest chain, for all chains at once)."""
    read.chains = {root: [read.sessions[root]] for root in set(read.roots.values())}
    open_ = {
        chain[-1].pk: root
        for root, chain in read.chains.items()
        if chain[-1].close_reason == CloseReason.TRANSFERRED
    }
    while open_:
        following: dict[int, Session] = {}
        rows = _sessions().filter(previous_session_id__in=list(open_)).order_by("id")
        for s in rows:
            assert s.previous_session_id is not None
            following.setdefault(s.previous_session_id, s)
        step = {}
        for tail, root in open_.items():
            nxt = following.get(tail)
            if nxt is None:
                continue
            nxt = read.sessions.setdefault(nxt.pk, nxt)
            read.chains[root].append(nxt)
            if nxt.close_reason == CloseReason.TRANSFERRED:
                step[nxt.pk] = root
        open_ = step


def _figures(read: _Read, schedules: facts.Schedules) -> None:
    """Every conversation's figures: first replies and first contact messages in one
    query, the bots' sessions in one, the groups in one (and their hours)."""
    ids = [s.pk for chain in read.chains.values() for s in chain]
    replies: dict[int, dt.datetime] = {}
    contacts: dict[int, dt.datetime] = {}
    rows = (
        Message.objects.filter(session_id__in=ids)
        .filter(
            sender_type__in=[SenderType.OPERATOR, SenderType.CONTACT],
        )
        .exclude(sender_type=SenderType.OPERATOR, internal=True)
        .values_list("session_id", "sender_type")
        .order_by()
        .annotate(at=Min("created_at"))
    )
    for session_id, sender, at in rows:
        (replies if sender == SenderType.OPERATOR else contacts)[session_id] = at
    bots = set(
        BotSession.objects.filter(session_id__in=list(read.chains)).values_list(
            "session_id", flat=True
        )
    )
    schedules.load({s.group_id for s in read.sessions.values() if s.group_id is not None})
    for root, chain in read.chains.items():
        read.figures[root] = facts.figures_of(
            chain,
            schedules,
            reply=_first_reply(chain, replies),
            bot=root in bots,
            first_contact_at=min((contacts[s.pk] for s in chain if s.pk in contacts), default=None),
        )


def _first_reply(chain: list[Session], replies: dict[int, dt.datetime]) -> facts._Reply | None:
    firsts = [(replies[s.pk], s) for s in chain if s.pk in replies]
    if not firsts:
        return None
    at = min(when for when, _ in firsts)
    tied = [s for when, s in firsts if when == at]
    if len(tied) > 1:  # two sessions' replies at the same instant: the message ids decide
        return facts._first_reply(chain)
    return facts._Reply(at=at, session=tied[0])


def _facts_write(figures: dict[int, dict[str, Any]]) -> None:
    """The conversations' facts and the rollups' deltas, summed over the batch. Every
    fact is locked (or inserted) in the order of the conversation ids, those that
    changed are updated, then the rollups' rows are written in the order of their keys
    (``rollups.deltas_write``): batches running at once take their locks in one order."""
    if not figures:
        return
    order = sorted(figures)
    now = timezone.now()
    rows = [{"conversation_id": cid, "updated_at": now} | figures[cid] for cid in order]
    tables = rollups.deltas_new()
    if connection.vendor == "postgresql":
        stored, inserted = _locked_or_inserted(rows)
    else:  # one writer at a time: nobody to deadlock with
        stored = _locked(order)
        inserted = _insert([row for row in rows if row["conversation_id"] not in stored])
    for cid in order:
        if cid in inserted:
            rollups.contribution_move(tables, None, _snapshot(figures[cid]))
    changed: list[tuple[ConversationFact, list[str]]] = []
    for cid, fact in sorted(stored.items()):
        names = [n for n, value in figures[cid].items() if getattr(fact, n) != value]
        if not names:
            continue
        before = rollups.snapshot(fact)
        for name in names:
            setattr(fact, name, figures[cid][name])
        fact.updated_at = now
        rollups.contribution_move(tables, before, _snapshot(figures[cid]))
        changed.append((fact, names))
    rollups.deltas_write(tables, with_=_updates(changed))


def _snapshot(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: figures[name] for name in rollups.FACT_FIELDS}


def _locked_or_inserted(
    rows: list[dict[str, Any]],
) -> tuple[dict[int, ConversationFact], set[int]]:
    """PostgreSQL, one statement: the new facts inserted and the existing ones locked,
    row after row in the order given. A conflict's no-op update locks the row and
    returns it as stored (its figures before this batch); ``xmax = 0`` tells an inserted
    row. Returns the stored facts by conversation and the conversations inserted."""
    names = _names()
    q = connection.ops.quote_name
    table = q(ConversationFact._meta.db_table)
    source, params = rollups.arrays_select(
        ConversationFact, names, [tuple(row[n] for n in names) for row in rows]
    )
    back = ["id", *names]
    sql = (
        f"INSERT INTO {table} ({', '.join(q(n) for n in names)}) {source} "
        f"ON CONFLICT ({q('conversation_id')}) DO UPDATE SET "
        f"{q('updated_at')} = {table}.{q('updated_at')} "
        f"RETURNING {table}.xmax = 0, {', '.join(f'{table}.{q(n)}' for n in back)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    fields = [ConversationFact._meta.get_field(n) for n in back]
    stored: dict[int, ConversationFact] = {}
    inserted: set[int] = set()
    for new, *values in returned:
        if new:  # values[0] is the id, values[1] the conversation
            inserted.add(values[1])
            continue
        converted = [_from_db(f, v) for f, v in zip(fields, values, strict=True)]
        fact = ConversationFact(**dict(zip(back, converted, strict=True)))
        stored[fact.conversation_id] = fact
    return stored, inserted


def _from_db(field: Any, value: Any) -> Any:
    for converter in field.get_db_converters(connection):
        value = converter(value, field, connection)
    return value


def _locked(conversation_ids: list[int]) -> dict[int, ConversationFact]:
    if not conversation_ids:
        return {}
    rows = (
        ConversationFact.objects.select_for_update()
        .filter(conversation_id__in=conversation_ids)
        .order_by("conversation_id")
    )
    return {fact.conversation_id: fact for fact in rows}


def _names() -> list[str]:
    return [f.attname for f in ConversationFact._meta.concrete_fields if not f.primary_key]


def _insert(rows: list[dict[str, Any]]) -> set[int]:
    """``INSERT ... ON CONFLICT DO NOTHING`` of the new facts, one statement; the
    conversation ids of those inserted (the others exist already)."""
    if not rows:
        return set()
    names = _names()
    q = connection.ops.quote_name
    values = [tuple(row[n] for n in names) for row in rows]
    if connection.vendor == "postgresql":
        source, params = rollups.arrays_select(ConversationFact, names, values)
    else:
        fields = {f.attname: f for f in ConversationFact._meta.concrete_fields}
        source = sql_arrays.values_source(len(names), len(rows))
        params = [
            fields[n].get_db_prep_save(v, connection)
            for row in values
            for n, v in zip(names, row, strict=True)
        ]
    sql = (
        f"INSERT INTO {q(ConversationFact._meta.db_table)} ({', '.join(q(n) for n in names)}) "
        f"{source} ON CONFLICT ({q('conversation_id')}) DO NOTHING "
        f"RETURNING {q('conversation_id')}, {q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {conversation_id for conversation_id, _ in cursor.fetchall()}


def _updates(changed: list[tuple[ConversationFact, list[str]]]) -> list[rollups.Statement]:
    """The changed facts' writes: on PostgreSQL one statement (every figure from arrays,
    rows in the order of their ids), elsewhere one per fact."""
    if not changed:
        return []
    if connection.vendor != "postgresql" or len(changed) == 1:
        return [facts._update(fact, names) for fact, names in changed]
    names = [n for n in _names() if n != "conversation_id"]
    q = connection.ops.quote_name
    table = q(ConversationFact._meta.db_table)
    source, params = rollups.arrays_select(
        ConversationFact,
        ["id", *names],
        [(fact.pk, *(getattr(fact, n) for n in names)) for fact, _ in changed],
    )
    sets = ", ".join(f"{q(n)} = v.{q(n)}" for n in names)
    columns = ", ".join(q(n) for n in ["id", *names])
    sql = f"UPDATE {table} SET {sets} FROM ({source}) AS v ({columns}) WHERE {table}.id = v.id"
    return [(sql, params)]


def _span(
    schedules: facts.Schedules,
    session: Session,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> dict[str, Any]:
    if start is None or end is None:
        return {}
    schedule = schedules.schedule(session.group_id)
    return {
        "seconds": max(0.0, (end - start).total_seconds()),
        "business_seconds": business_seconds(schedule, start, end),
        "schedule_version": schedule.version,
    }


EVENT_FIELDS = [f.attname for f in MetricEvent._meta.concrete_fields if not f.primary_key]


def _event(
    kind: str,
    session: Session,
    conversation_id: int,
    *,
    ref: int | None = None,
    occurred_at: dt.datetime | None = None,
    **values: Any,
) -> dict[str, Any]:
    """A metric event's columns (``reports.services.metric_event_record``'s row)."""
    return {
        "kind": str(kind),
        "conversation_id": conversation_id,
        "ref": session.pk if ref is None else ref,
        "session_id": session.pk,
        "group_id": session.group_id,
        "operator_id": session.operator_id,
        "channel_id": session.dialog.channel_id,
        "occurred_at": occurred_at or timezone.now(),
        "seconds": None,
        "business_seconds": None,
        "schedule_version": "",
        "score": None,
    } | values


def _events_insert(rows: list[dict[str, Any]]) -> None:
    """The metric events, one statement; those recorded already append nothing."""
    if connection.vendor != "postgresql":
        MetricEvent.objects.bulk_create([MetricEvent(**row) for row in rows], ignore_conflicts=True)
        return
    q = connection.ops.quote_name
    source, params = rollups.arrays_select(
        MetricEvent, EVENT_FIELDS, [tuple(row[n] for n in EVENT_FIELDS) for row in rows]
    )
    sql = (
        f"INSERT INTO {q(MetricEvent._meta.db_table)} ({', '.join(q(n) for n in EVENT_FIELDS)}) "
        f"{source} ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events(
    what: str,
    session: Session,
    root: int,
    figures: dict[str, Any],
    values: dict[str, Any],
    schedules: facts.Schedules,
) -> list[dict[str, Any]]:
    """The metric events of one record, as ``reports.services.event_record`` makes
    them."""
    if what == "refresh":
        return []
    if what == "opened":
        if root != session.pk:
            return []  # a transfer's continuation: its conversation is already open
        out = [_event(MetricKind.OPENED, session, root, ref=0)]
        if session.previous_session_id is not None:
            out.append(_event(MetricKind.REOPENED, session, root))
        return out
    if what == "assigned":
        span = _span(schedules, session, session.queued_at, session.assigned_at)
        return [_event(MetricKind.ASSIGNED, session, root, **span)]
    if what == "first_reply":
        if not figures["answered"]:
            return []
        return [
            _event(
                MetricKind.FIRST_HUMAN_REPLY,
                session,
                root,
                ref=0,
                seconds=figures["first_response_s"],
                business_seconds=figures["first_response_bh_s"],
                schedule_version=figures["schedule_version"],
            )
        ]
    if what == "closed":
        kind = CLOSE_KINDS.get(values["reason"])
        if kind is None:
            return []
        start = session.assigned_at
        if kind == MetricKind.ABANDONED:
            start = session.queued_at or session.created_at
        span = _span(schedules, session, start, session.closed_at)
        return [_event(kind, session, root, occurred_at=session.closed_at, **span)]
    if what == "rated":
        return [_event(MetricKind.RATING, session, root, score=values["score"])]
    return [_event(MetricKind(what), session, root)]
