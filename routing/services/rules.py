"""Routing rules: before a new session is queued, the first matching rule (in the admin's
order) may send it to another group and set its priority."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import transaction

from inbox import services as inbox_services
from inbox.models import Session, SessionStatus
from routing.models import RoutingRule

logger = logging.getLogger(__name__)


def session_context(*, session: Session) -> dict[str, Any]:
    """What rules look at: the channel, the page and language of a widget visitor, and
    the contact's attributes."""
    dialog = session.dialog
    visitor = getattr(dialog, "visitor", None)  # widget dialogs only
    return {
        "channel_id": dialog.channel_id,
        "page_url": getattr(visitor, "page_url", "") or "",
        "language": (getattr(visitor, "language", "") or "").lower(),
        "attributes": dialog.contact.attributes or {},
    }


def rule_matches(*, rule: RoutingRule, context: dict[str, Any]) -> bool:
    if rule.channel_id and rule.channel_id != context["channel_id"]:
        return False
    if rule.page_url_pattern:
        try:
            if not re.search(rule.page_url_pattern, context["page_url"]):
                return False
        except re.error:
            logger.warning("routing rule %s has a bad page pattern", rule.pk)
            return False
    if rule.language and not context["language"].startswith(rule.language.lower()):
        return False
    if rule.attribute_name:
        value = context["attributes"].get(rule.attribute_name)
        if value is None or str(value) != rule.attribute_value:
            return False
    return True


@transaction.atomic
def session_rules_apply(*, session_id: int) -> RoutingRule | None:
    """Applies the first matching active rule to a just-opened, waiting session. A topic
    the customer chose keeps its group; a rule's priority applies either way."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("dialog__contact", "dialog__visitor")
        .filter(pk=session_id, status=SessionStatus.QUEUED)
        .first()
    )
    if session is None:
        return None
    return session_rules_apply_to(session=session, keep_group=session.topic_id is not None)


def session_rules_apply_to(
    *, session: Session, keep_group: bool, keep_priority: bool = False
) -> RoutingRule | None:
    """The first matching active rule sets the group of ``session`` (locked by the
    caller), unless ``keep_group``, and its priority, unless ``keep_priority``."""
    context = session_context(session=session)
    for rule in RoutingRule.objects.filter(is_active=True).order_by("position", "pk"):
        if not rule_matches(rule=rule, context=context):
            continue
        if rule.target_group_id and not keep_group:
            inbox_services.session_group_set(
                session=session, group_id=rule.target_group_id, topic_id=session.topic_id
            )
        if rule.priority is not None and not keep_priority:
            inbox_services.session_priority_set(session=session, priority=rule.priority)
        return rule
    return None
