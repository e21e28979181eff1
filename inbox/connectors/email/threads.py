"""Which session an incoming e-mail goes to (docs/email.md, "Threads and sessions").

A dialog has at most one open session, so the choice is between the open one and a new
one, made before the e-mail is stored, under the dialog's row lock:

* a reply (``In-Reply-To``/``References`` naming an e-mail of this dialog, the
  customer's or one of our replies) continues the conversation: it joins the open
  session, or opens the next one when none is open;
* an e-mail with the subject of the open session's e-mails joins it too;
* a new subject, with no reference, is a new matter. If the open session's customer has
  had their answer (an operator's or a bot's reply after their last message), the old
  matter is settled: that session closes as ``resolved`` and the e-mail opens a new one,
  routed like any new conversation. If the customer is still waiting for an answer, the
  e-mail joins the open session (no unanswered e-mail is ever closed, and the customer
  keeps their place in the queue or their operator), and the operator gets a note that a
  new subject began.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from crm import services as crm_services
from inbox import selectors, services
from inbox.connectors.email.models import EmailReference
from inbox.connectors.email.parse import subject_key
from inbox.models import Channel, Dialog, Message, SenderType, Session, SessionStatus


class Placement(enum.Enum):
    NEW_DIALOG = "new_dialog"  # the sender's first e-mail on this channel
    REPEAT = "repeat"  # a redelivery: nothing to decide, nothing is stored
    NO_OPEN_SESSION = "no_open_session"  # it opens the next session
    THREAD = "thread"  # a reply to an e-mail of this dialog
    SAME_SUBJECT = "same_subject"
    NEW_SESSION = "new_session"  # a new subject after an answered one: a new session
    NEW_SUBJECT_KEPT = "new_subject_kept"  # a new subject while the customer waits


def email_dialog_id(*, channel: Channel, external_id: str) -> int | None:
    """The dialog of this sender on this channel, if they wrote before."""
    normalized = crm_services.identity_external_id_normalize(
        channel_type=channel.type, external_id=external_id
    )
    return (
        Dialog.objects.filter(
            channel=channel,
            identity__channel_type=channel.type,
            identity__external_id=normalized,
        )
        .values_list("pk", flat=True)
        .first()
    )


def email_session_prepare(
    *, dialog_id: int, client_id: str, subject: str, thread_ids: Iterable[str]
) -> Placement:
    """Decides where the e-mail goes and, for a new subject after an answered one,
    closes the open session so that storing the e-mail opens the next. Run it in the
    transaction that stores the e-mail."""
    list(Dialog.objects.select_for_update().filter(pk=dialog_id).values_list("pk"))
    if selectors.message_by_client_id(dialog_id=dialog_id, client_id=client_id) is not None:
        return Placement.REPEAT
    session = (
        Session.objects.filter(dialog_id=dialog_id).exclude(status=SessionStatus.CLOSED).first()
    )
    if session is None:
        return Placement.NO_OPEN_SESSION
    ids = [value for value in thread_ids if value]
    references = EmailReference.objects.filter(message__dialog_id=dialog_id)
    if ids and references.filter(header_message_id__in=ids).exists():
        return Placement.THREAD
    subjects = references.filter(message__session=session).values_list("subject", flat=True)
    keys = {subject_key(value) for value in subjects}
    if not keys or subject_key(subject) in keys:
        # a session that holds no e-mail yet (opened by an operator...) takes this one
        return Placement.SAME_SUBJECT
    if not _answered(session):
        return Placement.NEW_SUBJECT_KEPT
    services.session_close(session_id=session.pk)
    return Placement.NEW_SESSION


def _answered(session: Session) -> bool:
    """Whether the customer's last message in the session has had a reply."""
    last = (
        Message.objects.filter(session=session, sender_type=SenderType.CONTACT)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    replies = Message.objects.filter(
        session=session,
        sender_type__in=[SenderType.OPERATOR, SenderType.BOT],
        internal=False,
    )
    if last is not None:
        replies = replies.filter(id__gt=last)
    return replies.exists()
