"""Who may do what in the crm API, beyond what the selectors let a caller see."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request

from contactcenter import roles


def require_crm_manager(request: Request) -> None:
    if not roles.is_crm_manager(request.user):
        raise exceptions.PermissionDenied("Only administrators and CRM managers may do this.")
