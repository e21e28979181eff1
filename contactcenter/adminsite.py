"""The admin site of the contact center: its index in the order of a contact center's
work, not the alphabet.

Django sorts sections and models by name, which puts Celery's schedule tables beside
business settings and the operator groups far from the channels that feed them. Here
each section has a place, and each model a place in its section, from the tables
below. A section or model not listed (a new app, a new model) still shows: after the
listed ones, by name, and always before the technical section at the end.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

# App labels in the order an admin needs them: the channels customers write through,
# who answers them, what answers by itself, the customers, the figures, the people who
# log in, and last the machinery.
SECTION_ORDER = [
    "inbox",
    "routing",
    "bots",
    "kb",
    "crm",
    "reports",
    "email",
    "auth",
    "django_celery_beat",
]
# Sections whose models the index shows inside another section: API tokens belong
# with the users they log in as, translation's figures with the conversations.
MERGED_INTO = {"authtoken": "auth", "translation": "inbox"}
# Models (object names) in the order they are set up or looked at, per section.
MODEL_ORDER = {
    "inbox": [
        "Channel",
        "ProactiveInvitation",
        "CannedResponse",
        "Dialog",
        "Session",
        "Message",
        "WidgetVisitor",
    ],
    "routing": ["Group", "Operator", "Topic", "RoutingRule"],
    "bots": [
        "Bot",
        "BotSimulation",
        "Trigger",
        "TriggerRun",
        "WebhookSubscription",
        "WebhookDelivery",
    ],
    "kb": ["Article"],
    "crm": ["Contact", "Lead", "Pipeline", "Task", "MergeSuggestion", "IdentityPolicy"],
    "auth": ["User", "Group", "TokenProxy"],
    "django_celery_beat": [
        "PeriodicTask",
        "IntervalSchedule",
        "CrontabSchedule",
        "ClockedSchedule",
        "SolarSchedule",
    ],
}
LAST_SECTION = "django_celery_beat"


def _place(order: list[str], key: str, name: str) -> tuple[int, str]:
    return (order.index(key) if key in order else len(order), name.lower())


def app_list_arrange(app_dict: dict[str, dict[str, Any]], *, merge: bool) -> list[dict[str, Any]]:
    """The sections of the admin's ``app_dict`` in business order, each with its models
    in order; with ``merge``, sections named in ``MERGED_INTO`` join their host."""
    apps = {label: {**app, "models": list(app["models"])} for label, app in app_dict.items()}
    if merge:
        for label, host in MERGED_INTO.items():
            if label in apps and host in apps:
                apps[host]["models"].extend(apps.pop(label)["models"])
    for label, app in apps.items():
        order = MODEL_ORDER.get(label, [])
        app["models"].sort(key=lambda model: _place(order, model["object_name"], model["name"]))

    def section_place(app: dict[str, Any]) -> tuple[int, int, str]:
        label = app["app_label"]
        last = label == LAST_SECTION
        known = SECTION_ORDER.index(label) if label in SECTION_ORDER else len(SECTION_ORDER)
        return (int(last), known, str(app["name"]).lower())

    return sorted(apps.values(), key=section_place)


class ContactCenterAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        app_dict = self._build_app_dict(request, app_label)
        return app_list_arrange(app_dict, merge=app_label is None)
