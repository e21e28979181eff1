"""The bots admin: trigger forms with clear errors, the dry run page, the run log,
subscriptions with a write-only secret, and resending from the delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bots.models import DeliveryStatus, Trigger, TriggerRun, WebhookDelivery, WebhookSubscription
from crm.models import Task
from inbox.models import SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def management(prefix: str, total: int) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def trigger_post(event: str, conditions: list[tuple], actions: list[tuple]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "VIP refunds",
        "description": "",
        "event": event,
        "match": "all",
        "is_active": "on",
        "position": 0,
        **management("conditions", len(conditions)),
        **management("actions", len(actions)),
    }
    for i, (field, operator, value) in enumerate(conditions):
        data |= {
            f"conditions-{i}-field": field,
            f"conditions-{i}-operator": operator,
            f"conditions-{i}-value": value,
            f"conditions-{i}-position": i,
        }
    for i, (type_, params) in enumerate(actions):
        data |= {
            f"actions-{i}-type": type_,
            f"actions-{i}-params": params,
            f"actions-{i}-position": i,
        }
    return data


def test_a_trigger_is_created_with_conditions_and_actions(admin_client: Client) -> None:
    data = trigger_post(
        "message.received",
        [("message.text", "contains", "refund"), ("session.group.name", "in", "[Sales]")],
        [("tag", '{"tags": ["refund"]}'), ("priority_set", '{"priority": 5}')],
    )
    response = admin_client.post(reverse("admin:bots_trigger_add"), data)
    assert response.status_code == 302, response.context["errors"]
    trigger = Trigger.objects.get(name="VIP refunds")
    assert [c.field for c in trigger.conditions.all()] == ["message.text", "session.group.name"]
    assert [a.params for a in trigger.actions.all()] == [{"tags": ["refund"]}, {"priority": 5}]


@pytest.mark.parametrize(
    ("event", "conditions", "actions", "says"),
    [
        (
            "message.received",
            [("customer.plan", "equals", "x")],
            [("tag", '{"tags": ["a"]}')],
            "A path starts with one of",
        ),
        (
            "message.received",
            [("session.rating", "gt", "good")],
            [("tag", '{"tags": ["a"]}')],
            "write a number",
        ),
        ("message.received", [], [("priority_set", '{"priority": "high"}')], "wrong type"),
        ("message.received", [], [("transfer", '{"group": "Nowhere"}')], "no group Nowhere"),
        ("message.received", [], [], "Add at least one action"),
        ("contact.created", [], [("message_send", '{"text": "hi"}')], "has no session"),
        (
            "contact.created",
            [("session.id", "is_set", "")],
            [("tag", '{"tags": ["a"]}')],
            "can never hold",
        ),
    ],
)
def test_mistakes_are_refused_with_clear_errors(
    admin_client: Client, event: str, conditions: list, actions: list, says: str
) -> None:
    response = admin_client.post(
        reverse("admin:bots_trigger_add"), trigger_post(event, conditions, actions)
    )
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not Trigger.objects.filter(name="VIP refunds").exists()


def test_the_trigger_pages_show_the_dry_run_link_and_the_action_help(admin_client: Client):
    trigger = Trigger.objects.get(name="Qualify the lead when the session closes")
    page = admin_client.get(
        reverse("admin:bots_trigger_change", args=[trigger.pk])
    ).content.decode()
    assert reverse("admin:bots_trigger_dry_run") in page
    assert "Create a task" in page and "lead_owner" in page  # the settings help


def test_the_dry_run_page_shows_what_would_happen_and_does_nothing(admin_client: Client):
    owner = factories.UserFactory(username="manager")
    session = factories.SessionFactory(
        operator=factories.OperatorFactory(),
        status=SessionStatus.ACTIVE,
        assigned_at=timezone.now(),
    )
    factories.LeadFactory(
        contact=session.dialog.contact, session=session, owner=owner, title="Big deal"
    )
    page = admin_client.get(
        reverse("admin:bots_trigger_dry_run"), {"session": session.pk, "event": "session.closed"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "would fire" in text and "Qualify the lead: Big deal" in text
    assert not Task.objects.exists() and not TriggerRun.objects.exists()


def test_the_dry_run_action_leads_to_the_page_for_the_selected(admin_client: Client) -> None:
    trigger = Trigger.objects.get()
    response = admin_client.post(
        reverse("admin:bots_trigger_changelist"),
        {"action": "dry_run_selected", "_selected_action": [trigger.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?ids={trigger.pk}")
    assert admin_client.get(response["Location"]).status_code == 200


def test_an_unknown_session_is_a_form_error(admin_client: Client) -> None:
    page = admin_client.get(
        reverse("admin:bots_trigger_dry_run"), {"session": 999999, "event": "session.closed"}
    )
    assert "There is no session number 999999" in page.content.decode()


def test_the_run_log_is_read_only(admin_client: Client) -> None:
    run = TriggerRun.objects.create(
        trigger_name="x",
        event="session.closed",
        event_key="k",
        status="failed",
        error="Create a task: no lead",
    )
    assert admin_client.get(reverse("admin:bots_triggerrun_add")).status_code == 403
    page = admin_client.get(reverse("admin:bots_triggerrun_change", args=[run.pk]))
    assert "no lead" in page.content.decode()


def subscription_post(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "CRM",
        "url": url,
        "events": ["session.closed", "contact.created"],
        "is_active": "on",
        **extra,
    }


def test_a_new_subscription_shows_its_secret_once_then_masked(admin_client, settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    response = admin_client.post(
        reverse("admin:bots_webhooksubscription_add"),
        subscription_post("http://127.0.0.1:9/hook"),
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["session.closed", "contact.created"]
    assert subscription.secret in response.content.decode()  # shown once
    page = admin_client.get(
        reverse("admin:bots_webhooksubscription_change", args=[subscription.pk])
    ).content.decode()
    assert subscription.secret not in page  # never again
    assert subscription.secret_hint in page


def test_a_typed_secret_replaces_and_an_empty_one_keeps(admin_client, settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    subscription = WebhookSubscription.objects.create(
        name="CRM", url="http://127.0.0.1:9/h", secret="old-secret-old-secret"
    )
    url = reverse("admin:bots_webhooksubscription_change", args=[subscription.pk])
    admin_client.post(url, subscription_post("http://127.0.0.1:9/h"))
    subscription.refresh_from_db()
    assert subscription.secret == "old-secret-old-secret"
    response = admin_client.post(
        url,
        subscription_post("http://127.0.0.1:9/h", new_secret="brand-new-secret-1234"),
        follow=True,
    )
    subscription.refresh_from_db()
    assert subscription.secret == "brand-new-secret-1234"
    assert "brand-new-secret-1234" not in response.content.decode()


def test_a_private_address_is_refused_in_the_form(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:bots_webhooksubscription_add"), subscription_post("http://10.0.0.1/hook")
    )
    assert response.status_code == 200
    assert "private, loopback or link-local" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_resend_from_the_delivery_log_makes_a_new_attempt(
    admin_client, settings, receiver, django_capture_on_commit_callbacks
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    subscription = WebhookSubscription.objects.create(name="R", url=receiver.url, secret="x" * 20)
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="ping",
        payload={},
        status=DeliveryStatus.DEAD,
        attempts=8,
        last_error="HTTP 500",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:bots_webhookdelivery_changelist"),
            {"action": "resend", "_selected_action": [str(delivery.pk)]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status) == (9, DeliveryStatus.SUCCEEDED)
    assert receiver.received[0]["headers"]["X-Webhook-Id"] == str(delivery.pk)
    page = admin_client.get(reverse("admin:bots_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize("ids", ["²", "9" * 40, "1,x,-2", "\x00"])
def test_trigger_ids_that_are_not_ids_are_ignored_on_the_dry_run_page(
    admin_client: Client, ids: str
) -> None:
    page = admin_client.get(reverse("admin:bots_trigger_dry_run"), {"ids": ids})

    assert page.status_code == 200
