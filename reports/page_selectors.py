"""What the reports pages offer a user: the groups, operators and channels of their
filters (the API enforces the same limits on the figures themselves)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contactcenter import roles
from inbox.models import Channel
from reports.selectors import report_groups
from routing.models import Operator


def report_filters(*, user: Any) -> dict[str, list[dict[str, Any]]]:
    """``groups``, ``operators`` and ``channels`` ({id, name}) the user may filter by:
    admins everything, supervisors their groups, their members and their channels."""
    groups = list(report_groups(user=user))
    operators = Operator.objects.select_related("user").order_by("display_name", "pk")
    channels = Channel.objects.order_by("name", "pk")
    if not roles.is_admin(user):
        ids = [g.pk for g in groups]
        operators = operators.filter(memberships__group__in=ids).distinct()
        channels = channels.filter(Q(default_group__in=ids) | Q(topics__group__in=ids)).distinct()
    return {
        "groups": [{"id": g.pk, "name": g.name} for g in groups],
        "operators": [{"id": o.pk, "name": o.name} for o in operators],
        "channels": [{"id": c.pk, "name": c.name} for c in channels],
    }
