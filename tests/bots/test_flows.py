"""bots.services.flows: versions of a bot's flow, keywords, deletion."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bots import services
from bots.models import BotSession, BotVersion
from routing.models import Group
from tests import factories
from tests.bots.flows.samples import contract_flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow() -> dict:
    sales, vip = factories.GroupFactory(), factories.GroupFactory()
    return contract_flow(sales=sales.pk, vip=vip.pk)


def test_restoring_a_version_whose_group_is_gone_is_refused_naming_the_node(flow):
    # given: version 2 hands VIPs to the sales group, then the VIP group is deleted
    bot = services.bot_create(name="Desk", flow=flow)
    vip_group = flow["nodes"]["to_vip"]["group"]
    changed = {**flow, "nodes": {**flow["nodes"], "to_vip": {"type": "handoff", "group": None}}}
    services.bot_update(bot=bot, data={"flow": changed})
    Group.objects.filter(pk=vip_group).delete()
    # when
    with pytest.raises(services.FlowInvalid) as refused:
        services.bot_version_restore(bot=bot, number=1)
    # then
    assert [(p.code, p.nodes) for p in refused.value.problems] == [("unknown_group", ("to_vip",))]
    bot.refresh_from_db()
    assert bot.version == 2
    assert BotVersion.objects.filter(bot=bot).count() == 2


def test_keywords_are_trimmed_and_kept_once(flow):
    # when
    bot = services.bot_create(
        name="Desk", flow=flow, handoff_keywords=[" human ", "Human", "агент"]
    )
    # then
    assert bot.handoff_keywords == ["human", "агент"]


@pytest.mark.parametrize("keywords", ["operator", [""], [5], ["x" * 51], ["w"] * 21])
def test_bad_keywords_are_refused(flow, keywords):
    with pytest.raises(ValidationError) as refused:
        services.bot_create(name="Desk", flow=flow, handoff_keywords=keywords)
    assert "handoff_keywords" in refused.value.message_dict


def test_deleting_a_bot_keeps_the_state_of_its_sessions_without_a_version(flow):
    # given
    bot = services.bot_create(name="Desk", flow=flow)
    session = factories.SessionFactory(status="bot")
    state = BotSession.objects.create(
        session=session, version=bot.versions.get(), node="menu", collected={"email": "a@b.co"}
    )
    # when
    services.bot_delete(bot=bot)
    # then
    state.refresh_from_db()
    assert state.version is None
    assert state.collected == {"email": "a@b.co"}
