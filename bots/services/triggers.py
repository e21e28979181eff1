"""Running triggers: for an event, each active trigger whose conditions hold does its
actions, in its own savepoint, and leaves a ``TriggerRun`` saying what it did or why it
failed. A failing trigger never breaks the flow that emitted the event: its actions roll
back together, the error is logged, and the next trigger runs.

A trigger runs once per event occurrence (``event_key``, unique with the trigger), so a
task delivered twice does nothing the second time. A trigger that keeps firing for one
session (an action that causes its own event again, like a transfer on "session
opened" into the group it looks for) is stopped after ``LOOP_LIMIT`` runs a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bots import actions, conditions, selectors
from bots.models import Action, Match, RunStatus, Trigger, TriggerEvent, TriggerRun
from bots.selectors import Facts
from bots.services import deliveries
from inbox.models import CloseReason, Message, SenderType, SessionStatus

logger = logging.getLogger(__name__)

LOOP_LIMIT = 5
LOOP_WINDOW = dt.timedelta(minutes=1)


def event_react(*, event: str, payload: dict[str, Any], event_key: str) -> list[TriggerRun]:
    """Everything the bots do about one domain event (``event`` is its trigger event
    name, ``payload`` its fields): run the triggers, then queue the webhook deliveries
    of the subscriptions to it. Doing it twice for one ``event_key`` does nothing more."""
    occurred = selectors.EVENT_TYPES[event](**payload)
    runs = triggers_run(
        event=event, load=lambda: selectors.facts_for_event(occurred), event_key=event_key
    )
    if selectors.subscriptions_to(event=event):
        facts = selectors.facts_for_event(occurred)
        if facts is not None:
            deliveries.webhook_event_deliver(event=event, data=facts.data, key=event_key)
    return runs


def trigger_check(*, trigger: Trigger, facts: Facts) -> tuple[bool, list[conditions.Checked]]:
    """Whether the trigger's conditions hold for the facts, and each one's verdict."""
    data = facts.data
    checked = [
        conditions.check(field=c.field, operator=c.operator, value=c.value, data=data)
        for c in trigger.conditions.all()
    ]
    if not checked:
        return True, checked
    verdicts = [c.held for c in checked]
    return (all(verdicts) if trigger.match == Match.ALL else any(verdicts)), checked


def triggers_run(
    *, event: str, load: Callable[[], Facts | None], event_key: str
) -> list[TriggerRun]:
    """Runs the active triggers of ``event`` in order. ``load`` gives fresh facts for
    each trigger, so one trigger's rolled-back work never leaks into the next, while
    what it committed (a lead it created) is seen."""
    runs = []
    for trigger in selectors.triggers_for(event=event):
        facts = load()
        if facts is None:
            break  # the rows the event was about are gone
        run = _trigger_run(trigger, facts, event_key)
        if run is not None:
            runs.append(run)
    return runs


def _trigger_run(trigger: Trigger, facts: Facts, event_key: str) -> TriggerRun | None:
    try:
        matched, _checked = trigger_check(trigger=trigger, facts=facts)
    except Exception as error:
        logger.exception("trigger %s: its conditions failed", trigger.pk)
        return _run_record(trigger, facts, event_key, error=_("Conditions: %s") % error)
    if not matched:
        return None
    if _looping(trigger, facts):
        return _run_record(
            trigger,
            facts,
            event_key,
            error=_("Stopped: it fired %(n)d times for this session within a minute; a loop?")
            % {"n": LOOP_LIMIT},
        )
    run = _run_start(trigger, facts, event_key)
    if run is None:
        return None  # this occurrence was handled already
    done: list[str] = []
    try:
        with transaction.atomic():
            for action in trigger.actions.all():
                try:
                    done.append(
                        actions.action_run(
                            type=action.type,
                            params=action.params,
                            facts=facts,
                            trigger=trigger.name,
                        )
                    )
                except Exception as error:
                    raise _Failed(f"{action.get_type_display()}: {error}") from error
    except _Failed as failed:
        logger.warning("trigger %s failed: %s", trigger.pk, failed, exc_info=failed.__cause__)
        return _run_finish(run, status=RunStatus.FAILED, done=[], error=str(failed))
    return _run_finish(run, status=RunStatus.SUCCEEDED, done=done)


class _Failed(Exception):
    pass


def _looping(trigger: Trigger, facts: Facts) -> bool:
    if facts.session is None:
        return False
    recent = TriggerRun.objects.filter(
        trigger=trigger,
        session__dialog_id=facts.session.dialog_id,
        created_at__gte=timezone.now() - LOOP_WINDOW,
    )
    return recent.count() >= LOOP_LIMIT


def _run_start(trigger: Trigger, facts: Facts, event_key: str) -> TriggerRun | None:
    try:
        with transaction.atomic():
            return TriggerRun.objects.create(
                trigger=trigger,
                trigger_name=trigger.name,
                event=trigger.event,
                event_key=event_key,
                session=facts.session,
                contact=facts.contact,
            )
    except IntegrityError:
        return None


def _run_finish(run: TriggerRun, *, status: str, done: list[str], error: str = "") -> TriggerRun:
    run.status, run.done, run.error, run.finished_at = status, done, error[:5000], timezone.now()
    run.save(update_fields=["status", "done", "error", "finished_at"])
    return run


def _run_record(trigger: Trigger, facts: Facts, event_key: str, *, error: str) -> TriggerRun | None:
    run = _run_start(trigger, facts, event_key)
    if run is None:
        return None
    return _run_finish(run, status=RunStatus.FAILED, done=[], error=error)


# --- the dry run ------------------------------------------------------------------------


@dataclass(slots=True)
class DryRun:
    """What one trigger would do for a session, without doing it."""

    trigger: Trigger
    fires: bool
    checked: list[conditions.Checked]
    steps: list[str] = field(default_factory=list)


def _dry_facts(*, event: str, session_id: int) -> Facts:
    message_id = None
    if event == TriggerEvent.MESSAGE_RECEIVED:
        message_id = (
            Message.objects.filter(session_id=session_id, sender_type=SenderType.CONTACT)
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
    facts = selectors.facts_for_session(event=event, session_id=session_id, message_id=message_id)
    session = facts.session
    if event == TriggerEvent.SESSION_CLOSED and session is not None:
        if session.status != SessionStatus.CLOSED:  # as if it closed now (not saved)
            session.status, session.close_reason = SessionStatus.CLOSED, CloseReason.RESOLVED
            session.closed_at = timezone.now()
        facts.extra["reason"] = session.close_reason
    return facts


def triggers_dry_run(
    *, session_id: int, event: str, triggers: Iterable[Trigger] | None = None
) -> list[DryRun]:
    """For the session, which triggers of ``event`` would fire and what each action would
    do (or why it would fail). Nothing is written; the whole is also rolled back, in case
    a read made something on the way."""
    results = []
    with transaction.atomic():
        for trigger in triggers if triggers is not None else selectors.triggers_for(event=event):
            facts = _dry_facts(event=event, session_id=session_id)
            fires, checked = trigger_check(trigger=trigger, facts=facts)
            result = DryRun(trigger=trigger, fires=fires, checked=checked)
            if fires:
                result.steps = [_plan(action, facts, trigger) for action in trigger.actions.all()]
            results.append(result)
        transaction.set_rollback(True)
    return results


def _plan(action: Action, facts: Facts, trigger: Trigger) -> str:
    label = action.get_type_display()
    try:
        plan = actions.action_plan(
            type=action.type, params=action.params, facts=facts, trigger=trigger.name
        )
    except Exception as error:
        return _("%(label)s: would fail: %(error)s") % {"label": label, "error": error}
    return f"{label}: {plan}"
