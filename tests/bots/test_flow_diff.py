"""What the admin's "compare versions" shows: nodes added, removed and changed, with the
changed fields (each button and rule apart)."""

from __future__ import annotations

import copy

from bots.flows.diff import flow_diff

FLOW = {
    "start": "menu",
    "nodes": {
        "menu": {
            "type": "buttons",
            "text": "What about?",
            "buttons": [
                {"id": "b1", "title": "Delivery", "next": "bye"},
                {"id": "b2", "title": "Sales", "next": "sales"},
            ],
        },
        "sales": {"type": "handoff", "group": 1, "text": "Connecting you"},
        "bye": {"type": "end", "text": "Bye"},
    },
}


def test_the_same_flow_has_no_changes():
    assert flow_diff(FLOW, copy.deepcopy(FLOW)).empty


def test_nodes_added_removed_and_changed_with_their_fields():
    new = copy.deepcopy(FLOW)
    del new["nodes"]["bye"]
    new["nodes"]["thanks"] = {"type": "end", "text": "Thanks"}
    new["nodes"]["menu"]["buttons"][0]["next"] = "thanks"
    new["nodes"]["menu"]["buttons"].append({"id": "b3", "title": "Other", "next": "sales"})
    new["nodes"]["sales"]["priority"] = 10

    diff = flow_diff(FLOW, new)

    assert diff.added == ("thanks",)
    assert diff.removed == ("bye",)
    changes = {
        c.node: {f.field: (f.before_text, f.after_text) for f in c.fields} for c in diff.changed
    }
    assert changes["menu"] == {
        "buttons[b1]": (
            '{"id": "b1", "next": "bye", "title": "Delivery"}',
            '{"id": "b1", "next": "thanks", "title": "Delivery"}',
        ),
        "buttons[b3]": ("—", '{"id": "b3", "next": "sales", "title": "Other"}'),
    }
    assert changes["sales"] == {"priority": ("—", "10")}
    assert diff.start is None


def test_a_new_start_and_a_new_text_are_changes():
    new = copy.deepcopy(FLOW)
    new["start"] = "bye"
    new["nodes"]["bye"]["text"] = "Goodbye"
    diff = flow_diff(FLOW, new)
    assert diff.start == ("menu", "bye")
    assert [(f.field, f.before, f.after) for f in diff.changed[0].fields] == [
        ("text", "Bye", "Goodbye")
    ]


def test_a_broken_flow_compares_without_crashing():
    assert flow_diff(None, FLOW).added == ("menu", "sales", "bye")
    assert flow_diff({"nodes": {"a": 1}}, {"nodes": {"a": 2}}).changed[0].fields[0].after == 2
