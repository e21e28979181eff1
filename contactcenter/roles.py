"""The product's roles, as Django auth groups, and the checks that need no app's models.

- admin: a superuser or a member of the ``admins`` group; sees and changes everything.
- CRM manager: a member of ``crm_managers``; sees and changes contacts and leads.
- supervisor and operator are per routing group: an operator record (``routing``) that is
  a member or a supervisor of a group. ``routing.selectors`` answers those questions.
"""

from __future__ import annotations

from typing import Any

ADMINS = "admins"
CRM_MANAGERS = "crm_managers"
ALL_GROUPS = (ADMINS, CRM_MANAGERS)


def _group_names(user: Any) -> set[str]:
    cached = getattr(user, "_cc_role_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        user._cc_role_groups = cached
    return cached


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or ADMINS in _group_names(user)


def is_crm_manager(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_admin(user) or CRM_MANAGERS in _group_names(user)
