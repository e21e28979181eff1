from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsAppConnectorConfig(AppConfig):
    """The WhatsApp connector is an app of its own only to keep which template a message
    sent (``TemplateMessage``) next to its code."""

    name = "inbox.connectors.whatsapp"
    label = "whatsapp_connector"
    verbose_name = _("WhatsApp channel")
    default_auto_field = "django.db.models.BigAutoField"
