"""Writes of labels on conversations: put on, taken off, replaced, carried over by a
transfer.

Labels sit on a session. Staff who may see a session may change its labels (callers
check that with ``inbox.selectors.session_for_staff``); each change pushes
``session.updated`` (with ``labels``) to the staff watching the session, after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inbox import payloads
from inbox.models import Label, Session, SessionLabel
from inbox.services.pushes import push_to_staff
from inbox.services.validators import MessageRejected

MAX_LABELS = 20


def _too_many() -> str:
    return ngettext(
        "A chat has at most %(n)d label.", "A chat has at most %(n)d labels.", MAX_LABELS
    ) % {"n": MAX_LABELS}


def _clean_ids(label_ids: Any) -> list[int]:
    if not isinstance(label_ids, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in label_ids
    ):
        raise MessageRejected("bad_labels", _("labels is a list of label ids."))
    ids = list(dict.fromkeys(label_ids))
    if len(ids) > MAX_LABELS:
        raise MessageRejected("too_many_labels", _too_many())
    known = set(Label.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [x for x in ids if x not in known]
    if unknown:
        raise MessageRejected(
            "unknown_label",
            _("No such label: %(ids)s.") % {"ids": ", ".join(str(x) for x in unknown)},
        )
    return ids


def _locked(session_id: int) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("dialog__contact", "dialog__channel", "group", "operator", "topic")
        .get(pk=session_id)
    )


def _changed(session: Session) -> Session:
    # the prefetch cache would be stale: the payload reads the labels afresh
    session.__dict__.pop("_prefetched_objects_cache", None)
    push_to_staff(session, {"type": "session.updated", "session": payloads.session(session)})
    return session


@transaction.atomic
def session_labels_set(*, session_id: int, user: Any, label_ids: Any) -> Session:
    """Replaces the session's labels with ``label_ids`` (an empty list removes all).
    ``MessageRejected`` for ids that are not labels."""
    ids = _clean_ids(label_ids)
    session = _locked(session_id)
    SessionLabel.objects.filter(session=session).exclude(label_id__in=ids).delete()
    _add(session, ids, user)
    return _changed(session)


@transaction.atomic
def session_label_add(*, session_id: int, user: Any, label_id: Any) -> Session:
    """Puts one label on the session (already there: nothing changes)."""
    ids = _clean_ids([label_id])
    session = _locked(session_id)
    if SessionLabel.objects.filter(session=session).exclude(label_id__in=ids).count() >= MAX_LABELS:
        raise MessageRejected("too_many_labels", _too_many())
    _add(session, ids, user)
    return _changed(session)


@transaction.atomic
def session_label_remove(*, session_id: int, label_id: int) -> Session:
    """Takes one label off the session (not there: nothing changes)."""
    session = _locked(session_id)
    SessionLabel.objects.filter(session=session, label_id=label_id).delete()
    return _changed(session)


def _add(session: Session, ids: list[int], user: Any) -> None:
    SessionLabel.objects.bulk_create(
        [
            SessionLabel(
                session=session, label_id=x, added_by=user if getattr(user, "pk", None) else None
            )
            for x in ids
        ],
        ignore_conflicts=True,
    )


def session_labels_carry(*, from_session_id: int, to_session_id: int) -> None:
    """The labels of a session go with the conversation to the session that continues
    it (a transfer), inside the caller's transaction."""
    carried = SessionLabel.objects.filter(session_id=from_session_id).values_list(
        "label_id", "added_by_id"
    )
    SessionLabel.objects.bulk_create(
        [
            SessionLabel(session_id=to_session_id, label_id=label_id, added_by_id=added_by)
            for label_id, added_by in carried
        ],
        ignore_conflicts=True,
    )


# --- the labels themselves (admins) ---------------------------------------------------------


def _label_saved(label: Label) -> Label:
    """Saves a label whose fields the caller validated (the API's serializer, the admin's
    form); a name taken in any case is ``MessageRejected``."""
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:
        raise MessageRejected("name_taken", _("A label with this name exists already.")) from None
    return label


def label_create(*, name: str, color: str = "", description: str = "") -> Label:
    label = Label(name=name.strip(), description=description)
    if color:
        label.color = color
    return _label_saved(label)


def label_update(*, label: Label, **changes: Any) -> Label:
    for field in ("name", "color", "description"):
        if field in changes:
            value = changes[field]
            setattr(label, field, value.strip() if field == "name" else value)
    return _label_saved(label)


def label_delete(*, label: Label) -> None:
    """Deletes the label; it comes off every session that had it."""
    label.delete()
