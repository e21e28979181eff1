"""A double click on "Create lead" under true concurrency: several requests for the same
customer and conversation arrive at once on PostgreSQL, each on its own connection, and
exactly one lead is created; the others are told which lead already exists."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from crm import services
from crm.models import Lead
from tests import factories
from tests.real.support import real

pytestmark = [*real, pytest.mark.django_db(transaction=True)]

REQUESTS = 8


def test_simultaneous_create_lead_requests_make_one_lead() -> None:
    # given a customer in a conversation and a pipeline to put leads in
    contact = factories.ContactFactory(name="Olga")
    session = factories.SessionFactory(dialog__identity__contact=contact)
    factories.StageFactory(pipeline=factories.PipelineFactory(is_default=True))
    assert session.dialog.contact_id == contact.pk
    start = threading.Barrier(REQUESTS)
    created: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def click() -> None:
        try:
            start.wait()
            lead = services.lead_create(contact=contact, session=session, title="Tomato seeds")
            created.append(lead.pk)
        except services.LeadDuplicate as duplicate:
            refused.append(duplicate.lead.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when eight requests arrive at the same moment, each on its own connection
    threads = [threading.Thread(target=click) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one lead exists and every other request was refused as a duplicate
    assert errors == []
    assert len(created) == 1
    assert refused == [created[0]] * (REQUESTS - 1)
    assert Lead.objects.filter(contact=contact).count() == 1
