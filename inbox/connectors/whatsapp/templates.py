"""Approved templates: what an operator may send a WhatsApp contact outside the 24-hour
window. The template is stored as an operator message whose text says, in words, which
template went out and what it reads; the connector sends the template itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import ChannelType
from inbox import services
from inbox.connectors.whatsapp.config import Template, WhatsAppConfig
from inbox.connectors.whatsapp.models import TemplateMessage
from inbox.models import Channel, Session

MAX_PARAM = 1024
MAX_PARAMS = 20


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    template: Template
    params: list[str]


def session_templates(*, session_id: int) -> list[Template]:
    """The templates an operator may send in this session (none off WhatsApp)."""
    channel = Channel.objects.filter(dialogs__sessions=session_id).first()
    if channel is None or channel.type != ChannelType.WHATSAPP:
        return []
    return list(WhatsAppConfig.of(channel).templates)


def session_templates_state(*, session_id: int) -> dict[str, Any]:
    """What the inbox's composer needs: whether a free-form reply may go out now, until
    when, and the templates it may send instead."""
    dialog_id = Session.objects.filter(pk=session_id).values_list("dialog_id", flat=True).first()
    closes_at = services.reply_window_closes_at(dialog_id=dialog_id) if dialog_id else None
    return {
        "window_open": closes_at is None or timezone.now() < closes_at,
        "window_closes_at": closes_at.isoformat() if closes_at is not None else None,
        "templates": [
            {
                "name": t.name,
                "language": t.language,
                "body": t.body,
                "param_count": t.param_count,
            }
            for t in session_templates(session_id=session_id)
        ],
    }


def template_choice_clean(*, session_id: int, template: Any) -> TemplateChoice:
    """``{"name", "language", "params": [...]}`` checked against the channel's templates;
    ``MessageRejected`` (``bad_template``) naming what is wrong."""
    if not isinstance(template, dict):
        raise _rejected(_('A template is {"name": ..., "language": ..., "params": [...]}.'))
    name, language = template.get("name"), template.get("language")
    params = template.get("params", [])
    if not isinstance(params, list) or not all(
        isinstance(p, str) and 0 < len(p.strip()) <= MAX_PARAM for p in params
    ):
        raise _rejected(_("Template parameters are a list of non-empty texts."))
    known = {(t.name, t.language): t for t in session_templates(session_id=session_id)}
    chosen = (
        known.get((name, language)) if isinstance(name, str) and isinstance(language, str) else None
    )
    if chosen is None:
        raise _rejected(_("This channel has no such template; pick one of its templates."))
    if len(params) != chosen.param_count or len(params) > MAX_PARAMS:
        raise _rejected(
            ngettext(
                "The template %(name)s takes %(n)d parameter.",
                "The template %(name)s takes %(n)d parameters.",
                chosen.param_count,
            )
            % {"name": chosen.name, "n": chosen.param_count}
        )
    return TemplateChoice(chosen, [p.strip() for p in params])


def operator_template_send(
    *, session_id: int, user: Any, template: Any, client_id: Any = None
) -> services.Stored:
    """Sends an approved template as the session's operator, also outside the reply
    window. Refusals as ``operator_message_send``, plus ``bad_template``."""
    choice = template_choice_clean(session_id=session_id, template=template)
    # stored text is in the installation's language, whoever's request ran this
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Template “%(name)s” sent: %(body)s") % {
            "name": choice.template.name,
            "body": choice.template.render(choice.params),
        }
    with transaction.atomic():
        stored = services.operator_message_send(
            session_id=session_id,
            user=user,
            text=text[: services.MAX_TEXT],
            client_id=client_id,
            outside_window=True,
        )
        if stored.created:
            TemplateMessage.objects.create(
                message=stored.message,
                name=choice.template.name,
                language=choice.template.language,
                params=choice.params,
            )
    return stored


def _rejected(detail: str) -> services.MessageRejected:
    return services.MessageRejected("bad_template", detail)
