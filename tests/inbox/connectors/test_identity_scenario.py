"""Issue 5's done-when: the same person writing from the widget and then by e-mail ends
up as one contact with both dialogs (or, under "suggest", an operator merges them)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from crm.models import Contact, IdentityPolicy, LinkPolicy, MergeSuggestion
from inbox import services
from inbox.models import Dialog, Message
from tests import factories
from tests.conftest import api_as


def _widget_visitor_writes(client, channel) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/widget/api/{channel.key}/visitors/",
        {"name": "Ada", "email": "ada@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 201
    dialog = Dialog.objects.get(channel=channel)
    services.contact_message_receive(dialog_id=dialog.pk, text="Hi from the site")
    return response.json()["visitor_token"]


def _email_arrives(port: int) -> None:
    mail = EmailMessage()
    mail["From"] = "Ada <ADA@example.org>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = "About my chat"
    mail["Message-ID"] = "<ada-1@example.org>"
    mail.set_content("Writing by e-mail now.")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(mail)


def _policy(value: str) -> None:
    policy = IdentityPolicy.current()
    policy.link_policy = value
    policy.save()


@pytest.mark.django_db(transaction=True)
def test_link_automatically_makes_one_contact_with_both_dialogs(client, email_channel, receiver):
    _policy(LinkPolicy.LINK)
    widget = factories.ChannelFactory()
    _widget_visitor_writes(client, widget)

    _email_arrives(receiver)

    [contact] = Contact.objects.live()
    assert {(d.channel_id) for d in contact.dialogs.all()} == {widget.pk, email_channel.pk}
    assert Message.objects.filter(dialog__contact=contact, sender_type="contact").count() == 2
    admin = factories.AdminUserFactory()
    body = api_as(admin).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert sorted(i["channel_type"] for i in body["identities"]) == ["email", "widget"]
    assert {"channel_type": "email", "external_id": "ada@example.org"} in body["identities"]
    timeline = api_as(admin).get(f"/api/v1/contacts/{contact.pk}/timeline/").json()
    assert [e["channel_type"] for e in timeline["results"]] == ["email", "widget"]
    assert timeline["results"][0]["first_message_text"] == "Writing by e-mail now."


@pytest.mark.django_db(transaction=True)
def test_suggest_keeps_two_contacts_until_the_merge_is_posted(client, email_channel, receiver):
    _policy(LinkPolicy.SUGGEST)
    widget = factories.ChannelFactory()
    _widget_visitor_writes(client, widget)

    _email_arrives(receiver)

    assert Contact.objects.live().count() == 2
    suggestion = MergeSuggestion.objects.get()
    survivor, newer = suggestion.candidate, suggestion.contact
    assert survivor.dialogs.get().channel_id == widget.pk
    assert newer.dialogs.get().channel_id == email_channel.pk
    admin_api = api_as(factories.AdminUserFactory())
    listed = admin_api.get(f"/api/v1/contacts/{newer.pk}/merge-suggestions/").json()
    assert [s["id"] for s in listed["results"]] == [suggestion.pk]
    assert listed["results"][0]["reason"] == "email"

    merged = admin_api.post(
        f"/api/v1/contacts/{survivor.pk}/merge/", {"source": newer.pk}, format="json"
    )

    assert merged.status_code == 200
    assert sorted(i["channel_type"] for i in merged.json()["identities"]) == ["email", "widget"]
    assert survivor.dialogs.count() == 2
    assert admin_api.get(f"/api/v1/contacts/{newer.pk}/").status_code == 404
    suggestion.refresh_from_db()
    assert (suggestion.resolved, suggestion.resolution) == (True, "merged")
