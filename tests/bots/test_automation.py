"""Saving and deleting triggers and subscriptions through the services: the bots react
to the next event at once, without waiting for the remembered answer to expire."""

from __future__ import annotations

import pytest

from bots import selectors, services
from bots.models import Trigger, TriggerEvent, WebhookSubscription

pytestmark = pytest.mark.django_db

EVENT = TriggerEvent.CONTACT_CREATED


@pytest.fixture(autouse=True)
def _nothing_listens():  # type: ignore[no-untyped-def]
    Trigger.objects.update(is_active=False)
    selectors.event_wanted_forget()
    assert not selectors.event_wanted(event=EVENT)  # and this answer is remembered


def test_a_trigger_saved_through_the_service_is_wanted_at_once():
    # when
    services.trigger_save(trigger=Trigger(name="Welcome", event=EVENT))
    # then
    assert selectors.event_wanted(event=EVENT)


def test_deleting_the_last_trigger_through_the_service_is_felt_at_once():
    trigger = services.trigger_save(trigger=Trigger(name="Welcome", event=EVENT))
    assert selectors.event_wanted(event=EVENT)
    # when
    services.triggers_delete(triggers=Trigger.objects.filter(pk=trigger.pk))
    # then
    assert not selectors.event_wanted(event=EVENT)


def test_a_subscription_saved_and_deleted_through_the_service_is_felt_at_once():
    subscription = services.webhook_subscription_save(
        subscription=WebhookSubscription(name="CRM", url="https://crm.example/h", events=[EVENT])
    )
    assert selectors.event_wanted(event=EVENT)
    services.webhook_subscriptions_delete(
        subscriptions=WebhookSubscription.objects.filter(pk=subscription.pk)
    )
    assert not selectors.event_wanted(event=EVENT)


def test_a_plain_save_leaves_the_answer_remembered_for_its_two_seconds():
    # models hold data only: the forgetting is the service's job
    Trigger.objects.create(name="Welcome", event=EVENT)
    assert not selectors.event_wanted(event=EVENT)


def test_the_admin_adds_and_deletes_triggers_through_the_services(client, admin_user):
    from django.urls import reverse

    from tests.bots.test_admin import trigger_post

    client.force_login(admin_user)
    # when: an admin adds a trigger
    client.post(
        reverse("admin:bots_trigger_add"),
        trigger_post(EVENT, [], [("tag", '{"tags": ["new"]}')]),
    )
    # then: the next event is wanted at once
    trigger = Trigger.objects.get(name="VIP refunds")
    assert selectors.event_wanted(event=EVENT)
    # when: the admin deletes it, then it is not
    client.post(reverse("admin:bots_trigger_delete", args=[trigger.pk]), {"post": "yes"})
    assert not Trigger.objects.filter(pk=trigger.pk).exists()
    assert not selectors.event_wanted(event=EVENT)


def test_the_admin_switches_a_trigger_off_in_the_list_at_once(client, admin_user):
    from django.urls import reverse

    trigger = services.trigger_save(trigger=Trigger(name="Welcome", event=EVENT))
    assert selectors.event_wanted(event=EVENT)
    client.force_login(admin_user)
    # when: "active" is unticked in the list and saved
    client.post(
        reverse("admin:bots_trigger_changelist"),
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": trigger.pk,
            "form-0-position": 0,
            "_save": "Save",
        },
    )
    # then
    trigger.refresh_from_db()
    assert not trigger.is_active
    assert not selectors.event_wanted(event=EVENT)
