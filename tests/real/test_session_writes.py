"""inbox.services.sessions on PostgreSQL: the batch assignment's one statement (the
dispatcher's hot path) writes what the ORM path writes on other databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from inbox import services
from inbox.models import Session, SessionStatus
from tests import factories
from tests.real.support import real

pytestmark = real

AT = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_batch_of_assignments_is_one_statement_that_activates_each_session():
    anna, boris = factories.OperatorFactory(), factories.OperatorFactory()
    first, second, untouched = factories.SessionFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        written = services.sessions_assign_batch(
            assignments={first.pk: anna.pk, second.pk: boris.pk}, at=AT
        )

    assert connection.vendor == "postgresql"
    assert written == 2
    assert len([q for q in queries if q["sql"].lstrip().startswith("UPDATE")]) == 1
    rows = {s.pk: (s.status, s.operator_id, s.assigned_at) for s in Session.objects.all()}
    assert rows[first.pk] == (SessionStatus.ACTIVE, anna.pk, AT)
    assert rows[second.pk] == (SessionStatus.ACTIVE, boris.pk, AT)
    assert rows[untouched.pk] == (SessionStatus.QUEUED, None, None)
