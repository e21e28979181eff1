"""Writes of the routing app: groups (hours, holidays, members), operators, channels.

Channels are written here rather than in ``inbox`` because most of a channel's settings
say where its traffic goes (``default_group`` and topics), and ``routing.Topic`` lives
here; ``inbox`` may not import ``routing``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from inbox.models import Channel, SessionStatus
from inbox.services import channel_config_clean, channel_origins_clean, channel_secrets_generate
from routing.models import (
    DEFAULT_ABANDON_AFTER_S,
    DEFAULT_SLA_TARGET_S,
    Group,
    GroupMembership,
    Holiday,
    Operator,
    OperatorStatus,
    RoutingStrategy,
    Topic,
    WorkingHours,
)


class OpenInterval(TypedDict):
    weekday: int
    start: dt.time
    end: dt.time


class TopicSpec(TypedDict, total=False):
    id: int | None
    title: str
    group: Group


# --- groups ----------------------------------------------------------------------------

GROUP_SCALAR_FIELDS = (
    "name",
    "routing_strategy",
    "default_max_sessions",
    "no_answer_timeout_s",
    "inactivity_timeout_s",
    "time_zone",
    "offline_message",
    "sla_target_s",
    "abandon_after_s",
)
# Changes to these may let queued sessions be assigned.
_CAPACITY_FIELDS = {"default_max_sessions", "routing_strategy", "members", "working_hours"}


@transaction.atomic
def group_create(
    *,
    name: str,
    routing_strategy: str = RoutingStrategy.LEAST_BUSY,
    default_max_sessions: int = 3,
    no_answer_timeout_s: int | None = None,
    inactivity_timeout_s: int | None = None,
    time_zone: str = "UTC",
    working_hours: Sequence[OpenInterval] | None = None,
    holidays: Iterable[dt.date] = (),
    offline_message: str = "",
    sla_target_s: int = DEFAULT_SLA_TARGET_S,
    abandon_after_s: int = DEFAULT_ABANDON_AFTER_S,
    members: Sequence[Operator] = (),
    supervisors: Iterable[Operator] = (),
) -> Group:
    group = Group(
        name=name,
        routing_strategy=routing_strategy,
        default_max_sessions=default_max_sessions,
        no_answer_timeout_s=no_answer_timeout_s,
        inactivity_timeout_s=inactivity_timeout_s,
        time_zone=time_zone,
        always_open=working_hours is None,
        offline_message=offline_message,
        sla_target_s=sla_target_s,
        abandon_after_s=abandon_after_s,
    )
    group.full_clean()
    group.save()
    _group_hours_set(group=group, working_hours=working_hours)
    _group_holidays_set(group=group, holidays=holidays)
    _group_members_set(group=group, members=members)
    group.supervisors.set(list(supervisors))
    return group


@transaction.atomic
def group_update(*, group: Group, data: dict[str, Any]) -> Group:
    """Changes the fields present in ``data`` (keys as in ``group_create``); lists given
    replace the stored ones (``members`` in round-robin order)."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    for field in GROUP_SCALAR_FIELDS:
        if field in data:
            setattr(group, field, data[field])
    if "working_hours" in data:
        group.always_open = data["working_hours"] is None
    group.full_clean()
    group.save()
    if "working_hours" in data:
        _group_hours_set(group=group, working_hours=data["working_hours"])
    if "holidays" in data:
        _group_holidays_set(group=group, holidays=data["holidays"])
    if "members" in data:
        _group_members_set(group=group, members=data["members"])
    if "supervisors" in data:
        group.supervisors.set(list(data["supervisors"]))
    if _CAPACITY_FIELDS & data.keys():
        events.emit(events.CapacityFreed(group_ids=(group.pk,)))
    return group


@transaction.atomic
def group_delete(*, group: Group) -> None:
    """Deletes a group with no open session (they would be left without a team); its
    topics go with it and channels that used it as default lose their default."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.sessions.exclude(status=SessionStatus.CLOSED).exists():
        raise StateConflict(_("The group still has open sessions; close or transfer them first."))
    group.delete()


def group_hours_validate(*, working_hours: Sequence[OpenInterval] | None) -> None:
    """Each interval ends after it starts; intervals of one weekday do not overlap."""
    if working_hours is None:
        return
    errors = []
    for item in working_hours:
        if item["end"] <= item["start"]:
            errors.append(
                _("%(day)s: the closing time %(end)s must be after the opening time %(start)s.")
                % {
                    "day": item["weekday"],
                    "end": f"{item['end']:%H:%M}",
                    "start": f"{item['start']:%H:%M}",
                }
            )
    ordered = sorted(working_hours, key=lambda i: (i["weekday"], i["start"]))
    for before, after in itertools.pairwise(ordered):
        if before["weekday"] == after["weekday"] and after["start"] < before["end"]:
            errors.append(
                _("Weekday %(day)s: the intervals from %(a)s and from %(b)s overlap.")
                % {
                    "day": before["weekday"],
                    "a": f"{before['start']:%H:%M}",
                    "b": f"{after['start']:%H:%M}",
                }
            )
    if errors:
        raise ValidationError({"working_hours": errors})


def _group_hours_set(*, group: Group, working_hours: Sequence[OpenInterval] | None) -> None:
    group_hours_validate(working_hours=working_hours)
    group.working_hours.all().delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(group=group, weekday=i["weekday"], start=i["start"], end=i["end"])
        for i in working_hours or ()
    )


def _group_holidays_set(*, group: Group, holidays: Iterable[dt.date]) -> None:
    wanted = set(holidays)
    group.holidays.exclude(date__in=wanted).delete()
    existing = set(group.holidays.values_list("date", flat=True))
    Holiday.objects.bulk_create(Holiday(group=group, date=d) for d in sorted(wanted - existing))


def _group_members_set(*, group: Group, members: Sequence[Operator]) -> None:
    if len({m.pk for m in members}) != len(members):
        raise ValidationError({"members": [_("An operator is listed twice.")]})
    position = {m.pk: i for i, m in enumerate(members)}
    group.memberships.exclude(operator_id__in=position).delete()
    kept = {m.operator_id: m for m in group.memberships.all()}
    for operator_id, membership in kept.items():
        membership.position = position[operator_id]
    GroupMembership.objects.bulk_update(kept.values(), ["position"])
    GroupMembership.objects.bulk_create(
        GroupMembership(group=group, operator_id=pk, position=i)
        for pk, i in position.items()
        if pk not in kept
    )


# --- operators -------------------------------------------------------------------------


@transaction.atomic
def operator_create(
    *,
    username: str,
    password: str,
    display_name: str = "",
    max_sessions: int | None = None,
    status: str = OperatorStatus.OFFLINE,
    groups: Sequence[Group] = (),
    language: str = "",
) -> Operator:
    """Creates the login (a Django user) and its operator record."""
    user_model = User
    user = user_model(username=username)
    _password_validate(password=password, user=user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": [_("This username is taken.")]}) from None
    operator = Operator(
        user=user, display_name=display_name, max_sessions=max_sessions, language=language
    )
    operator.full_clean(exclude=["user"])
    operator.save()
    _operator_groups_set(operator=operator, groups=groups)
    if status != OperatorStatus.OFFLINE:
        operator = operator_status_set(operator=operator, status=status)
    return operator


@transaction.atomic
def operator_update(*, operator: Operator, data: dict[str, Any]) -> Operator:
    """Changes the fields present in ``data``: ``username``, ``password``,
    ``display_name``, ``max_sessions``, ``status``, ``groups``, ``language``."""
    operator = (
        Operator.objects.select_for_update(of=("self",)).select_related("user").get(pk=operator.pk)
    )
    user = operator.user
    if "username" in data or "password" in data:
        if "username" in data:
            user.username = data["username"]
        if "password" in data:
            _password_validate(password=data["password"], user=user)
            user.set_password(data["password"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError({"username": [_("This username is taken.")]}) from None
    old_limit = operator.max_sessions
    for field in ("display_name", "max_sessions", "language"):
        if field in data:
            setattr(operator, field, data[field])
    operator.full_clean(exclude=["user"])
    operator.save()
    if "groups" in data:
        _operator_groups_set(operator=operator, groups=data["groups"])
    if "max_sessions" in data and operator.max_sessions != old_limit:
        capacity_freed(operator=operator)
    if "status" in data:
        operator = operator_status_set(operator=operator, status=data["status"])
    return operator


@transaction.atomic
def operator_status_set(*, operator: Operator, status: str) -> Operator:
    """Sets the operator's status; a change is announced, and going online may open
    seats in the operator's groups."""
    if status not in OperatorStatus.values:
        raise ValidationError({"status": [_("Unknown status %(s)s.") % {"s": status}]})
    operator = (
        Operator.objects.select_for_update(of=("self",)).select_related("user").get(pk=operator.pk)
    )
    if operator.status == status:
        return operator
    operator.status = status
    operator.save(update_fields=["status"])
    operator_announce(operator=operator)
    events.emit(events.OperatorStatusChanged(operator_id=operator.pk, status=status))
    if status == OperatorStatus.ONLINE:
        capacity_freed(operator=operator)
    return operator


def operator_announce(*, operator: Operator) -> None:
    """Tells the supervisors of the operator's groups (after commit) that the operator's
    status or connection changed."""
    frame = {
        "type": "operator.updated",
        "operator": {
            "id": operator.pk,
            "status": operator.status,
            "connected": operator.open_sockets > 0,
        },
    }
    groups = operator.memberships.values_list("group_id", flat=True)
    realtime.broadcast_many([realtime.supervisor_group(g) for g in groups], frame)


def capacity_freed(*, operator: Operator) -> None:
    group_ids = tuple(operator.memberships.values_list("group_id", flat=True))
    if group_ids:
        events.emit(events.CapacityFreed(group_ids=group_ids))


def _password_validate(*, password: str, user: Any) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def _operator_groups_set(*, operator: Operator, groups: Sequence[Group]) -> None:
    """Leaves groups not listed; joins new ones at the end of their round-robin order."""
    wanted = {g.pk for g in groups}
    operator.memberships.exclude(group_id__in=wanted).delete()
    current = set(operator.memberships.values_list("group_id", flat=True))
    for group_id in sorted(wanted - current):
        last = GroupMembership.objects.filter(group_id=group_id).aggregate(p=Max("position"))["p"]
        GroupMembership.objects.create(
            group_id=group_id, operator=operator, position=0 if last is None else last + 1
        )
    if wanted - current:
        events.emit(events.CapacityFreed(group_ids=tuple(sorted(wanted - current))))


# --- channels --------------------------------------------------------------------------


@transaction.atomic
def channel_create(
    *,
    type: str,
    name: str,
    default_group: Group | None = None,
    config: dict[str, Any] | None = None,
    allowed_origins: list[str] | None = None,
    topics: Sequence[TopicSpec] = (),
    is_active: bool = True,
) -> Channel:
    channel = Channel(
        type=type,
        name=name,
        default_group=default_group,
        config=channel_secrets_generate(
            channel_type=type, config=_config_clean(channel_type=type, config=config or {})
        )[0],
        allowed_origins=_origins_clean(allowed_origins or []),
        is_active=is_active,
    )
    channel.full_clean()
    channel.save()
    _channel_topics_set(channel=channel, topics=topics)
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, data: dict[str, Any]) -> Channel:
    """Changes the fields present in ``data``. A ``config`` replaces the settings, except
    that secrets it leaves out or blank keep their stored values. ``topics`` replaces the
    list: an entry with the ``id`` of a topic of this channel updates it, one without an
    id creates a topic, and topics not listed are deleted."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if "type" in data and data["type"] != channel.type:
        raise ValidationError({"type": [_("A channel's type cannot change; create another.")]})
    for field in ("name", "default_group", "is_active"):
        if field in data:
            setattr(channel, field, data[field])
    if data.get("config") is not None:
        incoming = _config_clean(channel_type=channel.type, config=data["config"])
        channel.config, _made = channel_secrets_generate(
            channel_type=channel.type, config=channel.merged_config(incoming)
        )
    if data.get("allowed_origins") is not None:
        channel.allowed_origins = _origins_clean(data["allowed_origins"])
    channel.full_clean()
    channel.save()
    if "topics" in data:
        _channel_topics_set(channel=channel, topics=data["topics"])
    return channel


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Deletes a channel that never had a conversation; one with dialogs keeps their
    history, so it can only be deactivated."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if channel.dialogs.exists():
        raise StateConflict(
            _("The channel has conversations; deactivate it instead of deleting it.")
        )
    channel.delete()


def _config_clean(*, channel_type: str, config: Any) -> dict[str, Any]:
    try:
        return channel_config_clean(channel_type=channel_type, config=config)
    except ValidationError as exc:
        raise ValidationError({"config": exc.messages}) from None


def _origins_clean(origins: Any) -> list[str]:
    try:
        return channel_origins_clean(origins=origins)
    except ValidationError as exc:
        raise ValidationError({"config": exc.messages}) from None


def _channel_topics_set(*, channel: Channel, topics: Sequence[TopicSpec]) -> None:
    existing = {t.pk: t for t in channel.topics.all()}
    given = [pk for pk in (t.get("id") for t in topics) if pk is not None]
    unknown = [pk for pk in given if pk not in existing]
    if unknown:
        raise ValidationError(
            {"topics": [_("Topic %(id)s is not a topic of this channel.") % {"id": unknown[0]}]}
        )
    if len(set(given)) != len(given):
        raise ValidationError({"topics": [_("A topic is listed twice.")]})
    channel.topics.exclude(pk__in=given).delete()
    for position, spec in enumerate(topics):
        topic = existing.get(spec.get("id") or 0) or Topic(channel=channel)
        topic.title = spec["title"]
        topic.group = spec["group"]
        topic.position = position
        topic.save()
