"""A scripted week of conversations with hand-computed figures (tests/reports/).

Monday 2026-11-02, UTC. Support: target 60 s, open Monday-Friday 9:00-17:00 UTC.
Sales: target 120 s, always open. W: the website channel, T: Telegram.

C1 Support W: contact 10:00:00, assigned Anna 10:00:10, reply 10:00:30, resolved
   10:05:10, rated 5 (wait 10, first response 30, handle 300).
C2 Support W: contact 16:59:00, assigned Boris 16:59:20, reply Tuesday 09:00:30,
   resolved Tuesday 09:10:30, rated 3 (first response 57,690 s calendar, 90 s business;
   handle 58,270 s calendar, 670 s business).
C3 Support W then Sales: contact 11:00:00, Anna assigned 11:00:05, replies 11:00:20,
   transfers to Sales at 11:02:05; Carl assigned 11:02:15, replies 11:03:00, resolved
   11:07:15, rated 4 (one conversation; Anna's; waits 5 + 10, handle 120 + 300).
C4 Sales T, a bot first: contact 12:00:00, handoff 12:01:00, Carl assigned 12:01:30,
   replies 12:01:40 (first response 40 from the handoff), resolved 12:11:30.
C5 Sales T, the bot resolved it at 13:02:00.
C6 Support W: contact 14:00:00, abandoned 14:00:04 (a short abandon).
C7 Support W: contact 14:10:00, abandoned 14:12:00 (after the target).
C8 the week before: outside the range.
C9 Support W: contact Sunday 2026-11-08 23:59:00, Anna assigned then, replies Monday
   00:00:30, resolved 00:05:00 (in the range that ends at midnight: it started there;
   90 s calendar, 0 s business).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bots.models import BotSession
from crm.models import ChannelType
from inbox.models import Message, Session
from reports import facts
from tests import factories

MONDAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
SINCE, UNTIL = "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"


def at(hhmmss: str, day: int = 0) -> dt.datetime:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return MONDAY + dt.timedelta(days=day, hours=h, minutes=m, seconds=s)


@dataclass
class Week:
    support: Any
    sales: Any
    web: Any
    telegram: Any
    anna: Any
    boris: Any
    carl: Any


def _message(session: Session, sender: str, when: dt.datetime) -> None:
    message = factories.MessageFactory(session=session, sender_type=sender)
    Message.objects.filter(pk=message.pk).update(created_at=when)


def session(
    dialog: Any,
    group: Any,
    *,
    created: dt.datetime,
    operator: Any = None,
    queued: dt.datetime | None = None,
    assigned: dt.datetime | None = None,
    reply: dt.datetime | None = None,
    closed: dt.datetime | None = None,
    reason: str = "resolved",
    rating: int | None = None,
    previous: Session | None = None,
    contact: bool = True,
) -> Session:
    row = factories.SessionFactory(
        dialog=dialog,
        group=group,
        operator=operator,
        status="closed" if closed else ("active" if assigned else "queued"),
        close_reason=reason if closed else "",
        queued_at=queued,
        assigned_at=assigned,
        closed_at=closed,
        rating=rating,
        previous_session=previous,
    )
    Session.objects.filter(pk=row.pk).update(created_at=created)
    if contact:
        _message(row, "contact", created)
    if reply is not None:
        _message(row, "operator", reply)
    row.refresh_from_db()
    return row


def build() -> Week:
    support = factories.GroupFactory(name="Support", sla_target_s=60, always_open=False)
    for day in range(5):
        support.working_hours.create(weekday=day, start=dt.time(9), end=dt.time(17))
    sales = factories.GroupFactory(name="Отдел продаж", sla_target_s=120)
    web = factories.ChannelFactory(name="Сайт", default_group=support)
    telegram = factories.ChannelFactory(
        name="=HYPERLINK(1)", type=ChannelType.TELEGRAM, default_group=sales
    )
    week = Week(
        support,
        sales,
        web,
        telegram,
        factories.OperatorFactory(display_name="Анна"),
        factories.OperatorFactory(display_name="Boris"),
        factories.OperatorFactory(display_name="Carl"),
    )
    _script(week)
    facts.conversations_backfill()
    return week


def _dialog(channel: Any) -> Any:
    return factories.DialogFactory(channel=channel)


def _script(w: Week) -> None:
    s, a = w.support, at
    session(
        _dialog(w.web),
        s,
        created=a("10:00:00"),
        queued=a("10:00:00"),
        operator=w.anna,
        assigned=a("10:00:10"),
        reply=a("10:00:30"),
        closed=a("10:05:10"),
        rating=5,
    )
    session(
        _dialog(w.web),
        s,
        created=a("16:59:00"),
        queued=a("16:59:00"),
        operator=w.boris,
        assigned=a("16:59:20"),
        reply=a("09:00:30", 1),
        closed=a("09:10:30", 1),
        rating=3,
    )
    d3 = _dialog(w.web)
    first = session(
        d3,
        s,
        created=a("11:00:00"),
        queued=a("11:00:00"),
        operator=w.anna,
        assigned=a("11:00:05"),
        reply=a("11:00:20"),
        closed=a("11:02:05"),
        reason="transferred",
    )
    session(
        d3,
        w.sales,
        created=a("11:02:05"),
        queued=a("11:02:05"),
        operator=w.carl,
        assigned=a("11:02:15"),
        reply=a("11:03:00"),
        closed=a("11:07:15"),
        rating=4,
        previous=first,
        contact=False,
    )
    bot = session(
        _dialog(w.telegram),
        w.sales,
        created=a("12:00:00"),
        queued=a("12:01:00"),
        operator=w.carl,
        assigned=a("12:01:30"),
        reply=a("12:01:40"),
        closed=a("12:11:30"),
    )
    BotSession.objects.create(session=bot)
    resolved = session(_dialog(w.telegram), w.sales, created=a("13:00:00"), closed=a("13:02:00"))
    BotSession.objects.create(session=resolved)
    session(
        _dialog(w.web),
        s,
        created=a("14:00:00"),
        queued=a("14:00:00"),
        closed=a("14:00:04"),
        reason="abandoned",
    )
    session(
        _dialog(w.web),
        s,
        created=a("14:10:00"),
        queued=a("14:10:00"),
        closed=a("14:12:00"),
        reason="abandoned",
    )
    session(
        _dialog(w.web),
        s,
        created=a("10:00:00", -7),
        queued=a("10:00:00", -7),
        operator=w.anna,
        assigned=a("10:00:01", -7),
        reply=a("10:00:02", -7),
        closed=a("10:00:03", -7),
    )
    session(_dialog(w.web), s, created=a("23:59:00", 6), queued=a("23:59:00", 6),
            operator=w.anna, assigned=a("23:59:00", 6), reply=a("00:00:30", 7),
            closed=a("00:05:00", 7))  # fmt: skip
