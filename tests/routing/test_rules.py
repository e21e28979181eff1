"""Routing rules: ordered conditions on channel, page, language and contact attributes
that send a new session to a group and set its priority."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inbox import services as inbox_services
from inbox.models import Session, WidgetVisitor
from routing.models import RoutingRule
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    support = factories.GroupFactory(name="Support")
    vip = factories.GroupFactory(name="VIP desk")
    channel = factories.ChannelFactory(default_group=support)
    return support, vip, channel


def _writes(channel, *, page_url="", language="", attributes=None):
    visitor, _ = inbox_services.widget_visitor_create(channel=channel, page_url=page_url)
    WidgetVisitor.objects.filter(pk=visitor.pk).update(language=language)
    if attributes:
        contact = visitor.dialog.contact
        contact.attributes = attributes
        contact.save()
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    return Session.objects.get(pk=stored.message.session_id)


def test_vip_contacts_go_to_their_desk_first(setup):
    support, vip, channel = setup
    RoutingRule.objects.create(
        name="VIP", attribute_name="plan", attribute_value="gold", target_group=vip, priority=10
    )

    gold = _writes(channel, attributes={"plan": "gold"})
    plain = _writes(channel, attributes={"plan": "free"})

    assert (gold.group, gold.priority) == (vip, 10)
    assert (plain.group, plain.priority) == (support, 0)


def test_rules_apply_in_order_and_the_first_match_wins(setup):
    support, vip, channel = setup
    sales = factories.GroupFactory(name="Sales")
    RoutingRule.objects.create(
        name="pricing", position=1, page_url_pattern=r"/pricing", target_group=sales
    )
    RoutingRule.objects.create(name="russian", position=2, language="ru", target_group=vip)

    assert _writes(channel, page_url="https://shop.example/pricing", language="ru").group == sales
    assert _writes(channel, page_url="https://shop.example/", language="ru-RU").group == vip
    assert _writes(channel, page_url="https://shop.example/", language="en").group == support


def test_inactive_rules_and_other_channels_do_not_apply(setup):
    support, vip, channel = setup
    other = factories.ChannelFactory()
    RoutingRule.objects.create(name="off", is_active=False, target_group=vip)
    RoutingRule.objects.create(name="other channel", channel=other, target_group=vip)

    assert _writes(channel).group == support


def test_a_chosen_topic_keeps_its_group_but_priority_still_applies(setup):
    _support, vip, channel = setup
    billing = factories.GroupFactory(name="Billing")
    topic = factories.TopicFactory(channel=channel, group=billing)
    RoutingRule.objects.create(name="all", target_group=vip, priority=5)
    visitor, _ = inbox_services.widget_visitor_create(channel=channel)

    session = inbox_services.session_topic_choose(dialog_id=visitor.dialog_id, topic_id=topic.pk)

    session.refresh_from_db()
    assert (session.group, session.priority) == (billing, 5)


@pytest.mark.parametrize(
    "fields",
    [
        {"page_url_pattern": "(unclosed"},
        {"attribute_name": "plan"},
        {},
    ],
)
def test_bad_rules_are_refused_with_a_clear_error(setup, fields):
    _, vip, _ = setup
    rule = RoutingRule(name="bad", **fields)
    if fields:
        rule.target_group = vip
    with pytest.raises(ValidationError):
        rule.full_clean()
