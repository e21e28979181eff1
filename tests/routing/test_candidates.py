"""The dispatcher's candidates on PostgreSQL (``assignment._candidates``, one statement
written out) are the operators ``selectors.available_operators`` defines, with the same
limits, positions and names, whoever is left out and why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from inbox.models import SessionStatus
from routing.models import OperatorStatus
from routing.selectors import available_operators
from routing.services import assignment
from tests import factories

pytestmark = pytest.mark.django_db


def member(group, position, *, sockets=1, seen=None, status=OperatorStatus.ONLINE, **extra):
    user_fields = {k: extra.pop(k) for k in ("first_name", "is_active") if k in extra}
    operator = factories.OperatorFactory(
        status=status,
        open_sockets=sockets,
        last_seen_at=seen,
        user=factories.UserFactory(**user_fields),
        **extra,
    )
    factories.MembershipFactory(group=group, operator=operator, position=position)
    return operator


def holding(operator, group, n):
    for _ in range(n):
        factories.SessionFactory(
            dialog=factories.DialogFactory(channel=factories.ChannelFactory(default_group=group)),
            group=group,
            status=SessionStatus.ACTIVE,
            operator=operator,
            assigned_at=timezone.now(),
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement is PostgreSQL's")
def test_the_statement_finds_who_the_definition_finds():
    now = timezone.now()
    group = factories.GroupFactory(name="Support", default_max_sessions=4)
    other = factories.GroupFactory(name="Sales", default_max_sessions=6)

    shared = member(group, 3)  # the larger default of their groups: 6
    factories.MembershipFactory(group=other, operator=shared, position=0)
    holding(shared, group, 5)
    recent = member(group, 1, sockets=0, seen=now - dt.timedelta(seconds=5))
    own_limit = member(group, 7, max_sessions=3, display_name="", first_name="Ольга")
    holding(own_limit, group, 2)
    nameless = member(group, 8, display_name="")
    # left out: gone too long, away, a disabled user, full, not a member
    member(group, 2, sockets=0, seen=now - dt.timedelta(hours=1))
    member(group, 4, status=OperatorStatus.AWAY)
    member(group, 5, is_active=False)
    full = member(group, 6, max_sessions=2)
    holding(full, group, 2)
    member(other, 9)

    by_definition = {
        o.pk: (o.limit, o.position, o.name)
        for o in available_operators(group=group, now=now).select_related("user")
    }
    by_statement = {
        pk: (o.limit, o.position, o.name)
        for pk, o in assignment._candidates_sql(group.pk, now).items()
    }

    assert by_statement == by_definition
    assert by_statement == {
        shared.pk: (6, 3, shared.display_name),
        recent.pk: (4, 1, recent.display_name),
        own_limit.pk: (3, 7, "Ольга"),
        nameless.pk: (4, 8, nameless.user.username),
    }
