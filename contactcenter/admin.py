"""The admin site's own texts and the users' admin; the apps register their models in
their ``admin.py``. The site itself (sections in business order) is ``adminsite.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import ManyToManyField
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Contact center administration")
admin.site.site_title = _("Contact center administration")
admin.site.index_title = _("Settings and data")


class RoleListFilter(admin.RelatedFieldListFilter):
    def __init__(self, field: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(field, *args, **kwargs)
        self.title = _("role")


class UserWithRolesAdmin(UserAdmin):
    """Django's user admin, where a user's permission groups are called roles, as the
    rest of the admin calls them (operator groups are another thing, in Routing)."""

    list_filter = ("is_staff", "is_superuser", "is_active", ("groups", RoleListFilter))

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and formfield is not None:
            formfield.label = capfirst(_("roles"))
            formfield.help_text = _(
                "What the user may do besides answering chats (e.g. admins, CRM managers): "
                "the user gets every permission of each role. Which chats an operator "
                "answers is set by operator groups, under Routing."
            )
        return formfield


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)
