"""The words of the bot builder's scripts (flow_editor.js, flow_diagram.js,
flow_page.js), translated here and handed to the page as JSON: the scripts hold no
text of their own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _types() -> dict[str, str]:
    return {
        "message": _("Message"),
        "buttons": _("Buttons"),
        "input": _("Question"),
        "condition": _("Condition"),
        "set": _("Set a field"),
        "faq": _("Knowledge base"),
        "handoff": _("Hand to a person"),
        "end": _("End"),
    }


def _ops() -> dict[str, str]:
    return {
        "equals": _("equals"),
        "not_equals": _("does not equal"),
        "contains": _("contains"),
        "in": _("is one of"),
        "gt": _("is greater than"),
        "lt": _("is less than"),
        "is_set": _("is set"),
        "is_not_set": _("is not set"),
    }


def _editor() -> dict[str, Any]:
    return {
        "start": _("First step"),
        "start_help": _("Where the bot begins when a chat opens."),
        "pick_start": _("— pick the first step —"),
        "pick_node": _("— pick a step —"),
        "none": _("— none —"),
        "node_id": _("Name of the step"),
        "node_type": _("Kind of step"),
        "remove_node": _("Remove this step"),
        "confirm_remove": _("Remove the step “%(node)s”? Arrows into it are cleared."),
        "id_taken": _("Another step already has this name."),
        "id_bad": _("Use 1 to 100 letters, digits, “_”, “-” or “.”, no spaces."),
        "remove": _("Remove"),
        "add_node": _("Add a step"),
        "text": _("Text"),
        "text_help": _("What the bot says; then it goes on to the next step at once."),
        "buttons_text_help": _("The question above the buttons."),
        "input_text_help": _("The question the bot asks; it waits for the answer."),
        "handoff_text_help": _("Said before the chat goes to the group (optional)."),
        "faq_text_help": _(
            "Optional: with a text the bot asks it and waits for the question; without, "
            "it looks up what the customer last pressed or wrote."
        ),
        "end_help": _("Said before the chat is closed as resolved (optional)."),
        "next": _("Then go to"),
    }


def _fields() -> dict[str, Any]:
    return {
        "buttons": _("Buttons"),
        "button_title": _("Title on the button"),
        "add_button": _("Add a button"),
        "buttons_fail_help": _(
            "Where to go when the customer keeps typing something that is no button "
            "(optional; without it the chat goes to a person)."
        ),
        "field": _("Save the answer as"),
        "field_help": _("name, email, phone, or attributes.<key> for anything else."),
        "validate": _("The answer must be"),
        "validate_help": _("If it is not, the bot asks again with the error text."),
        "validate_names": {
            "text": _("any text"),
            "email": _("an e-mail"),
            "phone": _("a phone number"),
            "number": _("a number"),
            "regex": _("matching a pattern"),
        },
        "pattern": _("regular expression"),
        "error_text": _("Error text"),
        "error_text_help": _("Said when the answer does not fit."),
        "max_attempts": _("Attempts"),
        "max_attempts_help": _("How many wrong answers before giving up (empty: 3)."),
        "fail_next": _("After the last wrong answer go to"),
        "fail_next_help": _("Optional; without it the chat goes to a person."),
        "rules": _("Rules, checked in order"),
        "rules_help": _(
            "The first rule that holds is followed. Fields: contact.name, contact.email, "
            "contact.phone, contact.attributes.<key>, message.text, session.group_open."
        ),
        "add_rule": _("Add a rule"),
        "else_next": _("Otherwise go to"),
        "else_help": _("When no rule holds."),
        "value": _("Value"),
        "value_help": _("true, false and numbers are kept as such; anything else as text."),
        "faq_next": _("After an answer go to"),
        "faq_help": _("The bot answers from the knowledge base."),
        "no_match_next": _("If nothing matches go to"),
        "group": _("Group"),
        "group_help": _("The operators who take the chat."),
        "default_group": _("the channel's default group"),
        "priority": _("Priority"),
        "priority_help": _("Higher goes first in the queue (optional)."),
        "unknown_type": _("This step has an unknown kind: pick one above."),
    }


def _tools() -> dict[str, Any]:
    return {
        "export": _("Export JSON"),
        "import": _("Import"),
        "import_title": _("Import JSON (replaces the steps on this page)"),
        "import_placeholder": _("Paste a flow exported before, or pick a file"),
        "imported": _("Imported: check the steps and save."),
        "import_json": _("This is not JSON."),
        "import_shape": _('This is no flow: it needs {"start": ..., "nodes": {...}}.'),
        "arrow_fail_next": _("if it fails"),
        "arrow_else": _("otherwise"),
        "arrow_no_match_next": _("no match"),
        "outcome": _("Outcome"),
        "outcomes": {
            "waiting": _("waits for the customer"),
            "handoff": _("handed to a person"),
            "end": _("closed as resolved"),
        },
        "collected": _("Collected"),
        "sim_failed": _("The simulation did not run."),
        "sim_empty": _("Add a step to try the flow."),
        "sim_problems": _("Correct the flow first:"),
        "sim_name_needed": _("Name the simulation first."),
        "sim_saved": _("Saved. It runs again before each change is published."),
    }


def flow_texts() -> dict[str, Any]:
    return {"types": _types(), "ops": _ops(), **_editor(), **_fields(), **_tools()}
