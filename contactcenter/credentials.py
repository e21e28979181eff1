"""When a credential ends, everything that used it ends at once.

Deleting an API token, deactivating a user or changing their password (by any path: the
admin, ``set_password``, ``drf_create_token -r``, a script) ends every credential of the
kind: the tokens of a deactivated or re-passworded user are deleted, so REST answers 401
on the next request (sessions already end by themselves: Django checks ``is_active`` and
the password hash of a session on each request), and every open socket of theirs is
closed with 4401 after commit (through ``contactcenter.realtime``).

These are receivers of Django's own model signals because the models are Django's and
DRF's (``auth.User``, ``authtoken.Token``): there is no service of ours that every path
goes through. They do one thing, end credentials, and no domain logic.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from contactcenter import realtime

CLOSE_REVOKED = 4401
_ENDING_FIELDS = ("password", "is_active")


def credentials_end(*, user_id: int) -> None:
    """Deletes the user's API tokens and closes every socket of theirs after commit."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        Token.objects.filter(user_id=user_id).delete()
        realtime.close_after_commit([realtime.user_group(user_id)], CLOSE_REVOKED)


def _user_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    instance._credentials_end = False
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not set(update_fields) & set(_ENDING_FIELDS):
        return  # e.g. last_login at each sign-in
    before = sender._default_manager.filter(pk=instance.pk).values(*_ENDING_FIELDS).first()
    if before is None:
        return
    deactivated = before["is_active"] and not instance.is_active
    instance._credentials_end = deactivated or before["password"] != instance.password


def _user_after_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if getattr(instance, "_credentials_end", False):
        instance._credentials_end = False
        credentials_end(user_id=instance.pk)


def _token_after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    realtime.close_after_commit([realtime.credential_group(instance.key)], CLOSE_REVOKED)


def _user_after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    realtime.close_after_commit([realtime.user_group(instance.pk)], CLOSE_REVOKED)


def connect() -> None:
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    uid = "contactcenter.credentials"
    pre_save.connect(_user_before_save, sender=user_model, dispatch_uid=f"{uid}.pre")
    post_save.connect(_user_after_save, sender=user_model, dispatch_uid=f"{uid}.post")
    post_delete.connect(_user_after_delete, sender=user_model, dispatch_uid=f"{uid}.delete")
    post_delete.connect(_token_after_delete, sender=Token, dispatch_uid=f"{uid}.token")
