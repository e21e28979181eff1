import pytest
from django.db import IntegrityError, transaction

from inbox.models import SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_dialog_holds_at_most_one_open_session():
    first = factories.SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SessionFactory(dialog=first.dialog)
    first.status = SessionStatus.CLOSED
    first.close_reason = "resolved"
    first.save()
    second = factories.SessionFactory(dialog=first.dialog)
    assert second.dialog_id == first.dialog_id


def test_a_client_id_is_stored_once_per_dialog():
    message = factories.MessageFactory(client_id="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MessageFactory(session=message.session, client_id="abc")
    factories.MessageFactory(session=message.session, client_id=None)
    factories.MessageFactory(session=message.session, client_id=None)
