"""A burst of assignments sends each session's payload built from rows (``inbox.selectors.
session_payloads``), not from model instances: what an operator's inbox receives must be
the same as the payload of the session read as a model (``payloads.session``), whatever
the session has or lacks (a topic, labels, a named or anonymous contact, a group)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbox import payloads, selectors
from inbox.models import Label, Session, SessionLabel, SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _as_model(session_id: int) -> dict:  # type: ignore[type-arg]
    session = Session.objects.select_related(
        "dialog__contact", "dialog__channel", "group", "topic", "operator__user"
    ).get(pk=session_id)
    return payloads.session(session)


def test_row_payloads_equal_the_model_payloads():
    operator = factories.OperatorFactory(display_name="Ann")
    now = timezone.now()
    # a named contact, a topic, two labels (sorted by name whatever their case), assigned
    full = factories.SessionFactory(
        status=SessionStatus.ACTIVE,
        operator=operator,
        queued_at=now - dt.timedelta(seconds=30),
        assigned_at=now,
        priority=2,
        rating=5,
    )
    full.topic = factories.TopicFactory(channel=full.dialog.channel)
    full.save()
    for name in ("vip", "Bug"):
        SessionLabel.objects.create(session=full, label=Label.objects.create(name=name))
    full.dialog.language, full.dialog.language_fixed = "ru", True
    full.dialog.save()
    # an anonymous contact, no group, no operator, no topic, no labels
    bare = factories.SessionFactory(group=None)
    bare.dialog.contact.name = bare.dialog.contact.email = ""
    bare.dialog.contact.save()

    rows = selectors.session_payloads([full.pk, bare.pk], {operator.pk: operator.name})

    assert rows[full.pk] == _as_model(full.pk)
    assert rows[bare.pk] == _as_model(bare.pk)
    assert [x["name"] for x in rows[full.pk]["labels"]] == ["Bug", "vip"]
    assert rows[bare.pk]["contact_anonymous"] is True
    assert rows[bare.pk]["contact_name"] == f"Customer #{bare.dialog.contact_id}"


def test_a_session_of_an_operator_not_named_has_no_operator_name():
    operator = factories.OperatorFactory(display_name="Ann")
    session = factories.SessionFactory(status=SessionStatus.ACTIVE, operator=operator)

    rows = selectors.session_payloads([session.pk], {})

    assert rows[session.pk]["operator"] == operator.pk
    assert rows[session.pk]["operator_name"] is None
