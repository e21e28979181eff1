"""Reads of the knowledge base."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from contactcenter import roles
from kb.models import Article
from routing import selectors as routing_selectors


def article_list() -> QuerySet[Article]:
    return Article.objects.prefetch_related("phrases").order_by("key")


def user_may_read(*, user: Any) -> bool:
    """Admins, CRM managers and operators (supervisors too) read the knowledge base and
    ask the matcher; other accounts do not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if roles.is_admin(user) or roles.is_crm_manager(user):
        return True
    return routing_selectors.operator_get_for_user(user=user) is not None
