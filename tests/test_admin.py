"""The admin as the configuration surface: every page answers, and the one-screen forms
store what they promise."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bots.models import TriggerRun, WebhookDelivery, WebhookSubscription
from bots.services import flows as flow_services
from bots.services import simulations
from crm.models import ChannelType, IdentityPolicy, MergeSuggestion, Task
from inbox.models import (
    Attachment,
    CannedResponse,
    Channel,
    Label,
    Message,
    ProactiveInvitation,
    WidgetVisitor,
)
from kb.services import articles as kb_articles
from routing.models import Group, Holiday, Operator, OperatorStatus, RoutingRule, WorkingHours
from tests import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
OURS = [
    (model, model_admin)
    for model, model_admin in REGISTERED
    if model._meta.app_label in {"crm", "inbox", "routing", "bots", "kb", "reports"}
]


def url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def some_of_everything() -> None:
    message = factories.MessageFactory(session__operator=factories.OperatorFactory())
    factories.MembershipFactory(group=message.session.group)
    factories.TopicFactory(channel=message.dialog.channel)
    factories.StageFactory()
    factories.LeadFactory(session=message.session)
    Task.objects.create(title="Call back", contact=message.dialog.contact)
    CannedResponse.objects.create(shortcut="hello", title="Hello", text="Hi there!")
    Label.objects.create(name="vip", color="#d97706")
    Holiday.objects.create(group=message.session.group, date="2030-01-01", name="New year")
    ProactiveInvitation.objects.create(channel=message.dialog.channel, message="Hi!")
    WidgetVisitor.objects.create(
        channel=message.dialog.channel, dialog=message.dialog, token_hash="f" * 64
    )
    Attachment.objects.create(
        message=message, file="a.txt", name="a.txt", content_type="text/plain", size=1
    )
    RoutingRule.objects.create(
        name="VIP", attribute_name="plan", attribute_value="gold", priority=5
    )
    subscription = WebhookSubscription.objects.create(name="CRM", url="https://crm.example/hook")
    WebhookDelivery.objects.create(subscription=subscription, event="ping", payload={})
    TriggerRun.objects.create(trigger_name="t", event="session.closed", event_key="k")
    IdentityPolicy.current()
    MergeSuggestion.objects.create(
        contact=message.dialog.contact, candidate=factories.ContactFactory(), reason="email"
    )
    bot = flow_services.bot_create(
        name="Front desk", flow={"start": "bye", "nodes": {"bye": {"type": "end", "text": "Hi"}}}
    )
    simulations.bot_simulation_save(
        bot=bot, name="Greeting", flow=bot.flow, inputs=[], contact=None, group_open=True
    )
    kb_articles.article_create(
        data={"key": "hours", "answers": {"en": "9 to 5"}, "phrases": ["when are you open"]}
    )
    _prompter_records(message)


def _prompter_records(message: Any) -> None:
    """A suggestion with its prompt, a phrasing's feedback, a candidate article and the
    prompter's setting."""
    from kb.models import Article
    from kb.prompter.models import Candidate, PhrasingFeedback, Prompt, PrompterSettings, Suggestion

    now = timezone.now()
    article = Article.objects.create(key="delivery", title_en="Delivery", answer_en="Tomorrow.")
    prompt = Prompt.objects.create(
        message=message, session=message.session, question=message.text, suggested=1, created_at=now
    )
    Suggestion.objects.create(
        prompt=prompt,
        session=message.session,
        message=message,
        article=article,
        rank=1,
        score=0.9,
        title="Delivery",
        text="Tomorrow.",
        created_at=now,
    )
    PhrasingFeedback.objects.create(article=article, phrasing="when will it come", accepts=1)
    Candidate.objects.create(
        question="gift cards?",
        answer="Yes.",
        message=message,
        session=message.session,
        created_at=now,
    )
    PrompterSettings.objects.get_or_create(pk=1)


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED]
)
def test_every_admin_lists_and_adds_for_a_superuser(
    admin_client: Client, model: Any, model_admin: Any, some_of_everything: None
) -> None:
    # given a superuser and a row of every kind
    # when they open the list and the add screen
    listing = admin_client.get(url(model, "changelist"))
    adding = admin_client.get(url(model, "add"))
    # then both answer; read-only records (written by services) refuse to be added
    assert listing.status_code == 200
    can_add = model_admin.has_add_permission(listing.wsgi_request)
    assert adding.status_code == (200 if can_add else 403)


@pytest.mark.parametrize(
    ("model", "model_admin"), OURS, ids=[model._meta.label for model, _ in OURS]
)
def test_every_admin_shows_a_record_and_finds_it_by_search(
    admin_client: Client, model: Any, model_admin: Any, some_of_everything: None
) -> None:
    # given a stored record
    obj = model._default_manager.first()
    assert obj is not None, f"add a {model._meta.label} to some_of_everything"
    # when its page is opened and the list is searched
    page = admin_client.get(url(model, "change", obj.pk))
    search = admin_client.get(url(model, "changelist"), {"q": "zz-not-there 1"})
    # then both answer
    assert page.status_code == 200
    assert search.status_code == 200


def test_a_group_is_created_with_its_members_and_working_hours(admin_client: Client) -> None:
    # given two operators
    first, second = factories.OperatorFactory(), factories.OperatorFactory()
    data = {
        "name": "Sales",
        "routing_strategy": "round_robin",
        "default_max_sessions": 4,
        "time_zone": "Europe/Moscow",
        "offline_message": "We are closed, we will answer in the morning.",
        "sla_target_s": 60,
        "abandon_after_s": 120,
        **inline_management("memberships", total=2),
        "memberships-0-operator": second.pk,
        "memberships-0-position": 0,
        "memberships-1-operator": first.pk,
        "memberships-1-position": 1,
        **inline_management("working_hours", total=1),
        "working_hours-0-weekday": 0,
        "working_hours-0-start": "09:00",
        "working_hours-0-end": "18:00",
        **inline_management("holidays", total=1),
        "holidays-0-date": "2030-01-01",
        "holidays-0-name": "New year",
    }
    # when the add form is sent
    response = admin_client.post(url(Group, "add"), data)
    # then the group holds them all
    assert response.status_code == 302, response.content.decode()[:3000]
    group = Group.objects.get(name="Sales")
    assert group.time_zone == "Europe/Moscow"
    assert not group.always_open
    assert list(group.memberships.values_list("operator", flat=True)) == [second.pk, first.pk]
    hours = WorkingHours.objects.get(group=group)
    assert (hours.weekday, f"{hours.start:%H:%M}", f"{hours.end:%H:%M}") == (0, "09:00", "18:00")
    assert group.holidays.get().name == "New year"


def test_working_hours_that_close_before_they_open_are_refused(admin_client: Client) -> None:
    # given an interval that ends before it starts
    data = {
        "name": "Night",
        "routing_strategy": "least_busy",
        "default_max_sessions": 3,
        "time_zone": "UTC",
        "sla_target_s": 60,
        "abandon_after_s": 120,
        **inline_management("memberships"),
        **inline_management("working_hours", total=1),
        "working_hours-0-weekday": 1,
        "working_hours-0-start": "18:00",
        "working_hours-0-end": "09:00",
        **inline_management("holidays"),
    }
    # when it is sent
    response = admin_client.post(url(Group, "add"), data)
    # then the form shows an error and nothing is stored
    assert response.status_code == 200
    assert not Group.objects.filter(name="Night").exists()


def test_the_group_list_shows_how_many_members_each_group_has(admin_client: Client) -> None:
    # given a group with two members
    group = factories.GroupFactory(name="Support")
    factories.MembershipFactory(group=group)
    factories.MembershipFactory(group=group)
    # when the list is opened
    response = admin_client.get(url(Group, "changelist"))
    # then the count is shown
    assert response.context["cl"].result_list.get(pk=group.pk)._member_count == 2


def test_an_operator_is_created_with_a_login_in_one_screen(admin_client: Client) -> None:
    # given a group
    group = factories.GroupFactory(name="Support")
    # when the one-screen form is sent
    response = admin_client.post(
        url(Operator, "add"),
        {
            "username": "maria",
            "password": "a-Long-enough-pass-42",
            "display_name": "Maria",
            "max_sessions": 5,
            "groups": [group.pk],
        },
    )
    # then the operator exists, belongs to the group, and can log in
    assert response.status_code == 302, response.content.decode()[:3000]
    operator = Operator.objects.get(user__username="maria")
    assert (operator.display_name, operator.max_sessions) == ("Maria", 5)
    assert list(operator.member_of.all()) == [group]
    assert Client().login(username="maria", password="a-Long-enough-pass-42")


def test_an_operator_with_a_weak_password_or_taken_username_is_refused(
    admin_client: Client,
) -> None:
    # given an existing user
    factories.UserFactory(username="taken")
    # when the form is sent with that name and a weak password
    response = admin_client.post(
        url(Operator, "add"), {"username": "taken", "password": "123", "display_name": "X"}
    )
    # then both fields have errors and nothing is created
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "username" in errors
    assert "password" in errors
    assert not Operator.objects.exists()


def test_operators_can_be_set_away_in_bulk(admin_client: Client) -> None:
    # given two online operators
    operators = [factories.OperatorFactory(status=OperatorStatus.ONLINE) for _ in range(2)]
    # when the action runs on them
    response = admin_client.post(
        url(Operator, "changelist"),
        {"action": "set_away", admin.helpers.ACTION_CHECKBOX_NAME: [op.pk for op in operators]},
    )
    # then they are away
    assert response.status_code == 302
    assert set(Operator.objects.values_list("status", flat=True)) == {OperatorStatus.AWAY}


def channel_form_data(channel: Channel, **changes: Any) -> dict[str, Any]:
    data = {
        "type": channel.type,
        "name": channel.name,
        "default_group": channel.default_group_id or "",
        "is_active": "on",
        "config": "{}",
        "allowed_origins": "",
        **inline_management("topics"),
        **inline_management("invitations"),
    }
    data.update(changes)
    return data


@pytest.fixture
def telegram_channel() -> Channel:
    return factories.ChannelFactory(
        type=ChannelType.TELEGRAM,
        config={"bot_token": "123:SECRET-TOKEN-VALUE", "greeting": "Hello"},
    )


def test_the_channel_page_never_shows_a_secret(
    admin_client: Client, telegram_channel: Channel
) -> None:
    # when the channel page is opened
    html = admin_client.get(url(Channel, "change", telegram_channel.pk)).content.decode()
    # then the secret is absent, its presence is said, and the public settings are shown
    assert "SECRET-TOKEN-VALUE" not in html
    assert "bot_token" in html
    assert "Hello" in html


def test_a_channel_edit_without_the_secret_keeps_it(
    admin_client: Client, telegram_channel: Channel
) -> None:
    # when the settings are saved with the secret left out and another blank
    response = admin_client.post(
        url(Channel, "change", telegram_channel.pk),
        channel_form_data(telegram_channel, config='{"greeting": "Hi", "webhook_secret": ""}'),
    )
    # then the secret is kept and the rest changed
    assert response.status_code == 302, response.content.decode()[:3000]
    telegram_channel.refresh_from_db()
    assert telegram_channel.config["bot_token"] == "123:SECRET-TOKEN-VALUE"
    assert telegram_channel.config["greeting"] == "Hi"


def test_a_channel_edit_with_a_new_secret_replaces_it(
    admin_client: Client, telegram_channel: Channel
) -> None:
    # when a new secret is written
    admin_client.post(
        url(Channel, "change", telegram_channel.pk),
        channel_form_data(telegram_channel, config='{"bot_token": "456:NEW"}'),
    )
    # then it is stored
    telegram_channel.refresh_from_db()
    assert telegram_channel.config == {"bot_token": "456:NEW"}


@pytest.mark.parametrize("config", ["[1, 2]", '"text"', "{not json", "42"])
def test_settings_that_are_not_a_json_object_give_a_form_error(
    admin_client: Client, telegram_channel: Channel, config: str
) -> None:
    # when settings that are not a JSON object are sent
    response = admin_client.post(
        url(Channel, "change", telegram_channel.pk),
        channel_form_data(telegram_channel, config=config),
    )
    # then the form says so and the channel is unchanged
    assert response.status_code == 200
    assert "config" in response.context["adminform"].form.errors
    telegram_channel.refresh_from_db()
    assert telegram_channel.config["bot_token"] == "123:SECRET-TOKEN-VALUE"


@pytest.mark.parametrize(
    "origin",
    ["https://shop.example/path", "shop.example", "ftp://shop.example", "https://", "http://a:x"],
)
def test_an_allowed_origin_that_is_not_an_origin_is_refused(
    admin_client: Client, origin: str
) -> None:
    # given a widget channel
    channel = factories.ChannelFactory()
    # when an invalid origin is sent
    response = admin_client.post(
        url(Channel, "change", channel.pk),
        channel_form_data(channel, allowed_origins=f"https://ok.example\n{origin}"),
    )
    # then the form refuses it
    assert response.status_code == 200
    assert "allowed_origins" in response.context["adminform"].form.errors
    channel.refresh_from_db()
    assert channel.allowed_origins == []


def test_allowed_origins_are_stored_one_per_line_in_canonical_form(
    admin_client: Client,
) -> None:
    # given a widget channel
    channel = factories.ChannelFactory()
    # when origins are written one per line, in mixed case and with a trailing slash
    response = admin_client.post(
        url(Channel, "change", channel.pk),
        channel_form_data(
            channel, allowed_origins="HTTPS://Shop.Example/\n\nhttp://localhost:8000\n"
        ),
    )
    # then they are stored as a list of origins
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.allowed_origins == ["https://shop.example", "http://localhost:8000"]


def test_a_widget_channel_shows_its_snippet_with_the_key(admin_client: Client) -> None:
    # given a widget channel
    channel = factories.ChannelFactory()
    # when its page is opened
    html = admin_client.get(url(Channel, "change", channel.pk)).content.decode()
    # then the embed snippet carries this site's address and the channel key
    assert (
        f"&lt;script src=&quot;http://testserver/static/widget/widget.js&quot; "
        f"data-channel=&quot;{channel.key}&quot; async&gt;&lt;/script&gt;"
    ) in html


def test_a_channel_is_created_with_topics(admin_client: Client) -> None:
    # given a group
    group = factories.GroupFactory()
    data = {
        "type": ChannelType.WIDGET,
        "name": "Website",
        "default_group": group.pk,
        "is_active": "on",
        "config": "{}",
        "allowed_origins": "https://shop.example",
        **inline_management("topics", total=1),
        "topics-0-title": "Billing",
        "topics-0-group": group.pk,
        "topics-0-position": 0,
        **inline_management("invitations", total=1),
        "invitations-0-message": "Need help choosing a lamp?",
        "invitations-0-delay_s": 20,
        "invitations-0-url_pattern": "/lamps/",
        "invitations-0-is_active": "on",
        "invitations-0-position": 0,
    }
    # when the add form is sent
    response = admin_client.post(url(Channel, "add"), data)
    # then the channel has a key and its topic
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = Channel.objects.get(name="Website")
    assert channel.key
    assert list(channel.topics.values_list("title", flat=True)) == ["Billing"]
    assert channel.invitations.get().url_pattern == "/lamps/"


def test_messages_cannot_be_edited_in_the_admin(admin_client: Client) -> None:
    # given a message
    message = factories.MessageFactory(text="original")
    # when an edit is posted
    admin_client.post(url(Message, "change", message.pk), {"text": "forged"})
    # then nothing changed
    message.refresh_from_db()
    assert message.text == "original"


def test_tasks_are_marked_done_by_the_action(admin_client: Client) -> None:
    # given an open task
    task = Task.objects.create(title="Send the offer")
    # when the action runs
    admin_client.post(
        url(Task, "changelist"),
        {"action": "mark_done", admin.helpers.ACTION_CHECKBOX_NAME: [task.pk]},
    )
    # then it is done
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_lead_stage_must_belong_to_its_pipeline(admin_client: Client) -> None:
    # given a contact and a stage of another pipeline
    contact = factories.ContactFactory()
    pipeline = factories.PipelineFactory()
    foreign_stage = factories.StageFactory()
    # when a lead is added with it
    response = admin_client.post(
        url(factories.LeadFactory._meta.model, "add"),
        {
            "title": "Big order",
            "contact": contact.pk,
            "pipeline": pipeline.pk,
            "stage": foreign_stage.pk,
            "status": "new",
            "fields": "{}",
        },
    )
    # then the stage is refused
    assert response.status_code == 200
    assert "stage" in response.context["adminform"].form.errors


def test_a_user_created_as_operator_has_a_usable_password(admin_client: Client) -> None:
    # when an operator is created without groups
    admin_client.post(
        url(Operator, "add"),
        {"username": "ivan", "password": "another-Long-pass-77", "display_name": ""},
    )
    # then the stored password is hashed and valid
    user = get_user_model().objects.get(username="ivan")
    assert user.password != "another-Long-pass-77"
    assert user.check_password("another-Long-pass-77")
    assert user.operator.member_of.count() == 0


def test_a_group_with_open_chats_cannot_be_deleted(admin_client: Client) -> None:
    # given a group with a queued session
    session = factories.SessionFactory()
    group = session.group
    # when its deletion is confirmed
    response = admin_client.post(url(Group, "delete", group.pk), {"post": "yes"})
    # then it is refused and the group stays
    assert response.status_code == 200
    assert Group.objects.filter(pk=group.pk).exists()


def test_overlapping_working_hours_are_refused(admin_client: Client) -> None:
    # given two intervals of one weekday that overlap
    data = {
        "name": "Overlap",
        "routing_strategy": "least_busy",
        "default_max_sessions": 3,
        "time_zone": "UTC",
        "sla_target_s": 60,
        "abandon_after_s": 120,
        **inline_management("memberships"),
        **inline_management("working_hours", total=2),
        "working_hours-0-weekday": 2,
        "working_hours-0-start": "09:00",
        "working_hours-0-end": "13:00",
        "working_hours-1-weekday": 2,
        "working_hours-1-start": "12:00",
        "working_hours-1-end": "18:00",
        **inline_management("holidays"),
    }
    # when they are sent
    response = admin_client.post(url(Group, "add"), data)
    # then nothing is stored
    assert response.status_code == 200
    assert not Group.objects.filter(name="Overlap").exists()


def test_an_invitation_with_a_broken_page_pattern_is_refused(admin_client: Client) -> None:
    # given a widget channel
    channel = factories.ChannelFactory()
    # when an invitation with an invalid regular expression is added
    response = admin_client.post(
        url(ProactiveInvitation, "add"),
        {
            "channel": channel.pk,
            "message": "Hi",
            "delay_s": 5,
            "url_pattern": "/(lamps",
            "position": 0,
        },
    )
    # then the form says so
    assert response.status_code == 200
    assert "url_pattern" in response.context["adminform"].form.errors
    assert not ProactiveInvitation.objects.exists()


def test_a_widget_visitor_page_never_shows_the_token_hash(admin_client: Client) -> None:
    # given a visitor
    dialog = factories.DialogFactory()
    visitor = WidgetVisitor.objects.create(
        channel=dialog.channel, dialog=dialog, token_hash="ab12" * 16
    )
    # when its page is opened
    html = admin_client.get(url(WidgetVisitor, "change", visitor.pk)).content.decode()
    # then the hash is not there
    assert "ab12" * 16 not in html
