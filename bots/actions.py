"""What a trigger can do: one small kind per action type, each with the check of its
settings (``errors``), a description of what it would do now (``plan``, for the dry run:
it writes nothing) and the doing itself (``run``), which goes through the owning app's
service. Text settings are templates: ``{contact.name}`` is filled from the facts.

``ActionFailed`` carries a reason in plain words; it fails the trigger's run, which is
logged, and rolls back that trigger's other actions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bots import conditions, selectors
from bots.models import ActionType, WebhookSubscription
from bots.selectors import Facts
from bots.services import deliveries
from contactcenter.api_common import StateConflict
from crm import services as crm_services
from crm.models import Contact, Lead, LeadStatus, Pipeline
from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from inbox.services.validators import MAX_TEXT
from routing import services as routing_services
from routing.models import Group


class ActionFailed(Exception):
    """The action cannot be done for these facts; the message says why."""


@dataclass(frozen=True, slots=True)
class Param:
    kind: type | tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] = ()
    template: bool = False


def _type_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):  # a bool is an int to isinstance, not to an admin
        return bool in kinds
    return isinstance(value, kinds)


def _errors(params: Any, spec: dict[str, Param]) -> list[str]:
    if not isinstance(params, dict):
        return [_('Settings are a JSON object, e.g. {"text": "Hello"}.')]
    errors = []
    for key in sorted(set(params) - set(spec)):
        errors.append(
            _("Unknown setting %(key)s; known: %(known)s.") % {"key": key, "known": ", ".join(spec)}
        )
    for key, param in spec.items():
        if key not in params:
            if param.required:
                errors.append(_("The setting %(key)s is required.") % {"key": key})
            continue
        value = params[key]
        if not _type_ok(value, param.kind):
            errors.append(_("The setting %(key)s has the wrong type.") % {"key": key})
        elif param.choices and value not in param.choices:
            errors.append(
                _("%(key)s is one of: %(choices)s.")
                % {"key": key, "choices": ", ".join(param.choices)}
            )
        elif param.template and isinstance(value, str):
            errors.extend(conditions.template_errors(value))
        elif param.template and isinstance(value, dict):
            for item in value.values():
                errors.extend(conditions.template_errors(item))
    return errors


def _text(template: str, facts: Facts, *, limit: int) -> str:
    return conditions.as_text(conditions.render(template, facts.data)).strip()[:limit]


def _mapping(templates: dict[str, str], facts: Facts) -> dict[str, Any]:
    """Field values from their templates; empty ones are left out, so that a mapping
    never erases a value with nothing."""
    data = facts.data
    values = {name: conditions.render(template, data) for name, template in templates.items()}
    return {name: value for name, value in values.items() if conditions.is_set(value)}


def _need_session(facts: Facts, *, open_only: bool = False) -> Session:
    if facts.session is None:
        raise ActionFailed(_("This event has no session."))
    if open_only and facts.session.status == SessionStatus.CLOSED:
        raise ActionFailed(_("The session is already closed."))
    return facts.session


def _need_lead(facts: Facts) -> Lead:
    if facts.lead is None:
        raise ActionFailed(_("There is no lead for this session."))
    return facts.lead


def _user_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _supervisor_user(facts: Facts) -> Any:
    session = _need_session(facts)
    if session.group is None:
        raise ActionFailed(_("The session has no group."))
    supervisor = session.group.supervisors.select_related("user").order_by("id").first()
    if supervisor is None:
        raise ActionFailed(_("The group %(group)s has no supervisor.") % {"group": session.group})
    return supervisor.user


def _person(who: str, facts: Facts) -> Any:
    """The user a lead or task goes to; ``nobody`` is None."""
    if who == "nobody":
        return None
    if who == "lead_owner":
        owner = _need_lead(facts).owner
        if owner is None:
            raise ActionFailed(_("The lead has no owner."))
        return owner
    if who == "group_supervisor":
        return _supervisor_user(facts)
    operator = _need_session(facts).operator
    if operator is None:
        raise ActionFailed(_("The session has no operator."))
    return operator.user


class Kind:
    spec: dict[str, Param] = {}
    example: dict[str, Any] = {}
    help: str | Promise = ""

    def errors(self, params: Any) -> list[str]:
        return _errors(params, self.spec)

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        """Which facts the action cannot do without (``session``, ``lead``...)."""
        return frozenset()

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        raise NotImplementedError

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        raise NotImplementedError


# --- leads and tasks --------------------------------------------------------------------


class LeadCreate(Kind):
    spec = {
        "title": Param(str, required=True, template=True),
        "fields": Param(dict, template=True),
        "owner": Param(str, choices=("session_operator", "group_supervisor", "nobody")),
        "pipeline": Param(str),
        "once_per_session": Param(bool),
    }
    example = {
        "title": "Chat with {contact.name}",
        "fields": {"plan": "{contact.attributes.plan}", "group": "{session.group.name}"},
        "owner": "session_operator",
    }
    help = gettext_lazy(
        "A lead for the contact, from this session, owned by the session's operator "
        "(or the group's supervisor, or nobody); fields are filled from the templates. "
        "By default a session gets one lead at most."
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"contact"})

    def errors(self, params: Any) -> list[str]:
        errors = super().errors(params)
        name = params.get("pipeline") if isinstance(params, dict) else None
        if isinstance(name, str) and not Pipeline.objects.filter(name=name).exists():
            errors.append(_("There is no pipeline named %(name)s.") % {"name": name})
        return errors

    def _prepare(self, facts: Facts, params: dict[str, Any]) -> dict[str, Any] | None:
        if facts.contact is None:
            raise ActionFailed(_("This event has no contact."))
        if (
            params.get("once_per_session", True)
            and facts.lead is not None
            and (facts.session is not None and facts.lead.session_id == facts.session.pk)
        ):
            return None
        title = _text(params["title"], facts, limit=200)
        if not title:
            raise ActionFailed(_("The lead's title came out empty."))
        rule = params.get("owner", "session_operator")
        unattended = facts.session is None or facts.session.operator is None
        return {
            "title": title,
            "fields": _mapping(params.get("fields", {}), facts),
            # a session nobody answered yet makes a lead without an owner, not a failure
            "owner": None if rule == "session_operator" and unattended else _person(rule, facts),
        }

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        prepared = self._prepare(facts, params)
        if prepared is None:
            return _("Nothing: the session already has a lead.")
        owner = prepared["owner"]
        # Later actions of the dry run see the lead it would create, unsaved.
        facts.lead = Lead(
            contact=facts.contact,
            session=facts.session,
            title=prepared["title"],
            pipeline=Pipeline.objects.filter(name=params.get("pipeline", "")).first()
            or Pipeline.objects.filter(is_default=True).first()
            or Pipeline(name=crm_services.DEFAULT_PIPELINE_NAME),
            owner=owner,
            fields=prepared["fields"],
        )
        return _("Create the lead “%(title)s” owned by %(owner)s with fields %(fields)s.") % {
            "title": prepared["title"],
            "owner": _user_name(owner) if owner else _("nobody"),
            "fields": prepared["fields"],
        }

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        prepared = self._prepare(facts, params)
        if prepared is None:
            return _("Nothing: the session already has a lead.")
        pipeline = None
        if params.get("pipeline"):
            pipeline = Pipeline.objects.filter(name=params["pipeline"]).first()
            if pipeline is None:
                raise ActionFailed(
                    _("There is no pipeline named %(name)s.") % {"name": params["pipeline"]}
                )
        contact = facts.contact
        if contact is None:  # _prepare refused it already
            raise ActionFailed(_("This event has no contact."))
        lead = crm_services.lead_create(
            contact=contact, session=facts.session, pipeline=pipeline, **prepared
        )
        facts.lead = Lead.objects.select_related("pipeline", "stage", "owner").get(pk=lead.pk)
        return _("Created the lead #%(id)s “%(title)s”.") % {"id": lead.pk, "title": lead.title}


class LeadUpdate(Kind):
    spec = {
        "fields": Param(dict, template=True),
        "status": Param(str, choices=tuple(LeadStatus.values)),
        "only_if_status": Param(list),
    }
    example = {
        "fields": {"session_id": "{session.id}", "rating": "{session.rating}"},
        "status": "in_progress",
        "only_if_status": ["new"],
    }
    help = gettext_lazy(
        "Adds fields to the session's lead (empty values are left out) and may change "
        "its status, optionally only from the statuses listed."
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"lead"})

    def errors(self, params: Any) -> list[str]:
        errors = super().errors(params)
        if isinstance(params, dict):
            if not params.get("fields") and not params.get("status"):
                errors.append(_("Give fields, a status, or both."))
            bad = set(params.get("only_if_status") or []) - set(LeadStatus.values)
            if bad:
                errors.append(_("Unknown statuses: %s.") % ", ".join(sorted(map(str, bad))))
        return errors

    def _changes(self, facts: Facts, params: dict[str, Any]) -> dict[str, Any]:
        lead = _need_lead(facts)
        changes: dict[str, Any] = {}
        mapped = _mapping(params.get("fields", {}), facts)
        if mapped:
            changes["fields"] = {**(lead.fields or {}), **mapped}
        status, only_if = params.get("status"), params.get("only_if_status") or []
        if status and status != lead.status and (not only_if or lead.status in only_if):
            changes["status"] = status
        return changes

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        changes = self._changes(facts, params)
        if not changes:
            return _("Nothing: the lead already is as asked.")
        assert facts.lead is not None
        facts.lead.fields = changes.get("fields", facts.lead.fields)
        facts.lead.status = changes.get("status", facts.lead.status)
        return _("Update the lead “%(title)s”: %(changes)s.") % {
            "title": facts.lead.title,
            "changes": changes,
        }

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        changes = self._changes(facts, params)
        if not changes:
            return _("Nothing: the lead already is as asked.")
        assert facts.lead is not None
        lead = crm_services.lead_update(lead=facts.lead, data=changes)
        facts.lead = Lead.objects.select_related("pipeline", "stage", "owner").get(pk=lead.pk)
        return _("Updated the lead #%(id)s: %(keys)s.") % {
            "id": lead.pk,
            "keys": ", ".join(sorted(changes)),
        }


class TaskCreate(Kind):
    spec = {
        "title": Param(str, required=True, template=True),
        "description": Param(str, template=True),
        "assignee": Param(str, choices=("lead_owner", "group_supervisor", "session_operator")),
        "due_in_hours": Param((int, float)),
    }
    example = {
        "title": "Call {contact.name} back",
        "assignee": "lead_owner",
        "due_in_hours": 24,
    }
    help = gettext_lazy(
        "A task about the lead (if any) and the contact, for the lead's owner, the "
        "group's supervisor or the session's operator, due in so many hours."
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        who = params.get("assignee", "lead_owner")
        return frozenset({"lead"} if who == "lead_owner" else {"session"})

    def _prepare(self, facts: Facts, params: dict[str, Any]) -> dict[str, Any]:
        title = _text(params["title"], facts, limit=200)
        if not title:
            raise ActionFailed(_("The task's title came out empty."))
        hours = params.get("due_in_hours")
        return {
            "title": title,
            "description": _text(params.get("description", ""), facts, limit=MAX_TEXT),
            "assignee": _person(params.get("assignee", "lead_owner"), facts),
            "due_at": timezone.now() + dt.timedelta(hours=hours) if hours else None,
        }

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        prepared = self._prepare(facts, params)
        return _("Create the task “%(title)s” for %(who)s.") % {
            "title": prepared["title"],
            "who": _user_name(prepared["assignee"]),
        }

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        prepared = self._prepare(facts, params)
        lead = facts.lead if facts.lead is not None and facts.lead.pk else None
        contact = lead.contact if lead is not None else facts.contact
        task = crm_services.task_create(lead=lead, contact=contact, **prepared)
        return _("Created the task #%(id)s for %(who)s.") % {
            "id": task.pk,
            "who": _user_name(prepared["assignee"]),
        }


# --- the session ------------------------------------------------------------------------


class MessageSend(Kind):
    spec = {
        "text": Param(str, required=True, template=True),
        "internal": Param(bool),
    }
    example = {"text": "Thank you, {contact.name}! An expert will answer shortly."}
    help = gettext_lazy(
        'A system message into the session; with "internal": true, a note only operators see.'
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"session"})

    def _text(self, facts: Facts, params: dict[str, Any]) -> str:
        _need_session(facts)
        text = _text(params["text"], facts, limit=MAX_TEXT)
        if not text:
            raise ActionFailed(_("The message came out empty."))
        return text

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        return _("Send the message “%(text)s”.") % {"text": self._text(facts, params)}

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        text = self._text(facts, params)
        message = inbox_services.system_message_send(
            session=_need_session(facts), text=text, internal=bool(params.get("internal"))
        )
        return _("Sent the message #%(id)s.") % {"id": message.pk}


class PrioritySet(Kind):
    spec = {"priority": Param(int, required=True)}
    example = {"priority": 10}
    help = gettext_lazy(
        "Sets the session's priority: higher numbers are served first from the queue."
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"session"})

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        _need_session(facts, open_only=True)
        return _("Set the priority to %(p)s.") % {"p": params["priority"]}

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        session = _need_session(facts, open_only=True)
        try:
            changed = routing_services.session_prioritize(
                session_id=session.pk, priority=params["priority"]
            )
        except StateConflict as refused:
            raise ActionFailed(refused.message) from None
        session.priority = changed.priority
        return _("Set the priority to %(p)s.") % {"p": changed.priority}


def _group(ref: Any) -> Group | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return Group.objects.filter(pk=ref).first()
    return Group.objects.filter(name=ref).first()


class _Automation:
    """Stands for the person who transfers: the transfer note names the trigger."""

    def __init__(self, trigger: str) -> None:
        self.trigger = trigger

    def get_username(self) -> str:
        return _("trigger “%(name)s”") % {"name": self.trigger}


class Transfer(Kind):
    spec = {"group": Param((str, int), required=True)}
    example = {"group": "Sales"}
    help = gettext_lazy(
        "Moves the open session to another group (by name or id): it closes as "
        "transferred and a new one waits in that group's queue."
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"session"})

    def errors(self, params: Any) -> list[str]:
        errors = super().errors(params)
        if not errors and _group(params["group"]) is None:
            errors.append(_("There is no group %(g)s.") % {"g": params["group"]})
        return errors

    def _target(self, facts: Facts, params: dict[str, Any]) -> Group | None:
        session = _need_session(facts, open_only=True)
        group = _group(params["group"])
        if group is None:
            raise ActionFailed(_("There is no group %(g)s.") % {"g": params["group"]})
        return None if session.group_id == group.pk else group

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        group = self._target(facts, params)
        if group is None:
            return _("Nothing: the session is already in that group.")
        return _("Transfer the session to %(group)s.") % {"group": group.name}

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        group = self._target(facts, params)
        if group is None:
            return _("Nothing: the session is already in that group.")
        _closed, opened = routing_services.session_transfer(
            session_id=_need_session(facts).pk, user=_Automation(trigger), group=group
        )
        facts.session = selectors.facts_for_session(event=facts.event, session_id=opened.pk).session
        return _("Transferred to %(group)s as session #%(id)s.") % {
            "group": group.name,
            "id": opened.pk,
        }


# --- the contact ------------------------------------------------------------------------

TAGS_KEY = "tags"


def _tag_list(value: Any) -> list[str]:
    return [str(tag) for tag in value] if isinstance(value, list) else []


class Tag(Kind):
    spec = {"tags": Param(list, required=True), "remove": Param(list)}
    example = {"tags": ["vip"], "remove": ["cold"]}
    help = gettext_lazy(
        "Adds tags to (and optionally removes tags from) the contact; they are kept in "
        'the contact\'s attributes under "tags".'
    )

    def needs(self, params: dict[str, Any]) -> frozenset[str]:
        return frozenset({"contact"})

    def errors(self, params: Any) -> list[str]:
        errors = super().errors(params)
        if isinstance(params, dict):
            for key in ("tags", "remove"):
                value = params.get(key, [])
                if isinstance(value, list) and not all(
                    isinstance(t, str) and t.strip() for t in value
                ):
                    errors.append(_("%(key)s is a list of words.") % {"key": key})
        return errors

    def _tags(self, current: list[str], params: dict[str, Any]) -> list[str]:
        removed = {t.strip() for t in params.get("remove", [])}
        tags = [t for t in current if t not in removed]
        tags += [t.strip() for t in params["tags"] if t.strip() not in tags]
        return tags

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        if facts.contact is None:
            raise ActionFailed(_("This event has no contact."))
        current = _tag_list((facts.contact.attributes or {}).get(TAGS_KEY))
        return _("Tag the contact: %(tags)s.") % {"tags": self._tags(current, params)}

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        if facts.contact is None:
            raise ActionFailed(_("This event has no contact."))
        with transaction.atomic():
            contact = Contact.objects.select_for_update().get(pk=facts.contact.pk)
            attributes = dict(contact.attributes or {})
            attributes[TAGS_KEY] = self._tags(_tag_list(attributes.get(TAGS_KEY)), params)
            contact = crm_services.contact_update(contact=contact, data={"attributes": attributes})
        facts.contact = contact
        if facts.session is not None:
            facts.session.dialog.contact = contact
        return _("Tagged the contact: %(tags)s.") % {"tags": attributes[TAGS_KEY]}


# --- the outside world ------------------------------------------------------------------


def _subscription(ref: Any) -> WebhookSubscription | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return WebhookSubscription.objects.filter(pk=ref).first()
    return WebhookSubscription.objects.filter(name=ref).first()


class Webhook(Kind):
    spec = {"subscription": Param((str, int), required=True)}
    example = {"subscription": "CRM sync"}
    help = gettext_lazy(
        "Sends the event's facts, signed, to a webhook subscription (by name or id), "
        'with retries, as event "trigger.fired".'
    )

    def errors(self, params: Any) -> list[str]:
        errors = super().errors(params)
        if not errors and _subscription(params["subscription"]) is None:
            errors.append(
                _("There is no webhook subscription %(s)s.") % {"s": params["subscription"]}
            )
        return errors

    def _target(self, params: dict[str, Any]) -> WebhookSubscription:
        subscription = _subscription(params["subscription"])
        if subscription is None or not subscription.is_active:
            raise ActionFailed(
                _("The webhook subscription %(s)s is missing or inactive.")
                % {"s": params["subscription"]}
            )
        return subscription

    def plan(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        return _("Send the facts to the webhook %(name)s.") % {"name": self._target(params)}

    def run(self, facts: Facts, params: dict[str, Any], trigger: str) -> str:
        delivery = deliveries.webhook_delivery_create(
            subscription=self._target(params),
            event=deliveries.TRIGGER_EVENT,
            data={"trigger": trigger, **facts.data},
        )
        return _("Queued the webhook delivery %(id)s.") % {"id": delivery.pk}


KINDS: dict[str, Kind] = {
    ActionType.LEAD_CREATE: LeadCreate(),
    ActionType.LEAD_UPDATE: LeadUpdate(),
    ActionType.TASK_CREATE: TaskCreate(),
    ActionType.MESSAGE_SEND: MessageSend(),
    ActionType.PRIORITY_SET: PrioritySet(),
    ActionType.TRANSFER: Transfer(),
    ActionType.TAG: Tag(),
    ActionType.WEBHOOK: Webhook(),
}


def params_errors(*, type: str, params: Any) -> list[str]:
    kind = KINDS.get(type)
    if kind is None:
        return [_("Choose one of the offered actions.")]
    return kind.errors(params)


def action_needs(*, type: str, params: Any) -> frozenset[str]:
    kind = KINDS.get(type)
    if kind is None or not isinstance(params, dict):
        return frozenset()
    return kind.needs(params)


def action_plan(*, type: str, params: dict[str, Any], facts: Facts, trigger: str) -> str:
    return KINDS[type].plan(facts, params, trigger)


def action_run(*, type: str, params: dict[str, Any], facts: Facts, trigger: str) -> str:
    return KINDS[type].run(facts, params, trigger)
