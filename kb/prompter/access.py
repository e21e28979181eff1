"""Who may give feedback on a suggestion and read the prompter's figures."""

from __future__ import annotations

from typing import Any

from contactcenter import roles
from kb.prompter.models import Suggestion
from routing.models import Group


def suggestion_for_feedback(*, user: Any, suggestion_id: int) -> Suggestion | None:
    """The suggestion when ``user`` is its session's operator, a supervisor of the
    session's group or an admin; else None (the API's 404)."""
    suggestion = (
        Suggestion.objects.select_related("session__operator").filter(pk=suggestion_id).first()
    )
    if suggestion is None or not getattr(user, "is_authenticated", False):
        return None
    if roles.is_admin(user):
        return suggestion
    session = suggestion.session
    if session.operator is not None and session.operator.user_id == user.pk:
        return suggestion
    if (
        session.group_id
        and Group.objects.filter(pk=session.group_id, supervisors__user=user).exists()
    ):
        return suggestion
    return None


def may_read_stats(user: Any) -> bool:
    """Admins and supervisors (of any group)."""
    if roles.is_admin(user):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and Group.objects.filter(supervisors__user=user).exists()
    )
