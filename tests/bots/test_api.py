"""bots/: admins build bots; every change of a flow is a version; the simulator writes
nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from bots.models import Bot, BotVersion
from tests import factories
from tests.bots.flows.samples import contract_flow
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/bots/"


def detail(bot_id: int, tail: str = "") -> str:
    return f"{URL}{bot_id}/{tail}"


@pytest.fixture
def groups() -> tuple[Any, Any]:
    return factories.GroupFactory(name="Sales"), factories.GroupFactory(name="VIP")


@pytest.fixture
def flow(groups: tuple[Any, Any]) -> dict[str, Any]:
    sales, vip = groups
    return contract_flow(sales=sales.pk, vip=vip.pk)


@pytest.fixture
def bot(admin_api, flow) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    channel = factories.ChannelFactory()
    response = admin_api.post(
        URL, {"name": "Front desk", "channels": [channel.pk], "flow": flow}, format="json"
    )
    assert response.status_code == 201, response.data
    return response.data


def test_admin_creates_a_bot_whose_flow_is_version_1(admin_api, flow):
    # given
    channel = factories.ChannelFactory()
    # when
    response = admin_api.post(
        URL,
        {"name": "Front desk", "channels": [channel.pk], "mode": "outside_hours", "flow": flow},
        format="json",
    )
    # then
    assert response.status_code == 201, response.data
    assert response.data["version"] == 1
    assert response.data["channels"] == [channel.pk]
    assert response.data["mode"] == "outside_hours"
    assert response.data["handoff_keywords"] == ["operator", "оператор"]
    assert response.data["flow"] == flow
    listed = admin_api.get(URL).data
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Front desk"
    versions = admin_api.get(detail(response.data["id"], "versions/")).data["results"]
    assert [(v["number"], v["created_by"]) for v in versions] == [(1, "admin")]


def test_a_flow_that_does_not_validate_answers_400_naming_its_nodes(admin_api, flow):
    # given: a button to a node that is not there, so "email" is reached by nothing
    flow["nodes"]["menu"]["buttons"][1]["next"] = "emial"
    # when
    response = admin_api.post(URL, {"name": "Broken", "flow": flow}, format="json")
    # then
    assert response.status_code == 400
    assert any(line.startswith("menu: ") and "emial" in line for line in response.data["flow"])
    by_code = {p["code"]: p["nodes"] for p in response.data["problems"]}
    assert by_code["unknown_next"] == ["menu"]
    assert "email" in by_code["unreachable"]
    assert not Bot.objects.exists()


def test_a_handoff_to_a_group_that_does_not_exist_is_refused(admin_api, flow):
    # given
    flow["nodes"]["to_vip"]["group"] = 999_999
    # when
    response = admin_api.post(URL, {"name": "Lost", "flow": flow}, format="json")
    # then
    assert response.status_code == 400
    assert response.data["problems"] == [
        {
            "code": "unknown_group",
            "nodes": ["to_vip"],
            "message": "Hands off to group 999999, which does not exist.",
        }
    ]


def test_version_grows_only_when_the_flow_changes(admin_api, bot, flow):
    # when: the name and mode change, then the same flow is sent again
    renamed = admin_api.patch(
        detail(bot["id"]), {"name": "Desk", "mode": "off", "flow": flow}, format="json"
    )
    # then: no new version
    assert renamed.status_code == 200, renamed.data
    assert (renamed.data["name"], renamed.data["mode"], renamed.data["version"]) == (
        "Desk",
        "off",
        1,
    )
    # when: the flow changes
    flow["nodes"]["hello"]["text"] = "Hello there!"
    changed = admin_api.patch(detail(bot["id"]), {"flow": flow}, format="json")
    # then
    assert changed.data["version"] == 2
    versions = admin_api.get(detail(bot["id"], "versions/")).data["results"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["flow"]["nodes"]["hello"]["text"] == "Hello there!"
    assert versions[1]["flow"]["nodes"]["hello"]["text"] == "Hi!"


def test_version_is_read_only(admin_api, bot):
    # when
    response = admin_api.patch(detail(bot["id"]), {"version": 42}, format="json")
    # then
    assert response.status_code == 200
    assert response.data["version"] == 1


def test_an_invalid_change_keeps_the_published_flow(admin_api, bot, flow):
    # given
    flow["nodes"]["hello"]["next"] = "hello"  # a loop with nothing that waits
    # when
    response = admin_api.patch(detail(bot["id"]), {"flow": flow}, format="json")
    # then
    assert response.status_code == 400
    loops = [p["nodes"] for p in response.data["problems"] if p["code"] == "loop"]
    assert loops == [["hello"]]
    stored = admin_api.get(detail(bot["id"])).data
    assert stored["version"] == 1 and stored["flow"]["nodes"]["hello"]["next"] == "menu"


def test_restoring_a_version_publishes_its_flow_as_a_new_version(admin_api, bot, flow):
    # given: version 2 changed the greeting
    flow["nodes"]["hello"]["text"] = "Hello there!"
    admin_api.patch(detail(bot["id"]), {"flow": flow}, format="json")
    # when
    response = admin_api.post(detail(bot["id"], "versions/1/restore/"))
    # then
    assert response.status_code == 200, response.data
    assert response.data["version"] == 3
    assert response.data["flow"]["nodes"]["hello"]["text"] == "Hi!"
    newest = admin_api.get(detail(bot["id"], "versions/")).data["results"][0]
    assert (newest["number"], newest["restored_from"]) == (3, 1)


def test_restoring_a_version_that_does_not_exist_answers_404(admin_api, bot):
    # when
    response = admin_api.post(detail(bot["id"], "versions/7/restore/"))
    # then
    assert response.status_code == 404
    assert BotVersion.objects.count() == 1


@pytest.mark.parametrize(("number", "code"), [("x", 400), ("-1", 400), ("99999999999", 404)])
def test_restoring_a_version_that_is_not_a_number_or_too_big_is_refused(
    admin_api, bot, number, code
):
    assert admin_api.post(detail(bot["id"], f"versions/{number}/restore/")).status_code == code


def test_deleting_a_bot_deletes_its_versions(admin_api, bot):
    # when
    response = admin_api.delete(detail(bot["id"]))
    # then
    assert response.status_code == 204
    assert admin_api.get(detail(bot["id"])).status_code == 404
    assert not BotVersion.objects.exists()


def test_only_admins_see_or_change_bots(bot, flow):
    # given
    operator = factories.OperatorFactory().user
    crm_manager = factories.CrmManagerFactory()
    for user in (operator, crm_manager):
        client = api_as(user)
        # when / then
        assert client.get(URL).status_code == 403
        assert client.get(detail(bot["id"])).status_code == 403
        assert client.post(URL, {"name": "Mine", "flow": flow}, format="json").status_code == 403
        assert client.post(detail(bot["id"], "simulate/"), {}, format="json").status_code == 403
    assert Bot.objects.count() == 1


def test_anonymous_callers_get_401(api_client, bot):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "flow": []}, "flow"),
        ({"name": "X", "flow": "start"}, "flow"),
        ({"name": "X"}, "flow"),
        ({"name": "X", "flow": {"start": "a", "nodes": {}}, "mode": "sometimes"}, "mode"),
        ({"name": "X", "flow": {}, "handoff_keywords": "operator"}, "handoff_keywords"),
        ({"name": "X", "flow": {}, "channels": [999_999]}, "channels"),
        (
            {
                "name": "X",
                "flow": {"start": "h", "nodes": {"h": {"type": "handoff", "group": 2**70}}},
            },
            "flow",
        ),
        ({"name": "", "flow": {}}, "name"),
    ],
)
def test_bad_input_answers_400_naming_the_field(admin_api, body, field):
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.status_code == 400
    assert field in response.data


# --- simulate ---------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("bots", "inbox", "crm", "routing", "reports")
    }


def test_simulate_answers_transcript_outcome_group_and_collected_and_writes_nothing(
    admin_api, bot, groups
):
    # given
    before = _row_counts()
    # when
    response = admin_api.post(
        detail(bot["id"], "simulate/"),
        {
            "inputs": [{"button": "b2"}, "not an e-mail", "ann@example.com"],
            "contact": {"name": "Ann", "attributes": {"vip": True}},
            "group_open": True,
        },
        format="json",
    )
    # then
    assert response.status_code == 200, response.data
    assert response.data["transcript"] == [
        {"from": "bot", "text": "Hi!"},
        {
            "from": "bot",
            "text": "What about?",
            "buttons": [
                {"id": "b1", "title": "Delivery"},
                {"id": "b2", "title": "Sales"},
                {"id": "b3", "title": "Nothing, thanks"},
            ],
            "node": "menu",
        },
        {"from": "contact", "text": "Sales"},
        {"from": "bot", "text": "Your e-mail?"},
        {"from": "contact", "text": "not an e-mail"},
        {"from": "bot", "text": "That is not an e-mail"},
        {"from": "contact", "text": "ann@example.com"},
    ]
    assert response.data["outcome"] == "handoff"
    assert response.data["group"] == groups[1].pk
    assert response.data["priority"] == 10
    assert response.data["collected"] == {"email": "ann@example.com"}
    assert _row_counts() == before


def test_simulate_with_the_group_closed_names_its_offline_message(admin_api, bot, groups):
    # given
    sales = groups[0]
    sales.offline_message = "We are back at 9:00."
    sales.save()
    # when: a non-VIP leaves an e-mail
    response = admin_api.post(
        detail(bot["id"], "simulate/"),
        {"inputs": ["Sales", "bob@example.com"], "group_open": False},
        format="json",
    )
    # then
    assert response.data["outcome"] == "handoff"
    assert response.data["group"] == sales.pk
    assert response.data["group_open"] is False
    assert response.data["offline_message"] == "We are back at 9:00."


def test_simulate_waits_when_the_inputs_end_mid_flow_and_ends_on_end(admin_api, bot):
    # when
    waiting = admin_api.post(detail(bot["id"], "simulate/"), {}, format="json")
    ended = admin_api.post(detail(bot["id"], "simulate/"), {"inputs": ["3"]}, format="json")
    # then
    assert (waiting.data["outcome"], waiting.data["group"], waiting.data["node"]) == (
        "waiting",
        None,
        "menu",
    )
    assert ended.data["outcome"] == "end"
    assert ended.data["transcript"][-1] == {"from": "bot", "text": "Glad to help!"}


def test_simulate_a_handoff_to_the_default_group_names_the_channels_default(admin_api, flow):
    # given
    support = factories.GroupFactory(name="Support")
    channel = factories.ChannelFactory(default_group=support)
    created = admin_api.post(
        URL, {"name": "Desk", "channels": [channel.pk], "flow": flow}, format="json"
    ).data
    # when: "Delivery" leads to the knowledge base, which has no answer yet
    response = admin_api.post(
        detail(created["id"], "simulate/"), {"inputs": [{"button": "b1"}]}, format="json"
    )
    # then
    assert response.data["outcome"] == "handoff"
    assert response.data["group"] == support.pk


def test_simulate_tries_an_unsaved_flow_and_refuses_a_broken_one(admin_api, bot, flow):
    # given
    flow["nodes"]["hello"]["text"] = "Draft greeting"
    # when
    draft = admin_api.post(detail(bot["id"], "simulate/"), {"flow": flow}, format="json")
    flow["nodes"]["hello"]["next"] = "nowhere"
    broken = admin_api.post(detail(bot["id"], "simulate/"), {"flow": flow}, format="json")
    # then
    assert draft.data["transcript"][0] == {"from": "bot", "text": "Draft greeting"}
    assert broken.status_code == 400
    assert broken.data["problems"][0]["nodes"] == ["hello"]
    assert admin_api.get(detail(bot["id"])).data["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": "Sales"},
        {"inputs": [{"press": "b1"}]},
        {"inputs": [["b1"]]},
        {"group_open": "yes"},
        {"contact": "Ann"},
        {"inputs": ["x"] * 201},
    ],
)
def test_simulate_refuses_bad_input_with_400(admin_api, bot, body):
    # when
    response = admin_api.post(detail(bot["id"], "simulate/"), body, format="json")
    # then
    assert response.status_code == 400
    assert set(response.data) & {"inputs", "group_open", "contact"}
