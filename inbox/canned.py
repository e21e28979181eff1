"""Placeholders of canned responses: which ones exist, and a response's text filled in for
one session.

A placeholder is a word in braces, ``{operator}``. Filling happens on the server, where
the session, its contact, group and channel are known; what cannot be filled (an unknown
word, or a customer whose name nobody knows yet) stays in the text as it was and is
listed in ``unfilled``, so that the operator sees it and edits it before sending. The
operator's send refuses a known placeholder left in the text (see ``unfilled_in``), so
none reaches the customer.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from inbox.models import Session

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# name -> what it becomes (shown in the admin's help text)
PLACEHOLDERS: dict[str, Promise] = {
    "operator": _("your name as customers see it"),
    "contact": _("the customer's name"),
    "contact_first_name": _("the first word of the customer's name"),
    "contact_email": _("the customer's e-mail"),
    "contact_phone": _("the customer's phone"),
    "group": _("the name of the chat's group"),
    "channel": _("the name of the channel"),
    "company": _("the title the website chat shows (else the channel's name)"),
    "date": _("today's date"),
}


@dataclass(frozen=True, slots=True)
class Unfilled:
    placeholder: str
    reason: str


@dataclass(slots=True)
class Rendered:
    text: str
    unfilled: list[Unfilled] = field(default_factory=list)


def names_in(text: str) -> list[str]:
    """The placeholder names in a text, each once, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def unknown_in(text: str) -> list[str]:
    return [name for name in names_in(text) if name not in PLACEHOLDERS]


def unfilled_in(text: str) -> list[str]:
    """Known placeholders still in a text: a reply that carries one was not filled in."""
    return [name for name in names_in(text) if name in PLACEHOLDERS]


def help_text() -> str:
    lines = [f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items()]
    return str(
        _(
            "Placeholders are filled in when an operator inserts the response: %(list)s. "
            "One the customer's data cannot fill (e.g. no name yet) is shown to the operator "
            "to edit before sending."
        )
    ) % {"list": "; ".join(lines)}


def _first_word(name: str) -> str:
    return name.split()[0] if name.split() else ""


def _values(session: Session) -> dict[str, Callable[[], str]]:
    dialog = session.dialog
    contact = dialog.contact
    channel = dialog.channel
    config = channel.config if isinstance(channel.config, dict) else {}
    return {
        "operator": lambda: session.operator.name if session.operator is not None else "",
        "contact": lambda: contact.name.strip(),
        "contact_first_name": lambda: _first_word(contact.name),
        "contact_email": lambda: contact.email,
        "contact_phone": lambda: contact.phone,
        "group": lambda: session.group.name if session.group is not None else "",
        "channel": lambda: channel.name,
        "company": lambda: str(config.get("title") or "").strip() or channel.name,
        "date": lambda: _today(session),
    }


def _today(session: Session) -> str:
    zone_name = getattr(session.group, "time_zone", "") or settings.TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return formats.date_format(timezone.now().astimezone(zone).date(), "DATE_FORMAT")


def _reason(name: str) -> str:
    if name not in PLACEHOLDERS:
        return str(_("unknown placeholder"))
    reasons: dict[str, Any] = {
        "operator": _("no operator has this chat"),
        "contact": _("the customer's name is not known"),
        "contact_first_name": _("the customer's name is not known"),
        "contact_email": _("the customer's e-mail is not known"),
        "contact_phone": _("the customer's phone is not known"),
        "group": _("the chat has no group"),
    }
    return str(reasons.get(name, _("nothing to fill it with")))


def render(*, text: str, session: Session) -> Rendered:
    """``text`` with every placeholder the session can fill replaced; the others stay as
    written and are listed with the reason."""
    values = _values(session)
    unfilled: dict[str, Unfilled] = {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values[name]() if name in values else ""
        if value:
            return value
        unfilled.setdefault(name, Unfilled(placeholder=name, reason=_reason(name)))
        return match.group(0)

    return Rendered(text=PLACEHOLDER.sub(fill, text), unfilled=list(unfilled.values()))


def unrendered(*, text: str) -> Rendered:
    """A response's text as stored, every placeholder unfilled (no session to fill it)."""
    return Rendered(
        text=text,
        unfilled=[
            Unfilled(placeholder=n, reason=str(_("open a chat to fill it")))
            if n in PLACEHOLDERS
            else Unfilled(placeholder=n, reason=_reason(n))
            for n in names_in(text)
        ],
    )
