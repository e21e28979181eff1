"""Identities resolve to one contact; verified details link contacts by the admin's
policy; merge suggestions, the timeline, and merging from the admin."""

from __future__ import annotations

import pytest

from crm import services
from crm.models import (
    ChannelType,
    Contact,
    ContactIdentity,
    IdentityPolicy,
    LinkPolicy,
    MergeSuggestion,
)
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus, WidgetVisitor
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def _policy(value: str) -> None:
    policy = IdentityPolicy.current()
    policy.link_policy = value
    policy.save()


# --- resolving --------------------------------------------------------------------------


def test_an_identity_resolves_to_its_contact_or_a_new_one():
    first = services.contact_identity_resolve(
        channel_type=ChannelType.EMAIL, external_id="Ada@Example.org", name="Ada"
    )
    again = services.contact_identity_resolve(
        channel_type=ChannelType.EMAIL, external_id="ada@example.org", name="Someone else"
    )

    assert first.pk == again.pk and again.name == "Ada"
    assert ContactIdentity.objects.get().external_id == "ada@example.org"


def test_the_loser_of_a_race_on_the_identity_reads_the_winners_contact(monkeypatch):
    winner = factories.ContactFactory()
    ContactIdentity.objects.create(contact=winner, channel_type="telegram", external_id="42")
    real_create = services.contact_create

    class MissingAtFirst:
        """The first read misses: the winner inserted right after it."""

        class objects:
            @staticmethod
            def select_related(*fields):  # type: ignore[no-untyped-def]
                return ContactIdentity.objects.none()

    def racing_create(**kwargs):  # type: ignore[no-untyped-def]
        monkeypatch.undo()
        return real_create(**kwargs)

    monkeypatch.setattr(services, "ContactIdentity", MissingAtFirst)
    monkeypatch.setattr(services, "contact_create", racing_create)

    resolved = services.contact_identity_resolve(channel_type="telegram", external_id="42")

    assert resolved.pk == winner.pk
    assert Contact.objects.count() == 1


# --- linking policy ---------------------------------------------------------------------


def test_the_policy_defaults_to_linking_and_is_one_row():
    assert IdentityPolicy.current().link_policy == LinkPolicy.LINK
    IdentityPolicy(link_policy=LinkPolicy.SUGGEST).save()
    assert IdentityPolicy.objects.count() == 1
    assert IdentityPolicy.current().link_policy == LinkPolicy.SUGGEST


def test_linking_merges_the_newer_contact_into_the_one_with_the_email():
    existing = factories.ContactFactory(email="Ada@Example.org", attributes={"plan": "gold"})
    newer = factories.ContactFactory(email="", attributes={"plan": "free", "city": "Riga"})
    factories.IdentityFactory(contact=newer)
    lead = factories.LeadFactory(contact=newer) if hasattr(factories, "LeadFactory") else None

    survivor = services.contact_verified_link(contact=newer, email="ada@example.org")

    assert survivor.pk == existing.pk
    assert survivor.attributes == {"plan": "gold", "city": "Riga"}
    assert survivor.identities.count() == 1
    newer.refresh_from_db()
    assert newer.merged_into_id == existing.pk
    if lead is not None:
        lead.refresh_from_db()
        assert lead.contact_id == existing.pk


def test_suggesting_records_one_suggestion_and_a_dismissed_pair_is_not_proposed_again():
    _policy(LinkPolicy.SUGGEST)
    existing = factories.ContactFactory(phone="+37120000000")
    newer = factories.ContactFactory(phone="")

    assert services.contact_verified_link(contact=newer, phone="+37120000000").pk == newer.pk
    services.contact_verified_link(contact=newer, phone="+37120000000")
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.contact, suggestion.candidate, suggestion.reason) == (
        newer,
        existing,
        "phone",
    )
    services.merge_suggestion_dismiss(suggestion=suggestion)
    services.contact_verified_link(contact=newer, phone="+37120000000")

    assert MergeSuggestion.objects.count() == 1
    assert Contact.objects.live().count() == 2


def test_no_match_only_fills_the_contacts_empty_email():
    contact = factories.ContactFactory(email="")
    assert services.contact_verified_link(contact=contact, email="New@Example.org") == contact
    contact.refresh_from_db()
    assert contact.email == "new@example.org"


# --- the widget's pre-chat e-mail ------------------------------------------------------


def test_a_pre_chat_email_links_the_visitor_and_its_token_keeps_working(client):
    existing = factories.ContactFactory(email="ada@example.org")
    channel = factories.ChannelFactory()

    response = client.post(
        f"/widget/api/{channel.key}/visitors/",
        {"name": "Ada", "email": "ADA@example.org"},
        content_type="application/json",
    )

    visitor = WidgetVisitor.objects.select_related("dialog").get()
    assert visitor.dialog.contact_id == existing.pk
    assert existing.identities.get().channel_type == ChannelType.WIDGET
    token = response.json()["visitor_token"]
    upload = client.post(
        f"/widget/api/{channel.key}/attachments/", {}, HTTP_AUTHORIZATION=f"Visitor {token}"
    )
    assert upload.status_code == 400  # authenticated: only the missing file is refused


# --- the API ----------------------------------------------------------------------------


def _suggested_pair():  # type: ignore[no-untyped-def]
    _policy(LinkPolicy.SUGGEST)
    existing = factories.ContactFactory(email="ada@example.org")
    session = factories.SessionFactory()
    newer = session.dialog.contact
    newer.email = ""
    newer.save()
    services.contact_verified_link(contact=newer, email="ada@example.org")
    return existing, newer, session, MergeSuggestion.objects.get()


def test_an_operator_of_the_session_accepts_a_suggestion_from_the_contact_card():
    existing, newer, session, suggestion = _suggested_pair()
    operator = factories.OperatorFactory()
    factories.MembershipFactory(group=session.group, operator=operator)
    api = api_as(operator.user)

    listed = api.get(f"/api/v1/contacts/{newer.pk}/merge-suggestions/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["candidate"] == existing.pk
    merged = api.post(f"/api/v1/contacts/{newer.pk}/merge-suggestions/{suggestion.pk}/merge/")

    assert merged.status_code == 200 and merged.json()["id"] == existing.pk
    assert session.dialog.__class__.objects.get(pk=session.dialog_id).contact_id == existing.pk
    assert api.get(f"/api/v1/contacts/{newer.pk}/").status_code == 404
    again = api.post(f"/api/v1/contacts/{newer.pk}/merge-suggestions/{suggestion.pk}/merge/")
    assert again.status_code == 404


def test_dismissing_a_suggestion_from_the_api():
    _existing, newer, _session, suggestion = _suggested_pair()
    api = api_as(factories.AdminUserFactory())

    response = api.post(f"/api/v1/contacts/{newer.pk}/merge-suggestions/{suggestion.pk}/dismiss/")

    assert response.status_code == 200
    assert response.json()["resolution"] == "dismissed"
    assert api.get(f"/api/v1/contacts/{newer.pk}/merge-suggestions/").json()["count"] == 0
    assert Contact.objects.live().count() == 2


def test_strangers_get_404_for_suggestions_and_timeline():
    _existing, newer, _session, suggestion = _suggested_pair()
    api = api_as(factories.OperatorFactory().user)

    assert api.get(f"/api/v1/contacts/{newer.pk}/merge-suggestions/").status_code == 404
    assert api.get(f"/api/v1/contacts/{newer.pk}/timeline/").status_code == 404
    dismiss = f"/api/v1/contacts/{newer.pk}/merge-suggestions/{suggestion.pk}/dismiss/"
    assert api.post(dismiss).status_code == 404


def test_the_timeline_lists_sessions_of_every_channel_newest_first():
    contact = factories.ContactFactory()
    widget = factories.DialogFactory(identity__contact=contact)
    email_channel = factories.ChannelFactory(type=ChannelType.EMAIL, name="Mail")
    mail = factories.DialogFactory(
        channel=email_channel, identity__contact=contact, identity__channel_type="email"
    )
    inbox_services.contact_message_receive(dialog_id=widget.pk, text="first on the site")
    old = Session.objects.get(dialog=widget)
    inbox_services.session_close(session_id=old.pk)
    inbox_services.contact_message_receive(dialog_id=mail.pk, text="then by mail")
    operator = factories.OperatorFactory(display_name="Olga")
    Session.objects.filter(dialog=mail).update(status=SessionStatus.ACTIVE, operator=operator)

    body = (
        api_as(factories.AdminUserFactory()).get(f"/api/v1/contacts/{contact.pk}/timeline/").json()
    )

    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["channel_type"], newest["channel_name"]) == ("email", "Mail")
    assert (newest["operator_name"], newest["status"]) == ("Olga", "active")
    assert newest["first_message_text"] == "then by mail"
    assert (oldest["channel_type"], oldest["status"], oldest["close_reason"]) == (
        "widget",
        "closed",
        "resolved",
    )
    assert oldest["closed_at"] and oldest["group_name"] == old.group.name


# --- the admin --------------------------------------------------------------------------


def test_the_admin_merges_contacts_into_the_one_chosen_on_the_intermediate_page(client):
    client.force_login(factories.AdminUserFactory())
    keep, fold = factories.ContactFactory(), factories.ContactFactory()
    factories.IdentityFactory(contact=fold)
    data = {"action": "merge_into", "_selected_action": [keep.pk, fold.pk]}

    page = client.post("/admin/crm/contact/", data)
    assert page.status_code == 200 and b"Surviving contact" in page.content

    done = client.post("/admin/crm/contact/", {**data, "apply": "1", "target": keep.pk})

    assert done.status_code == 302
    fold.refresh_from_db()
    assert fold.merged_into_id == keep.pk and keep.identities.count() == 1


def test_the_admin_edits_the_one_policy_row(client):
    client.force_login(factories.AdminUserFactory())

    assert client.get("/admin/crm/identitypolicy/").status_code == 200
    assert client.get("/admin/crm/identitypolicy/add/").status_code == 403
    changed = client.post("/admin/crm/identitypolicy/1/change/", {"link_policy": "suggest"})

    assert changed.status_code == 302
    assert IdentityPolicy.current().link_policy == LinkPolicy.SUGGEST
