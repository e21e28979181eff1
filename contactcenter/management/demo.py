"""Demo data for the embedded default: groups, operators, a widget channel with topics.

Seed data, so it uses the ORM directly rather than the services. ``demo_data_load()`` is
idempotent: every row is looked up by its natural key first, and a row that exists is left
as it is (a password or working hours an admin changed stay changed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import User
from django.db import transaction

from contactcenter import roles
from contactcenter.management.demo_bots import DEMO_BOT_CHANNEL_NAME, demo_bots_load
from crm.models import ChannelType, Pipeline, Stage
from inbox.models import CannedResponse, Channel
from routing.models import Group, GroupMembership, Operator, Topic, WorkingHours

# The same password for every demo user. Demo only: anyone who read the README knows it.
DEMO_PASSWORD = "demo-switchboard-42"

DEMO_CHANNEL_NAME = "Website"

WEEKDAYS = range(0, 5)  # Monday to Friday

Note = Callable[[str, bool], None]


@dataclass(frozen=True)
class DemoGroup:
    name: str
    time_zone: str
    hours: tuple[dt.time, dt.time] | None  # None: always open
    offline_message: str


GROUPS = (
    DemoGroup(
        "Sales",
        "Europe/Moscow",
        (dt.time(9), dt.time(18)),
        "Our sales team works Monday to Friday, 9:00 to 18:00 (Moscow time). "
        "Leave your question and we will answer as soon as we are back.",
    ),
    DemoGroup(
        "Support",
        "UTC",
        None,
        "Support is open around the clock; an operator will answer shortly.",
    ),
    DemoGroup(
        "Billing",
        "Europe/Moscow",
        (dt.time(10), dt.time(17)),
        "Billing works Monday to Friday, 10:00 to 17:00 (Moscow time). "
        "Leave your question and we will answer on the next working day.",
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    role: str  # shown in the run command's banner
    groups: tuple[str, ...] = ()  # routing groups they answer in
    supervises: tuple[str, ...] = ()  # routing groups they supervise
    auth_groups: tuple[str, ...] = ()  # roles.* names
    is_superuser: bool = False


USERS = (
    DemoUser("admin", "Admin", "administrator", is_superuser=True),
    DemoUser("anna", "Anna", "operator: Sales, Support", groups=("Sales", "Support")),
    DemoUser("boris", "Boris", "operator: Support", groups=("Support",)),
    DemoUser("carla", "Carla", "operator: Billing, Support", groups=("Billing", "Support")),
    DemoUser(
        "sofia", "Sofia", "supervisor of every group", supervises=("Sales", "Support", "Billing")
    ),
    DemoUser("marta", "Marta", "CRM manager", auth_groups=(roles.CRM_MANAGERS,)),
)

TOPICS = (
    ("Sales question", "Sales"),
    ("Technical support", "Support"),
    ("Billing and payments", "Billing"),
)

STAGES = ("New", "Contacted", "Proposal", "Negotiation", "Closed")

CANNED: tuple[tuple[str, str, str, str | None], ...] = (
    ("hello", "Greeting", "Hello! My name is {operator}. How can I help you?", None),
    ("thanks", "Thanks and goodbye", "Thank you for writing to us. Have a good day!", None),
    (
        "invoice",
        "Invoice copy",
        "I have sent a copy of your invoice to the e-mail address in your account.",
        "Billing",
    ),
)


def demo_channel(*, bot: bool = False) -> Channel | None:
    """The widget channel the demo page embeds: the demo one, else any active widget;
    with ``bot``, the demo channel whose chats start with the demo bot."""
    widgets = Channel.objects.filter(type=ChannelType.WIDGET, is_active=True)
    if bot:
        return widgets.filter(name=DEMO_BOT_CHANNEL_NAME).order_by("id").first()
    return widgets.filter(name=DEMO_CHANNEL_NAME).order_by("id").first() or (
        widgets.order_by("id").first()
    )


def demo_users_ready() -> bool:
    """True when the demo admin exists and still has the demo password."""
    user = User.objects.filter(username="admin").first()
    return bool(user and user.check_password(DEMO_PASSWORD))


@transaction.atomic
def demo_data_load() -> Counter[str]:
    """Create whatever of the demo data is missing; answer how many rows of each kind."""
    created: Counter[str] = Counter()

    def note(kind: str, was_created: bool) -> None:
        if was_created:
            created[kind] += 1

    for name in roles.ALL_GROUPS:
        note("role", AuthGroup.objects.get_or_create(name=name)[1])

    groups = {spec.name: _group(spec, note) for spec in GROUPS}

    for spec in USERS:
        _user(spec, groups, note)

    pipeline, was_created = Pipeline.objects.get_or_create(
        name="Sales", defaults={"is_default": not Pipeline.objects.filter(is_default=True).exists()}
    )
    note("pipeline", was_created)
    for position, stage in enumerate(STAGES):
        note(
            "stage",
            Stage.objects.get_or_create(
                pipeline=pipeline, name=stage, defaults={"position": position}
            )[1],
        )

    channel, was_created = Channel.objects.get_or_create(
        type=ChannelType.WIDGET,
        name=DEMO_CHANNEL_NAME,
        defaults={"default_group": groups["Support"]},
    )
    note("channel", was_created)
    for position, (title, group) in enumerate(TOPICS):
        note(
            "topic",
            Topic.objects.get_or_create(
                channel=channel,
                title=title,
                defaults={"group": groups[group], "position": position},
            )[1],
        )

    for shortcut, title, text, group_name in CANNED:
        note(
            "canned response",
            CannedResponse.objects.get_or_create(
                shortcut=shortcut,
                group=groups[group_name] if group_name else None,
                defaults={"title": title, "text": text},
            )[1],
        )
    demo_bots_load(groups, note)
    return created


def _group(spec: DemoGroup, note: Note) -> Group:
    group, was_created = Group.objects.get_or_create(
        name=spec.name,
        defaults={
            "time_zone": spec.time_zone,
            "always_open": spec.hours is None,
            "offline_message": spec.offline_message,
        },
    )
    note("group", was_created)
    if was_created and spec.hours is not None:
        start, end = spec.hours
        WorkingHours.objects.bulk_create(
            WorkingHours(group=group, weekday=day, start=start, end=end) for day in WEEKDAYS
        )
        for _day in WEEKDAYS:
            note("working hours", True)
    return group


def _user(spec: DemoUser, groups: dict[str, Group], note: Note) -> None:
    user, was_created = User.objects.get_or_create(
        username=spec.username,
        defaults={
            "first_name": spec.first_name,
            "email": f"{spec.username}@demo.invalid",
            "is_staff": spec.is_superuser,
            "is_superuser": spec.is_superuser,
        },
    )
    note("user", was_created)
    if was_created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    for name in spec.auth_groups:
        user.groups.add(AuthGroup.objects.get(name=name))
    if not (spec.groups or spec.supervises):
        return
    operator, was_created = Operator.objects.get_or_create(
        user=user, defaults={"display_name": spec.first_name}
    )
    note("operator", was_created)
    for name in spec.groups:
        group = groups[name]
        note(
            "membership",
            GroupMembership.objects.get_or_create(
                group=group,
                operator=operator,
                defaults={"position": group.memberships.count()},
            )[1],
        )
    for name in spec.supervises:
        groups[name].supervisors.add(operator)
