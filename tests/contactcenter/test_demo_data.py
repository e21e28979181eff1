"""The demo data (``manage.py demo_data``) and the demo website page (``/demo/``)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import Client

from contactcenter import roles
from contactcenter.management.demo import DEMO_PASSWORD, USERS, demo_data_load
from crm.models import ChannelType, Pipeline
from inbox.models import CannedResponse, Channel
from routing.models import Group, Operator, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _row_counts() -> dict[str, int]:
    app_labels = ("auth", "crm", "inbox", "routing")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in app_labels
    }


def test_running_it_twice_creates_nothing_new():
    call_command("demo_data", verbosity=0)
    after_first = _row_counts()

    call_command("demo_data", verbosity=0)

    assert _row_counts() == after_first
    assert not demo_data_load()
    assert after_first["routing.Group"] == 3


def test_it_leaves_what_an_admin_changed_alone():
    demo_data_load()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-the-admin-1")
    admin.save()
    Group.objects.filter(name="Sales").update(offline_message="Back on Monday.")

    demo_data_load()

    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-admin-1")
    assert Group.objects.get(name="Sales").offline_message == "Back on Monday."


def test_it_creates_groups_with_working_hours_and_offline_messages():
    demo_data_load()

    sales, support, billing = (Group.objects.get(name=n) for n in ("Sales", "Support", "Billing"))
    assert support.always_open
    assert not sales.always_open and sales.time_zone == "Europe/Moscow"
    assert [(h.weekday, h.start, h.end) for h in sales.working_hours.all()] == [
        (day, dt.time(9), dt.time(18)) for day in range(5)
    ]
    assert {(h.start, h.end) for h in billing.working_hours.all()} == {(dt.time(10), dt.time(17))}
    assert all(g.offline_message for g in (sales, support, billing))


def test_it_creates_operators_a_supervisor_and_a_crm_manager():
    demo_data_load()

    members = {
        group.name: sorted(op.user.username for op in group.members.select_related("user"))
        for group in Group.objects.all()
    }
    assert members == {
        "Billing": ["carla"],
        "Sales": ["anna"],
        "Support": ["anna", "boris", "carla"],
    }
    sofia = Operator.objects.get(user__username="sofia")
    assert sorted(sofia.supervisor_of.values_list("name", flat=True)) == [
        "Billing",
        "Sales",
        "Support",
    ]
    marta = get_user_model().objects.get(username="marta")
    assert roles.is_crm_manager(marta) and not roles.is_admin(marta)
    assert get_user_model().objects.get(username="admin").is_superuser
    assert Pipeline.objects.get(is_default=True).stages.count() >= 3
    assert CannedResponse.objects.filter(shortcut="hello", group=None).exists()


def test_it_creates_a_widget_channel_whose_topics_route_to_the_groups():
    demo_data_load()

    channel = Channel.objects.get(type=ChannelType.WIDGET, name="Website")
    assert channel.default_group.name == "Support"
    assert list(Topic.objects.filter(channel=channel).values_list("title", "group__name")) == [
        ("Sales question", "Sales"),
        ("Technical support", "Support"),
        ("Billing and payments", "Billing"),
    ]


def test_every_demo_user_logs_in_with_the_demo_password():
    demo_data_load()

    for user in USERS:
        assert Client().login(username=user.username, password=DEMO_PASSWORD), user.username


def test_the_demo_password_passes_the_password_validators():
    for user in USERS:
        validate_password(DEMO_PASSWORD, get_user_model()(username=user.username))


def test_the_demo_page_is_public_and_shows_the_snippet_of_the_demo_channel():
    demo_data_load()
    key = Channel.objects.get(name="Website").key
    snippet = f'<script src="/static/widget/widget.js" data-channel="{key}" async></script>'

    response = Client().get("/demo/")

    assert response.status_code == 200
    page = response.content.decode()
    assert html.escape(snippet) in page  # shown for copying
    assert snippet in page  # and embedded, so the widget appears once it ships
    assert "Technical support" in page


def test_the_demo_page_says_how_to_get_a_channel_when_there_is_none():
    response = Client().get("/demo/")

    assert response.status_code == 200
    assert "data-channel" not in response.content.decode()
    assert "demo_data" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_demo_bot_greets_on_its_own_channel_and_the_plain_demo_channel_has_none():
    from bots.models import Bot, BotMode
    from inbox import services as inbox_services
    from inbox.models import Message, SenderType, Session, SessionStatus

    demo_data_load()
    plain = Channel.objects.get(name="Website")
    with_bot = Channel.objects.get(name="Website with a bot")
    billing = Channel.objects.get(name="Billing line")

    visitor, _token = inbox_services.widget_visitor_create(channel=with_bot)
    inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hello")
    plain_visitor, _token = inbox_services.widget_visitor_create(channel=plain)
    inbox_services.contact_message_receive(dialog_id=plain_visitor.dialog_id, text="Hello")

    menu = Message.objects.filter(dialog_id=visitor.dialog_id, sender_type=SenderType.BOT).last()
    assert [b["title"] for b in menu.buttons] == [
        "My order",
        "Buying lamps",
        "Invoices and payments",
        "Nothing, thanks",
    ]
    assert Session.objects.get(dialog_id=plain_visitor.dialog_id).status != SessionStatus.BOT
    assert Bot.objects.get(channels=billing).mode == BotMode.OUTSIDE_HOURS
    assert Client().get("/demo/?bot=1").context["channel"] == with_bot
