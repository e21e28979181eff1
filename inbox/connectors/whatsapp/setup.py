"""Setting a WhatsApp channel up: the webhook address to paste into Meta's console, and
"Test connection" (``GET /<phone_number_id>`` with the token), answered in plain words
for the admin; ``SetupProblem`` says what went wrong and what to do."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import ChannelType
from inbox.connectors.base import DeliveryRefused, SendFailed
from inbox.connectors.whatsapp.config import WhatsAppConfig
from inbox.connectors.whatsapp.graph import GraphClient
from inbox.models import Channel


class SetupProblem(Exception):
    """What the admin is told when the test could not pass."""


def whatsapp_webhook_url(*, channel: Channel) -> str:
    """The "Callback URL" for Meta's console, or "" without ``PUBLIC_URL``."""
    public = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if not public:
        return ""
    path = reverse("connector-webhook", kwargs={"kind": ChannelType.WHATSAPP, "key": channel.key})
    return public + path


def whatsapp_connection_test(*, channel: Channel) -> str:
    """Asks the Graph API for the channel's number with its token; returns what to tell
    the admin, or raises ``SetupProblem`` saying what to fix."""
    config = WhatsAppConfig.of(channel)
    if not config.phone_number_id or not config.access_token:
        raise SetupProblem(_("Fill in the phone number ID and the access token first, then save."))
    try:
        number = GraphClient(config).number_check()
    except SendFailed as failure:
        raise SetupProblem(
            _("Meta's Graph API could not be reached (%(reason)s). Try again in a minute.")
            % {"reason": failure}
        ) from None
    except DeliveryRefused as refused:
        raise SetupProblem(_refusal_in_words(str(refused), config.phone_number_id)) from None
    said = _("Connected: the number %(number)s (%(name)s) answers with this token.") % {
        "number": number.get("display_phone_number") or config.phone_number_id,
        "name": number.get("verified_name") or "?",
    }
    missing = [
        label
        for key, label in (("app_secret", _("app secret")), ("verify_token", _("verify token")))
        if not getattr(config, key)
    ]
    if missing:
        said += " " + _("Still to fill in: %(what)s; until then no message is accepted.") % {
            "what": ", ".join(str(m) for m in missing)
        }
    return said


def _refusal_in_words(detail: str, number: str) -> str:
    if "HTTP 401" in detail or "code 190" in detail:
        return _(
            "Meta refused the access token: it is wrong or has expired. Make a permanent "
            "token for a system user (Business settings → Users → System users) and paste "
            "it again."
        )
    if "HTTP 400" in detail or "HTTP 404" in detail:
        return _(
            "Meta does not know the phone number ID %(number)s for this token. Copy it "
            "from WhatsApp → API Setup in your app on Meta for Developers (it is not the "
            "phone number itself)."
        ) % {"number": number}
    return _("Meta refused the request: %(detail)s") % {"detail": detail}
