"""The bot builder in the admin: a flow saved through the editor's hidden field becomes
a version; problems are shown at the node they name; versions are listed, compared and
restored; the simulator runs with nothing written; saved simulations that would change
warn before a new flow is published."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bots.models import Bot, BotSimulation, BotVersion
from bots.services import flows as flow_services
from inbox.models import Message, Session
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def two_steps(group: int | None = None) -> dict[str, Any]:
    return {
        "start": "menu",
        "nodes": {
            "menu": {
                "type": "buttons",
                "text": "What about?",
                "buttons": [
                    {"id": "b1", "title": "Delivery", "next": "bye"},
                    {"id": "b2", "title": "A person", "next": "people"},
                ],
            },
            "bye": {"type": "end", "text": "Delivery takes two days."},
            "people": {"type": "handoff", "group": group, "text": "Connecting you"},
        },
    }


def form_data(flow: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Front desk",
        "mode": "always",
        "handoff_keywords": json.dumps(["operator"]),
        "flow": json.dumps(flow),
        **extra,
    }


def make_bot(flow: dict[str, Any] | None = None) -> Bot:
    return flow_services.bot_create(name="Front desk", flow=flow or two_steps())


def change_url(bot: Bot) -> str:
    return reverse("admin:bots_bot_change", args=[bot.pk])


def test_the_editor_saves_a_flow_built_in_its_hidden_field_as_version_one(admin_client, admin_user):
    channel = factories.ChannelFactory()

    response = admin_client.post(
        reverse("admin:bots_bot_add"), form_data(two_steps(), channels=[channel.pk])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    bot = Bot.objects.get()
    assert bot.flow == two_steps()
    assert list(bot.channels.all()) == [channel]
    version = BotVersion.objects.get(bot=bot)
    assert (version.number, version.created_by) == (1, admin_user)


def test_the_page_carries_the_editor_the_diagram_and_the_simulator(admin_client):
    bot = make_bot()
    group = factories.GroupFactory(name="Sales")

    html = admin_client.get(change_url(bot)).content.decode()

    assert 'class="cc-flow-editor"' in html
    assert 'class="cc-fe-diagram"' in html
    assert 'class="cc-simulator"' in html
    assert "admin/bots/bot/flow_diagram.js" in html
    assert f"&quot;name&quot;: &quot;{group.name}&quot;" in html, "groups to pick from"
    assert "&quot;menu&quot;" in html, "the flow in the hidden field"
    assert "<script>" not in html.replace('<script src="', ""), "no inline script"


def test_each_problem_is_shown_at_the_node_it_names(admin_client):
    flow = two_steps()
    flow["nodes"]["menu"]["buttons"][0]["next"] = "nowhere"
    flow["nodes"]["lost"] = {"type": "end", "text": "never"}
    flow["nodes"]["people"]["group"] = 999

    response = admin_client.post(reverse("admin:bots_bot_add"), form_data(flow))

    assert response.status_code == 200
    assert not Bot.objects.exists()
    widget = response.context["adminform"].form.fields["flow"].widget
    assert set(widget.problems) == {"menu", "lost", "people", "bye"}  # bye: now unreachable
    assert "nowhere" in widget.problems["menu"][0]
    assert "999" in widget.problems["people"][0]
    html = response.content.decode()
    assert "each is shown at its step below" in html
    assert "data-problems=" in html and "&quot;lost&quot;" in html


def test_a_flow_that_is_not_json_is_a_clear_error(admin_client):
    data = form_data(two_steps())
    data["flow"] = "{not json"
    response = admin_client.post(reverse("admin:bots_bot_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["flow"]


def test_a_changed_flow_is_a_new_version_and_the_versions_are_listed(admin_client):
    bot = make_bot()
    flow = two_steps()
    flow["nodes"]["bye"]["text"] = "Delivery takes one day."

    response = admin_client.post(change_url(bot), form_data(flow))

    assert response.status_code == 302
    bot.refresh_from_db()
    assert (bot.version, bot.flow) == (2, flow)
    html = admin_client.get(change_url(bot)).content.decode()
    assert 'class="cc-versions"' in html
    assert reverse("admin:bots_bot_version_restore", args=[bot.pk, 1]) in html
    assert "what changed" in html


def test_compare_shows_nodes_added_removed_and_the_changed_fields(admin_client):
    bot = make_bot()
    flow = two_steps()
    del flow["nodes"]["bye"]
    flow["nodes"]["thanks"] = {"type": "end", "text": "Thanks"}
    flow["nodes"]["menu"]["buttons"][0]["next"] = "thanks"
    flow_services.bot_update(bot=bot, data={"flow": flow})

    url = reverse("admin:bots_bot_versions_compare", args=[bot.pk])
    response = admin_client.get(url, {"a": "1", "b": "2"})

    assert response.status_code == 200
    diff = response.context["diff"]
    assert (diff.added, diff.removed) == (("thanks",), ("bye",))
    assert [(c.node, [f.field for f in c.fields]) for c in diff.changed] == [
        ("menu", ["buttons[b1]"])
    ]
    html = response.content.decode()
    assert "Steps added" in html and "Steps removed" in html and "buttons[b1]" in html


def test_compare_with_a_version_that_does_not_exist_goes_back_with_a_message(admin_client):
    bot = make_bot()
    url = reverse("admin:bots_bot_versions_compare", args=[bot.pk])
    response = admin_client.get(url, {"a": "7", "b": "x"}, follow=True)
    assert response.status_code == 200
    assert "Pick two versions this bot has." in response.content.decode()


def test_restore_asks_first_then_publishes_the_old_flow_as_a_new_version(admin_client):
    bot = make_bot()
    changed = copy.deepcopy(two_steps())
    changed["nodes"]["bye"]["text"] = "Changed"
    flow_services.bot_update(bot=bot, data={"flow": changed})
    url = reverse("admin:bots_bot_version_restore", args=[bot.pk, 1])

    asked = admin_client.get(url)
    assert asked.status_code == 200
    assert "Yes, restore version 1" in asked.content.decode()
    bot.refresh_from_db()
    assert bot.version == 2, "nothing happens before the confirmation"

    done = admin_client.post(url, follow=True)

    bot.refresh_from_db()
    assert (bot.version, bot.flow) == (3, two_steps())
    assert BotVersion.objects.get(bot=bot, number=3).restored_from == 1
    assert "Version 1 is back, published as version 3." in done.content.decode()


def simulate(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        reverse("admin:bots_bot_simulate"), json.dumps(body), content_type="application/json"
    )


def test_the_simulator_runs_the_edited_flow_and_writes_nothing(admin_client):
    group = factories.GroupFactory(name="Sales")
    bot = make_bot()
    sessions, messages = Session.objects.count(), Message.objects.count()

    response = simulate(
        admin_client,
        {
            "bot": bot.pk,
            "flow": two_steps(group.pk),
            "inputs": [{"button": "b2"}],
            "group_open": False,
        },
    )

    assert response.status_code == 200, response.content
    answer = response.json()
    assert [line["from"] for line in answer["transcript"]] == ["bot", "contact", "bot"]
    assert answer["transcript"][0]["buttons"] == [
        {"id": "b1", "title": "Delivery"},
        {"id": "b2", "title": "A person"},
    ]
    assert answer["transcript"][1]["text"] == "A person"
    assert (answer["outcome"], answer["group"], answer["group_name"]) == (
        "handoff",
        group.pk,
        "Sales",
    )
    assert (Session.objects.count(), Message.objects.count()) == (sessions, messages)
    assert Bot.objects.get().version == 1


def test_the_simulator_answers_bad_requests_with_a_reason(admin_client):
    assert simulate(admin_client, {"flow": two_steps(), "inputs": "hi"}).status_code == 400
    assert simulate(admin_client, {"flow": two_steps(), "inputs": [[1]]}).json()["detail"]
    broken = simulate(admin_client, {"flow": {"start": "x", "nodes": {}}, "inputs": []})
    assert broken.status_code == 200, "a flow being built is no bad request"
    assert broken.json()["problems"] == ["A flow needs at least one node in “nodes”."]
    not_json = admin_client.post(
        reverse("admin:bots_bot_simulate"), "{", content_type="application/json"
    )
    assert not_json.status_code == 400
    assert admin_client.get(reverse("admin:bots_bot_simulate")).status_code == 405


def test_only_staff_reach_the_simulator(client):
    response = simulate(client, {"flow": two_steps(), "inputs": []})
    assert response.status_code == 302 and "/login/" in response["Location"]


def save_simulation(client: Client, bot: Bot, inputs: list[Any], **extra: Any) -> Any:
    body = {"name": "Delivery question", "flow": bot.flow, "inputs": inputs, **extra}
    url = reverse("admin:bots_bot_simulation_save", args=[bot.pk])
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_saved_simulation_keeps_the_inputs_and_the_answers(admin_client):
    bot = make_bot()

    response = save_simulation(admin_client, bot, [{"button": "b1"}])

    assert response.status_code == 201
    saved = BotSimulation.objects.get()
    assert saved.inputs == [{"button": "b1"}]
    assert saved.expected["outcome"] == "end"
    assert saved.expected["transcript"][-1]["text"] == "Delivery takes two days."
    assert "Delivery question" in admin_client.get(change_url(bot)).content.decode()
    assert save_simulation(admin_client, bot, [], name=" ").status_code == 400


def test_a_change_that_alters_a_saved_simulation_warns_and_saves_only_when_told(admin_client):
    bot = make_bot()
    save_simulation(admin_client, bot, [{"button": "b1"}])
    flow = two_steps()
    flow["nodes"]["bye"]["text"] = "Delivery takes a week."

    warned = admin_client.post(change_url(bot), form_data(flow))

    assert warned.status_code == 200
    bot.refresh_from_db()
    assert bot.version == 1, "not published"
    html = warned.content.decode()
    assert "1 saved simulation would end differently" in html
    assert "Delivery takes two days." in html and "Delivery takes a week." in html
    assert 'name="save_anyway"' in html

    saved = admin_client.post(change_url(bot), form_data(flow, save_anyway="on"))

    assert saved.status_code == 302
    bot.refresh_from_db()
    assert bot.version == 2
    expected = BotSimulation.objects.get().expected
    assert expected["transcript"][-1]["text"] == "Delivery takes a week."


def test_a_change_that_keeps_saved_simulations_as_they_were_saves_at_once(admin_client):
    bot = make_bot()
    save_simulation(admin_client, bot, [{"button": "b1"}])
    flow = two_steps()
    flow["nodes"]["people"]["text"] = "One moment"

    response = admin_client.post(change_url(bot), form_data(flow))

    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.version == 2


def test_an_outcome_that_changes_is_named(admin_client):
    bot = make_bot()
    save_simulation(admin_client, bot, [{"button": "b1"}])
    flow = two_steps()
    flow["nodes"]["menu"]["buttons"][0]["next"] = "people"
    flow["nodes"]["bye"]["text"] = "unused"
    flow["nodes"]["menu"]["buttons"].append({"id": "b3", "title": "Bye", "next": "bye"})

    html = admin_client.post(change_url(bot), form_data(flow)).content.decode()

    assert "Outcome" in html and "<del>end</del>" in html and "<ins>handoff" in html


def test_restoring_a_version_whose_group_is_gone_says_so_and_changes_nothing(admin_client):
    group = factories.GroupFactory(name="Old sales")
    bot = make_bot(two_steps(group.pk))
    flow_services.bot_update(bot=bot, data={"flow": two_steps()})
    group.delete()
    url = reverse("admin:bots_bot_version_restore", args=[bot.pk, 1])

    response = admin_client.post(url, follow=True)

    assert response.status_code == 200
    bot.refresh_from_db()
    assert bot.version == 2
    assert "does not exist" in response.content.decode()


def test_the_add_page_offers_no_saving_of_simulations_until_the_bot_exists(admin_client):
    html = admin_client.get(reverse("admin:bots_bot_add")).content.decode()
    assert "Save the bot first to keep simulations." in html
    assert 'class="cc-sim-save"' not in html


def test_bots_come_first_in_their_section_of_the_admin(admin_client):
    html = admin_client.get(reverse("admin:app_list", args=["bots"])).content.decode()
    bots = html.index(reverse("admin:bots_bot_changelist"))
    saved = html.index(reverse("admin:bots_botsimulation_changelist"))
    assert bots < saved < html.index(reverse("admin:bots_trigger_changelist"))
